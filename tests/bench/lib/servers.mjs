// Starts the servers under test as child processes on a free loopback port,
// and stops them (SIGTERM, then SIGKILL after a bound). A child left running
// when this process exits for any reason is killed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from './proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');

const children = new Set();
function killChildren() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\n${sig}: stopping the servers and exiting\n`);
    killChildren();
    process.exit(130);
  });
}

class ServerProcess {
  constructor(name, adapter, proc, port, wsPath) {
    this.name = name;
    this.adapter = adapter;
    this.proc = proc;
    this.pid = proc.pid;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.url = `ws://127.0.0.1:${port}${wsPath}`;
    this.lines = [];      // the last lines of its output
    this.warnings = 0;    // lines at warn or error level
    this.firstWarnings = [];
    let partial = '';
    const onData = (d) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop();
      for (const line of parts) {
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        if (/\b(warn|error|WARN|ERROR)\b/.test(line)) {
          this.warnings++;
          if (this.firstWarnings.length < 5) this.firstWarnings.push(line);
        }
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    }));
    children.add(proc);
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

  // SIGTERM, then SIGKILL if it has not exited within timeoutMs. Returns { code, signal, forced }.
  async stop(timeoutMs = 15000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      return { code: this.proc.exitCode, signal: this.proc.signalCode, forced: false };
    }
    this.proc.kill('SIGTERM');
    let timer;
    const late = new Promise((r) => { timer = setTimeout(() => r(null), timeoutMs); });
    const res = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (res) return { ...res, forced: false };
    this.proc.kill('SIGKILL');
    return { ...(await this.exited), forced: true };
  }
}

async function startWith(name, adapter, wsPath, command, argsFor, env = {}) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const proc = spawn(command, argsFor(port), {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(name, adapter, proc, port, wsPath);
    if (await server.waitHealthy()) return server;
    await server.stop(2000);
    if (attempt === 4) throw new Error(`${name} did not become healthy:\n${server.lines.join('\n')}`);
  }
  throw new Error(`${name} did not start`);
}

/**
 * The switchboard binary, one media worker, limits raised so the load is
 * measured rather than refused: rooms and room size to fit the run, the
 * per-connection rate limit well above the request rate (it stays on).
 */
export async function startSwitchboard(opts) {
  const binary = opts.binary || process.env.SWITCHBOARD_BIN || path.join(repoRoot, 'build/switchboard');
  if (!fs.existsSync(binary)) {
    throw new Error(`no switchboard binary at ${binary}; build it first: ` +
      'cmake -S . -B build && cmake --build build -j2 --target switchboard');
  }
  const rooms = Math.ceil(opts.connections / opts.perRoom) + 10;
  const args = (port) => [
    '--listen', `127.0.0.1:${port}`, '--web-root', path.join(repoRoot, 'web-demo'), '--workers', '1',
    '--log-level', 'warn',
    '--rate-limit', String(Math.max(100, 10 * opts.rate)), '--rate-burst', String(Math.max(400, 40 * opts.rate)),
    '--max-peers-per-room', String(Math.max(opts.perRoom, 16)), '--max-rooms', String(Math.max(rooms, 1000)),
    '--grace-period', String(opts.graceS),
    ...(opts.serverArgs || []),
  ];
  const server = await startWith('switchboard', 'switchboard', '/ws', binary, args);
  server.command = [binary, ...args(server.port)].join(' ');
  server.stats = async () => (await fetch(`${server.base}/stats`)).json();
  // Every connection closed and every session's grace period over.
  server.drained = async () => {
    const s = (await server.stats()).signaling;
    return s.connections === 0 && s.sessions === 0;
  };
  return server;
}

/** The Socket.IO echo server (socketio-server.mjs), with modules from `modulesDir`. */
export async function startSocketIo(opts) {
  const script = path.join(here, 'socketio-server.mjs');
  const args = (port) => [script, '--port', String(port), '--modules', opts.socketioDir];
  const server = await startWith('socket.io', 'socketio', '', process.execPath, args);
  server.command = [process.execPath, ...args(server.port)].join(' ');
  server.url = server.base; // socket.io-client takes the http:// origin and opens /socket.io/
  return server;
}
