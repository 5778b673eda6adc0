// File transfer over DataChannels (datachannel/README.md, "File transfer").
//
// Sending: SHA-256 of the file (crypto.subtle), a file-offer on the chat
// channel; when the server answers file-accept (every receiver has
// answered), chunks of at most 16 KiB go out on our own channel
// `file:<transferId>`, paced two ways: the channel's bufferedAmount (wait
// for `bufferedamountlow`) and the end-to-end window (at most 1 MiB beyond
// the lowest offset every receiver has stored, reported by file-progress).
//
// Receiving: this first version accepts every offer at once (no prompt).
// The server opens `file:<transferId>` to us; chunks must arrive in order;
// we report progress every 128 KiB, check the SHA-256 when the last byte is
// in, and only then offer the download link ([data-testid=file-received]
// with data-size and data-sha256). A mismatch cancels with sha256-mismatch.
//
// Either side can cancel with the row's button; the other side sees
// "cancelled".

const CHUNK = 16384;
const HEADER = 25;
const WINDOW = 1024 * 1024;
const PROGRESS_EVERY = 128 * 1024;
const BUFFER_HIGH = 1024 * 1024;
const BUFFER_LOW = 256 * 1024;

const hex = (bytes) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));

function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export class Files {
  constructor({ chat, list, input, dropZone = null, nameOf = (id) => id }) {
    this.chat = chat;
    this.list = list;
    this.nameOf = nameOf;
    this.pc = null;
    this.transfers = new Map(); // transferId -> transfer
    chat.onControl((msg) => this._onControl(msg));
    input.addEventListener('change', () => {
      for (const file of input.files) this.send(file).catch((err) => console.warn('file:', err));
      input.value = '';
    });
    // Drag and drop a file onto the files panel: same as choosing it.
    dropZone?.addEventListener('dragover', (ev) => { ev.preventDefault(); dropZone.classList.add('drop'); });
    dropZone?.addEventListener('dragleave', () => dropZone.classList.remove('drop'));
    dropZone?.addEventListener('drop', (ev) => {
      ev.preventDefault();
      dropZone.classList.remove('drop');
      for (const file of ev.dataTransfer.files) this.send(file).catch((err) => console.warn('file:', err));
    });
  }

  // The send connection: our file channels go on it, and the server opens
  // the ones it sends to us on it.
  attach(pc) {
    this.pc = pc;
    pc.addEventListener('datachannel', (ev) => this._onChannel(ev.channel));
  }

  async send(file, to = null) {
    const id = hex(crypto.getRandomValues(new Uint8Array(16)));
    const t = this._row({ id, out: true, name: file.name, size: file.size, peer: to, state: 'hashing' });
    const data = new Uint8Array(await file.arrayBuffer());
    t.data = data;
    t.sha256 = hex(await crypto.subtle.digest('SHA-256', data));
    if (t.state === 'cancelled') return;
    const offer = { type: 'file-offer', transferId: id, name: file.name, size: file.size, sha256: t.sha256 };
    if (file.type) offer.mime = file.type.slice(0, 127);
    if (to) offer.to = to;
    this._setState(t, 'offered', 'waiting for the others…');
    this.chat.sendControl(offer);
  }

  // ---- control messages from the server -----------------------------------

  _onControl(msg) {
    if (!msg.type?.startsWith('file-')) return;
    if (msg.type === 'file-offer') return this._onOffer(msg);
    const t = this.transfers.get(msg.transferId);
    if (!t || ['done', 'cancelled', 'declined', 'failed'].includes(t.state)) return;
    if (t.out) {
      if (msg.type === 'file-accept') this._startSending(t);
      else if (msg.type === 'file-progress') { t.acked = Math.max(t.acked, msg.offset); this._progress(t, t.acked); this._pump(t); }
      else if (msg.type === 'file-done') { this._progress(t, t.size); this._finish(t, 'done', 'delivered'); }
      else if (msg.type === 'file-decline') this._finish(t, 'declined', 'nobody accepted');
      else if (msg.type === 'file-cancel') this._finish(t, 'cancelled', `cancelled${msg.reason ? ` (${msg.reason})` : ''}`);
    } else if (msg.type === 'file-cancel') {
      this._finish(t, 'cancelled', `cancelled${msg.reason ? ` (${msg.reason})` : ''}`);
    }
  }

  _onOffer(msg) {
    if (this.transfers.has(msg.transferId)) return;
    const t = this._row({ id: msg.transferId, out: false, name: msg.name, size: msg.size, peer: msg.from, state: 'receiving' });
    t.sha256 = msg.sha256;
    t.mime = msg.mime || 'application/octet-stream';
    t.chunks = [];
    t.received = 0;
    t.reported = 0;
    this.chat.sendControl({ type: 'file-accept', transferId: t.id, offset: 0 });
    this._setState(t, 'receiving', `from ${this.nameOf(msg.from)}`);
    if (t.size === 0) this._verify(t);
  }

  // ---- sending ----------------------------------------------------------------

  _startSending(t) {
    if (!this.pc || t.channel) return;
    t.acked = 0;
    t.sent = 0;
    const ch = this.pc.createDataChannel(`file:${t.id}`, { ordered: true });
    ch.binaryType = 'arraybuffer';
    ch.bufferedAmountLowThreshold = BUFFER_LOW;
    ch.addEventListener('bufferedamountlow', () => this._pump(t));
    ch.addEventListener('open', () => this._pump(t));
    t.channel = ch;
    this._setState(t, 'sending', 'sending…');
  }

  _pump(t) {
    const ch = t.channel;
    if (!ch || ch.readyState !== 'open' || t.state !== 'sending') return;
    const idBytes = fromHex(t.id);
    while (t.sent < t.size && t.sent - t.acked < WINDOW && ch.bufferedAmount < BUFFER_HIGH) {
      const n = Math.min(CHUNK, t.size - t.sent);
      const buf = new Uint8Array(HEADER + n);
      buf[0] = 1;
      buf.set(idBytes, 1);
      new DataView(buf.buffer).setBigUint64(17, BigInt(t.sent));
      buf.set(t.data.subarray(t.sent, t.sent + n), HEADER);
      ch.send(buf);
      t.sent += n;
    }
  }

  // ---- receiving ----------------------------------------------------------------

  _onChannel(ch) {
    if (!ch.label.startsWith('file:')) return;
    const t = this.transfers.get(ch.label.slice(5));
    if (!t || t.out) return;
    ch.binaryType = 'arraybuffer';
    t.channel = ch;
    ch.addEventListener('message', (ev) => this._onChunk(t, ev.data));
  }

  _onChunk(t, data) {
    if (t.state !== 'receiving' || !(data instanceof ArrayBuffer) || data.byteLength <= HEADER) return;
    const view = new DataView(data);
    const offset = Number(view.getBigUint64(17));
    if (view.getUint8(0) !== 1 || offset !== t.received || offset + data.byteLength - HEADER > t.size) {
      this.chat.sendControl({ type: 'file-cancel', transferId: t.id, reason: 'bad-chunk' });
      this._finish(t, 'failed', 'broken transfer');
      return;
    }
    t.chunks.push(new Uint8Array(data, HEADER));
    t.received += data.byteLength - HEADER;
    this._progress(t, t.received);
    if (t.received === t.size) {
      this._verify(t);
    } else if (t.received - t.reported >= PROGRESS_EVERY) {
      t.reported = t.received;
      this.chat.sendControl({ type: 'file-progress', transferId: t.id, offset: t.received });
    }
  }

  async _verify(t) {
    this._setState(t, 'verifying', 'checking SHA-256…');
    const blob = new Blob(t.chunks, { type: t.mime });
    t.chunks = [];
    const digest = hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    if (t.state !== 'verifying') return; // cancelled meanwhile
    if (digest !== t.sha256) {
      this.chat.sendControl({ type: 'file-cancel', transferId: t.id, reason: 'sha256-mismatch' });
      this._finish(t, 'failed', 'SHA-256 mismatch: discarded');
      return;
    }
    this.chat.sendControl({ type: 'file-progress', transferId: t.id, offset: t.size });
    this.chat.sendControl({ type: 'file-done', transferId: t.id });
    const a = document.createElement('a');
    a.dataset.testid = 'file-received';
    a.dataset.size = String(t.size);
    a.dataset.sha256 = digest;
    a.href = URL.createObjectURL(blob);
    a.download = t.name;
    a.textContent = `Save ${t.name}`;
    a.title = `SHA-256 ${digest} verified`;
    t.el.querySelector('.actions').replaceChildren(a);
    this._finish(t, 'done', 'verified ✓');
  }

  // ---- rows ------------------------------------------------------------------------

  _row({ id, out, name, size, peer, state }) {
    const li = document.createElement('li');
    li.className = 'transfer';
    li.dataset.testid = 'file-transfer';
    li.dataset.transferId = id;
    li.dataset.direction = out ? 'out' : 'in';
    const title = document.createElement('div');
    title.className = 'file-name';
    title.textContent = `${out ? '↑' : '↓'} ${name} (${formatSize(size)})`;
    const bar = document.createElement('progress');
    bar.dataset.testid = 'file-progress';
    bar.max = size || 1;
    bar.value = 0;
    bar.setAttribute('aria-label', `progress of ${name}`);
    const status = document.createElement('span');
    status.className = 'file-status';
    status.dataset.testid = 'file-status';
    const actions = document.createElement('span');
    actions.className = 'actions';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'secondary';
    cancel.dataset.testid = 'file-cancel';
    cancel.textContent = 'Cancel';
    cancel.addEventListener('click', () => this.cancel(id));
    actions.append(cancel);
    li.append(title, bar, status, actions);
    this.list.prepend(li);
    const t = { id, out, name, size, peer, state, el: li, bar, status, acked: 0 };
    this.transfers.set(id, t);
    this._setState(t, state, '');
    return t;
  }

  cancel(id) {
    const t = this.transfers.get(id);
    if (!t || ['done', 'cancelled', 'declined', 'failed'].includes(t.state)) return;
    if (t.state !== 'hashing') this.chat.sendControl({ type: 'file-cancel', transferId: id, reason: 'cancelled' });
    this._finish(t, 'cancelled', 'cancelled by you');
  }

  _progress(t, n) {
    t.bar.value = n;
    t.el.dataset.bytes = String(n);
  }

  _setState(t, state, text) {
    t.state = state;
    t.el.dataset.state = state;
    if (text) t.status.textContent = text;
  }

  _finish(t, state, text) {
    this._setState(t, state, text);
    t.data = null;
    if (state !== 'done') t.chunks = [];
    if (t.channel && t.channel.readyState !== 'closed') t.channel.close();
    t.channel = null;
    const cancel = t.el.querySelector('[data-testid=file-cancel]');
    if (cancel) cancel.remove();
  }

  clear() {
    for (const t of this.transfers.values()) if (t.channel) t.channel.close();
    this.transfers.clear();
    this.list.replaceChildren();
    this.pc = null;
  }
}
