// Starts the real switchboard binary inside a test namespace (see netns.mjs),
// listening on the namespace's 10.77.x.1 address, and stops it with SIGTERM.
//
// The test process itself lives outside the namespace and cannot reach
// 10.77.x.1, so every HTTP request to the server (health check, /stats) runs
// as a short node process inside the namespace (fetchInNs).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const binary = path.resolve(process.env.SWITCHBOARD_BIN || path.join(repoRoot, 'build/switchboard'));
export const webRoot = path.resolve(process.env.SWITCHBOARD_WEB_ROOT || path.join(repoRoot, 'web-demo'));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// For races: an unref'd timer, so a pending deadline never keeps the test
// process alive after everything else is done.
const timeout = (ms) => new Promise((r) => setTimeout(r, ms).unref());
let portCounter = 0;

// A node one-liner run inside the namespace: GET url, retrying until it
// answers 200 or the deadline passes; prints {status, body} as JSON.
const FETCH_SCRIPT = `
const [url, deadlineMs, retry] = process.argv.slice(1);
const until = Date.now() + Number(deadlineMs);
(async () => {
  let last = { status: 0, body: '', error: 'no attempt' };
  do {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      last = { status: res.status, body: await res.text() };
      if (res.status === 200 || retry !== '1') break;
    } catch (e) { last = { status: 0, body: '', error: String(e && e.cause || e) }; if (retry !== '1') break; }
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < until);
  process.stdout.write(JSON.stringify(last));
})();`;

export class Server {
  constructor(ns, proc, host, port) {
    this.ns = ns;
    this.proc = proc;
    this.host = host;
    this.port = port;
    this.origin = `http://${host}:${port}`;
    this.base = this.origin;
    this.wsUrl = `ws://${host}:${port}/ws`;
    this.log = '';
    proc.stdout.on('data', (d) => { this.log += d; });
    proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = proc.exitPromise;
  }

  // URL of a path on this server, e.g. url('/?room=a&name=b').
  url(p = '/') { return `${this.origin}${p}`; }

  get running() { return this.proc.exitCode === null && this.proc.signalCode === null; }

  // GET a path from inside the namespace. Resolves {status, body, error?};
  // retry: keep trying until 200 or timeoutMs.
  async fetchInNs(p, { timeoutMs = 10000, retry = false } = {}) {
    const r = await this.ns.exec(process.execPath, ['-e', FETCH_SCRIPT, this.url(p), String(timeoutMs), retry ? '1' : '0'],
      { timeoutMs: timeoutMs + 5000 });
    try { return JSON.parse(r.stdout); } catch {
      return { status: 0, body: '', error: `probe failed (code ${r.code}): ${r.stderr.trim()}` };
    }
  }

  async waitHealthy(timeoutMs = 15000) {
    // The probe and the server run concurrently; stop early if the server dies.
    const died = this.exited.then(() => ({ status: 0, body: '', error: 'server exited' }));
    const r = await Promise.race([this.fetchInNs('/healthz', { timeoutMs, retry: true }), died]);
    return r.status === 200 && r.body.trim() === 'ok' ? true : r;
  }

  async stats() {
    const r = await this.fetchInNs('/stats');
    if (r.status !== 200) throw new Error(`/stats answered ${r.status} ${r.error || ''}`);
    return JSON.parse(r.body);
  }

  // SIGTERM, wait for the exit. Resolves {code, signal, log}. If it does not
  // exit within timeoutMs it is killed and this throws with the log.
  async stop({ timeoutMs = 10000 } = {}) {
    if (this.running) this.proc.kill('SIGTERM');
    const result = await Promise.race([this.exited, timeout(timeoutMs).then(() => null)]);
    if (result === null) {
      this.proc.kill('SIGKILL');
      await Promise.race([this.exited, timeout(2000)]);
      throw new Error(`switchboard did not exit within ${timeoutMs} ms of SIGTERM\n--- log ---\n${this.log}`);
    }
    await sleep(20); // let the last log lines arrive
    return { code: result.code, signal: result.signal, log: this.log };
  }

  async kill() {
    if (this.running) this.proc.kill('SIGKILL');
    await Promise.race([this.exited, timeout(3000)]);
  }
}

// Starts switchboard inside `ns` on ns.address. Options:
//   args        extra flags, e.g. ['--grace-period', '2']
//   port        fixed port (default: a fresh one per server in this process)
//   env         extra environment
//   healthTimeoutMs  how long to wait for /healthz
export async function startServer(ns, { args = [], port, env = {}, healthTimeoutMs = 15000 } = {}) {
  if (!fs.existsSync(binary)) {
    throw new Error(`switchboard binary not found at ${binary}; build it ` +
      '(cmake -S . -B build && cmake --build build --target switchboard) or set SWITCHBOARD_BIN');
  }
  let lastFailure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    // The namespace is fresh, so ports are free unless this process started
    // another server in it already.
    const p = port || 18080 + (portCounter++ % 1000);
    const proc = ns.spawn(binary, ['--listen', `${ns.address}:${p}`, '--web-root', webRoot, '--workers', '2', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new Server(ns, proc, ns.address, p);
    const healthy = await server.waitHealthy(healthTimeoutMs);
    if (healthy === true) return server;
    lastFailure = `attempt ${attempt + 1} on port ${p}: ${JSON.stringify(healthy)}\n--- log ---\n${server.log}`;
    await server.kill();
    if (port) break;
  }
  throw new Error(`switchboard did not become healthy in ${ns.name}\n${lastFailure}`);
}
