// HTTP from inside a test network namespace. The test process stays outside
// the namespace (tests/e2e/README.md), so it cannot reach 10.77.<k>.1 itself:
// each probe is a short node process started inside with ns.exec().
//
//   httpInNs(ns, url, { method, headers, body, readMs, timeoutMs })
//     -> { status, headers, body, upgraded, error, ms }
//   readMs: stop reading a streaming body (SSE) after this long; the result
//   then has streaming: true. A 101 answer to an Upgrade request resolves with
//   upgraded: true and the socket is closed.
//   waitHttp(ns, url, check, { timeoutMs, intervalMs }) polls until check(result).

const PROBE_SCRIPT = `
const http = require('node:http');
const spec = JSON.parse(process.argv[1]);
const t0 = Date.now();
const done = (r) => { process.stdout.write(JSON.stringify({ ...r, ms: Date.now() - t0 })); process.exit(0); };
const req = http.request(spec.url, { method: spec.method || 'GET', headers: spec.headers || {}, timeout: spec.timeoutMs });
req.on('timeout', () => { req.destroy(); done({ status: 0, error: 'timeout after ' + spec.timeoutMs + ' ms' }); });
req.on('error', (e) => done({ status: 0, error: String(e.code || e.message || e) }));
req.on('upgrade', (res, socket) => { socket.destroy(); done({ status: res.statusCode, headers: res.headers, upgraded: true }); });
req.on('response', (res) => {
  let body = '';
  let streaming = false;
  res.setEncoding('utf8');
  res.on('data', (d) => { if (body.length < 65536) body += d; });
  res.on('end', () => done({ status: res.statusCode, headers: res.headers, body }));
  if (spec.readMs) setTimeout(() => { streaming = true; res.destroy(); done({ status: res.statusCode, headers: res.headers, body, streaming }); }, spec.readMs);
});
if (spec.body !== undefined) req.write(spec.body);
req.end();
`;

export async function httpInNs(ns, url, { method, headers, body, readMs, timeoutMs = 5000 } = {}) {
  const spec = { url, method, headers, body, readMs, timeoutMs };
  const r = await ns.exec(process.execPath, ['-e', PROBE_SCRIPT, JSON.stringify(spec)], { timeoutMs: timeoutMs + (readMs || 0) + 5000 });
  try { return JSON.parse(r.stdout); } catch {
    return { status: 0, error: `probe failed (code ${r.code}): ${r.stderr.trim()}` };
  }
}

export async function waitHttp(ns, url, check, { timeoutMs = 30000, intervalMs = 250, ...opts } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  do {
    last = await httpInNs(ns, url, { timeoutMs: 3000, ...opts });
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  } while (Date.now() < until);
  const err = new Error(`${url}: no good answer within ${timeoutMs} ms; last: ${JSON.stringify(last).slice(0, 500)}`);
  err.last = last;
  throw err;
}

// A WebSocket opening handshake (RFC 6455 §4.1) without a WebSocket library.
export const WS_UPGRADE_HEADERS = {
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
};
