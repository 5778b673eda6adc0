// Chat over the `chat` DataChannel (datachannel/README.md): the page creates
// the channel on its send connection; the server stamps each message with
// the sender and time, relays it to the room (or to one person) and sends
// the room's recent history when the channel opens.
//
// The same channel carries file-transfer control messages; those go to
// whoever subscribed with onControl() (files.js).
//
//   const chat = new Chat({ list, form, input, myName: () => 'Ann' });
//   chat.attach(channel);        // when the call made its send connection
//   chat.send('hi');             // queued until the channel is open
//
// Nothing is lost or shown twice: messages typed before the channel opens
// wait in a queue and go out on open; every message has an id, the server
// drops a repeated (sender, id) and the page ignores one it already shows.

let counter = 0;
const newId = () => `c-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

export class Chat {
  constructor({ list, form, input, badge = null, myName = () => '', isVisible = () => true }) {
    this.list = list;
    this.input = input;
    this.badge = badge;
    this.myName = myName;
    this.isVisible = isVisible;
    this.channel = null;
    this.queue = [];          // JSON strings waiting for the channel to open
    this.seen = new Set();    // `${from}|${id}` already shown
    this.controlHandlers = [];
    this.unread = 0;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      this.send(text);
      input.value = '';
      input.focus();
    });
  }

  // Takes the (not yet open) `chat` channel of a new send connection.
  attach(channel) {
    this.channel = channel;
    channel.addEventListener('open', () => this._flush());
    channel.addEventListener('message', (ev) => this._onMessage(ev.data));
    channel.addEventListener('close', () => { if (this.channel === channel) this.channel = null; });
    if (channel.readyState === 'open') this._flush();
  }

  get isOpen() { return this.channel?.readyState === 'open'; }

  onControl(handler) { this.controlHandlers.push(handler); }

  // Sends a JSON object on the channel, or queues it until the channel opens.
  sendControl(obj) {
    const text = JSON.stringify(obj);
    if (this.isOpen && this.queue.length === 0) this.channel.send(text);
    else this.queue.push(text);
  }

  send(text, to = null) {
    const msg = { type: 'chat', id: newId(), text };
    if (to) msg.to = to;
    this.sendControl(msg);
    this._render({ ...msg, fromName: this.myName(), mine: true, ts: Date.now(), pending: !this.isOpen });
  }

  _flush() {
    while (this.queue.length && this.isOpen) this.channel.send(this.queue.shift());
    for (const el of this.list.querySelectorAll('.pending')) el.classList.remove('pending');
  }

  _onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.type !== 'chat') {
      for (const h of this.controlHandlers) h(msg);
      return;
    }
    const key = `${msg.from}|${msg.id}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this._render(msg);
    if (!this.isVisible()) this._setUnread(this.unread + 1);
  }

  markRead() { this._setUnread(0); }

  _setUnread(n) {
    this.unread = n;
    if (!this.badge) return;
    this.badge.textContent = String(n);
    this.badge.hidden = n === 0;
  }

  _render(msg) {
    const li = document.createElement('li');
    li.dataset.testid = 'chat-message';
    li.dataset.id = msg.id;
    if (msg.from) li.dataset.from = msg.from;
    li.className = `chat-message${msg.mine ? ' mine' : ''}${msg.pending ? ' pending' : ''}`;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = msg.fromName || msg.from || '?';
    const when = document.createElement('time');
    const d = new Date(msg.ts || Date.now());
    when.dateTime = d.toISOString();
    when.textContent = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const text = document.createElement('span');
    text.className = 'text';
    text.textContent = msg.text;
    li.append(who, ' ', when, ' ', text);
    if (msg.to) li.classList.add('private');
    this.list.append(li);
    this.list.scrollTop = this.list.scrollHeight;
  }

  clear() {
    this.list.replaceChildren();
    this.seen.clear();
    this.queue = [];
    this.channel = null;
    this._setUnread(0);
  }
}
