// Drives one load run against a server that is already listening: spreads
// the connections over load threads, walks them through the phases (connect,
// join, steady load, cut-and-resume under load, drain, close), samples the
// server's CPU and memory from /proc around each phase, and returns one
// result object. Every phase has a time limit; a phase that overruns throws.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import {
  sleep, processCpuSeconds, threadCpuSeconds, busiestThread, memoryKiB, machineCpuTicks,
} from './proc.mjs';
import { summarize, concatSamples } from './stats.mjs';

const workerUrl = new URL('./load-worker.mjs', import.meta.url);

class LoadThreads {
  constructor(count, base) {
    this.workers = [];
    this.waiting = new Map();
    this.seq = 0;
    const per = Math.floor(base.connections / count);
    let first = 0;
    for (let i = 0; i < count; i++) {
      const n = i === count - 1 ? base.connections - first : per;
      const w = new Worker(workerUrl, {
        workerData: { ...base, first, count: n, threadIndex: i, threads: count },
      });
      w.on('message', (m) => {
        const p = this.waiting.get(m.seq);
        if (!p) return;
        this.waiting.delete(m.seq);
        if (m.error) p.reject(new Error(m.error));
        else p.resolve(m.result);
      });
      w.on('error', (e) => {
        for (const p of this.waiting.values()) p.reject(e);
        this.waiting.clear();
      });
      this.workers.push(w);
      first += n;
    }
  }

  // Sends a command to every thread; resolves with their answers.
  all(cmd, args = {}, split = null) {
    return Promise.all(this.workers.map((w, i) => new Promise((resolve, reject) => {
      const seq = ++this.seq;
      this.waiting.set(seq, { resolve, reject });
      w.postMessage({ cmd, seq, ...args, ...(split ? split(i) : {}) });
    })));
  }

  async terminate() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// Resolves with the promise's value, or throws once `ms` have passed.
function bounded(promise, ms, phase) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`phase "${phase}" did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function mergeCounts(into, from) {
  for (const [k, v] of Object.entries(from || {})) into[k] = (into[k] || 0) + v;
  return into;
}

function mergePhase(reports, name) {
  const m = {
    sent: 0, bytesOut: 0, received: 0, bytesIn: 0, events: 0, responses: 0, errors: {},
    timeouts: 0, late: 0, lostInCut: 0, skipped: 0, lagSum: 0, lagMax: 0, lagOver10: 0, lagOver100: 0,
  };
  const lat = [];
  for (const r of reports) {
    const p = r.phases[name];
    if (!p) continue;
    for (const k of Object.keys(m)) {
      if (k === 'errors') mergeCounts(m.errors, p.errors);
      else if (k === 'lagMax') m.lagMax = Math.max(m.lagMax, p.lagMax);
      else m[k] += p[k];
    }
    lat.push(p.latency);
  }
  m.latency = summarize(concatSamples(lat));
  return m;
}

// A snapshot of the server process and, for comparison, this (client) process and the machine.
function snapshot(serverPid) {
  return {
    t: performance.now(),
    serverCpu: processCpuSeconds(serverPid),
    serverThreads: threadCpuSeconds(serverPid),
    serverMem: memoryKiB(serverPid),
    clientCpu: processCpuSeconds(process.pid),
    clientThreads: threadCpuSeconds(process.pid),
    machine: machineCpuTicks(),
  };
}

/**
 * opts: connections, rate, duration (s), perRoom, messageBytes, threads,
 *       batch, cut, requestTimeoutMs, connectTimeoutMs, settleMs
 * server: { name, pid, url, stats?(): Promise<object>, drained?(): Promise<boolean> }
 * log(line): progress output
 */
export async function runLoad(server, opts, log, extra = {}) {
  const result = { target: server.name, params: { ...opts }, phasesCompleted: [] };
  const threads = new LoadThreads(opts.threads, {
    adapter: server.adapter, url: server.url, socketioDir: extra.socketioDir,
    connections: opts.connections, rate: opts.rate, perRoom: opts.perRoom,
    messageBytes: opts.messageBytes, requestTimeoutMs: opts.requestTimeoutMs,
  });
  const pid = server.pid;
  const mem = {};
  try {
    await sleep(opts.settleMs);
    mem.idle = memoryKiB(pid).rssKiB;

    // ---- connect
    const batch = Math.max(1, Math.ceil(opts.batch / opts.threads));
    const connectLimit = opts.connectPhaseS * 1000;
    log(`[${server.name}] connecting ${opts.connections} WebSockets in batches of ${opts.batch}`);
    let t = performance.now();
    const conn = await bounded(threads.all('connect', { batch, timeoutMs: opts.connectTimeoutMs, deadlineMs: connectLimit }),
      connectLimit + opts.connectTimeoutMs + 5000, 'connect');
    const opened = conn.reduce((a, r) => a + r.opened, 0);
    result.connect = {
      attempted: opts.connections, opened, successPct: (100 * opened) / opts.connections,
      failures: conn.reduce((a, r) => mergeCounts(a, r.failures), {}),
      wallS: (performance.now() - t) / 1000,
      ms: summarize(concatSamples(conn.map((r) => r.times))),
    };
    result.phasesCompleted.push('connect');
    log(`[${server.name}] ${opened}/${opts.connections} open in ${result.connect.wallS.toFixed(1)} s`);

    // ---- join
    t = performance.now();
    const joinLimit = opts.joinPhaseS * 1000;
    const join = await bounded(threads.all('join', { batch, timeoutMs: opts.requestTimeoutMs, deadlineMs: joinLimit }),
      joinLimit + opts.requestTimeoutMs + 5000, 'join');
    const joined = join.reduce((a, r) => a + r.joined, 0);
    result.join = {
      joined, rooms: Math.ceil(opts.connections / opts.perRoom),
      failures: join.reduce((a, r) => mergeCounts(a, r.failures), {}),
      wallS: (performance.now() - t) / 1000,
      ms: summarize(concatSamples(join.map((r) => r.times))),
    };
    result.phasesCompleted.push('join');
    log(`[${server.name}] ${joined} joined ${result.join.rooms} rooms in ${result.join.wallS.toFixed(1)} s`);
    await sleep(opts.settleMs);
    mem.afterJoin = memoryKiB(pid).rssKiB;

    // ---- steady load
    log(`[${server.name}] load: ${joined} × ${opts.rate}/s × ${opts.duration} s, ${opts.messageBytes}-byte requests`);
    const statsBefore = server.stats ? await server.stats().catch(() => null) : null;
    await threads.all('mark', { name: 'steady' });
    const before = snapshot(pid);
    await threads.all('start');
    // Every second: server, client and whole-machine CPU (to line up with
    // latency spikes); every 5 s: server RSS.
    const rssSamples = [before.serverMem.rssKiB];
    const cpuSeconds = [];
    const steadyEnd = before.t + opts.duration * 1000;
    let prev = { t: before.t, server: before.serverCpu, client: before.clientCpu, machine: before.machine };
    for (let sec = 1; performance.now() < steadyEnd; sec++) {
      await sleep(Math.max(0, Math.min(before.t + sec * 1000, steadyEnd) - performance.now()));
      const cur = {
        t: performance.now(), server: processCpuSeconds(pid), client: processCpuSeconds(process.pid), machine: machineCpuTicks(),
      };
      const dt = (cur.t - prev.t) / 1000;
      const busyS = (cur.machine.busy - prev.machine.busy) / 100;
      const server = cur.server - prev.server;
      const client = cur.client - prev.client;
      cpuSeconds.push({
        serverPct: (100 * server) / dt, clientPct: (100 * client) / dt,
        otherPct: Math.max(0, (100 * (busyS - server - client)) / dt),
      });
      prev = cur;
      if (sec % 5 === 0) rssSamples.push(memoryKiB(pid).rssKiB);
    }
    rssSamples.push(memoryKiB(pid).rssKiB);
    const after = snapshot(pid);
    await threads.all('mark', { name: 'reconnect' });
    const statsAfter = server.stats ? await server.stats().catch(() => null) : null;
    result.phasesCompleted.push('steady');

    // ---- cut and resume, while the rest keep sending
    const cutCount = Math.min(opts.cut, joined);
    const per = Math.floor(cutCount / opts.threads);
    log(`[${server.name}] cutting ${cutCount} connections (TCP reset) under load; each reconnects and resumes at once`);
    const cut = await bounded(threads.all('cut', { timeoutMs: opts.reconnectTimeoutMs },
      (i) => ({ count: i === opts.threads - 1 ? cutCount - per * (opts.threads - 1) : per })),
    opts.reconnectTimeoutMs + 5000, 'reconnect');
    await sleep(1000); // a second of load with the resumed connections back
    await threads.all('mark', { name: 'drain' });
    const stop = await bounded(threads.all('stop', { drainMs: opts.requestTimeoutMs }),
      opts.requestTimeoutMs + 5000, 'drain');
    mem.endOfLoad = memoryKiB(pid).rssKiB;
    result.phasesCompleted.push('reconnect');

    const reports = await bounded(threads.all('report'), 10000, 'report');
    const steady = mergePhase(reports, 'steady');
    const reconnectPhase = mergePhase(reports, 'reconnect');
    const wall = (after.t - before.t) / 1000;
    const cores = extra.cores || 1;
    const serverCpu = after.serverCpu - before.serverCpu;
    const clientCpu = after.clientCpu - before.clientCpu;
    const serverBusiest = busiestThread(before.serverThreads, after.serverThreads);
    const clientBusiest = busiestThread(before.clientThreads, after.clientThreads);
    const machineBusy = (after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total);
    const messages = steady.sent + steady.received;
    result.steady = {
      wallS: wall, senders: joined,
      sent: steady.sent, received: steady.received, events: steady.events,
      sentPerS: steady.sent / wall, receivedPerS: steady.received / wall, messagesPerS: messages / wall,
      bytesOutPerS: steady.bytesOut / wall, bytesInPerS: steady.bytesIn / wall,
      avgRequestBytes: steady.sent ? steady.bytesOut / steady.sent : NaN,
      latencyMs: steady.latency,
      answered: steady.responses, errors: steady.errors, timeouts: steady.timeouts,
      skipped: steady.skipped,
      sendLagAvgMs: steady.sent ? steady.lagSum / steady.sent : NaN, sendLagMaxMs: steady.lagMax,
      sendLagOver10msPct: steady.sent ? (100 * steady.lagOver10) / steady.sent : NaN,
    };
    result.reconnect = {
      cut: cut.reduce((a, r) => a + r.cut, 0),
      resumed: cut.reduce((a, r) => a + r.resumed, 0),
      failures: cut.reduce((a, r) => mergeCounts(a, r.failures), {}),
      replayedEvents: cut.reduce((a, r) => a + r.replayed, 0),
      ms: summarize(concatSamples(cut.map((r) => r.times))),
      requestsLostInCut: reconnectPhase.lostInCut,
      phaseLatencyMs: reconnectPhase.latency,
      phaseErrors: reconnectPhase.errors, phaseTimeouts: reconnectPhase.timeouts,
    };
    // Per second of the steady phase: round trips (by send time) and CPU.
    result.timeline = cpuSeconds.map((cpu, sec) => {
      let n = 0, sum = 0, max = 0, over50 = 0;
      for (const r of reports) {
        n += r.timeline.count[sec] || 0;
        sum += r.timeline.sum[sec] || 0;
        max = Math.max(max, r.timeline.max[sec] || 0);
        over50 += r.timeline.over50[sec] || 0;
      }
      return { sec, answered: n, avgMs: n ? sum / n : NaN, maxMs: max, over50ms: over50, ...cpu };
    });
    result.unexpectedCloses = reports.reduce((a, r) => mergeCounts(a, r.unexpectedCloses), {});
    result.participantLeftSeen = reports.reduce((a, r) => a + r.participantLeftSeen, 0);
    result.lateResponses = reports.reduce((a, r) => a + Object.values(r.phases).reduce((b, p) => b + p.late, 0), 0);
    result.unansweredAtStop = stop.reduce((a, r) => a + r.unansweredAtStop, 0);
    result.server = {
      cpuS: serverCpu, cpuPctOfCore: (100 * serverCpu) / wall,
      cpuSPer1000Messages: messages ? serverCpu / (messages / 1000) : NaN,
      busiestThread: { name: serverBusiest.name, pctOfCore: (100 * serverBusiest.cpu) / wall },
      stats: statsAfter,
      messagesInCounted: statsBefore && statsAfter && statsAfter.signaling
        ? statsAfter.signaling.messagesIn - statsBefore.signaling.messagesIn : undefined,
    };
    result.client = {
      threads: opts.threads, cpuPctOfCore: (100 * clientCpu) / wall,
      busiestThread: { name: clientBusiest.name, pctOfCore: (100 * clientBusiest.cpu) / wall },
      eventLoopUtilization: reports.map((r) => r.elu),
      loopDelayP99Ms: Math.max(...reports.map((r) => r.loopDelayP99Ms)),
      loopDelayMaxMs: Math.max(...reports.map((r) => r.loopDelayMaxMs)),
    };
    // Busy time of the whole machine minus server and client: anything else
    // running at the same time (it competes for the same cores).
    const machineBusyS = (after.machine.busy - before.machine.busy) / 100;
    result.machine = {
      cores, busyPct: 100 * machineBusy,
      // clamped: tick rounding can make a quiet machine look slightly negative
      otherProcessesPctOfAllCores: Math.max(0, (100 * (machineBusyS - serverCpu - clientCpu)) / (wall * cores)),
    };
    mem.loadStart = rssSamples[0];
    mem.loadEnd = rssSamples[rssSamples.length - 1];
    mem.loadMax = Math.max(...rssSamples);
    mem.loadSamples = rssSamples;

    // ---- close
    log(`[${server.name}] closing`);
    await bounded(threads.all('close', { timeoutMs: 5000 }), 15000, 'close');
    if (server.drained) {
      t = performance.now();
      const until = t + opts.drainWaitS * 1000;
      let drained = false;
      while (performance.now() < until && !(drained = await server.drained().catch(() => false))) await sleep(250);
      result.drainedAfterCloseS = drained ? (performance.now() - t) / 1000 : null;
      log(`[${server.name}] ${drained ? `every session gone ${result.drainedAfterCloseS.toFixed(1)} s after close` : 'sessions still present after the wait'}`);
    }
    await sleep(opts.settleMs);
    const end = memoryKiB(pid);
    mem.afterClose = end.rssKiB;
    mem.peak = end.hwmKiB;
    result.phasesCompleted.push('close');
    return result;
  } catch (e) {
    result.error = e.message;
    return result;
  } finally {
    mem.perConnectionKiB = (mem.afterJoin - mem.idle) / (result.join?.joined || result.connect?.opened || NaN);
    result.memoryKiB = mem;
    await threads.terminate();
  }
}

// Starts a server with `start()`, runs the load against it, stops it, and
// returns the result with the server's command line, exit status and warnings.
export async function benchmarkServer(start, opts, log, extra = {}) {
  const server = await start();
  log(`[${server.name}] pid ${server.pid}: ${server.command}`);
  let result;
  try {
    result = await runLoad(server, opts, log, extra);
  } finally {
    const exit = await server.stop();
    if (result) {
      result.serverCommand = server.command;
      result.serverExit = exit.code === 0 && !exit.forced ? null : exit;
      result.serverWarnings = server.warnings;
      result.serverFirstWarnings = server.firstWarnings;
    }
  }
  return result;
}
