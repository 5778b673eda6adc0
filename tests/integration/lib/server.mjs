// Starts the real switchboard binary on a free loopback port for a test and
// stops it with SIGTERM, asserting a clean exit (under the sanitizer build,
// a leak makes the exit code non-zero, so every stop is also a leak check).
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const binary = process.env.SWITCHBOARD_BIN || path.join(repoRoot, 'build/switchboard');
export const webRoot = process.env.SWITCHBOARD_WEB_ROOT || path.join(repoRoot, 'web-demo');

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startServer(args = [], { host = '127.0.0.1', env = {} } = {}) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort(host);
    const proc = spawn(binary, ['--listen', `${host}:${port}`, '--web-root', webRoot, '--workers', '2', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new RunningServer(proc, host, port);
    if (await server.waitHealthy()) return server;
    await server.kill();
  }
  throw new Error('switchboard did not become healthy');
}

class RunningServer {
  constructor(proc, host, port) {
    this.proc = proc;
    this.host = host;
    this.port = port;
    this.base = `http://${host}:${port}`;
    this.wsUrl = `ws://${host}:${port}/ws`;
    this.log = '';
    proc.stdout.on('data', (d) => { this.log += d; });
    proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  async waitHealthy(timeoutMs = 10000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (this.proc.exitCode !== null) return false;
      try {
        const res = await fetch(`${this.base}/healthz`);
        if (res.ok) return true;
      } catch { /* not up yet */ }
      await sleep(50);
    }
    return false;
  }

  async stats() {
    const res = await fetch(`${this.base}/stats`);
    return (await res.json()).signaling;
  }

  // SIGTERM and wait; returns the exit status. Fails loudly after 10 s.
  async stop(timeoutMs = 10000) {
    if (this.proc.exitCode !== null) return { code: this.proc.exitCode, signal: null };
    this.proc.kill('SIGTERM');
    const timer = sleep(timeoutMs).then(() => 'timeout');
    const result = await Promise.race([this.exited, timer]);
    if (result === 'timeout') {
      this.proc.kill('SIGKILL');
      throw new Error(`switchboard did not exit within ${timeoutMs} ms of SIGTERM\n${this.log}`);
    }
    return result;
  }

  async kill() {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

// Polls fn until it returns a truthy value or the time runs out.
export async function waitFor(fn, { timeoutMs = 5000, intervalMs = 50, what = 'condition' } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    last = await fn();
    if (last) return last;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}
