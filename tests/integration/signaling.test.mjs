// Rooms and sessions over real WebSocket clients against the real binary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { sleep, startServer, waitFor } from './lib/server.mjs';
import { RawClient } from './lib/ws-client.mjs';

describe('rooms and sessions', () => {
  let server;
  const clients = [];
  const connect = async () => {
    const c = await RawClient.connect(server.wsUrl);
    clients.push(c);
    return c;
  };

  before(async () => {
    server = await startServer(['--grace-period', '2', '--max-peers-per-room', '3']);
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    const { code } = await server.stop();
    assert.equal(code, 0, `exit code ${code}\n${server.log}`);
  });

  test('two clients join one room and see each other', async () => {
    const alice = await connect();
    const bob = await connect();
    const a = await alice.join('see-each-other', 'Alice');
    assert.match(a.peerId, /^p\d+$/);
    assert.match(a.sessionId, /^[0-9a-f]{16}$/);
    assert.match(a.resumeToken, /^[0-9a-f]{64}$/);
    assert.deepEqual(a.participants, []);
    const b = await bob.join('see-each-other', 'Bob');
    assert.deepEqual(b.participants, [{ peerId: a.peerId, name: 'Alice' }]);
    const ev = await alice.waitEvent('participant-joined');
    assert.deepEqual(ev.data, { peerId: b.peerId, name: 'Bob' });
    assert.equal(ev.seq, 1);
    // Bob gets no event about himself.
    await sleep(100);
    assert.equal(bob.events.length, 0);

    const left = await bob.request('leave-room');
    assert.equal(left.ok, true);
    const ev2 = await alice.waitEvent('participant-left');
    assert.deepEqual(ev2.data, { peerId: b.peerId, name: 'Bob', reason: 'left' });
    assert.equal(ev2.seq, 2);
  });

  test('a client cut off mid-session gets every missed event exactly once, in order', async () => {
    const alice = await connect();
    const bob = await connect();
    await alice.join('resume-room', 'Alice');
    const b = await bob.join('resume-room', 'Bob');
    await alice.waitEvent('participant-joined');
    // Bob sees one event before the cut, so the replay must start after it.
    const carol = await connect();
    const c = await carol.join('resume-room', 'Carol');
    await bob.waitEvent('participant-joined', (d) => d.name === 'Carol');
    const seenBeforeCut = bob.lastSeq;
    assert.equal(seenBeforeCut, 1);

    const connectedBefore = (await server.stats()).sessionsConnected;
    bob.cut(); // TCP reset, no close frame
    await waitFor(async () => (await server.stats()).sessionsConnected === connectedBefore - 1, { what: 'server noticing the cut' });

    // Events happen while Bob is away: Carol leaves, Dave joins, Dave leaves.
    await carol.request('leave-room');
    const dave = await connect();
    const d = await dave.join('resume-room', 'Dave');
    await dave.request('leave-room');
    await alice.waitEvent('participant-left', (x) => x.name === 'Dave');

    const bob2 = await connect();
    const res = await bob2.request('resume', { token: b.resumeToken, lastSeq: seenBeforeCut });
    assert.equal(res.ok, true, JSON.stringify(res));
    assert.equal(res.data.peerId, b.peerId);
    assert.equal(res.data.replayed, 3);
    assert.deepEqual(res.data.participants, [{ peerId: alice.session.peerId, name: 'Alice' }]);
    const events = await bob2.waitEventCount(3);
    await sleep(200); // nothing more may arrive
    assert.deepEqual(
      bob2.events.map((e) => [e.seq, e.event, e.data.name]),
      [
        [2, 'participant-left', 'Carol'],
        [3, 'participant-joined', 'Dave'],
        [4, 'participant-left', 'Dave'],
      ],
    );
    assert.equal(events.length, 3);
    assert.equal(d.participants.length, 2);
    assert.ok(c.peerId);

    // The resumed session is live: new events flow with the next seq, and the
    // others never saw Bob leave.
    assert.equal(alice.events.filter((e) => e.event === 'participant-left' && e.data.name === 'Bob').length, 0);
    const erin = await connect();
    await erin.join('resume-room', 'Erin');
    const live = await bob2.waitEvent('participant-joined', (x) => x.name === 'Erin');
    assert.equal(live.seq, 5);
  });

  test('resume while the old socket still looks alive takes the session over', async () => {
    const alice = await connect();
    const a = await alice.join('takeover', 'Alice');
    const second = await connect();
    const res = await second.request('resume', { token: a.resumeToken, lastSeq: 0 });
    assert.equal(res.ok, true);
    const closed = await alice.closed;
    assert.equal(closed.code, 4000);
    assert.match(closed.reason, /resumed on another connection/);
  });

  test('a client that never comes back is announced as left after the grace period and freed', async () => {
    const before = await server.stats();
    const alice = await connect();
    const ghost = await connect();
    await alice.join('grace-room', 'Alice');
    const g = await ghost.join('grace-room', 'Ghost');
    await waitFor(async () => (await server.stats()).sessions === before.sessions + 2, { what: 'two sessions' });
    const cutAt = Date.now();
    ghost.cut();
    const left = await alice.waitEvent('participant-left', (x) => x.peerId === g.peerId, 6000);
    const waited = Date.now() - cutAt;
    assert.equal(left.data.reason, 'timeout');
    assert.ok(waited >= 1900, `announced after ${waited} ms, before the 2 s grace period`);
    const st = await server.stats();
    assert.equal(st.sessions, before.sessions + 1);
    assert.ok(st.expiredSessions >= 1);
    // Its token is gone with it.
    const late = await connect();
    const res = await late.request('resume', { token: g.resumeToken, lastSeq: 0 });
    assert.equal(res.ok, false);
    assert.equal(res.error.code, 'invalid_token');
  });

  test('rooms are freed when empty and capped in size', async () => {
    const base = (await server.stats()).rooms;
    const members = [];
    for (const name of ['A', 'B', 'C']) {
      const c = await connect();
      await c.join('small-room', name);
      members.push(c);
    }
    assert.equal((await server.stats()).rooms, base + 1);
    const extra = await connect();
    const full = await extra.request('join-room', { room: 'small-room', name: 'D' });
    assert.equal(full.ok, false);
    assert.equal(full.error.code, 'room_full');
    for (const c of members) assert.equal((await c.request('leave-room')).ok, true);
    assert.equal((await server.stats()).rooms, base);
  });

  test('app-level ping returns the server time', async () => {
    const c = await connect();
    const t0 = Date.now();
    const res = await c.request('ping');
    assert.equal(res.ok, true);
    assert.ok(Math.abs(res.data.serverTime - t0) < 5000, `serverTime ${res.data.serverTime} vs ${t0}`);
  });
});

describe('heartbeat and shutdown', () => {
  test('a connection that stops answering pings is dropped; its session survives', async () => {
    const server = await startServer(['--heartbeat', '1', '--grace-period', '30']);
    try {
      const quiet = await RawClient.connect(server.wsUrl);
      await quiet.join('hb', 'Quiet');
      // Stop reading: the kernel still ACKs, but no pong ever goes back.
      quiet.ws._socket.pause();
      await waitFor(async () => (await server.stats()).connections === 0, { timeoutMs: 6000, what: 'drop' });
      const st = await server.stats();
      assert.equal(st.sessions, 1);
      assert.equal(st.sessionsConnected, 0);
      quiet.ws.terminate();
    } finally {
      const { code } = await server.stop();
      assert.equal(code, 0, server.log);
    }
  });

  test('SIGTERM tells connected participants, closes with 1001 and exits 0', async () => {
    const server = await startServer();
    const a = await RawClient.connect(server.wsUrl);
    await a.join('bye', 'Alice');
    const { code } = await server.stop();
    assert.equal(code, 0, server.log);
    const ev = await a.waitEvent('server-shutdown');
    assert.equal(ev.seq, 1);
    const closed = await a.closed;
    assert.equal(closed.code, 1001);
  });
});
