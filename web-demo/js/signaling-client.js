// Switchboard signaling client: one session that outlives its connection.
//
//   const client = new SignalingClient('ws://host:8080/ws');
//   client.on('participant-joined', (p) => ...);
//   await client.connect();
//   const me = await client.join('room-1', 'Alice');
//
// Requests return promises that settle with the response's data or reject
// with an Error whose .code is the server's error code (or 'timeout',
// 'connection_lost', 'closed'). When the socket drops, the client reconnects
// with capped exponential backoff plus jitter and sends `resume` with its
// token and the last event seq it saw; the server replays what was missed,
// so every event is delivered exactly once, in order.
//
// Works in browsers and in Node (pass { WebSocket } from the 'ws' package).

const DEFAULTS = {
  requestTimeoutMs: 10000,
  backoffInitialMs: 250,
  backoffMaxMs: 8000,
  backoffJitter: 0.5,     // each delay is shortened by up to this fraction, at random
  pingIntervalMs: 5000,   // app-level ping: round-trip time, and a dead socket is noticed
  maxQueuedRequests: 100, // requests made while disconnected wait here
};

export class SignalingError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

export class SignalingClient {
  constructor(url, options = {}) {
    this.url = url;
    this.opts = { ...DEFAULTS, ...options };
    this.WebSocket = options.WebSocket || globalThis.WebSocket;
    this.state = 'idle';      // idle | connecting | open | reconnecting | closed
    this.session = null;      // { peerId, sessionId, resumeToken, room, name }
    this.lastSeq = 0;
    this.rttMs = null;
    this.carrier = 'websocket';
    this._ws = null;
    this._nextId = 1;
    this._pending = new Map(); // id -> { resolve, reject, timer, method }
    this._queue = [];          // requests waiting for a connection
    this._listeners = new Map();
    this._attempt = 0;
    this._retryTimer = null;
    this._pingTimer = null;
    this._openWaiters = [];
  }

  on(event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return this;
  }

  off(event, fn) {
    this._listeners.get(event)?.delete(fn);
    return this;
  }

  _emit(event, data) {
    for (const fn of this._listeners.get(event) || []) {
      try { fn(data); } catch (err) { console.error(`listener for ${event} threw`, err); }
    }
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', state);
  }

  // Resolves once a connection is open (and resumed, if there was a session).
  // With timeoutMs, rejects with code 'unreachable' after that long; the
  // client keeps trying in the background either way.
  connect({ timeoutMs } = {}) {
    if (this.state === 'open') return Promise.resolve();
    const ready = new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      this._openWaiters.push(waiter);
      if (timeoutMs) {
        setTimeout(() => {
          const i = this._openWaiters.indexOf(waiter);
          if (i < 0) return;
          this._openWaiters.splice(i, 1);
          reject(new SignalingError('unreachable', `no connection to ${this.url} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
    if (this.state === 'idle' || this.state === 'closed') {
      this._setState('connecting');
      this._open();
    }
    return ready;
  }

  async join(room, name) {
    const data = await this.request('join-room', { room, name });
    this.session = data;
    this.lastSeq = 0;
    return data;
  }

  async leave() {
    if (!this.session) return;
    await this.request('leave-room', {});
    this.session = null;
  }

  // Sends a request; waits in a bounded queue while disconnected.
  request(method, data = {}, { timeoutMs } = {}) {
    const id = this._nextId++;
    const msg = { id, method, data };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this._pending.delete(id);
        this._queue = this._queue.filter((q) => q.id !== id);
        reject(new SignalingError('timeout', `${method}: no answer within ${timeoutMs ?? this.opts.requestTimeoutMs} ms`));
      }, timeoutMs ?? this.opts.requestTimeoutMs);
      this._pending.set(id, { resolve, reject, timer, method });
      if (this.state === 'open' || (method === 'resume' && this._ws)) {
        this._send(msg);
      } else if (this._queue.length >= this.opts.maxQueuedRequests) {
        clearTimeout(timer);
        this._pending.delete(id);
        reject(new SignalingError('queue_full', 'too many requests waiting for the connection'));
      } else {
        this._queue.push(msg);
      }
    });
  }

  close() {
    this._setState('closed');
    clearTimeout(this._retryTimer);
    clearInterval(this._pingTimer);
    if (this._ws) this._ws.close(1000, 'client closed');
    this._ws = null;
    this._failAll('closed', 'client closed');
  }

  _send(msg) {
    try {
      this._ws.send(JSON.stringify(msg));
    } catch (err) {
      // The close handler will reconnect; the request fails like any lost in flight.
    }
  }

  _open() {
    let ws;
    try {
      ws = new this.WebSocket(this.url);
    } catch (err) {
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    ws.onopen = () => this._onOpen(ws);
    ws.onmessage = (ev) => this._onMessage(ev.data);
    ws.onclose = (ev) => this._onClose(ws, ev);
    ws.onerror = () => {}; // onclose follows and decides
  }

  async _onOpen(ws) {
    if (ws !== this._ws) return;
    this._attempt = 0;
    if (this.session) {
      try {
        const data = await this.request('resume', { token: this.session.resumeToken, lastSeq: this.lastSeq });
        this.session = { ...this.session, ...data };
        this._emit('resumed', data);
      } catch (err) {
        if (err.code === 'timeout' || err.code === 'connection_lost') return; // close handler retries
        // The session is gone (grace period passed, or a replay gap): start over.
        const lost = this.session;
        this.session = null;
        this.lastSeq = 0;
        this._emit('session-lost', { reason: err.code, session: lost });
      }
    }
    if (ws !== this._ws) return;
    this._setState('open');
    this._startPing();
    const queued = this._queue;
    this._queue = [];
    for (const msg of queued) this._send(msg);
    for (const w of this._openWaiters.splice(0)) w.resolve();
  }

  _onMessage(raw) {
    let msg;
    try {
      msg = JSON.parse(typeof raw === 'string' ? raw : raw.toString());
    } catch {
      return;
    }
    if (msg.event !== undefined) {
      // Replayed events after a resume can overlap what we saw; deliver each seq once.
      if (typeof msg.seq === 'number') {
        if (msg.seq <= this.lastSeq) return;
        this.lastSeq = msg.seq;
      }
      this._emit(msg.event, msg.data);
      this._emit('event', msg);
      return;
    }
    const p = this._pending.get(msg.id);
    if (!p) return;
    this._pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.data);
    else p.reject(new SignalingError(msg.error?.code || 'error', msg.error?.message));
  }

  _onClose(ws, ev) {
    if (ws !== this._ws) return;
    this._ws = null;
    clearInterval(this._pingTimer);
    this._failAll('connection_lost', `connection closed (${ev.code} ${ev.reason || ''})`.trim(), true);
    if (this.state === 'closed') return;
    if (ev.code === 1001 && ev.reason === 'server shutting down') this._emit('server-closing', ev);
    this._setState('reconnecting');
    this._emit('disconnected', { code: ev.code, reason: ev.reason });
    this._scheduleReconnect();
  }

  // Rejects requests already sent (their answer is lost with the socket);
  // queued ones stay queued unless the client is closing for good.
  _failAll(code, message, keepQueued = false) {
    const queuedIds = new Set(keepQueued ? this._queue.map((q) => q.id) : []);
    for (const [id, p] of this._pending) {
      if (queuedIds.has(id)) continue;
      clearTimeout(p.timer);
      p.reject(new SignalingError(code, `${p.method}: ${message}`));
      this._pending.delete(id);
    }
    if (!keepQueued) this._queue = [];
  }

  _scheduleReconnect() {
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** this._attempt);
    const delay = base * (1 - this.opts.backoffJitter * Math.random());
    this._attempt++;
    this._emit('reconnecting', { attempt: this._attempt, delayMs: Math.round(delay) });
    clearTimeout(this._retryTimer);
    this._retryTimer = setTimeout(() => {
      if (this.state !== 'closed') this._open();
    }, delay);
  }

  // Gives up on a socket that stopped answering without waiting for the
  // browser's close handshake, which can take a minute on a dead network.
  _abandon(ws, code, reason) {
    ws.onopen = ws.onmessage = ws.onclose = null;
    try { ws.close(code, reason); } catch { /* already closing */ }
    this._onClose(ws, { code, reason });
  }

  // App-level ping: measures round-trip time; a ping that gets no answer
  // means the socket is dead even if the browser has not noticed yet.
  _startPing() {
    clearInterval(this._pingTimer);
    const ping = async () => {
      const ws = this._ws;
      const t0 = Date.now();
      try {
        const data = await this.request('ping', {}, { timeoutMs: this.opts.pingIntervalMs * 2 });
        this.rttMs = Date.now() - t0;
        this._emit('rtt', { rttMs: this.rttMs, serverTime: data.serverTime });
      } catch (err) {
        if (err.code === 'timeout' && ws && ws === this._ws) this._abandon(ws, 4001, 'ping timeout');
      }
    };
    ping();
    this._pingTimer = setInterval(ping, this.opts.pingIntervalMs);
  }
}
