// A raw protocol client over the `ws` package, for tests that need exact
// control of the wire: every message received is recorded, requests resolve
// with the whole response envelope, and the TCP connection can be reset
// without a close frame (`cut()`).
import WebSocket from 'ws';

export class RawClient {
  static async connect(url, options = {}) {
    const c = new RawClient(url, options);
    await c.opened;
    return c;
  }

  constructor(url, options) {
    this.ws = new WebSocket(url, options);
    this.events = [];      // notifications, in arrival order
    this.responses = new Map();
    this.waiters = [];
    this.nextId = 1;
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => this._onMessage(data.toString()));
  }

  _onMessage(text) {
    const msg = JSON.parse(text);
    if (msg.event !== undefined) this.events.push(msg);
    else this.responses.set(msg.id, msg);
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
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(done);
      done();
    });
  }

  sendRaw(text) {
    this.ws.send(text);
  }

  // Sends {id, method, data}; resolves with the response envelope.
  request(method, data = {}, { timeoutMs = 5000 } = {}) {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, data }));
    return this.responseTo(id, timeoutMs);
  }

  responseTo(id, timeoutMs = 5000) {
    return this._wait(() => this.responses.get(id), timeoutMs, `response to ${id}`);
  }

  // The response that carries no id (errors for unparseable messages).
  nextResponse(predicate, timeoutMs = 5000) {
    return this._wait(() => [...this.responses.values()].find(predicate), timeoutMs, 'matching response');
  }

  waitEvent(name, predicate = () => true, timeoutMs = 5000) {
    return this._wait(() => this.events.find((e) => e.event === name && predicate(e.data)), timeoutMs, `event ${name}`);
  }

  waitEventCount(n, timeoutMs = 5000) {
    return this._wait(() => (this.events.length >= n ? this.events : undefined), timeoutMs, `${n} events`);
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

  // Abrupt loss: TCP reset, no close frame.
  cut() {
    this.ws._socket.resetAndDestroy();
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}
