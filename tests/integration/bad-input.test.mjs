// Every kind of bad input gets a clear error code (or, for a flood, a close
// with a reason), and a bystander session in another room is unharmed.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import { sleep, startServer } from './lib/server.mjs';
import { RawClient } from './lib/ws-client.mjs';

describe('bad input', () => {
  let server;
  let bystander;   // in a room with a friend; must see no disturbance
  let friend;
  let eventsBefore;

  before(async () => {
    server = await startServer(['--max-message-size', '4096', '--max-json-depth', '8',
      '--rate-limit', '20', '--rate-burst', '40']);
    bystander = await RawClient.connect(server.wsUrl);
    friend = await RawClient.connect(server.wsUrl);
    await bystander.join('calm', 'Bystander');
    await friend.join('calm', 'Friend');
    await bystander.waitEvent('participant-joined');
  });

  beforeEach(() => {
    eventsBefore = bystander.events.length;
  });

  // The bystander still answers, has seen no new events, and its room is intact.
  async function assertBystanderUnharmed() {
    const pong = await bystander.request('ping');
    assert.equal(pong.ok, true);
    assert.equal(bystander.events.length, eventsBefore, JSON.stringify(bystander.events.slice(eventsBefore)));
    assert.equal(bystander.ws.readyState, 1);
    const stats = await server.stats();
    assert.ok(stats.sessions >= 2);
  }

  after(async () => {
    bystander.ws.terminate();
    friend.ws.terminate();
    const { code } = await server.stop();
    assert.equal(code, 0, `exit ${code}\n${server.log}`);
  });

  async function expectError(send, code, { id = null } = {}) {
    const c = await RawClient.connect(server.wsUrl);
    send(c);
    const res = await c.nextResponse((r) => r.id === id);
    assert.equal(res.ok, false);
    assert.equal(res.error.code, code, JSON.stringify(res));
    assert.ok(res.error.message.length > 0);
    // The connection stays usable after an error.
    assert.equal((await c.request('ping')).ok, true);
    c.ws.terminate();
    await assertBystanderUnharmed();
    return res;
  }

  test('non-JSON text', () => expectError((c) => c.sendRaw('hello {'), 'bad_json'));

  test('JSON that is not an object', () => expectError((c) => c.sendRaw('[1,2,3]'), 'invalid_request'));

  test('missing id', () => expectError((c) => c.sendRaw('{"method":"ping"}'), 'invalid_request'));

  test('wrong type for id', () => expectError((c) => c.sendRaw('{"id":"7","method":"ping"}'), 'invalid_request'));

  test('wrong type for method', () =>
    expectError((c) => c.sendRaw('{"id":7,"method":42}'), 'invalid_request', { id: 7 }));

  test('wrong type for data', () =>
    expectError((c) => c.sendRaw('{"id":7,"method":"join-room","data":"x"}'), 'invalid_request', { id: 7 }));

  test('wrong field types inside data', async () => {
    await expectError((c) => c.sendRaw('{"id":3,"method":"join-room","data":{"room":5,"name":"A"}}'),
      'invalid_params', { id: 3 });
    await expectError((c) => c.sendRaw('{"id":4,"method":"join-room","data":{"room":"ok","name":["A"]}}'),
      'invalid_params', { id: 4 });
  });

  test('invalid room and display names', async () => {
    for (const data of [
      { room: '', name: 'A' },
      { room: 'has space', name: 'A' },
      { room: 'x'.repeat(65), name: 'A' },
      { room: '../etc', name: 'A' },
      { room: 'ok', name: ' leading' },
      { room: 'ok', name: '<script>' },
    ]) {
      await expectError((c) => c.sendRaw(JSON.stringify({ id: 9, method: 'join-room', data })), 'invalid_params', { id: 9 });
    }
  });

  test('unknown method', () => expectError((c) => c.sendRaw('{"id":5,"method":"launch-rocket"}'), 'unknown_method', { id: 5 }));

  test('request before join-room', () =>
    expectError((c) => c.sendRaw('{"id":6,"method":"leave-room"}'), 'not_joined', { id: 6 }));

  test('resume with a made-up token', () =>
    expectError((c) => c.sendRaw(JSON.stringify({ id: 8, method: 'resume', data: { token: 'f'.repeat(64), lastSeq: 0 } })),
      'invalid_token', { id: 8 }));

  test('frame over the size limit', async () => {
    const big = JSON.stringify({ id: 10, method: 'ping', data: { pad: 'x'.repeat(5000) } });
    const res = await expectError((c) => c.sendRaw(big), 'message_too_large');
    assert.match(res.error.message, /limit is 4096/);
  });

  test('oversized message split into many fragments', async () => {
    const c = await RawClient.connect(server.wsUrl);
    const chunk = Buffer.from('x'.repeat(1000));
    for (let i = 0; i < 20; i++) c.ws.send(chunk, { fin: i === 19, binary: false });
    const res = await c.nextResponse((r) => r.id === null);
    assert.equal(res.error.code, 'message_too_large');
    assert.equal((await c.request('ping')).ok, true);
    c.ws.terminate();
    await assertBystanderUnharmed();
  });

  test('deeply nested JSON', () =>
    expectError((c) => c.sendRaw(`{"id":11,"method":"ping","data":{"a":${'['.repeat(1000)}${']'.repeat(1000)}}}`), 'too_deep'));

  test('binary frame', () => expectError((c) => c.ws.send(Buffer.from([1, 2, 3])), 'invalid_request'));

  test('message flood closes the connection with a reason', async () => {
    const c = await RawClient.connect(server.wsUrl);
    await c.join('flood-room', 'Flooder');
    for (let i = 0; i < 500; i++) c.sendRaw(JSON.stringify({ id: 100 + i, method: 'ping' }));
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /rate limit/);
    const answered = [...c.responses.values()].filter((r) => r.ok).length;
    assert.ok(answered >= 40 && answered < 500, `answered ${answered} of 500`);
    assert.ok((await server.stats()).rateLimited >= 1);
    await assertBystanderUnharmed();
  });

  test('join-room twice on one connection', async () => {
    const c = await RawClient.connect(server.wsUrl);
    await c.join('twice', 'A');
    const res = await c.request('join-room', { room: 'twice', name: 'A' });
    assert.equal(res.error.code, 'already_joined');
    c.ws.terminate();
    await assertBystanderUnharmed();
  });

  test('WebSocket upgrade on another path is refused', async () => {
    const url = server.wsUrl.replace('/ws', '/other');
    await assert.rejects(RawClient.connect(url));
    await assertBystanderUnharmed();
  });

  test('many garbage connections leave memory flat', async () => {
    const before = await (await fetch(`${server.base}/stats`)).json();
    for (let round = 0; round < 200; round++) {
      const c = await RawClient.connect(server.wsUrl);
      c.sendRaw('{"id":1,"method":"join-room","data":{"room":"r' + round + '","name":"x"}}');
      c.sendRaw('not json');
      await c.responseTo(1);
      c.cut();
    }
    await sleep(2500);
    const afterStats = await (await fetch(`${server.base}/stats`)).json();
    // Sessions from the cut connections are still within their 30 s grace period here.
    assert.equal(afterStats.signaling.sessions, before.signaling.sessions + 200);
    const growthKiB = afterStats.process.residentKiB - before.process.residentKiB;
    assert.ok(growthKiB < 64 * 1024, `resident memory grew by ${growthKiB} KiB`);
    await assertBystanderUnharmed();
  });
});
