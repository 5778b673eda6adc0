// The web demo's signaling client module (web-demo/js/signaling-client.js),
// run in Node with the `ws` package against the real server: reconnect with
// backoff, automatic resume, exactly-once events, request timeouts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';

import { SignalingClient } from '../../web-demo/js/signaling-client.js';
import { sleep, startServer, waitFor } from './lib/server.mjs';
import { RawClient } from './lib/ws-client.mjs';

describe('browser signaling client', () => {
  let server;
  const opened = [];
  const make = (opts = {}) => {
    const c = new SignalingClient(server.wsUrl, { WebSocket, backoffInitialMs: 50, backoffMaxMs: 400, ...opts });
    opened.push(c);
    return c;
  };

  before(async () => {
    server = await startServer(['--grace-period', '3']);
  });

  after(async () => {
    for (const c of opened) c.close();
    const { code } = await server.stop();
    assert.equal(code, 0, server.log);
  });

  test('requests resolve with data and reject with the server error code', async () => {
    const c = make();
    await c.connect();
    const me = await c.join('client-room', 'Alice');
    assert.equal(me.room, 'client-room');
    await assert.rejects(c.request('no-such-method'), (err) => err.code === 'unknown_method');
    await assert.rejects(c.request('join-room', { room: 'client-room', name: 'Again' }), (err) => err.code === 'already_joined');
  });

  test('after an abrupt cut it reconnects, resumes and delivers each missed event once, in order', async () => {
    const alice = make();
    await alice.connect();
    await alice.join('cut-room', 'Alice');
    const seen = [];
    alice.on('event', (e) => seen.push(e));
    const states = [];
    alice.on('state', (s) => states.push(s));
    const resumed = new Promise((resolve) => alice.on('resumed', resolve));

    alice._ws._socket.resetAndDestroy(); // the network blinks
    // Others come and go while Alice is away.
    const others = [];
    for (const name of ['Bob', 'Carol']) {
      const o = await RawClient.connect(server.wsUrl);
      await o.join('cut-room', name);
      others.push(o);
    }
    await others[0].request('leave-room');

    const info = await resumed;
    assert.ok(info.replayed >= 0);
    await waitFor(() => seen.length >= 3, { what: 'three events' });
    await sleep(300);
    assert.deepEqual(seen.map((e) => [e.event, e.data.name]), [
      ['participant-joined', 'Bob'],
      ['participant-joined', 'Carol'],
      ['participant-left', 'Bob'],
    ]);
    assert.deepEqual(seen.map((e) => e.seq), [1, 2, 3]);
    assert.deepEqual(states, ['reconnecting', 'open']);
    for (const o of others) o.ws.terminate();
  });

  test('requests made while disconnected are queued and sent after the resume', async () => {
    const c = make({ backoffInitialMs: 300, backoffJitter: 0 });
    await c.connect();
    await c.join('queue-room', 'Q');
    const reconnecting = new Promise((resolve) => c.on('state', (s) => s === 'reconnecting' && resolve()));
    c._ws._socket.resetAndDestroy();
    await reconnecting; // the next attempt is 300 ms away
    const pending = c.request('ping');
    assert.equal(c._queue.length, 1);
    const pong = await pending;
    assert.ok(pong.serverTime > 0);
    assert.equal(c.state, 'open');
  });

  test('a session that outlived its grace period is reported lost', async () => {
    const c = make({ backoffInitialMs: 4000, backoffMaxMs: 4000, backoffJitter: 0 });
    await c.connect();
    await c.join('lost-room', 'Late');
    const lost = new Promise((resolve) => c.on('session-lost', resolve));
    c._ws._socket.resetAndDestroy(); // reconnects only after 4 s; the grace period is 3 s
    const ev = await lost;
    assert.equal(ev.reason, 'invalid_token');
    assert.equal(c.session, null);
    assert.equal(c.state, 'open');
  });

  test('connect() with a timeout rejects when nothing listens, and keeps trying', async () => {
    const c = new SignalingClient('ws://127.0.0.1:9/ws', { WebSocket, backoffInitialMs: 50, backoffMaxMs: 100 });
    opened.push(c);
    const attempts = [];
    c.on('reconnecting', (a) => attempts.push(a.attempt));
    await assert.rejects(c.connect({ timeoutMs: 500 }), (err) => err.code === 'unreachable');
    assert.ok(attempts.length >= 2, `attempts: ${attempts}`);
    c.close();
  });
});
