// Latency summaries and the printed tables.

// { count, avg, p50, p95, p99, max } of an array of milliseconds (sorted in place).
export function summarize(samples) {
  const n = samples.length;
  if (n === 0) return { count: 0, avg: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  samples.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samples[i];
  // Nearest-rank percentile: the smallest sample with at least p% of samples at or below it.
  const pct = (p) => samples[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))];
  return { count: n, avg: sum / n, p50: pct(50), p95: pct(95), p99: pct(99), max: samples[n - 1] };
}

// Joins Float64Arrays (typed arrays sort numerically, unlike plain arrays).
export function concatSamples(arrays) {
  const total = arrays.reduce((a, x) => a + x.length, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

// A Float64Array that grows: push() without allocating per sample.
export class SampleBuffer {
  constructor(capacity = 1 << 16) {
    this.data = new Float64Array(capacity);
    this.length = 0;
  }

  push(v) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  // A copy that fits exactly, to post to another thread.
  toArray() {
    return this.data.slice(0, this.length);
  }
}

export function fmt(v, digits = 1) {
  if (v === undefined || v === null || Number.isNaN(v)) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// Renders rows ([label, ...cells], or a string for a section heading) as a
// plain-text table with the given header.
export function renderTable(header, rows) {
  const cells = rows.filter((r) => Array.isArray(r));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule];
  for (const r of rows) out.push(Array.isArray(r) ? line(r) : `${r}`);
  return out.join('\n');
}
