// The demo page: lobby, join by deep link (/?room=R&name=N), participant list,
// connection status. Media, chat and files arrive in later modules.
import { Call } from './call.js';
import { SignalingClient } from './signaling-client.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = new SignalingClient(wsUrl);
const participants = new Map(); // peerId -> name
const tiles = new Map();        // peerId -> { figure, video, stream }
let call = null;

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
    await call.start({ stream: call.localStream });
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
  async remoteMedia() {
    if (!call) return [];
    const byPeer = await call.remoteStats();
    return [...byPeer].map(([peerId, s]) => ({
      peerId,
      name: participants.get(peerId) || null,
      video: s.video ? { framesDecoded: s.video.framesDecoded || 0, width: s.video.frameWidth || 0,
        height: s.video.frameHeight || 0, packetsLost: s.video.packetsLost || 0,
        bytesReceived: s.video.bytesReceived || 0, framesPerSecond: s.video.framesPerSecond || 0 } : null,
      audio: s.audio ? { packetsReceived: s.audio.packetsReceived || 0,
        totalSamplesReceived: s.audio.totalSamplesReceived || 0, audioLevel: s.audio.audioLevel || 0 } : null,
    }));
  },
  // The publisher's bandwidth estimate (bits/s) from its send transport.
  async availableOutgoingBitrate() {
    if (!call?.sendPc) return 0;
    const report = await call.sendPc.getStats();
    let best = 0;
    report.forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) best = Math.max(best, s.availableOutgoingBitrate);
    });
    return best;
  },
};
