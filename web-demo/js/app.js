// The demo page: lobby, join by deep link (/?room=R&name=N), participant list,
// connection status. Media, chat and files arrive in later modules.
import { SignalingClient } from './signaling-client.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = new SignalingClient(wsUrl);
const participants = new Map(); // peerId -> name

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
}

const stateText = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'offline' };
client.on('state', (state) => {
  const el = $('conn-state');
  el.textContent = stateText[state] || state;
  el.className = `pill ${state === 'open' ? 'ok' : 'warn'}`;
});
client.on('rtt', ({ rttMs }) => { $('rtt').textContent = `${rttMs} ms`; });
client.on('participant-joined', (p) => { participants.set(p.peerId, p.name); renderParticipants(); });
client.on('participant-left', (p) => { participants.delete(p.peerId); renderParticipants(); });
client.on('session-lost', () => {
  showLobby();
  showError('Your connection was gone too long and the session ended. Join again.');
});
client.on('server-shutdown', () => showError('The server is restarting; reconnecting…'));

async function join(room, name) {
  showError('');
  try {
    await client.connect({ timeoutMs: 8000 });
    showCall(await client.join(room, name));
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

$('leave-button').addEventListener('click', async () => {
  try { await client.leave(); } catch { /* the session ends on the server anyway */ }
  showLobby();
});

const params = new URLSearchParams(location.search);
if (params.get('room')) $('room-input').value = params.get('room');
if (params.get('name')) $('name-input').value = params.get('name');
if (params.get('room') && params.get('name')) join(params.get('room'), params.get('name'));
else client.connect().catch(() => {});
