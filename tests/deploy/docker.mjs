// A private Docker engine for the deploy test (tests/e2e/deploy.test.mjs).
//
// Facts about these machines (issue 9, "Testing with Docker"): a Docker engine
// can run, no image registry can be reached. So the test
//   - installs Debian's docker.io, docker-compose and debootstrap if missing;
//   - starts its OWN dockerd: its own --data-root, --exec-root, --pidfile,
//     -H unix:// socket, --config-file and --cgroup-parent, with
//     --bridge=none --iptables=false --ip-masq=false, so it creates no
//     network, bridge or firewall rule on the machine;
//   - creates debian:bookworm itself (debootstrap --variant=minbase, then
//     docker import), caching the root file system tarball so reruns skip
//     debootstrap;
//   - builds with host networking; then starts the daemon AGAIN on the same
//     data root inside the test's network namespace (`nsenter --net=PATH
//     dockerd ...`; `ip netns exec` would remount /sys and the daemon could not
//     find its cgroups), so host-networked containers share that namespace.
//
// Cleanup is layered like tests/e2e/lib/netns.mjs: stop() ends the daemon
// (SIGTERM, then SIGKILL); cleanupSync() kills whatever is left of it (the
// daemon, its containerd, containerd-shims and every container process, found
// by their command lines and by our cgroup parent), unmounts everything under
// its directory and removes it; an exit/signal hook runs cleanupSync() for
// every live engine; and a new run removes the leftovers of runs whose
// process is gone (cleanupStaleEngines()). dockerd runs under `setpriv
// --pdeathsig KILL`, and dockerd gives its containerd the same, so a test
// process killed with SIGKILL takes both along; shims and containers left
// behind are what the next run's stale cleanup finds.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ENGINE_PREFIX = 'sbdeploy';
const live = new Set();
let hooksInstalled = false;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const timeout = (ms) => new Promise((r) => setTimeout(r, ms).unref());

export function which(cmd) {
  for (const dir of (process.env.PATH || '').split(':').concat(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

function tail(text, lines = 40) {
  const all = String(text).trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

// Runs a command to completion, killing its whole process group after
// timeoutMs. Resolves {code, signal, stdout, stderr, timedOut, ms}; never
// rejects on failure. `logFile`: output also goes there (appended);
// `stdinFile`: a file fed to stdin.
export function runCommand(cmd, args = [], { timeoutMs = 60000, env, cwd, logFile, stdinFile, input } = {}) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let stdin = 'ignore';
    if (stdinFile) stdin = fs.openSync(stdinFile, 'r');
    else if (input !== undefined) stdin = 'pipe';
    const child = spawn(cmd, args, {
      stdio: [stdin, 'pipe', 'pipe'], env: env || process.env, cwd, detached: true,
    });
    if (typeof stdin === 'number') fs.closeSync(stdin);
    if (input !== undefined) child.stdin.end(input);
    const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
    if (log) log.write(`$ ${cmd} ${args.join(' ')}\n`);
    let stdout = '';
    let stderr = '';
    const cap = 4 << 20;
    child.stdout.on('data', (d) => { if (stdout.length < cap) stdout += d; log?.write(d); });
    child.stderr.on('data', (d) => { if (stderr.length < cap) stderr += d; log?.write(d); });
    let timedOut = false;
    const killGroup = (sig) => { try { process.kill(-child.pid, sig); } catch { try { child.kill(sig); } catch { /* gone */ } } };
    const timer = setTimeout(() => { timedOut = true; killGroup('SIGTERM'); setTimeout(() => killGroup('SIGKILL'), 3000).unref(); }, timeoutMs);
    const finish = (code, signal, error) => {
      clearTimeout(timer);
      if (error) stderr += String(error);
      if (timedOut) stderr += `\n[killed after ${timeoutMs} ms]`;
      const result = { code, signal, stdout, stderr, timedOut, ms: Date.now() - t0 };
      if (log) log.end(`[exit ${code}${signal ? ` ${signal}` : ''} after ${result.ms} ms]\n`, () => resolve(result));
      else resolve(result);
    };
    child.on('error', (e) => finish(null, null, e));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

// Like runCommand, but throws with the tail of the output on failure.
export async function mustRun(cmd, args = [], opts = {}) {
  const r = await runCommand(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (code ${r.code}, signal ${r.signal}${r.timedOut ? ', timed out' : ''}):\n` +
      tail(`${r.stdout}\n${r.stderr}`) + (opts.logFile ? `\n(full log: ${opts.logFile})` : ''));
  }
  return r;
}

// Debian packages the test needs, installed with apt-get when missing (CI runs
// as root). Returns the list installed.
export async function ensurePackages({ timeoutMs = 300000 } = {}) {
  const wanted = [
    // [package, a program it provides]
    ['docker.io', 'dockerd'],
    ['docker-compose', 'docker-compose'],
    ['debootstrap', 'debootstrap'],
    ['git', 'git'],
    ['util-linux', 'nsenter'],
    ['iproute2', 'ip'],
  ];
  const missing = [];
  for (const [pkg, prog] of wanted) {
    let installed = false;
    try {
      installed = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString().includes('install ok installed');
    } catch { /* not installed */ }
    if (!installed || !which(prog)) missing.push(pkg);
  }
  if (missing.length === 0) return [];
  if (process.getuid() !== 0) throw new Error(`deploy: missing packages ${missing.join(' ')}; install them (apt-get install ${missing.join(' ')}) or run as root`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await mustRun('apt-get', ['update', '-qq'], { timeoutMs, env });
  await mustRun('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { timeoutMs, env });
  return missing;
}

// Debian's docker client (docker.io), not another one that may be earlier in PATH.
export function dockerClient() {
  return fs.existsSync('/usr/bin/docker') ? '/usr/bin/docker' : which('docker');
}

// ---- leftovers: processes, cgroups, mounts ---------------------------------------

function readCmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`).toString().split('\0'); } catch { return null; }
}

function allPids() {
  try { return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number); } catch { return []; }
}

function parentOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch { return 0; }
}

// pids whose command line mentions `dir` (dockerd, containerd, shims), plus
// all their descendants (container processes).
function pidsUsingDir(dir) {
  const pids = allPids().filter((p) => p !== process.pid);
  const roots = new Set(pids.filter((p) => (readCmdline(p) || []).some((a) => a.includes(dir))));
  const children = new Map();
  for (const p of pids) {
    const pp = parentOf(p);
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp).push(p);
  }
  const out = new Set();
  const stack = [...roots];
  while (stack.length) {
    const p = stack.pop();
    if (out.has(p)) continue;
    out.add(p);
    for (const c of children.get(p) || []) stack.push(c);
  }
  return [...out];
}

function unescapeMount(s) { return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))); }

function mountsUnder(dir) {
  let info = '';
  try { info = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return []; }
  return info.split('\n').filter(Boolean).map((l) => unescapeMount(l.split(' ')[4]))
    .filter((m) => m === dir || m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
}

function cgroupRoots() {
  let info = '';
  try { info = fs.readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return []; }
  const roots = [];
  for (const l of info.split('\n')) {
    const [pre, post] = l.split(' - ');
    if (!post) continue;
    const fstype = post.split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') roots.push(unescapeMount(pre.split(' ')[4]));
  }
  return roots;
}

// Every process in cgroup `name` (and below) of every hierarchy; then the
// cgroup directories themselves, deepest first.
function killCgroupSync(name) {
  const dirs = [];
  for (const root of cgroupRoots()) {
    const top = path.join(root, name);
    if (!fs.existsSync(top)) continue;
    const walk = (d) => {
      let entries = [];
      try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
      for (const e of entries) if (e.isDirectory()) walk(path.join(d, e.name));
      dirs.push(d);
    };
    walk(top);
  }
  for (let round = 0; round < 10; round++) {
    let any = false;
    for (const d of dirs) {
      let procs = [];
      try { procs = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number); } catch { /* gone */ }
      for (const p of procs) { any = true; try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    }
    if (!any) break;
    execFileSync('sleep', ['0.1']);
  }
  for (const d of dirs) { try { fs.rmdirSync(d); } catch { /* busy or gone */ } }
}

// Synchronously removes everything an engine rooted at `dir` left behind.
function cleanupDirSync(dir, cgroupName) {
  for (let round = 0; round < 5; round++) {
    const pids = pidsUsingDir(dir);
    if (pids.length === 0) break;
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    execFileSync('sleep', ['0.2']);
  }
  if (cgroupName) killCgroupSync(cgroupName);
  for (const m of mountsUnder(dir)) {
    try { execFileSync('umount', ['-l', m], { stdio: 'ignore', timeout: 10000 }); } catch { /* already gone */ }
  }
  try { fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 }); } catch { /* best effort */ }
}

// Removes <tmp>/sbdeploy-<pid>-* engines (and their cgroups) of runs whose
// process is gone. Returns the directories removed.
export function cleanupStaleEngines() {
  const removed = [];
  const re = new RegExp(`^${ENGINE_PREFIX}-(\\d+)-`);
  let entries = [];
  try { entries = fs.readdirSync(os.tmpdir()); } catch { return removed; }
  for (const e of entries) {
    const m = re.exec(e);
    if (!m || Number(m[1]) === process.pid || isAlive(Number(m[1]))) continue;
    cleanupDirSync(path.join(os.tmpdir(), e), `${ENGINE_PREFIX}-${m[1]}`);
    removed.push(e);
  }
  // cgroup parents of dead runs whose directory is already gone
  for (const root of cgroupRoots()) {
    let names = [];
    try { names = fs.readdirSync(root); } catch { continue; }
    for (const n of names) {
      const mm = new RegExp(`^${ENGINE_PREFIX}-(\\d+)$`).exec(n);
      if (mm && Number(mm[1]) !== process.pid && !isAlive(Number(mm[1]))) killCgroupSync(n);
    }
  }
  return removed;
}

function installExitHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => { for (const e of [...live]) e.cleanupSync(); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      for (const e of [...live]) e.cleanupSync();
      // Exit as the signal would; 'exit' hooks (netns.mjs, playwright) still run.
      process.exit(128 + (os.constants.signals[sig] || 1));
    });
  }
}

// ---- the engine -----------------------------------------------------------------

export class DockerEngine {
  // One private engine: all of its state lives in a fresh temp dir
  // <tmp>/sbdeploy-<pid>-XXXXXX.
  constructor() {
    installExitHooks();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${ENGINE_PREFIX}-${process.pid}-`));
    live.add(this);
    this.dataRoot = path.join(this.dir, 'data');
    this.execRoot = path.join(this.dir, 'exec');
    this.pidFile = path.join(this.dir, 'dockerd.pid');
    this.socket = path.join(this.dir, 'docker.sock');
    this.host = `unix://${this.socket}`;
    this.configFile = path.join(this.dir, 'daemon.json');
    this.clientConfig = path.join(this.dir, 'client');
    this.cgroupParent = `${ENGINE_PREFIX}-${process.pid}`;
    for (const d of [this.dataRoot, this.execRoot, this.clientConfig]) fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(this.configFile, '{}\n');
    this.proc = null;
    this.runs = 0;
    this.docker = dockerClient();
    this.cleaned = false;
  }

  // Environment for docker / docker-compose clients talking to this engine;
  // DOCKER_CONFIG keeps them away from ~/.docker.
  env(extra = {}) {
    return { ...process.env, DOCKER_HOST: this.host, DOCKER_CONFIG: this.clientConfig, COMPOSE_INTERACTIVE_NO_CLI: '1', ...extra };
  }

  get running() { return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null; }

  // Starts dockerd; inside the network namespace at `netnsPath` if given.
  // Resolves when the API answers; throws with the daemon's log otherwise.
  async start({ netnsPath = null, timeoutMs = 60000 } = {}) {
    if (this.running) throw new Error('dockerd already running');
    const n = ++this.runs;
    this.logFile = path.join(this.dir, `dockerd-${n}${netnsPath ? '-netns' : ''}.log`);
    const args = [
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', this.pidFile,
      '-H', this.host,
      '--config-file', this.configFile,
      '--cgroup-parent', `/${this.cgroupParent}`,
      '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false',
      '--userland-proxy=false',
    ];
    const prefix = which('setpriv') ? ['setpriv', '--pdeathsig', 'KILL'] : [];
    const full = netnsPath ? [...prefix, 'nsenter', `--net=${netnsPath}`, 'dockerd', ...args] : [...prefix, 'dockerd', ...args];
    const out = fs.openSync(this.logFile, 'a');
    this.proc = spawn(full[0], full.slice(1), { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({ code, signal }));
      this.proc.on('error', (error) => resolve({ code: null, signal: null, error }));
    });
    const until = Date.now() + timeoutMs;
    let last = null;
    while (Date.now() < until) {
      if (!this.running) break;
      last = await runCommand(this.docker, ['version', '--format', '{{.Server.Version}}'], { env: this.env(), timeoutMs: 5000 });
      if (last.code === 0) {
        this.version = last.stdout.trim();
        return this;
      }
      await sleep(250);
    }
    const why = this.running ? `no answer within ${timeoutMs} ms` : `dockerd exited (${JSON.stringify(await this.exited)})`;
    await this.stop({ timeoutMs: 5000 }).catch(() => {});
    throw new Error(`dockerd did not start: ${why}\n${last ? last.stderr.trim() : ''}\n--- ${this.logFile}:\n${tail(this.log(), 30)}`);
  }

  log() { try { return fs.readFileSync(this.logFile, 'utf8'); } catch { return ''; } }

  // SIGTERM, wait; SIGKILL after timeoutMs. Resolves {code, signal, killed}.
  async stop({ timeoutMs = 30000 } = {}) {
    if (!this.proc) return { code: null, signal: null, killed: false };
    if (!this.running) return { ...(await this.exited), killed: false };
    this.proc.kill('SIGTERM');
    const r = await Promise.race([this.exited, timeout(timeoutMs).then(() => null)]);
    if (r) return { ...r, killed: false };
    this.proc.kill('SIGKILL');
    return { ...(await this.exited), killed: true };
  }

  // docker CLI against this engine.
  run(args, opts = {}) { return runCommand(this.docker, args, { timeoutMs: 60000, ...opts, env: this.env(opts.env) }); }
  must(args, opts = {}) { return mustRun(this.docker, args, { timeoutMs: 60000, ...opts, env: this.env(opts.env) }); }
  compose(args, opts = {}) { return runCommand('docker-compose', args, { timeoutMs: 120000, ...opts, env: this.env(opts.env) }); }
  mustCompose(args, opts = {}) { return mustRun('docker-compose', args, { timeoutMs: 120000, ...opts, env: this.env(opts.env) }); }

  async imageExists(ref) { return (await this.run(['image', 'inspect', ref], { timeoutMs: 15000 })).code === 0; }

  async imageSize(ref) {
    const r = await this.must(['image', 'inspect', '-f', '{{.Size}}', ref], { timeoutMs: 15000 });
    return Number(r.stdout.trim());
  }

  // Kills whatever is left (daemon, containerd, shims, containers), unmounts
  // everything under the engine's directory, removes it and the cgroups.
  cleanupSync() {
    if (this.cleaned) return;
    this.cleaned = true;
    live.delete(this);
    if (this.running) { try { this.proc.kill('SIGKILL'); } catch { /* gone */ } }
    cleanupDirSync(this.dir, this.cgroupParent);
  }

  // What cleanupSync would still find: for asserting a clean stop.
  leftovers() {
    return { pids: pidsUsingDir(this.dir), mounts: mountsUnder(this.dir) };
  }
}

// ---- the base image ----------------------------------------------------------------

export function cacheDir() {
  if (process.env.SB_DEPLOY_CACHE) return process.env.SB_DEPLOY_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'switchboard-deploy');
}

const SOURCES = `Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

// Makes sure `engine` has debian:bookworm. Order: already there -> import the
// cached root file system tarball -> debootstrap one (and cache it).
// Resolves {source: 'present'|'cache'|'debootstrap', ms, tarball}.
export async function ensureBaseImage(engine, { timeoutMs = 600000, log = () => {} } = {}) {
  const t0 = Date.now();
  const ref = 'debian:bookworm';
  if (await engine.imageExists(ref)) return { source: 'present', ms: Date.now() - t0 };
  const dir = cacheDir();
  const tarball = path.join(dir, 'debian-bookworm-minbase.tar');
  let source = 'cache';
  if (!fs.existsSync(tarball)) {
    source = 'debootstrap';
    fs.mkdirSync(dir, { recursive: true });
    const rootfs = path.join(engine.dir, 'rootfs');
    const logFile = path.join(engine.dir, 'debootstrap.log');
    log(`debootstrap --variant=minbase bookworm (log: ${logFile})`);
    await mustRun('debootstrap', ['--variant=minbase', 'bookworm', rootfs, 'http://deb.debian.org/debian'],
      { timeoutMs, logFile });
    // Like the official image: no package lists or downloaded .debs, the
    // security and updates suites enabled, nothing of this host's network setup.
    for (const p of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
      const d = path.join(rootfs, p);
      for (const e of fs.readdirSync(d)) if (e !== 'partial' && e !== 'lock') fs.rmSync(path.join(d, e), { recursive: true, force: true });
    }
    for (const f of ['var/cache/apt/pkgcache.bin', 'var/cache/apt/srcpkgcache.bin', 'etc/apt/sources.list']) fs.rmSync(path.join(rootfs, f), { force: true });
    fs.writeFileSync(path.join(rootfs, 'etc/apt/sources.list.d/debian.sources'), SOURCES);
    fs.writeFileSync(path.join(rootfs, 'etc/resolv.conf'), '');
    fs.writeFileSync(path.join(rootfs, 'etc/hostname'), 'localhost\n');
    const tmp = `${tarball}.${process.pid}.tmp`;
    await mustRun('tar', ['-C', rootfs, '--numeric-owner', '-cf', tmp, '.'], { timeoutMs: 120000 });
    fs.renameSync(tmp, tarball);
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
  // = tar -C DIR -c . | docker import - debian:bookworm, from the cached tarball.
  await engine.must(['import', '--change', 'CMD ["bash"]', '-', ref], { stdinFile: tarball, timeoutMs: 180000 });
  return { source, ms: Date.now() - t0, tarball };
}
