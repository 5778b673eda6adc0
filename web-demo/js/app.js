// The demo page: lobby, join by deep link (/?room=R&name=N), participant list,
// connection status. Media, chat and files arrive in later modules.
import { Call } from './call.js';
import { Chat } from './chat.js';
import { Files } from './files.js';
import { SignalingClient } from './signaling-client.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = new SignalingClient(wsUrl);
const participants = new Map(); // peerId -> name
const tiles = new Map();        // peerId -> { figure, video, stream }
let call = null;
const chat = new Chat({ list: $('chat-messages'), form: $('chat-form'), input: $('chat-input'),
  myName: () => client.session?.name || '' });
const files = new Files({ chat, list: $('transfers'), input: $('file-input'), dropZone: $('files-panel'),
  nameOf: (peerId) => participants.get(peerId) || peerId });

function showError(text) {
  const el = $('lobby-error');
  el.textContent = text;
  el.hidden = !text;
}

function renderParticipants() {
  const list = $('participants');
  list.replaceChildren();
  const me = client.session;
  const entries = me ? [[me.peerId, `${me.name} (you)`], ...participants] : [...participants];
  for (const [peerId, name] of entries) {
    const li = document.createElement('li');
    li.dataset.testid = 'participant';
    li.dataset.peerId = peerId;
    li.textContent = name;
    list.append(li);
  }
}

function showCall(session) {
  $('lobby').hidden = true;
  $('call').hidden = false;
  $('room-name').textContent = session.room;
  $('my-name').textContent = session.name;
  participants.clear();
  for (const p of session.participants) participants.set(p.peerId, p.name);
  renderParticipants();
}

function showLobby() {
  $('call').hidden = true;
  $('lobby').hidden = false;
  participants.clear();
  for (const peerId of [...tiles.keys()]) removeTile(peerId);
  if (call) call.close();
  call = null;
  chat.clear();
  files.clear();
}

function tileFor(peerId) {
  let tile = tiles.get(peerId);
  if (tile) return tile;
  const figure = document.createElement('figure');
  figure.className = 'tile';
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.dataset.testid = 'remote-video';
  video.dataset.peerId = peerId;
  video.dataset.peerName = participants.get(peerId) || peerId;
  const caption = document.createElement('figcaption');
  caption.textContent = participants.get(peerId) || peerId;
  figure.append(video, caption);
  $('grid').append(figure);
  tile = { figure, video, stream: new MediaStream() };
  video.srcObject = tile.stream;
  tiles.set(peerId, tile);
  return tile;
}

function removeTile(peerId) {
  const tile = tiles.get(peerId);
  if (!tile) return;
  tile.figure.remove();
  tiles.delete(peerId);
}

function notice(text) {
  $('call-notice').textContent = text;
  $('call-notice').hidden = !text;
}

async function startMedia(session) {
  const params = new URLSearchParams(location.search);
  const want = { audio: params.get('audio') !== '0', video: params.get('video') !== '0' };
  call = new Call(client);
  call.addEventListener('datachannel', ({ detail }) => { chat.attach(detail.channel); files.attach(detail.pc); });
  call.addEventListener('media-error', () => notice('Camera or microphone not available: you joined without them.'));
  call.addEventListener('remote-track', ({ detail }) => {
    const tile = tileFor(detail.peerId);
    tile.stream.addTrack(detail.track);
    detail.track.addEventListener('ended', () => tile.stream.removeTrack(detail.track));
  });
  call.addEventListener('remote-track-ended', ({ detail }) => {
    const tile = tiles.get(detail.peerId);
    if (!tile) return;
    for (const t of tile.stream.getTracks()) if (t.kind === detail.kind) tile.stream.removeTrack(t);
  });
  call.addEventListener('error', ({ detail }) => console.warn('media:', detail));
  try {
    if (want.audio || want.video) {
      try {
        $('local-video').srcObject = await call.getMedia(want);
      } catch {
        notice('Camera or microphone not available: you joined without them.');
      }
    }
    $('mic-button').disabled = !call.localStream?.getAudioTracks().length;
    $('cam-button').disabled = !call.localStream?.getVideoTracks().length;
    // audio/video false: getMedia above already asked; do not ask again (&video=0&audio=0).
    await call.start({ stream: call.localStream, audio: false, video: false });
  } catch (err) {
    notice(`Media could not start: ${err.message}`);
  }
}

const stateText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'offline' };
client.on('state', (state) => {
  const el = $('conn-state');
  el.textContent = stateText[state] || state;
  el.className = `pill ${state === 'open' ? 'ok' : 'warn'}`;
});
client.on('rtt', ({ rttMs }) => { $('rtt').textContent = `${rttMs} ms`; });
client.on('participant-joined', (p) => { participants.set(p.peerId, p.name); renderParticipants(); });
client.on('participant-left', (p) => { participants.delete(p.peerId); removeTile(p.peerId); renderParticipants(); });
client.on('producer-paused', (p) => tiles.get(p.peerId)?.figure.classList.add('muted'));
client.on('producer-resumed', (p) => tiles.get(p.peerId)?.figure.classList.remove('muted'));
client.on('session-lost', () => {
  showLobby();
  showError('Your connection was gone too long and the session ended. Join again.');
});
client.on('server-shutdown', () => showError('The server is restarting; reconnecting…'));

async function join(room, name) {
  showError('');
  try {
    await client.connect({ timeoutMs: 8000 });
    const session = await client.join(room, name);
    showCall(session);
    startMedia(session);
    const url = new URL(location.href);
    url.searchParams.set('room', room);
    url.searchParams.set('name', name);
    history.replaceState(null, '', url);
  } catch (err) {
    const messages = {
      room_full: 'That room is full.',
      invalid_params: `Check the room and name: ${err.message}`,
      timeout: 'The server did not answer. Try again in a moment.',
      unreachable: 'Cannot reach the server. Is it running? Still trying…',
    };
    showError(messages[err.code] || `Could not join: ${err.message}`);
  }
}

$('join-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  join($('room-input').value.trim(), $('name-input').value.trim());
});

function toggle(button, kind) {
  button.addEventListener('click', async () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    button.setAttribute('aria-pressed', String(on));
    const labels = { audio: ['Unmute microphone', 'Mute microphone'], video: ['Start camera', 'Stop camera'] };
    button.textContent = labels[kind][on ? 1 : 0];
    try { await call?.setTrackEnabled(kind, on); } catch (err) { console.warn(err); }
  });
}
toggle($('mic-button'), 'audio');
toggle($('cam-button'), 'video');

$('leave-button').addEventListener('click', async () => {
  try { await client.leave(); } catch { /* the session ends on the server anyway */ }
  showLobby();
});

const params = new URLSearchParams(location.search);
if (params.get('room')) $('room-input').value = params.get('room');
if (params.get('name')) $('name-input').value = params.get('name');
if (params.get('room') && params.get('name')) join(params.get('room'), params.get('name'));
else client.connect().catch(() => {});

// Hooks for automation and for poking at a call from the devtools console:
// window.switchboard.remoteMedia() -> per remote participant, what arrives.
window.switchboard = {
  client,
  get call() { return call; },
  // The call's receive-side milestones (performance.now() ms, null until
  // reached) and the page's clock, so a test can time media from them.
  timeline() {
    return { now: performance.now(), ...(call?.timeline || {}) };
  },
  async remoteMedia() {
    if (!call) return [];
    const byPeer = await call.remoteStats();
    const at = performance.now();
    return [...byPeer].map(([peerId, s]) => ({
      peerId,
      at,
      name: participants.get(peerId) || null,
      video: s.video ? { framesDecoded: s.video.framesDecoded || 0, width: s.video.frameWidth || 0,
        height: s.video.frameHeight || 0, packetsLost: s.video.packetsLost || 0,
        bytesReceived: s.video.bytesReceived || 0, framesPerSecond: s.video.framesPerSecond || 0 } : null,
      audio: s.audio ? { packetsReceived: s.audio.packetsReceived || 0,
        totalSamplesReceived: s.audio.totalSamplesReceived || 0, audioLevel: s.audio.audioLevel || 0 } : null,
    }));
  },
  // Where the call stands, for a failing test's report.
  callState() {
    if (!call) return null;
    const pc = (x) => x && { signaling: x.signalingState, connection: x.connectionState, ice: x.iceConnectionState,
      mids: x.getTransceivers().map((t) => `${t.mid}:${t.currentDirection}`) };
    return { recvVersion: call.recvVersion, consumers: [...call.consumers.values()], timeline: call.timeline,
      send: pc(call.sendPc), recv: pc(call.recvPc), producers: [...call.producers.values()].map((p) => p.producerId) };
  },
  // The SRTP protection profiles Chromium negotiated: { send, recv }.
  async srtpCiphers() {
    const cipher = async (pc) => {
      if (!pc) return null;
      let c = null;
      (await pc.getStats()).forEach((s) => { if (s.type === 'transport' && s.srtpCipher) c = s.srtpCipher; });
      return c;
    };
    return { send: await cipher(call?.sendPc), recv: await cipher(call?.recvPc) };
  },
  // The publisher's bandwidth estimate (bits/s) from its send transport: the
  // transport's selected candidate pair carries it (a pair is not always
  // flagged nominated in Chromium's stats, so that is only the fallback).
  async availableOutgoingBitrate() {
    if (!call?.sendPc) return 0;
    const report = await call.sendPc.getStats();
    const selected = new Set();
    report.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) selected.add(s.selectedCandidatePairId); });
    let best = 0;
    report.forEach((s) => {
      if (s.type === 'candidate-pair' && (selected.has(s.id) || s.nominated) && s.availableOutgoingBitrate) {
        best = Math.max(best, s.availableOutgoingBitrate);
      }
    });
    return best;
  },
};
