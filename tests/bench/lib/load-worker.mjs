// One load-generating thread: owns a slice of the connections, opens and
// joins them, sends `ping` requests on a fixed open-loop schedule, measures
// each round trip, cuts and resumes some connections on request, and reports
// its counters. The main thread (run-load.mjs) drives it phase by phase with
// {cmd, seq} messages and gets {seq, result} back.
//
// Two targets speak the same workload:
//   switchboard: the native protocol, {"id","method":"ping","data":{"pad"}} over `ws`
//   socketio:    socket.emit('ping', {pad}, ack) over socket.io-client (websocket transport)
import { parentPort, workerData } from 'node:worker_threads';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import path from 'node:path';
import WebSocket from 'ws';
import { SampleBuffer } from './stats.mjs';

const cfg = workerData;
const now = () => performance.now();
const period = 1000 / cfg.rate;

// ---------------------------------------------------------------- counters

// Counters per phase ('setup', 'steady', 'reconnect', 'drain'). A request and
// its round trip belong to the phase it was sent in; received messages to the
// phase they arrived in.
const phases = [{ name: 'setup', start: 0 }];
const counters = new Map();
function phaseCounters(name) {
  let c = counters.get(name);
  if (!c) {
    c = {
      sent: 0, bytesOut: 0, received: 0, bytesIn: 0, events: 0, responses: 0,
      errors: {}, timeouts: 0, late: 0, lostInCut: 0, skipped: 0,
      lagSum: 0, lagMax: 0, lagOver10: 0, lagOver100: 0,
      latency: new SampleBuffer(1 << 14),
    };
    counters.set(name, c);
  }
  return c;
}
let current = phaseCounters('setup');
function phaseOf(t) {
  for (let i = phases.length - 1; i > 0; i--) if (t >= phases[i].start) return phases[i].name;
  return phases[0].name;
}
const unexpectedCloses = {};
let participantLeftSeen = 0;

function countError(c, code) {
  c.errors[code] = (c.errors[code] || 0) + 1;
}

// One request's answer arrived (or an error for it).
function settle(conn, id, ok, code) {
  const t0 = conn.pending.get(id);
  if (t0 === undefined) {
    current.late++; // timed out earlier, or sent before a cut
    return;
  }
  conn.pending.delete(id);
  const c = phaseCounters(phaseOf(t0));
  c.responses++;
  if (ok) {
    const ms = now() - t0;
    c.latency.push(ms);
    if (steadyStart !== null && t0 >= steadyStart) perSecond(Math.floor((t0 - steadyStart) / 1000), ms);
  } else countError(c, code || 'error');
}

// Round trips per second of the steady phase (by send time): how many, their
// sum, the worst, and how many took over 50 ms. Shows when spikes happened.
let steadyStart = null;
const timeline = { count: [], sum: [], max: [], over50: [] };
function perSecond(sec, ms) {
  while (timeline.count.length <= sec) {
    timeline.count.push(0);
    timeline.sum.push(0);
    timeline.max.push(0);
    timeline.over50.push(0);
  }
  timeline.count[sec]++;
  timeline.sum[sec] += ms;
  if (ms > timeline.max[sec]) timeline.max[sec] = ms;
  if (ms > 50) timeline.over50[sec]++;
}

// ---------------------------------------------------------------- payload

// The padding that makes a request about cfg.messageBytes long on the wire
// (the JSON text of one switchboard request; socket.io's framing is a few
// bytes shorter). Letters and digits, so nothing needs escaping.
const sample = '{"id":100000,"method":"ping","data":{"pad":""}}';
const padLength = Math.max(0, cfg.messageBytes - sample.length);
const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
let pad = '';
for (let i = 0; i < padLength; i++) pad += alphabet[(i * 7919 + cfg.first) % alphabet.length];
const padObject = { pad };

// ---------------------------------------------------------------- switchboard

class SwitchboardConn {
  constructor(index) {
    this.index = index;
    this.ws = null;
    this.up = false;
    this.pending = new Map(); // ping id -> send time
    this.control = new Map(); // id -> resolve, for join-room / resume
    this.nextId = 1;
    this.lastSeq = 0;
    this.token = null;
  }

  // Resolves true once the WebSocket is open, false on error or timeout.
  open(timeoutMs) {
    return new Promise((resolve) => {
      const ws = new WebSocket(cfg.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
      this.ws = ws;
      let settled = false;
      const done = (ok, why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok) {
          this.failure = why;
          ws.removeAllListeners();
          ws.on('error', () => {});
          ws.terminate();
        }
        resolve(ok);
      };
      const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
      ws.on('open', () => {
        this.up = true;
        done(true);
      });
      ws.on('error', (e) => done(false, e.code || e.message));
      ws.on('message', (data) => this.onMessage(data));
      ws.on('close', (code) => {
        done(false, `closed ${code}`);
        if (this.ws === ws && this.up) {
          this.up = false;
          unexpectedCloses[code] = (unexpectedCloses[code] || 0) + 1;
        }
      });
    });
  }

  onMessage(data) {
    current.received++;
    current.bytesIn += data.length;
    const msg = JSON.parse(data);
    if (msg.event !== undefined) {
      current.events++;
      if (msg.seq > this.lastSeq) this.lastSeq = msg.seq;
      if (msg.event === 'participant-left') participantLeftSeen++;
      return;
    }
    const waiter = this.control.get(msg.id);
    if (waiter) {
      this.control.delete(msg.id);
      waiter(msg);
      return;
    }
    settle(this, msg.id, msg.ok, msg.error?.code);
  }

  request(method, data, timeoutMs) {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.control.delete(id);
        resolve({ ok: false, error: { code: 'timeout' } });
      }, timeoutMs);
      this.control.set(id, (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      try {
        this.ws.send(JSON.stringify({ id, method, data }));
      } catch {
        /* closed: the timer answers */
      }
    });
  }

  async join(room, name, timeoutMs) {
    const res = await this.request('join-room', { room, name }, timeoutMs);
    if (res.ok) this.token = res.data.resumeToken;
    return { ok: !!res.ok, code: res.error?.code };
  }

  ping() {
    const id = this.nextId++;
    const text = `{"id":${id},"method":"ping","data":{"pad":"${pad}"}}`;
    this.pending.set(id, now());
    this.ws.send(text);
    current.sent++;
    current.bytesOut += text.length;
  }

  // Abrupt loss: TCP reset, no close frame.
  cut() {
    this.up = false;
    const ws = this.ws;
    ws.removeAllListeners();
    ws.on('error', () => {});
    ws._socket?.resetAndDestroy?.() ?? ws.terminate();
  }

  // A new connection and `resume`; resolves { ok, replayed, code }.
  async reconnect(timeoutMs) {
    const until = now() + timeoutMs;
    if (!(await this.open(timeoutMs))) return { ok: false, code: this.failure };
    this.up = false; // no pings until the session is back
    const res = await this.request('resume', { token: this.token, lastSeq: this.lastSeq }, Math.max(1, until - now()));
    if (!res.ok) return { ok: false, code: res.error?.code };
    this.token = res.data.resumeToken;
    this.up = true;
    return { ok: true, replayed: res.data.replayed };
  }

  close(timeoutMs) {
    return new Promise((resolve) => {
      const ws = this.ws;
      this.up = false;
      if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, timeoutMs);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
  }
}

// ---------------------------------------------------------------- socket.io

let ioClient = null;
if (cfg.adapter === 'socketio') {
  const require = createRequire(path.join(cfg.socketioDir, 'package.json'));
  ioClient = require('socket.io-client').io;
}

class SocketIoConn {
  constructor(index) {
    this.index = index;
    this.sock = null;
    this.up = false;
    this.pending = new Map();
    this.nextId = 1;
    this.closing = false;
  }

  // Counts frames and bytes at the engine.io level (what goes over the WebSocket).
  hookEngine(engine) {
    engine.on('packet', (p) => {
      if (p.type !== 'message') return;
      current.received++;
      current.bytesIn += 1 + (p.data?.length || 0);
    });
    engine.on('packetCreate', (p) => {
      if (p.type !== 'message') return;
      current.bytesOut += 1 + (p.data?.length || 0);
    });
  }

  open(timeoutMs) {
    return new Promise((resolve) => {
      const sock = ioClient(cfg.url, {
        transports: ['websocket'], forceNew: true, timeout: timeoutMs,
        // Reconnect at once (like the switchboard side of this benchmark), a few times at most.
        reconnectionDelay: 1, reconnectionDelayMax: 1, randomizationFactor: 0, reconnectionAttempts: 5,
      });
      this.sock = sock;
      let settled = false;
      const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
      const done = (ok, why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!ok) {
          this.failure = why;
          sock.disconnect();
        }
        resolve(ok);
      };
      sock.io.on('open', () => this.hookEngine(sock.io.engine));
      sock.on('connect', () => {
        this.up = true;
        done(true);
      });
      sock.on('connect_error', (e) => done(false, e.message));
      sock.on('disconnect', (reason) => {
        if (this.up && !this.cutting && !this.closing) unexpectedCloses[reason] = (unexpectedCloses[reason] || 0) + 1;
        this.up = false;
      });
      sock.onAny((event) => {
        current.events++;
        if (event === 'participant-left') participantLeftSeen++;
      });
    });
  }

  join(room, name, timeoutMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, code: 'timeout' }), timeoutMs);
      this.sock.emit('join-room', { room, name }, (res) => {
        clearTimeout(timer);
        resolve({ ok: !!res?.ok, code: res?.error?.code });
      });
    });
  }

  ping() {
    const id = this.nextId++;
    this.pending.set(id, now());
    this.sock.emit('ping', padObject, (res) => settle(this, id, res?.ok !== false, res?.error?.code));
    current.sent++;
  }

  cut() {
    this.up = false;
    this.cutting = true;
    const ws = this.sock.io.engine?.transport?.ws;
    if (ws?._socket?.resetAndDestroy) ws._socket.resetAndDestroy();
    else this.sock.io.engine.close();
  }

  // socket.io-client reconnects by itself; wait for the session to come back
  // with its state recovered (connectionStateRecovery on the server).
  reconnect(timeoutMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sock.off('connect', onConnect);
        resolve({ ok: false, code: 'timeout' });
      }, timeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        this.cutting = false;
        resolve(this.sock.recovered ? { ok: true } : { ok: false, code: 'not_recovered' });
      };
      this.sock.once('connect', onConnect);
    });
  }

  close(timeoutMs) {
    return new Promise((resolve) => {
      this.closing = true;
      this.up = false;
      const sock = this.sock;
      if (!sock || !sock.io.engine || sock.io.engine.readyState === 'closed') {
        sock?.disconnect();
        return resolve();
      }
      const engine = sock.io.engine;
      const timer = setTimeout(resolve, timeoutMs);
      engine.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      sock.disconnect();
      sock.io.engine?.close();
    });
  }
}

// ---------------------------------------------------------------- phases

const Conn = cfg.adapter === 'socketio' ? SocketIoConn : SwitchboardConn;
const conns = [];
for (let i = 0; i < cfg.count; i++) conns.push(new Conn(cfg.first + i));

async function inBatches(list, size, deadline, fn) {
  for (let i = 0; i < list.length; i += size) {
    if (now() > deadline) return list.slice(i); // not attempted
    await Promise.all(list.slice(i, i + size).map(fn));
  }
  return [];
}

async function connectAll({ batch, timeoutMs, deadlineMs }) {
  const deadline = now() + deadlineMs;
  const times = new SampleBuffer(conns.length);
  const failures = {};
  const skipped = await inBatches(conns, batch, deadline, async (c) => {
    const t0 = now();
    if (await c.open(timeoutMs)) times.push(now() - t0);
    else failures[c.failure] = (failures[c.failure] || 0) + 1;
  });
  if (skipped.length) failures['not attempted (phase time limit)'] = skipped.length;
  return { attempted: conns.length, opened: times.length, failures, times: times.toArray() };
}

async function joinAll({ batch, timeoutMs, deadlineMs }) {
  const deadline = now() + deadlineMs;
  const times = new SampleBuffer(conns.length);
  const failures = {};
  const open = conns.filter((c) => c.up);
  const skipped = await inBatches(open, batch, deadline, async (c) => {
    const t0 = now();
    const room = `bench-${Math.floor(c.index / cfg.perRoom)}`;
    const res = await c.join(room, `u${c.index}`, timeoutMs);
    if (res.ok) {
      c.joined = true;
      times.push(now() - t0);
    } else failures[res.code] = (failures[res.code] || 0) + 1;
  });
  if (skipped.length) failures['not attempted (phase time limit)'] = skipped.length;
  return { joined: times.length, failures, times: times.toArray() };
}

// Open-loop schedule: connection k of n sends at start + k*period/n + r*period,
// for r = 0, 1, 2, ... whatever happened to earlier requests. A tick sends
// everything that is due; how late it is (lag) shows whether this thread
// keeps up.
let sender = null;
let sweeper = null;
function startLoad() {
  const order = conns.filter((c) => c.joined);
  const n = order.length;
  if (n === 0) return { senders: 0 };
  const offsets = order.map((_, k) => (k * period) / n + (cfg.threadIndex * period) / n / cfg.threads);
  const t0 = now();
  let round = 0;
  let k = 0;
  const tick = () => {
    const t = now();
    for (let sent = 0; sent < n; sent++) {
      const due = t0 + round * period + offsets[k];
      if (due > t) break;
      const c = order[k];
      if (c.up) {
        const lag = t - due;
        current.lagSum += lag;
        if (lag > current.lagMax) current.lagMax = lag;
        if (lag > 10) current.lagOver10++;
        if (lag > 100) current.lagOver100++;
        c.ping();
      } else current.skipped++;
      if (++k === n) {
        k = 0;
        round++;
      }
    }
  };
  sender = setInterval(tick, 1);
  sweeper = setInterval(sweepTimeouts, 250);
  return { senders: n };
}

function sweepTimeouts() {
  const limit = now() - cfg.requestTimeoutMs;
  for (const c of conns) {
    for (const [id, t0] of c.pending) {
      if (t0 > limit) break; // Map keeps send order
      c.pending.delete(id);
      phaseCounters(phaseOf(t0)).timeouts++;
    }
  }
}

function outstanding() {
  let n = 0;
  for (const c of conns) n += c.pending.size;
  return n;
}

// Stops sending, then waits (bounded) for the answers still on their way.
async function stopLoad({ drainMs }) {
  clearInterval(sender);
  sender = null;
  const until = now() + drainMs;
  while (outstanding() > 0 && now() < until) await new Promise((r) => setTimeout(r, 20));
  sweepTimeouts();
  clearInterval(sweeper);
  const left = outstanding();
  for (const c of conns) {
    for (const t0 of c.pending.values()) phaseCounters(phaseOf(t0)).timeouts++;
    c.pending.clear();
  }
  return { unansweredAtStop: left };
}

// Cuts `count` joined connections (spread over this thread's share) with a
// TCP reset, reconnects each at once and resumes its session.
async function cutAndResume({ count, timeoutMs }) {
  const live = conns.filter((c) => c.up && c.joined);
  const step = live.length / Math.max(1, count);
  const victims = [];
  for (let i = 0; i < count && i < live.length; i++) victims.push(live[Math.floor(i * step)]);
  const times = new SampleBuffer(victims.length);
  const failures = {};
  let replayed = 0;
  await Promise.all(victims.map(async (c) => {
    const t0 = now();
    current.lostInCut += c.pending.size;
    c.pending.clear();
    c.cut();
    const res = await c.reconnect(timeoutMs);
    if (res.ok) {
      times.push(now() - t0);
      replayed += res.replayed || 0;
    } else failures[res.code] = (failures[res.code] || 0) + 1;
  }));
  return { cut: victims.length, resumed: times.length, failures, replayed, times: times.toArray() };
}

async function closeAll({ timeoutMs }) {
  await Promise.all(conns.map((c) => c.close(timeoutMs)));
  return { closed: conns.length };
}

// Event-loop utilization and delay over the steady phase: how busy this thread was.
let eluStart = null;
let elu = null;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function mark({ name }) {
  if (name === 'steady') {
    steadyStart = now();
    eluStart = performance.eventLoopUtilization();
    loopDelay.reset();
    loopDelay.enable();
  } else if (eluStart && !elu) {
    elu = performance.eventLoopUtilization(eluStart);
    loopDelay.disable();
  }
  phases.push({ name, start: now() });
  current = phaseCounters(name);
  return {};
}

function report() {
  const out = {};
  const transfer = [];
  for (const [name, c] of counters) {
    const latency = c.latency.toArray();
    transfer.push(latency.buffer);
    out[name] = { ...c, latency };
  }
  return {
    result: {
      phases: out, unexpectedCloses, participantLeftSeen, timeline,
      elu: elu ? elu.utilization : NaN,
      loopDelayP99Ms: elu ? loopDelay.percentile(99) / 1e6 : NaN,
      loopDelayMaxMs: elu ? loopDelay.max / 1e6 : NaN,
    },
    transfer,
  };
}

const handlers = {
  connect: connectAll, join: joinAll, start: startLoad, stop: stopLoad,
  cut: cutAndResume, close: closeAll, mark, report,
};

parentPort.on('message', async (msg) => {
  try {
    const r = await handlers[msg.cmd](msg);
    if (msg.cmd === 'report') parentPort.postMessage({ seq: msg.seq, result: r.result }, r.transfer);
    else parentPort.postMessage({ seq: msg.seq, result: r });
  } catch (e) {
    parentPort.postMessage({ seq: msg.seq, error: e.stack || String(e) });
  }
});
