// Raw protocol clients for the HTTP carriers (signaling/PROTOCOL.md,
// "Carriers"), for tests that need exact control of the wire. They mirror
// ws-client.mjs's RawClient: every message received is recorded as delivered
// (no de-duplication, so a test sees what the server really sent), requests
// resolve with the whole response envelope, and the transport can be cut.
//
//   SseClient   GET /sse stream over node:http + POST /rpc
//   PollClient  POST /poll loop + POST /rpc
import crypto from 'node:crypto';
import http from 'node:http';

export function randomCid() {
  return crypto.randomBytes(16).toString('hex');
}

// One HTTP request over node:http (fetch hides some headers and cannot send
// every method or Origin); resolves with {status, headers, body, json}.
export function httpRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) {
      headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    }
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${url} timed out`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// Shared bookkeeping: events and responses as delivered, waiters, /rpc.
class HttpCarrierClient {
  constructor(base, cid) {
    this.base = base;
    this.cid = cid;
    this.events = [];          // notifications, in arrival order
    this.responses = new Map();
    this.waiters = [];
    this.nextId = 1;
    this.closeNotice = null;   // {code, reason} once the server closed the connection
  }

  _onMessage(msg) {
    if (msg.event !== undefined) this.events.push(msg);
    else this.responses.set(msg.id, msg);
    this._wake();
  }

  _wake() {
    for (const w of [...this.waiters]) w();
  }

  _wait(check, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const done = () => {
        const v = check();
        if (v === undefined) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`${this.constructor.name}: timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(done);
      done();
    });
  }

  // POST /rpc with a raw body; resolves with the HTTP answer.
  async rpcRaw(body, headers = {}) {
    const res = await fetch(`${this.base}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-connection': this.cid, ...headers },
      body,
    });
    return { status: res.status, json: await res.json() };
  }

  // Sends {id, method, data}; resolves with the response envelope from the stream/poll.
  async request(method, data = {}, { timeoutMs = 5000 } = {}) {
    const id = this.nextId++;
    const res = await this.rpcRaw(JSON.stringify({ id, method, data }));
    if (res.status !== 202) throw new Error(`/rpc answered ${res.status} ${JSON.stringify(res.json)}`);
    return this.responseTo(id, timeoutMs);
  }

  responseTo(id, timeoutMs = 5000) {
    return this._wait(() => this.responses.get(id), timeoutMs, `response to ${id}`);
  }

  nextResponse(predicate, timeoutMs = 5000) {
    return this._wait(() => [...this.responses.values()].find(predicate), timeoutMs, 'matching response');
  }

  waitEvent(name, predicate = () => true, timeoutMs = 5000) {
    return this._wait(() => this.events.find((e) => e.event === name && predicate(e.data)), timeoutMs, `event ${name}`);
  }

  waitEventCount(n, timeoutMs = 5000) {
    return this._wait(() => (this.events.length >= n ? this.events : undefined), timeoutMs, `${n} events`);
  }

  waitClosed(timeoutMs = 5000) {
    return this._wait(() => this.closeNotice ?? undefined, timeoutMs, 'close notice');
  }

  get lastSeq() {
    return this.events.length ? this.events[this.events.length - 1].seq : 0;
  }

  async join(room, name) {
    const res = await this.request('join-room', { room, name });
    if (!res.ok) throw new Error(`join failed: ${JSON.stringify(res.error)}`);
    this.session = res.data;
    return res.data;
  }
}

// Parses an event stream (WHATWG HTML 9.2.6) into {id, event, data} frames.
class SseParser {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.buf = '';
    this.frame = { data: [] };
  }

  push(text) {
    this.buf += text;
    let nl;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + (this.buf.startsWith('\r\n', nl) ? 2 : 1));
      this._line(line);
    }
  }

  _line(line) {
    if (line === '') {
      if (this.frame.data.length || this.frame.event) this.onFrame({ ...this.frame, data: this.frame.data.join('\n') });
      this.frame = { data: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.onFrame({ comment: line.slice(1).trim() });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.frame.data.push(value);
    else if (field === 'id') this.frame.id = value;
    else if (field === 'event') this.frame.event = value;
    else if (field === 'retry') this.retry = Number(value);
  }
}

export class SseClient extends HttpCarrierClient {
  // Opens GET /sse and resolves once the hello frame arrived.
  static async open(base, { cid = randomCid(), lastEventId, headers } = {}) {
    const c = new SseClient(base, cid);
    await c.connect({ lastEventId, headers });
    return c;
  }

  constructor(base, cid) {
    super(base, cid);
    this.lastEventId = undefined; // the newest `id:` seen, as EventSource keeps it
    this.hellos = [];
    this.heartbeats = 0;
    this.status = undefined;
  }

  // (Re)connects the stream; lastEventId defaults to the newest id seen, like
  // EventSource's automatic reconnect. Resolves with the hello data.
  connect({ lastEventId = this.lastEventId, headers = {} } = {}) {
    const hellosBefore = this.hellos.length;
    const h = { accept: 'text/event-stream', ...headers };
    if (lastEventId !== undefined) h['last-event-id'] = String(lastEventId);
    const parser = new SseParser((f) => this._onFrame(f));
    this.req = http.get(`${this.base}/sse?cid=${this.cid}`, { headers: h, agent: false }, (res) => {
      this.status = res.statusCode;
      this.res = res;
      res.setEncoding('utf8');
      res.on('data', (t) => parser.push(t));
      res.on('error', () => {});
      res.on('close', () => { this.streamOpen = false; this._wake(); });
      this.streamOpen = true;
      this._wake();
    });
    this.req.on('error', () => { this.streamOpen = false; this._wake(); });
    return this._wait(() => this.hellos[hellosBefore] ?? (this.status && this.status !== 200 ? { status: this.status } : undefined),
      5000, 'SSE hello');
  }

  _onFrame(f) {
    if (f.comment !== undefined) {
      if (f.comment === 'hb') this.heartbeats++;
      this._wake();
      return;
    }
    if (f.id !== undefined) this.lastEventId = Number(f.id);
    if (f.event === 'hello') this.hellos.push(JSON.parse(f.data));
    else if (f.event === 'close') this.closeNotice = JSON.parse(f.data);
    else this._onMessage(JSON.parse(f.data));
    this._wake();
  }

  // Abrupt loss: the TCP connection is reset, no orderly end.
  cut() {
    this.req.socket?.resetAndDestroy();
    this.req.destroy();
  }

  close() {
    this.req?.destroy();
  }

  waitStreamEnd(timeoutMs = 5000) {
    return this._wait(() => (this.streamOpen === false ? true : undefined), timeoutMs, 'stream end');
  }
}

export class PollClient extends HttpCarrierClient {
  // Creates the connection with a first poll and starts polling.
  static async open(base, { cid = randomCid() } = {}) {
    const c = new PollClient(base, cid);
    c.start();
    await c._wait(() => (c.polls > 0 ? true : undefined), 5000, 'first poll');
    return c;
  }

  constructor(base, cid) {
    super(base, cid);
    this.after = 0;
    this.polls = 0;
    this.created = 0;        // answers with created: true
    this.running = false;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop = this._loop();
  }

  // Stops after the poll in flight is answered.
  async stop() {
    this.running = false;
    this.controller?.abort();
    await this.loop;
  }

  async _loop() {
    while (this.running) {
      this.controller = new AbortController();
      let res;
      try {
        res = await fetch(`${this.base}/poll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-switchboard-connection': this.cid },
          body: JSON.stringify({ after: this.after }),
          signal: this.controller.signal,
        });
      } catch (err) {
        if (!this.running) break;
        this.lastError = err;
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const body = await res.json().catch(() => undefined);
      if (body === undefined && !this.running) break; // aborted by stop()
      this.polls++;
      if (res.status !== 200) {
        this.lastError = new Error(`/poll ${res.status} ${JSON.stringify(body)}`);
        this.running = false;
        this._wake();
        break;
      }
      if (body.created) this.created++;
      for (const m of body.messages) this._onMessage(m);
      this.after = body.next;
      if (body.closed) {
        this.closeNotice = body.closed;
        this.running = false;
      }
      this._wake();
    }
  }
}
