// A private network namespace for one end-to-end test run.
//
// Chromium gathers no ICE candidates when its only interface is loopback, and
// test traffic must never reach the machine's real interfaces. So every e2e
// test gets a namespace of its own holding:
//   lo      up (127.0.0.1)
//   sb0     one end of a veth pair, address 10.77.<octet>.1/24, default route
//   sb1     the other end of the same pair, also inside the namespace, no address
// Both veth ends live inside the namespace, so nothing can leave it: the
// machine's own interfaces, addresses and routes are never touched.
//
// Two ways to make one, tried in this order:
//   netns   as root: `ip netns add sbtest-<pid>-<n>`, processes run through
//           `ip netns exec NAME ...`. Stale sbtest-* namespaces whose pid is dead
//           (a crashed earlier run) are removed first.
//   userns  without root (or SB_E2E_NS_MODE=userns): a holder process started
//           by `unshare --user --map-root-user --net cat` owns the namespace;
//           processes run through `nsenter --target HOLDER --user --net
//           --preserve-credentials ...`. The holder reads a pipe from this
//           process, so it exits when this process dies, whatever the cause.
// If neither works, createNetns() throws an error that says why: a test never
// skips silently.
//
// Every process started inside gets SIGKILL when this process dies
// (setpriv --pdeathsig KILL), destroy() kills whatever is left inside the
// namespace, and an exit/SIGINT/SIGTERM/SIGHUP hook destroys every live
// namespace synchronously.
import { spawn as spawnChild, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const NAME_PREFIX = 'sbtest';
const NETNS_DIR = '/run/netns';
const live = new Set();
let counter = 0;
let hooksInstalled = false;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// For races: an unref'd timer, so a pending deadline never keeps the test
// process alive after everything else is done.
const timeout = (ms) => new Promise((r) => setTimeout(r, ms).unref());

function which(cmd) {
  for (const dir of (process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, cmd);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

function runSync(cmd, args, timeoutMs = 10000) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, encoding: 'utf8' });
}

// pids of every process whose network namespace is `nsId` ("net:[4026532...]").
function pidsInNamespace(nsId) {
  const pids = [];
  let entries = [];
  try { entries = fs.readdirSync('/proc'); } catch { return pids; }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try { if (fs.readlinkSync(`/proc/${pid}/ns/net`) === nsId) pids.push(pid); } catch { /* gone or not ours */ }
  }
  return pids;
}

function killPidsSync(pids, signal = 'SIGKILL') {
  for (const pid of pids) { try { process.kill(pid, signal); } catch { /* already gone */ } }
}

function shellQuote(s) {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;
}

// The test-only range must exist nowhere on the machine outside our namespaces.
function assertRangeUnusedOnHost() {
  const ip = which('ip');
  if (!ip) throw new Error('e2e: `ip` (iproute2) is not installed; run scripts/setup.sh');
  let out = '';
  try { out = runSync(ip, ['-o', '-4', 'addr', 'show']); } catch { return; }
  const hit = out.split('\n').find((l) => /\sinet 10\.77\./.test(l));
  if (hit) {
    throw new Error(`e2e: the host already has an address in 10.77.0.0/16, which the e2e tests reserve ` +
      `for their private namespaces; refusing to run (${hit.trim()})`);
  }
}

// Removes sbtest-<pid>-<n> namespaces left by runs whose process is gone, and
// kills what still runs inside them (those processes were started by that run).
// Also removes their temp dirs (chromium shims), <tmp>/sbtest-<pid>-<n>-*.
export function cleanupStale() {
  const removed = [];
  const staleRe = new RegExp(`^${NAME_PREFIX}-(\\d+)-(\\d+)(-.*)?$`);
  let tmpEntries = [];
  try { tmpEntries = fs.readdirSync(os.tmpdir()); } catch { /* none */ }
  for (const e of tmpEntries) {
    const m = staleRe.exec(e);
    if (!m || !m[3] || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    try { fs.rmSync(path.join(os.tmpdir(), e), { recursive: true, force: true }); } catch { /* not ours to remove */ }
  }
  if (process.getuid && process.getuid() !== 0) return removed;
  let names = [];
  try { names = fs.readdirSync(NETNS_DIR); } catch { return removed; }
  for (const name of names) {
    const m = staleRe.exec(name);
    if (!m || m[3]) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      const nsId = `net:[${fs.statSync(path.join(NETNS_DIR, name)).ino}]`;
      killPidsSync(pidsInNamespace(nsId));
      runSync('ip', ['netns', 'del', name]);
      removed.push(name);
    } catch { /* another run cleaned it first */ }
  }
  return removed;
}

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => { for (const ns of [...live]) ns.destroySync(); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const handler = () => {
      for (const ns of [...live]) ns.destroySync();
      // If ours is the only handler, exit as the signal would have, but
      // through process.exit so that 'exit' hooks (playwright removes its
      // temporary browser profile there) still run.
      if (process.listenerCount(sig) <= 1) process.exit(128 + (os.constants.signals[sig] || 1));
    };
    process.on(sig, handler);
  }
}

export class Netns {
  constructor({ name, mode, octet }) {
    this.name = name;
    this.mode = mode;
    this.octet = octet;
    this.address = `10.77.${octet}.1`;
    this.cidr = `${this.address}/24`;
    this.iface = 'sb0';
    this.children = new Set();
    this.holder = null;     // userns mode: the process owning the namespace
    this.nsId = null;       // "net:[inode]" to find every process inside
    this.destroyed = false;
    this.tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    this.setprivDeath = !!which('setpriv');
  }

  // The command prefix that runs a program inside the namespace.
  prefix() {
    const pre = this.mode === 'netns'
      ? ['ip', 'netns', 'exec', this.name]
      : ['nsenter', `--target=${this.holder.pid}`, '--user', '--net', '--preserve-credentials'];
    if (this.setprivDeath) pre.push('setpriv', '--pdeathsig', 'KILL');
    return pre;
  }

  // [command, args] that run `cmd args` inside the namespace.
  wrap(cmd, args = []) {
    const [head, ...rest] = this.prefix();
    return [head, [...rest, cmd, ...args]];
  }

  // Starts a process inside the namespace. The ChildProcess is tracked:
  // destroy() stops it if it still runs.
  spawn(cmd, args = [], opts = {}) {
    if (this.destroyed) throw new Error(`netns ${this.name} is destroyed`);
    const [head, full] = this.wrap(cmd, args);
    const child = spawnChild(head, full, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => { this.children.delete(child); resolve({ code, signal }); });
      child.on('error', (err) => { this.children.delete(child); resolve({ code: null, signal: null, error: err }); });
    });
    return child;
  }

  // Runs a command inside the namespace to completion (killed after timeoutMs).
  // Resolves {code, signal, stdout, stderr}; never rejects on a non-zero exit.
  exec(cmd, args = [], { timeoutMs = 20000, input, env } = {}) {
    const child = this.spawn(cmd, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: env ? { ...process.env, ...env } : process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    if (input !== undefined) child.stdin.end(input);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    // 'close' comes after the output is read; if a grandchild holds the pipes
    // open, give up on them shortly after the exit.
    const closed = new Promise((resolve) => child.on('close', resolve));
    const done = child.exitPromise.then((st) => Promise.race([closed, timeout(1000)]).then(() => st));
    return done.then(({ code, signal, error }) => {
      clearTimeout(timer);
      if (error) stderr += String(error);
      if (timedOut) stderr += `\n[killed after ${timeoutMs} ms]`;
      return { code, signal, stdout, stderr, timedOut };
    });
  }

  // Like exec, but throws with the output when the command fails.
  async run(cmd, args = [], opts = {}) {
    const r = await this.exec(cmd, args, opts);
    if (r.code !== 0) {
      throw new Error(`in ${this.name}: ${cmd} ${args.join(' ')} failed (code ${r.code}, signal ${r.signal})\n${r.stdout}${r.stderr}`);
    }
    return r;
  }

  // Writes an executable shell script that runs `target` inside the namespace
  // with the arguments the script is given, and returns its path.
  // `body` (optional) is shell code placed before the exec (it may rewrite "$@").
  writeShim(fileName, target, body = '') {
    const file = path.join(this.tmpDir, fileName);
    const cmd = [...this.prefix(), target].map(shellQuote).join(' ');
    fs.writeFileSync(file, `#!/bin/sh\n# written by tests/e2e/lib/netns.mjs for ${this.name}\n${body}exec ${cmd} "$@"\n`, { mode: 0o755 });
    return file;
  }

  // pids of every process inside the namespace (ours, by construction).
  pids() {
    return this.nsId ? pidsInNamespace(this.nsId) : [];
  }

  async setup() {
    const steps = [
      ['ip', ['link', 'set', 'lo', 'up']],
      ['ip', ['link', 'add', 'sb0', 'type', 'veth', 'peer', 'name', 'sb1']],
      ['ip', ['addr', 'add', this.cidr, 'dev', 'sb0']],
      ['ip', ['link', 'set', 'sb0', 'up']],
      ['ip', ['link', 'set', 'sb1', 'up']],
      // A default route through sb0: Chromium asks the kernel for the route to
      // a public address to pick its default interface. The packets would go
      // into sb1, which is inside this namespace and forwards nothing.
      ['ip', ['route', 'add', 'default', 'dev', 'sb0']],
    ];
    for (const [cmd, args] of steps) await this.run(cmd, args, { timeoutMs: 10000 });
    // No IPv6: only 10.77.x.1 should show up as a candidate. Best effort.
    await this.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1'], { timeoutMs: 5000 });
    await this.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1'], { timeoutMs: 5000 });
    const check = await this.run('ip', ['-o', '-4', 'addr', 'show', 'dev', 'sb0']);
    if (!check.stdout.includes(this.cidr)) throw new Error(`netns ${this.name}: sb0 has no ${this.cidr}: ${check.stdout}`);
  }

  // Stops every process started inside (SIGTERM, then SIGKILL after
  // graceMs), kills anything left inside, and removes the namespace.
  async destroy({ graceMs = 3000 } = {}) {
    if (this.destroyed) return;
    const running = [...this.children].filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of running) { try { c.kill('SIGTERM'); } catch { /* gone */ } }
    await Promise.race([Promise.all(running.map((c) => c.exitPromise)), timeout(graceMs)]);
    for (const c of this.children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    // Anything else inside (e.g. a browser's helper processes).
    for (let i = 0; i < 20; i++) {
      const left = this.pids().filter((p) => !this.holder || p !== this.holder.pid);
      if (left.length === 0) break;
      killPidsSync(left);
      await sleep(50);
    }
    this.destroySync();
  }

  // Synchronous teardown for exit hooks: SIGKILL everything inside, delete.
  destroySync() {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const c of this.children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
    killPidsSync(this.pids().filter((p) => !this.holder || p !== this.holder.pid));
    if (this.mode === 'netns') {
      try { runSync('ip', ['netns', 'del', this.name]); } catch { /* already gone */ }
    } else if (this.holder) {
      try { this.holder.kill('SIGKILL'); } catch { /* gone */ }
    }
    try { fs.rmSync(this.tmpDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}

async function createRootNetns(name, octet) {
  try {
    runSync('ip', ['netns', 'add', name]);
  } catch (e) {
    throw new Error(`ip netns add ${name}: ${(e.stderr || e.message).toString().trim()}`);
  }
  const ns = new Netns({ name, mode: 'netns', octet });
  live.add(ns);
  try {
    ns.nsId = `net:[${fs.statSync(path.join(NETNS_DIR, name)).ino}]`;
    await ns.setup();
  } catch (e) {
    ns.destroySync();
    throw e;
  }
  return ns;
}

async function createUserNetns(name, octet) {
  for (const tool of ['unshare', 'nsenter']) {
    if (!which(tool)) throw new Error(`\`${tool}\` (util-linux) is not installed`);
  }
  const ns = new Netns({ name, mode: 'userns', octet });
  live.add(ns);
  try {
    // `unshare` without --fork execs `cat` in the new namespaces, so the pid
    // we get is the holder itself. Its stdin is our pipe: when we die, it does.
    const holder = spawnChild('unshare', ['--user', '--map-root-user', '--net', 'cat'],
      { stdio: ['pipe', 'ignore', 'pipe'] });
    ns.holder = holder;
    let err = '';
    holder.stderr.on('data', (d) => { err += d; });
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    holder.on('error', (e) => { err += String(e); });
    // Wait until the holder has switched namespaces (its ns link changes).
    const mine = fs.readlinkSync('/proc/self/ns/net');
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      if (holder.exitCode !== null || holder.signalCode !== null) break;
      try {
        const id = fs.readlinkSync(`/proc/${holder.pid}/ns/net`);
        if (id !== mine) { ns.nsId = id; break; }
      } catch { /* not started yet */ }
      await sleep(20);
    }
    if (!ns.nsId) {
      await Promise.race([exited, timeout(200)]);
      throw new Error(`unshare --user --map-root-user --net failed: ${err.trim() || 'no new namespace within 5 s'}`);
    }
    await ns.setup();
  } catch (e) {
    ns.destroySync();
    throw e;
  }
  return ns;
}

// Creates a namespace for this test run. Options:
//   mode: 'netns' | 'userns' (default: env SB_E2E_NS_MODE, else netns as root, userns otherwise)
export async function createNetns({ mode = process.env.SB_E2E_NS_MODE } = {}) {
  installExitHooks();
  assertRangeUnusedOnHost();
  const n = counter++;
  const name = `${NAME_PREFIX}-${process.pid}-${n}`;
  // Different runs get different subnets, which keeps logs unambiguous; the
  // namespaces are isolated, so an accidental repeat would still be harmless.
  const octet = ((process.pid + n * 37) % 250) + 1;
  const isRoot = process.getuid && process.getuid() === 0;
  if (mode && mode !== 'netns' && mode !== 'userns') throw new Error(`e2e: unknown SB_E2E_NS_MODE "${mode}" (netns or userns)`);
  const errors = [];
  const order = mode ? [mode] : (isRoot ? ['netns', 'userns'] : ['userns']);
  cleanupStale();
  for (const m of order) {
    try {
      if (m === 'netns') {
        return await createRootNetns(name, octet);
      }
      return await createUserNetns(name, octet);
    } catch (e) {
      errors.push(`${m}: ${e.message}`);
    }
  }
  throw new Error('e2e: cannot create a private network namespace for the browser test; ' +
    'run as root (ip netns) or allow unprivileged user namespaces ' +
    '(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0).\n  ' + errors.join('\n  '));
}
