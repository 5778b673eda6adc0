// The HTTP fallback carriers (SSE: GET /sse + POST /rpc; long-poll: POST /poll
// + POST /rpc) against the real binary with real HTTP clients: the same
// methods, events, sequence numbers and resume as the WebSocket, exact
// delivery across cuts and carrier moves, the bad-input answers, CORS, idle
// expiry, and per-carrier round-trip latency (printed, not asserted).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { performance } from 'node:perf_hooks';

import { PollClient, SseClient, httpRequest, randomCid } from './lib/http-client.mjs';
import { sleep, startServer, waitFor } from './lib/server.mjs';
import { RawClient } from './lib/ws-client.mjs';

const openers = {
  sse: (base) => SseClient.open(base),
  'long-poll': (base) => PollClient.open(base),
};

const seqs = (client) => client.events.map((e) => e.seq);
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function shutdown(client) {
  if (client instanceof PollClient) await client.stop();
  else if (client instanceof SseClient) client.close();
  else if (client?.ws && client.ws.readyState === 1) await client.close();
}

// A WebSocket participant joins and leaves `room`: two events for everyone else.
async function joinAndLeave(server, room, name) {
  const c = await RawClient.connect(server.wsUrl);
  await c.join(room, name);
  await c.request('leave-room');
  await c.close();
}

async function stopClean(server) {
  const { code, signal } = await server.stop();
  assert.equal(signal, null, server.log);
  assert.equal(code, 0, `switchboard exited ${code}\n${server.log}`);
}

for (const [carrier, open] of Object.entries(openers)) {
  describe(`${carrier} carrier`, () => {
    let server;
    before(async () => {
      server = await startServer(['--long-poll-timeout', '2', '--sse-heartbeat', '1']);
    });
    after(async () => stopClean(server));

    test('ping answers on the carrier', async () => {
      const a = await open(server.base);
      const res = await a.request('ping');
      assert.equal(res.ok, true);
      assert.equal(typeof res.data.serverTime, 'number');
      await shutdown(a);
    });

    test('join; events from a WebSocket peer and to it', async () => {
      const room = `r-${carrier}-events`;
      const a = await open(server.base);
      const joined = await a.join(room, 'Alice');
      assert.deepEqual(joined.participants, []);
      const b = await RawClient.connect(server.wsUrl);
      const bj = await b.join(room, 'Bob');
      assert.deepEqual(bj.participants.map((p) => p.name), ['Alice']);
      await a.waitEvent('participant-joined', (d) => d.name === 'Bob');
      await b.request('leave-room');
      await a.waitEvent('participant-left', (d) => d.name === 'Bob' && d.reason === 'left');
      assert.deepEqual(seqs(a), [1, 2]);

      await b.join(room, 'Bob');
      const left = await a.request('leave-room');
      assert.equal(left.ok, true);
      await b.waitEvent('participant-left', (d) => d.name === 'Alice' && d.reason === 'left');
      await b.close();
      await shutdown(a);
    });

    test('resume after a cut: nothing lost, nothing duplicated', async () => {
      const room = `r-${carrier}-cut`;
      const a = await open(server.base);
      await a.join(room, 'Alice');
      await joinAndLeave(server, room, 'Bob');
      await a.waitEventCount(2);
      if (a instanceof SseClient) {
        a.cut();
        await a.waitStreamEnd();
      } else {
        await a.stop();
      }
      await joinAndLeave(server, room, 'Carol');
      await joinAndLeave(server, room, 'Dan');
      if (a instanceof SseClient) {
        const hello = await a.connect(); // Last-Event-ID: the newest id it saw
        assert.equal(hello.created, false, 'the same virtual connection continues');
      } else {
        a.start();
      }
      await a.waitEventCount(6);
      await sleep(300);
      assert.deepEqual(seqs(a), range(1, 6));
      assert.deepEqual(a.events.map((e) => e.data.name), ['Bob', 'Bob', 'Carol', 'Carol', 'Dan', 'Dan']);
      const res = await a.request('ping'); // the connection still carries requests
      assert.equal(res.ok, true);
      await shutdown(a);
    });

    test('a connection the server cannot continue exactly is reset; resume replays', async () => {
      const room = `r-${carrier}-reset`;
      const a = await open(server.base);
      const { resumeToken } = await a.join(room, 'Alice');
      await joinAndLeave(server, room, 'Bob');
      await a.waitEventCount(2);
      let fresh;
      if (a instanceof SseClient) {
        a.cut();
        await a.waitStreamEnd();
        const hello = await a.connect({ lastEventId: 999 }); // claims more than was sent
        assert.equal(hello.created, true);
        fresh = a;
      } else {
        await a.stop();
        const res = await httpRequest(`${server.base}/poll`, {
          method: 'POST', headers: { 'x-switchboard-connection': a.cid }, body: '{"after":999}',
        });
        assert.equal(res.status, 200);
        assert.deepEqual(res.json, { messages: [], next: 0, created: true });
        fresh = new PollClient(server.base, a.cid);
        fresh.start();
      }
      await joinAndLeave(server, room, 'Carol');
      const r = await fresh.request('resume', { token: resumeToken, lastSeq: 2 });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.data.replayed, 2);
      await waitFor(() => fresh.events.some((e) => e.seq === 4), { what: 'replayed events' });
      await sleep(200);
      assert.deepEqual(fresh.events.map((e) => e.seq).filter((s) => s > 2), [3, 4]);
      await shutdown(fresh);
    });

    test('an idle carrier keeps the connection open', async () => {
      const a = await open(server.base);
      if (a instanceof SseClient) {
        await waitFor(() => a.heartbeats >= 2, { timeoutMs: 5000, what: 'two SSE heartbeats' });
      } else {
        const start = Date.now();
        const polls = a.polls;
        await waitFor(() => a.polls >= polls + 1, { timeoutMs: 5000, what: 'an empty poll answer' });
        assert.ok(Date.now() - start >= 1500, 'a poll with nothing to say is held ~2 s');
      }
      assert.equal((await a.request('ping')).ok, true);
      await shutdown(a);
    });
  });
}

describe('moving a live session between carriers', () => {
  let server;
  before(async () => { server = await startServer(['--long-poll-timeout', '2']); });
  after(async () => stopClean(server));

  test('WebSocket -> SSE -> long-poll -> WebSocket, events flowing all along', async () => {
    const room = 'r-move';
    const ws1 = await RawClient.connect(server.wsUrl);
    const joined = await ws1.join(room, 'Alice');
    const token = joined.resumeToken;

    // Others keep joining and leaving: two events for Alice each time.
    let running = true;
    let generated = 0;
    const generator = (async () => {
      for (let i = 0; running; i++) {
        await joinAndLeave(server, room, `Gen${i}`);
        generated += 2;
        await sleep(15);
      }
    })();

    // The application's view: events from every carrier in the order they
    // are handed over, those at or below the last processed seq dropped (what
    // the browser client does).
    const processed = [];
    const carriers = [];
    const take = (client) => {
      for (const e of client.events) if (e.seq > (processed.at(-1) ?? 0)) processed.push(e.seq);
    };
    const move = async (from, to) => {
      await sleep(150);
      take(from);
      const lastSeq = processed.at(-1) ?? 0;
      const res = await to.request('resume', { token, lastSeq });
      assert.equal(res.ok, true, JSON.stringify(res));
      carriers.push({ client: to, lastSeq });
      return to;
    };

    carriers.push({ client: ws1, lastSeq: 0 });
    await sleep(150);
    const sse = await move(ws1, await SseClient.open(server.base));
    assert.equal((await ws1.closed).code, 4000);
    const poll = await move(sse, await PollClient.open(server.base));
    assert.equal((await sse.waitClosed()).code, 4000);
    await sse.waitStreamEnd();
    const ws2 = await move(poll, await RawClient.connect(server.wsUrl));
    assert.equal((await poll.waitClosed()).code, 4000);
    await sleep(150);
    running = false;
    await generator;
    await waitFor(() => ws2.lastSeq === generated, { what: `seq ${generated} on the last carrier` });
    take(ws2);

    assert.ok(generated >= 20, `enough traffic (${generated} events)`);
    assert.deepEqual(processed, range(1, generated), 'every event exactly once, in order');
    for (const { client, lastSeq } of carriers) {
      const got = seqs(client);
      // Each carrier delivers a gapless run starting right after the resume point.
      assert.deepEqual(got, range(lastSeq + 1, lastSeq + got.length), `${client.constructor.name} run`);
    }
    await ws2.close();
    await poll.stop();
  });
});

describe('bad input and CORS', () => {
  let server;
  const allowed = 'https://app.example';
  before(async () => {
    server = await startServer(['--cors-origins', `${allowed}, https://other.example`]);
  });
  after(async () => stopClean(server));

  const post = (path, body, headers = {}) =>
    httpRequest(`${server.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  test('connection ids are validated', async () => {
    for (const path of ['/sse', '/sse?cid=short', `/sse?cid=${'a'.repeat(65)}`, '/sse?cid=abcdefghijklmnopqrstuvwxyz%21']) {
      const res = await httpRequest(`${server.base}${path}`);
      assert.equal(res.status, 400, path);
      assert.equal(res.json.error.code, 'bad_connection_id');
    }
    for (const cid of [undefined, 'short', 'has spaces in it but is long enough', 'a'.repeat(65)]) {
      const headers = cid ? { 'x-switchboard-connection': cid } : {};
      for (const path of ['/rpc', '/poll']) {
        const res = await post(path, '{}', headers);
        assert.equal(res.status, 400, `${path} ${cid}`);
        assert.equal(res.json.error.code, 'bad_connection_id');
      }
    }
  });

  test('unknown connection, oversize body, non-JSON body, bad poll body', async () => {
    const res404 = await post('/rpc', '{"id":1,"method":"ping"}', { 'x-switchboard-connection': randomCid() });
    assert.equal(res404.status, 404);
    assert.equal(res404.json.error.code, 'unknown_connection');

    const a = await SseClient.open(server.base);
    const big = JSON.stringify({ id: 9, method: 'ping', data: { pad: 'x'.repeat(70000) } });
    const res413 = await post('/rpc', big, { 'x-switchboard-connection': a.cid });
    assert.equal(res413.status, 413);
    assert.equal(res413.json.error.code, 'message_too_large');

    const bad = await a.rpcRaw('this is not json');
    assert.deepEqual([bad.status, bad.json], [202, { accepted: true }]);
    const err = await a.nextResponse((r) => r.id === null);
    assert.equal(err.error.code, 'bad_json');
    assert.equal((await a.request('ping')).ok, true, 'the connection survives bad input');

    const wrong = await post('/poll', '{"after":0}', { 'x-switchboard-connection': a.cid });
    assert.equal(wrong.status, 409);
    assert.equal(wrong.json.error.code, 'wrong_carrier');
    a.close();

    const cid = randomCid();
    for (const body of ['nope', '{"after":-1}', '{"after":"3"}', '[]']) {
      const res = await post('/poll', body, { 'x-switchboard-connection': cid });
      assert.equal(res.status, 400, body);
      assert.equal(res.json.error.code, 'bad_request');
    }
    const tooBig = await post('/poll', JSON.stringify({ after: 0, pad: 'x'.repeat(2000) }), { 'x-switchboard-connection': cid });
    assert.equal(tooBig.status, 413);
  });

  test('wrong methods get 405 with Allow', async () => {
    const cases = [['GET', '/rpc', 'POST, OPTIONS'], ['PUT', '/poll', 'POST, OPTIONS'],
      ['DELETE', '/rpc', 'POST, OPTIONS'], ['POST', '/sse', 'GET, OPTIONS']];
    for (const [method, path, allow] of cases) {
      const res = await httpRequest(`${server.base}${path}`, {
        method, headers: { 'content-length': '0', 'x-switchboard-connection': randomCid() },
      });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.allow, allow);
      assert.equal(res.json.error.code, 'method_not_allowed');
    }
  });

  test('CORS: preflight and requests from allowed, same and other origins', async () => {
    const pre = await httpRequest(`${server.base}/rpc`, {
      method: 'OPTIONS',
      headers: { origin: allowed, 'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-switchboard-connection' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], allowed);
    assert.match(pre.headers['access-control-allow-methods'], /POST/);
    assert.match(pre.headers['access-control-allow-headers'], /X-Switchboard-Connection/i);
    assert.ok(Number(pre.headers['access-control-max-age']) > 0);
    assert.equal(pre.headers['access-control-allow-credentials'], undefined, 'no cookies');

    const denied = await httpRequest(`${server.base}/poll`, {
      method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(denied.status, 403);
    assert.equal(denied.headers['access-control-allow-origin'], undefined);

    const cid = randomCid();
    const ok = await post('/poll', '{"after":0}', { origin: allowed, 'x-switchboard-connection': cid });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], allowed);
    assert.match(ok.headers.vary, /Origin/);

    const same = await post('/poll', '{"after":0}', { origin: server.base, 'x-switchboard-connection': randomCid() });
    assert.equal(same.status, 200, 'same origin needs no allowlist');
    assert.equal(same.headers['access-control-allow-origin'], undefined);

    for (const [method, path] of [['POST', '/rpc'], ['POST', '/poll'], ['GET', `/sse?cid=${randomCid()}`]]) {
      const res = await httpRequest(`${server.base}${path}`, {
        method, headers: { origin: 'https://evil.example', 'content-length': '2', 'x-switchboard-connection': cid },
        body: method === 'POST' ? '{}' : undefined,
      });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.json.error.code, 'origin_not_allowed');
    }
  });

  test('the server stays healthy', async () => {
    assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
  });
});

describe('limits and expiry', () => {
  test('connections over --max-http-connections get 503', async () => {
    const server = await startServer(['--max-http-connections', '2']);
    const a = await PollClient.open(server.base);
    const b = await SseClient.open(server.base);
    const res = await httpRequest(`${server.base}/poll`, {
      method: 'POST', headers: { 'x-switchboard-connection': randomCid() }, body: '{"after":0}',
    });
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, 'too_many_connections');
    const sse = await httpRequest(`${server.base}/sse?cid=${randomCid()}`);
    assert.equal(sse.status, 503);
    await a.stop();
    b.close();
    await stopClean(server);
  });

  for (const [carrier, open] of Object.entries(openers)) {
    test(`${carrier}: a silent connection expires, then its session after the grace period`, async () => {
      const server = await startServer(['--http-idle-timeout', '1', '--grace-period', '2', '--long-poll-timeout', '1']);
      const room = `r-idle-${carrier}`;
      const watcher = await RawClient.connect(server.wsUrl);
      await watcher.join(room, 'Watcher');
      const a = await open(server.base);
      await a.join(room, 'Alice');
      await watcher.waitEvent('participant-joined', (d) => d.name === 'Alice');
      const silentAt = Date.now();
      if (a instanceof SseClient) a.cut();
      else await a.stop();

      await waitFor(async () => (await server.stats()).connections === 1, { timeoutMs: 4000, what: 'the virtual connection dropped' });
      const dropped = Date.now() - silentAt;
      assert.ok(dropped >= 900, `dropped after ${dropped} ms, idle timeout 1 s`);
      const gone = await a.rpcRaw('{"id":99,"method":"ping"}');
      assert.equal(gone.status, 404);
      assert.equal(gone.json.error.code, 'unknown_connection');

      const left = await watcher.waitEvent('participant-left', (d) => d.name === 'Alice', 8000);
      assert.equal(left.data.reason, 'timeout');
      const expired = Date.now() - silentAt;
      assert.ok(expired >= 2900, `session ended after ${expired} ms: idle 1 s + grace 2 s`);
      assert.equal((await server.stats()).sessions, 1);
      await watcher.close();
      await stopClean(server);
    });
  }
});

describe('server stop and slow clients', () => {
  test('SIGTERM: SSE and long-poll clients get server-shutdown and close 1001; exit 0', async () => {
    const server = await startServer(['--long-poll-timeout', '5']);
    const a = await SseClient.open(server.base);
    await a.join('r-stop', 'Alice');
    const b = await PollClient.open(server.base);
    await b.join('r-stop', 'Bob');
    await a.waitEvent('participant-joined');
    await stopClean(server);
    for (const c of [a, b]) {
      await c.waitEvent('server-shutdown', () => true, 2000);
      assert.equal((await c.waitClosed(2000)).code, 1001);
    }
    await b.stop();
  });

  test('a client that stops reading loses its connection, not its session', async () => {
    // The outbox holds max(1024, 2 x --replay-events) messages: 1024 here.
    const server = await startServer(['--replay-events', '512']);
    const room = 'r-slow';
    const a = await PollClient.open(server.base);
    const { resumeToken } = await a.join(room, 'Alice');
    await a.stop();
    // 1100 events > the outbox's 1024 messages, in 8 parallel lanes.
    await Promise.all(Array.from({ length: 8 }, async (_, lane) => {
      for (let i = 0; i < 69; i++) await joinAndLeave(server, room, `L${lane}n${i}`);
    }));
    assert.match(server.log, /outbox full/);
    const res = await httpRequest(`${server.base}/poll`, {
      method: 'POST', headers: { 'x-switchboard-connection': a.cid }, body: JSON.stringify({ after: a.after }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.closed.code, 1008);
    const b = await PollClient.open(server.base);
    // The session is still in its room and resumes from anything its ring
    // (the newest 512 events) still holds.
    const total = 8 * 69 * 2;
    const r = await b.request('resume', { token: resumeToken, lastSeq: total - 100 });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.data.replayed, 100);
    await waitFor(() => b.lastSeq === total, { what: 'the replay' });
    assert.deepEqual(seqs(b), range(total - 99, total));
    await b.stop();
    await stopClean(server);
  });
});

describe('latency', () => {
  const N = 500;
  let server;
  before(async () => { server = await startServer(['--rate-limit', '100000', '--rate-burst', '100000']); });
  after(async () => stopClean(server));

  const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

  test(`ping round trips per carrier (${N} each)`, async (t) => {
    const clients = {
      websocket: await RawClient.connect(server.wsUrl),
      sse: await SseClient.open(server.base),
      'long-poll': await PollClient.open(server.base),
    };
    const rows = [];
    for (const [name, c] of Object.entries(clients)) {
      for (let i = 0; i < 20; i++) await c.request('ping'); // warm up
      const rtts = [];
      for (let i = 0; i < N; i++) {
        const start = performance.now();
        const res = await c.request('ping');
        rtts.push(performance.now() - start);
        assert.equal(res.ok, true);
      }
      rtts.sort((x, y) => x - y);
      rows.push(`${name.padEnd(10)} p50 ${pct(rtts, 50).toFixed(2)} ms  p95 ${pct(rtts, 95).toFixed(2)} ms  p99 ${pct(rtts, 99).toFixed(2)} ms`);
    }
    for (const row of rows) t.diagnostic(row);
    console.log(rows.join('\n'));
    await clients.websocket.close();
    clients.sse.close();
    await clients['long-poll'].stop();
  });
});
