// The binary as an operator meets it: flags, --help, errors at start-up,
// /healthz, /stats and the static web demo.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { binary, startServer, webRoot } from './lib/server.mjs';

describe('command line', () => {
  const run = (args, env = {}) => spawnSync(binary, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 10000 });

  test('--help lists every setting with its environment variable and default', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    for (const flag of ['--listen', '--web-root', '--workers', '--log-level', '--grace-period',
      '--max-peers-per-room', '--max-message-size', '--rate-limit', '--heartbeat', '--rtc-ports', '--announce-ip']) {
      assert.ok(r.stdout.includes(flag), `--help lacks ${flag}`);
    }
    assert.match(r.stdout, /SWITCHBOARD_LISTEN, default "0\.0\.0\.0:8080"/);
    assert.match(r.stdout, /SWITCHBOARD_GRACE_PERIOD, default "30"/);
  });

  test('a bad setting exits 2 and names the setting', () => {
    for (const [args, env, pattern] of [
      [['--listen', 'nope'], {}, /--listen wants HOST:PORT/],
      [['--workers', 'many'], {}, /--workers wants a non-negative integer/],
      [['--log-level', 'loud'], {}, /--log-level/],
      [['--rtc-ports', '5000-4000'], {}, /--rtc-ports/],
      [['--web-root', '/nonexistent-dir'], {}, /--web-root/],
      [[], { SWITCHBOARD_GRACE_PERIOD: 'x' }, /SWITCHBOARD_GRACE_PERIOD/],
      [['extra-arg'], {}, /unexpected argument/],
    ]) {
      const r = run(['--web-root', webRoot, ...args], env);
      assert.equal(r.status, 2, `${args} ${JSON.stringify(env)}: status ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
  });

  test('a port already in use exits 1 with a clear message', async () => {
    const server = await startServer();
    try {
      const r = run(['--web-root', webRoot, '--listen', `127.0.0.1:${server.port}`]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+/);
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  test('environment variables configure the server and flags win over them', async () => {
    const server = await startServer(['--max-peers-per-room', '1'], { env: { SWITCHBOARD_MAX_PEERS_PER_ROOM: '5', SWITCHBOARD_WORKERS: '3' } });
    try {
      const stats = await (await fetch(`${server.base}/stats`)).json();
      assert.equal(stats.workers.length, 2); // --workers 2 from the test harness beats the env's 3
      const { RawClient } = await import('./lib/ws-client.mjs');
      const a = await RawClient.connect(server.wsUrl);
      await a.join('tiny', 'A');
      const b = await RawClient.connect(server.wsUrl);
      const res = await b.request('join-room', { room: 'tiny', name: 'B' });
      assert.equal(res.error.code, 'room_full');
      a.ws.terminate();
      b.ws.terminate();
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });
});

function rawGet(port, path) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(`GET ${path} HTTP/1.0\r\nHost: x\r\n\r\n`));
    let data = '';
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => resolve(data));
    sock.on('close', () => resolve(data));
    sock.on('error', reject);
    sock.setTimeout(3000, () => { sock.destroy(); resolve(data); });
  });
}

describe('HTTP endpoints', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { assert.equal((await server.stop()).code, 0, server.log); });

  test('/healthz answers ok', async () => {
    const res = await fetch(`${server.base}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok\n');
  });

  test('/ serves the web demo and its modules', async () => {
    const page = await fetch(`${server.base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /text\/html/);
    assert.match(await page.text(), /<title>Switchboard<\/title>/);
    const js = await fetch(`${server.base}/js/signaling-client.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /javascript/);
  });

  test('/stats reports rooms, sessions and workers as JSON', async () => {
    const stats = await (await fetch(`${server.base}/stats`)).json();
    assert.equal(typeof stats.signaling.sessions, 'number');
    assert.equal(stats.workers.length, 2);
    assert.ok(stats.process.residentKiB > 0);
  });

  test('unknown paths are 404 and path traversal is refused', async () => {
    assert.equal((await fetch(`${server.base}/nope.html`)).status, 404);
    // fetch() would normalise the path; send it raw.
    for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/js/../../../etc/passwd']) {
      const reply = await rawGet(server.port, path);
      assert.doesNotMatch(reply, /root:x:0:0/, path);
    }
  });
});

describe('documentation', () => {
  test("the README's configuration table is the one the binary prints", async () => {
    const fs = await import('node:fs');
    const { repoRoot } = await import('./lib/server.mjs');
    const readme = fs.readFileSync(`${repoRoot}/README.md`, 'utf8');
    const table = spawnSync(binary, ['--print-config-table'], { encoding: 'utf8' }).stdout.trim();
    assert.ok(table.split('\n').length > 10);
    assert.ok(readme.includes(table), 'README.md configuration table is stale: paste `switchboard --print-config-table`');
  });
});
