// Media for one participant: a send transport (publish camera and
// microphone: the browser offers, the server answers) and a receive
// transport (the server offers one m-section per remote track and
// renegotiates as people come and go; the browser answers).
// Two RTCPeerConnections, as in mediasoup's send/recv transports.
//
//   const call = new Call(client, { onRemoteTrack, onRemoteGone });
//   await call.start({ audio: true, video: true });
//   call.setMicEnabled(false);  // producer-pause: the others see you muted

export class Call extends EventTarget {
  constructor(client, { iceServers = [] } = {}) {
    super();
    this.client = client;
    this.iceServers = iceServers;
    this.localStream = null;
    this.sendPc = null;
    this.recvPc = null;
    this.producers = new Map();   // kind -> { producerId, track }
    this.consumers = new Map();   // mid -> { consumerId, producerId, peerId, kind }
    this.recvVersion = 0;
    this._recvChain = Promise.resolve(); // offers are applied one at a time, in order
    this._earlyOffer = null;             // a recv-offer that came before recvPc existed
    // performance.now() of the receive side's milestones (null until reached),
    // for the stats overlay and tests: started is when the page made the call
    // (right after join-room succeeded); time to first frame is measured from
    // recvConnected, when media can first flow to us.
    this.timeline = { started: performance.now(), subscribed: null, firstAnswer: null, recvConnected: null };
    this._onRecvOffer = (offer) => this._applyRecvOffer(offer);
    client.on('recv-offer', this._onRecvOffer);
  }

  // Asks for camera/microphone; falls back to what is allowed. Returns the local stream.
  async getMedia({ audio = true, video = true } = {}) {
    if (!audio && !video) return null;
    const constraints = {
      audio: audio ? { echoCancellation: true, noiseSuppression: true } : false,
      video: video ? { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } } : false,
    };
    try {
      this.localStream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (err) {
      if (err.name === 'NotAllowedError' || err.name === 'NotFoundError') {
        const e = new Error('camera or microphone not available');
        e.code = 'media_denied';
        e.cause = err;
        throw e;
      }
      throw err;
    }
    return this.localStream;
  }

  // Publishes the local tracks (if any) and starts receiving the others'.
  async start({ audio = true, video = true, stream = null } = {}) {
    if (stream) this.localStream = stream;
    else if (!this.localStream && (audio || video)) {
      try {
        await this.getMedia({ audio, video });
      } catch (err) {
        this.dispatchEvent(new CustomEvent('media-error', { detail: err }));
      }
    }
    await this._publish(); // always: the send connection also carries the chat DataChannel
    await this._subscribe();
  }

  async _publish() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    this.sendPc = pc;
    pc.onicecandidate = (ev) => this._trickle('send', ev.candidate);
    pc.onconnectionstatechange = () => this._state('send', pc.connectionState);
    // Created before the first offer, so the offer has its m=application
    // section even with no camera or microphone (chat.js, files.js).
    this.chatChannel = pc.createDataChannel('chat', { ordered: true });
    this.dispatchEvent(new CustomEvent('datachannel', { detail: { channel: this.chatChannel, pc } }));
    for (const track of this.localStream?.getTracks() || []) {
      pc.addTransceiver(track, { direction: 'sendonly', streams: [this.localStream] });
    }
    await pc.setLocalDescription(await pc.createOffer());
    const res = await this.client.request('publish', { sdp: pc.localDescription.sdp });
    await pc.setRemoteDescription({ type: 'answer', sdp: res.sdp });
    for (const p of res.producers || []) {
      const track = this.localStream.getTracks().find((t) => t.kind === p.kind);
      this.producers.set(p.kind, { producerId: p.producerId, track });
    }
  }

  async _subscribe() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    this.recvPc = pc;
    pc.onicecandidate = (ev) => this._trickle('recv', ev.candidate);
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected' && this.timeline.recvConnected === null) {
        this.timeline.recvConnected = performance.now();
      }
      this._state('recv', pc.connectionState);
    };
    pc.ontrack = (ev) => this._onTrack(ev);
    const offer = await this.client.request('subscribe', {});
    this.timeline.subscribed = performance.now();
    // An offer pushed before this reply was handled is not lost: whichever
    // is newer wins (_applyRecvOffer skips the older one).
    const early = this._earlyOffer;
    this._earlyOffer = null;
    if (early) this._applyRecvOffer(early);
    await this._applyRecvOffer(offer);
  }

  // Applies the server's receive-side offers strictly one after another and
  // only ever moves forward: an offer older than one already answered is
  // stale (the server has a newer one on its way or answered). sdp is null
  // (version 0) while there is nothing to receive.
  _applyRecvOffer(offer) {
    if (!offer || !offer.sdp) return this._recvChain;
    if (!this.recvPc) {
      if (!this._earlyOffer || offer.version > this._earlyOffer.version) this._earlyOffer = offer;
      return this._recvChain;
    }
    this._recvChain = this._recvChain.then(async () => {
      const pc = this.recvPc;
      if (!pc || offer.version <= this.recvVersion) return; // stale or replayed
      this.recvVersion = offer.version;
      for (const c of offer.consumers || []) this.consumers.set(c.mid, c);
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      // The server learns our ICE credentials before our connectivity checks
      // can reach it: setLocalDescription starts the checks, so it comes after
      // subscribe-answer. (Checks that arrive first are lost by libnice.)
      const answer = await pc.createAnswer();
      if (this.timeline.firstAnswer === null) this.timeline.firstAnswer = performance.now();
      await this.client.request('subscribe-answer', { sdp: answer.sdp, version: offer.version });
      await pc.setLocalDescription(answer);
      this._pruneConsumers(offer.consumers || []);
    }).catch((err) => this.dispatchEvent(new CustomEvent('error', { detail: err })));
    return this._recvChain;
  }

  _pruneConsumers(live) {
    const liveMids = new Set(live.map((c) => c.mid));
    for (const [mid, c] of this.consumers) {
      if (!liveMids.has(mid)) {
        this.consumers.delete(mid);
        this.dispatchEvent(new CustomEvent('remote-track-ended', { detail: c }));
      }
    }
  }

  _onTrack(ev) {
    const info = this.consumers.get(ev.transceiver.mid) || {};
    const peerId = info.peerId || ev.streams[0]?.id;
    this.dispatchEvent(new CustomEvent('remote-track', { detail: { peerId, track: ev.track, consumer: info } }));
  }

  _trickle(transport, candidate) {
    const data = { transport, candidate: candidate ? candidate.candidate : '' };
    if (candidate && candidate.sdpMid) data.sdpMid = candidate.sdpMid;
    this.client.request('ice-candidate', data).catch(() => { /* best effort: the SDP carries host candidates too */ });
  }

  _state(transport, state) {
    this.dispatchEvent(new CustomEvent('transport-state', { detail: { transport, state } }));
  }

  async setTrackEnabled(kind, enabled) {
    const p = this.producers.get(kind);
    if (!p) return;
    p.track.enabled = enabled;
    await this.client.request(enabled ? 'producer-resume' : 'producer-pause', { producerId: p.producerId });
  }

  // Per remote peer: inbound video/audio figures for the stats overlay.
  async remoteStats() {
    if (!this.recvPc) return new Map();
    const report = await this.recvPc.getStats();
    const byMid = new Map();
    report.forEach((s) => { if (s.type === 'inbound-rtp') byMid.set(s.mid, s); });
    const out = new Map();
    for (const [mid, c] of this.consumers) {
      const s = byMid.get(mid);
      if (!s) continue;
      const entry = out.get(c.peerId) || {};
      entry[c.kind] = s;
      out.set(c.peerId, entry);
    }
    return out;
  }

  close() {
    this.client.off('recv-offer', this._onRecvOffer);
    for (const pc of [this.sendPc, this.recvPc]) if (pc) pc.close();
    this.sendPc = this.recvPc = null;
    if (this.localStream) for (const t of this.localStream.getTracks()) t.stop();
    this.localStream = null;
  }
}
