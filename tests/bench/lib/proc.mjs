// Small helpers that read what the kernel knows about a process: CPU time
// (per process and per thread), resident memory, open-file limits, and the
// machine's total busy time. Linux only (/proc).
import fs from 'node:fs';
import net from 'node:net';

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat. 100 on every Linux
// build that matters; `getconf CLK_TCK` would say otherwise.
const CLK_TCK = 100;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Fields 14 and 15 (utime, stime) of /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat,
// in seconds. The command name (field 2) may contain spaces, so split after ')'.
function cpuFromStat(text) {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

export function processCpuSeconds(pid) {
  try {
    return cpuFromStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

// CPU seconds of every thread of a process: [{ tid, name, cpu }].
export function threadCpuSeconds(pid) {
  const out = [];
  let tids = [];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.push({ tid: Number(tid), name, cpu: cpuFromStat(stat) });
    } catch { /* thread ended */ }
  }
  return out;
}

// The thread that used the most CPU between two threadCpuSeconds() snapshots,
// as { name, cpu } (seconds).
export function busiestThread(before, after) {
  const start = new Map(before.map((t) => [t.tid, t.cpu]));
  let best = { name: '-', cpu: 0 };
  for (const t of after) {
    const used = t.cpu - (start.get(t.tid) ?? 0);
    if (used > best.cpu) best = { name: t.name, cpu: used };
  }
  return best;
}

// { rssKiB, hwmKiB } from /proc/<pid>/status.
export function memoryKiB(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => {
      const m = text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
      return m ? Number(m[1]) : NaN;
    };
    return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
  } catch {
    return { rssKiB: NaN, hwmKiB: NaN };
  }
}

// Machine-wide CPU time from /proc/stat: { busy, total } in ticks, summed
// over all cores. busy excludes idle and iowait.
export function machineCpuTicks() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3] + v[4];
  return { busy: total - idle, total };
}

// { soft, hard } open-file limit of this process (Infinity for unlimited).
export function openFileLimit(pid = 'self') {
  const text = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
  const m = text.match(/^Max open files\s+(\S+)\s+(\S+)/m);
  const num = (s) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

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
