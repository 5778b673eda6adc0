// What the two benchmark scripts share: options, the open-files limit, the
// overall time limit, and the printed table.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openFileLimit } from './proc.mjs';
import { fmt, renderTable } from './stats.mjs';

export const optionHelp = `
  --connections N     WebSocket connections (default 1000)
  --rate R            ping requests per second per connection (default 10)
  --duration S        seconds of steady load that are measured (default 60)
  --per-room N        connections per room (default 10)
  --message-bytes B   size of one request on the wire, padding included (default 1024)
  --threads K         load-generating threads in this process (default 2)
  --batch N           connections opened (and joined) at a time while ramping up (default 100)
  --cut N             connections cut with a TCP reset and resumed, under load (default 100)
  --grace S           server grace period for a dropped session, seconds (default 10)
  --quick             CI size: 200 connections x 10/s x 10 s, 20 cut
  --json              print the result as JSON on stdout (the table goes to stderr)
  --out FILE          also write the JSON result to FILE
  --help`;

export const optionSpec = {
  connections: { type: 'string' }, rate: { type: 'string' }, duration: { type: 'string' },
  'per-room': { type: 'string' }, 'message-bytes': { type: 'string' }, threads: { type: 'string' },
  batch: { type: 'string' }, cut: { type: 'string' }, grace: { type: 'string' },
  quick: { type: 'boolean' }, json: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean' },
};

export function parseOptions(extraSpec = {}) {
  const { values } = parseArgs({ options: { ...optionSpec, ...extraSpec }, strict: true });
  const num = (name, dflt, quickValue) => {
    if (values[name] !== undefined) {
      const v = Number(values[name]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} wants a positive number, not ${values[name]}`);
      return v;
    }
    return values.quick && quickValue !== undefined ? quickValue : dflt;
  };
  const opts = {
    connections: num('connections', 1000, 200),
    rate: num('rate', 10),
    duration: num('duration', 60, 10),
    perRoom: num('per-room', 10),
    messageBytes: num('message-bytes', 1024),
    threads: num('threads', 2),
    batch: num('batch', 100),
    cut: num('cut', 100, 20),
    graceS: num('grace', 10),
    quick: !!values.quick,
    // fixed bounds
    requestTimeoutMs: 5000, connectTimeoutMs: 10000, reconnectTimeoutMs: 10000,
    connectPhaseS: 60, joinPhaseS: 30, settleMs: 1000,
  };
  opts.cut = Math.min(opts.cut, opts.connections);
  opts.threads = Math.min(opts.threads, opts.connections);
  opts.drainWaitS = opts.graceS + 5;
  return { opts, values };
}

// The longest one run against one server may take, every phase at its limit.
export function runBudgetS(o) {
  return 10 + 4 * o.settleMs / 1000 + o.connectPhaseS + o.connectTimeoutMs / 1000 + 5 + o.joinPhaseS +
    o.requestTimeoutMs / 1000 + 5 + o.duration + o.reconnectTimeoutMs / 1000 + 5 + 1 +
    o.requestTimeoutMs / 1000 + 5 + 10 + 15 + o.drainWaitS + 15 + 30;
}

// Each connection is one descriptor here and one in the server. If the soft
// limit is too low but the hard one allows it, run this script again under
// a raised limit (a process cannot raise its own from JavaScript).
export function ensureOpenFiles(needed) {
  const { soft, hard } = openFileLimit();
  if (soft >= needed) return;
  if (hard < needed || process.env.SWITCHBOARD_BENCH_REEXEC) {
    throw new Error(`this run needs ${needed} open files but the limit is ${soft} (hard ${hard}); ` +
      `raise it (ulimit -n ${needed}) or use fewer --connections`);
  }
  const target = hard === Infinity ? needed : hard;
  const res = spawnSync('/bin/sh', ['-c', `ulimit -n ${target} && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, SWITCHBOARD_BENCH_REEXEC: '1' },
  });
  process.exit(res.status ?? 1);
}

// Kills the whole run (children included, see servers.mjs) if it overruns.
export function watchdog(seconds, what) {
  const t = setTimeout(() => {
    process.stderr.write(`\n${what}: still running after ${Math.round(seconds)} s; giving up (servers killed)\n`);
    process.exit(3);
  }, seconds * 1000);
  t.unref();
  return t;
}

export function machineLine() {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model?.trim() || 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `Linux ${os.release()}, Node ${process.version}`;
}

// ---------------------------------------------------------------- table

const MiB = (k) => k / 1024;
const pctStr = (r) => r.connect ? `${r.connect.opened}/${r.connect.attempted} (${fmt(r.connect.successPct)}%)` : '-';
const count = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
const detail = (o) => {
  const e = Object.entries(o || {});
  return e.length ? ` (${e.map(([k, v]) => `${k}: ${v}`).join(', ')})` : '';
};

// [label, value(result) -> number|string, digits, seed value (from seed 004, WebSocket)]
const rows = [
  'connections',
  ['opened', pctStr, 0, '98.5%'],
  ['connect time avg (ms)', (r) => r.connect?.ms.avg, 1],
  ['connect time p95 (ms)', (r) => r.connect?.ms.p95, 1],
  ['join-room time avg (ms)', (r) => r.join?.ms.avg, 1],
  ['join-room time p95 (ms)', (r) => r.join?.ms.p95, 1],
  'round trip of a ping request, steady load (ms)',
  ['avg', (r) => r.steady?.latencyMs.avg, 2, '18'],
  ['p50', (r) => r.steady?.latencyMs.p50, 2],
  ['p95', (r) => r.steady?.latencyMs.p95, 2, '42'],
  ['p99', (r) => r.steady?.latencyMs.p99, 2],
  ['max', (r) => r.steady?.latencyMs.max, 2],
  ['answered requests', (r) => r.steady?.answered, 0],
  'throughput, steady load',
  ['requests sent /s', (r) => r.steady?.sentPerS, 0],
  ['messages received /s', (r) => r.steady?.receivedPerS, 0],
  ['messages /s, both directions', (r) => r.steady?.messagesPerS, 0, '10,500'],
  ['payload MB/s, both directions', (r) => r.steady && (r.steady.bytesOutPerS + r.steady.bytesInPerS) / 1e6, 2, '2.1'],
  ['avg request size (bytes)', (r) => r.steady?.avgRequestBytes, 0],
  'failures',
  ['error responses', (r) => r.steady && count(r.steady.errors), 0],
  ['timeouts (no answer in 5 s)', (r) => r.steady?.timeouts, 0],
  ['unexpected closes', (r) => r.unexpectedCloses && count(r.unexpectedCloses), 0],
  'server (steady load)',
  ['CPU, % of one core', (r) => r.server?.cpuPctOfCore, 1],
  ['busiest thread, % of one core', (r) => r.server?.busiestThread.pctOfCore, 1],
  ['CPU-s per 1,000 messages (in+out)', (r) => r.server?.cpuSPer1000Messages, 4],
  ['RSS idle (MiB)', (r) => MiB(r.memoryKiB?.idle), 1],
  ['RSS connected + joined (MiB)', (r) => MiB(r.memoryKiB?.afterJoin), 1],
  ['memory per connection (KiB)', (r) => r.memoryKiB?.perConnectionKiB, 1],
  ['RSS growth during load (MiB)', (r) => MiB(r.memoryKiB?.loadEnd - r.memoryKiB?.loadStart), 1],
  ['RSS after all closed (MiB)', (r) => MiB(r.memoryKiB?.afterClose), 1],
  ['peak RSS (MiB)', (r) => MiB(r.memoryKiB?.peak), 1],
  'reconnection (cut under load, immediate retry)',
  ['resumed', (r) => r.reconnect ? `${r.reconnect.resumed}/${r.reconnect.cut}` : '-', 0],
  ['cut -> resumed avg (ms)', (r) => r.reconnect?.ms.avg, 1, '1,200'],
  ['cut -> resumed p95 (ms)', (r) => r.reconnect?.ms.p95, 1],
  ['cut -> resumed max (ms)', (r) => r.reconnect?.ms.max, 1],
  ['participant-left seen by others', (r) => r.participantLeftSeen, 0],
  'load generator (this process)',
  ['load threads', (r) => r.client?.threads, 0],
  ['client CPU, % of one core', (r) => r.client?.cpuPctOfCore, 1],
  ['busiest client thread, % of one core', (r) => r.client?.busiestThread.pctOfCore, 1],
  ['event-loop utilization, busiest thread (%)', (r) => r.client && 100 * Math.max(...r.client.eventLoopUtilization), 1],
  ['send lag avg (ms)', (r) => r.steady?.sendLagAvgMs, 2],
  ['sends > 10 ms late (%)', (r) => r.steady?.sendLagOver10msPct, 2],
  ['machine CPU busy, % of all cores', (r) => r.machine?.busyPct, 1],
  ['  of which other processes (%)', (r) => r.machine?.otherProcessesPctOfAllCores, 1],
];

function cell(row, r) {
  const v = row[1](r);
  return typeof v === 'string' ? v : fmt(v, row[2]);
}

// One table; `results` side by side. With two results a ratio column
// (first / second) follows for every numeric row.
export function table(results) {
  const names = results.map((r) => r.target);
  const ratio = results.length === 2;
  const header = ['metric', ...names, ...(ratio ? [`${names[0]} / ${names[1]}`] : []), 'seed 004 (WebSocket)'];
  const out = [];
  for (const row of rows) {
    if (typeof row === 'string') {
      out.push(['', ...names.map(() => ''), ...(ratio ? [''] : []), '']);
      out.push([`${row}`, ...names.map(() => ''), ...(ratio ? [''] : []), '']);
      continue;
    }
    const cells = results.map((r) => cell(row, r));
    const extra = [];
    if (ratio) {
      const [a, b] = results.map((r) => row[1](r));
      extra.push(typeof a === 'number' && typeof b === 'number' && b !== 0 && Number.isFinite(a / b) ? `${fmt(a / b, 2)}x` : '');
    }
    out.push([`  ${row[0]}`, ...cells, ...extra, row[3] || '']);
  }
  return renderTable(header, out);
}

// Lines about anything that went wrong, per result.
export function notes(results) {
  const lines = [];
  for (const r of results) {
    const n = [];
    if (r.error) n.push(`run stopped early: ${r.error} (completed: ${r.phasesCompleted.join(', ') || 'nothing'})`);
    if (r.connect && count(r.connect.failures)) n.push(`connect failures${detail(r.connect.failures)}`);
    if (r.join && count(r.join.failures)) n.push(`join failures${detail(r.join.failures)}`);
    if (r.steady && count(r.steady.errors)) n.push(`error responses${detail(r.steady.errors)}`);
    if (r.unexpectedCloses && count(r.unexpectedCloses)) n.push(`unexpected closes by code/reason${detail(r.unexpectedCloses)}`);
    if (r.reconnect && count(r.reconnect.failures)) n.push(`reconnect failures${detail(r.reconnect.failures)}`);
    if (r.reconnect) {
      n.push(`during the reconnection phase: round trip p95 ${fmt(r.reconnect.phaseLatencyMs.p95, 1)} ms, ` +
        `max ${fmt(r.reconnect.phaseLatencyMs.max, 1)} ms; ${r.reconnect.requestsLostInCut} requests in flight on cut ` +
        `connections were lost with them; ${r.reconnect.replayedEvents} events replayed`);
    }
    if (r.lateResponses) n.push(`${r.lateResponses} answers arrived after their request had timed out or its connection was cut`);
    if (r.unansweredAtStop) n.push(`${r.unansweredAtStop} requests were still unanswered when the run stopped waiting (counted as timeouts)`);
    if (r.server?.messagesInCounted !== undefined) {
      n.push(`server counted ${r.server.messagesInCounted} messages in around the steady phase (its /stats window is a little wider; the client sent ${r.steady.sent} in it)`);
    }
    const sig = r.server?.stats?.signaling;
    if (sig && (sig.rateLimited || count(sig.errors))) n.push(`server stats: rateLimited ${sig.rateLimited}, errors${detail(sig.errors)}`);
    if (r.serverExit) n.push(`server exit: ${JSON.stringify(r.serverExit)}`);
    if (r.serverWarnings) n.push(`server logged ${r.serverWarnings} warning/error lines, first: ${r.serverFirstWarnings.join(' | ')}`);
    if (r.timeline?.length) {
      const worst = [...r.timeline].sort((a, b) => b.maxMs - a.maxMs).slice(0, 3).filter((x) => x.maxMs > 50);
      const cpuPeak = Math.max(...r.timeline.map((x) => x.serverPct));
      n.push(`server CPU per second of steady load: peak ${fmt(cpuPeak)}% of one core`);
      for (const w of worst) {
        n.push(`spike in second ${w.sec}: worst round trip ${fmt(w.maxMs, 0)} ms, avg ${fmt(w.avgMs, 1)} ms, ` +
          `${w.over50ms} of ${w.answered} over 50 ms; that second: server ${fmt(w.serverPct, 0)}%, ` +
          `client ${fmt(w.clientPct, 0)}%, other processes ${fmt(w.otherPct, 0)}% (of one core)`);
      }
    }
    if (r.memoryKiB?.loadSamples) n.push(`server RSS during load, every 5 s (MiB): ${r.memoryKiB.loadSamples.map((k) => fmt(k / 1024, 1)).join(' ')}`);
    if (r.machine?.otherProcessesPctOfAllCores > 5) {
      n.push(`other processes used ${fmt(r.machine.otherProcessesPctOfAllCores)}% of all cores during the steady phase: the figures are disturbed`);
    }
    if (r.client && r.client.busiestThread.pctOfCore > 90) {
      n.push(`a load thread used ${fmt(r.client.busiestThread.pctOfCore)}% of a core: the load generator may be the bottleneck`);
    }
    const elu = r.client ? 100 * Math.max(...r.client.eventLoopUtilization) : 0;
    if (elu > 90 || r.steady?.sendLagOver10msPct > 1) {
      n.push(`the load generator fell behind its schedule (event loop ${fmt(elu)}% busy, ` +
        `${fmt(r.steady.sendLagOver10msPct, 2)}% of sends more than 10 ms late, worst ${fmt(r.steady.sendLagMaxMs, 0)} ms): ` +
        `fewer requests than asked went out, and round trips include time queued in the client`);
    }
    if (n.length) lines.push(`${r.target}:\n${n.map((x) => `  - ${x}`).join('\n')}`);
  }
  return lines.join('\n');
}
