// Runs inside the browser. ?mode=capture saves the browser's own offers;
// ?mode=check feeds our C answer/offer builders' output (via /tool) to the
// browser's setRemoteDescription and reports what it accepted. Either way the
// page ends with POST /result {ok, steps}.
const params = new URLSearchParams(location.search);
const browser = params.get('browser') || 'browser';
const mode = params.get('mode') || 'capture';
const steps = [];

function log(msg) {
  document.getElementById('log').textContent += msg + '\n';
  fetch('/log', { method: 'POST', body: `[${browser}] ${msg}` });
}

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', body });
  if (!r.ok) throw new Error(`${url}: ${await r.text()}`);
}

async function tool(args, sdp) {
  const r = await fetch('/tool?args=' + encodeURIComponent(JSON.stringify(args)), { method: 'POST', body: sdp });
  const text = await r.text();
  if (!r.ok) throw new Error(`sdp_tool ${args.join(' ')}: ${text}`);
  return text;
}

function gathered(pc, ms = 5000) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
}

let stream;
async function media() {
  stream = stream || await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
  return stream;
}

// Each builder sets up a fresh RTCPeerConnection the way an SFU client would.
const builders = {
  'offer-sendonly-av-dc': async (pc) => {
    const s = await media();
    pc.addTransceiver(s.getAudioTracks()[0], { direction: 'sendonly', streams: [s] });
    pc.addTransceiver(s.getVideoTracks()[0], { direction: 'sendonly', streams: [s] });
    pc.createDataChannel('chat');
  },
  'offer-sendonly-simulcast': async (pc) => {
    const s = await media();
    pc.addTransceiver(s.getAudioTracks()[0], { direction: 'sendonly', streams: [s] });
    pc.addTransceiver(s.getVideoTracks()[0], {
      direction: 'sendonly', streams: [s],
      sendEncodings: [{ rid: 'q', scaleResolutionDownBy: 4 }, { rid: 'h', scaleResolutionDownBy: 2 }, { rid: 'f' }],
    });
    pc.createDataChannel('chat');
  },
  'offer-recvonly-av': async (pc) => {
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addTransceiver('video', { direction: 'recvonly' });
  },
  'offer-datachannel-only': async (pc) => { pc.createDataChannel('chat'); },
  'offer-sendrecv-addtrack': async (pc) => {
    const s = await media();
    for (const t of s.getTracks()) pc.addTrack(t, s);
  },
};

async function capture() {
  for (const [name, build] of Object.entries(builders)) {
    try {
      const pc = new RTCPeerConnection();
      await build(pc);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      await post(`/save?name=${browser}-${name}.sdp`, pc.localDescription.sdp);
      steps.push({ name, ok: true });
      pc.close();
    } catch (e) {
      steps.push({ name, ok: false, error: String(e) });
    }
  }
}

function expect(cond, what) {
  if (!cond) throw new Error('expected ' + what);
}

// Send transport: browser offers, our sdp_build_answer() answers.
async function checkSendTransport(name, simulcast) {
  const pc = new RTCPeerConnection();
  await builders[name](pc);
  await pc.setLocalDescription(await pc.createOffer());
  const answer = await tool(['answer'], pc.localDescription.sdp);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  const dirs = pc.getTransceivers().map((t) => t.currentDirection);
  expect(dirs.length === 2 && dirs.every((d) => d === 'sendonly'), `sendonly transceivers, got ${dirs}`);
  expect(pc.sctp !== null, 'an SCTP transport for the DataChannel');
  const video = pc.getSenders().find((s) => s.track && s.track.kind === 'video');
  const enc = video.getParameters().encodings.length;
  if (simulcast) expect(enc === 3, `3 simulcast encodings, got ${enc}`);
  const codecs = pc.getSenders().map((s) => (s.getParameters().codecs || []).map((c) => c.mimeType).join(','));
  pc.close();
  return { answer, info: `directions ${dirs} encodings ${enc} codecs [${codecs.join(' | ')}]` };
}

// Receive transport: our sdp_build_offer() offers, the browser answers.
async function recvStep(pc, version, slots, producerSdp) {
  const offer = await tool(['offer', String(version), ...slots], producerSdp);
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  const answer = pc.localDescription.sdp;
  const parsed = JSON.parse(await tool(['parse'], answer));
  slots.forEach((slot, i) => {
    const state = slot.split(':')[2] || 'active';
    const m = parsed.media[i];
    if (state === 'closed') return expect(m.port === 0, `mid ${m.mid} rejected`);
    expect(m.setup === 'active', `a=setup:active for mid ${m.mid}, got ${m.setup}`);
    if (slot.startsWith('app')) return expect(m.sctp_port > 0, 'sctp-port in answer');
    const want = state === 'active' ? 'recvonly' : 'inactive';
    expect(m.direction === want, `mid ${m.mid} ${want}, got ${m.direction}`);
  });
  return { offer, answer };
}

async function checkRecvTransport(producerSdp) {
  const pc = new RTCPeerConnection();
  let tracks = 0;
  pc.ontrack = () => { tracks++; };
  // Debian's Firefox has no H.264 (OpenH264 is a download), so it gets VP9.
  const other = /H264\/90000/.test(producerSdp) ? 'H264' : 'VP9';
  const plan = [
    ['audio:0:active', 'video:1:active', 'app:2'],
    ['audio:0:closed', 'video:1:inactive', 'app:2', 'video:3:active'],
    ['video:4:active', 'video:1:active', 'app:2', 'video:3:active'],
    [`video:4:active:${other}`, 'video:1:active:VP9', 'app:2', 'video:3:active'],
  ];
  const out = [];
  for (let v = 0; v < plan.length; v++) {
    const r = await recvStep(pc, v + 1, plan[v], producerSdp);
    out.push(r);
    steps.push({ name: `recv-transport offer v${v + 1} [${plan[v].join(' ')}]`, ok: true });
  }
  const mids = pc.getTransceivers().map((t) => `${t.mid}:${t.receiver.track.kind}:${t.currentDirection}`);
  steps.push({ name: 'recv-transport final transceivers', ok: true, info: `${mids.join(' ')} tracks=${tracks}` });
  pc.close();
  return out;
}

async function step(name, fn) {
  try {
    const r = await fn();
    steps.push({ name, ok: true, info: r && r.info });
    return r;
  } catch (e) {
    steps.push({ name, ok: false, error: String(e) });
    return null;
  }
}

async function check() {
  const send = await step('send-transport answer (sendonly av+dc)', () => checkSendTransport('offer-sendonly-av-dc', false));
  await step('send-transport answer (simulcast)', () => checkSendTransport('offer-sendonly-simulcast', true));
  if (send) await post(`/save?name=sfu-answer-to-${browser}-offer.sdp`, send.answer);
  if (!send) return;
  const recv = await step('recv-transport renegotiation', () => checkRecvTransport(send.answer));
  if (!recv) return;
  await post(`/save?name=sfu-offer-recv-v1-${browser}.sdp`, recv[0].offer);
  for (let i = 0; i < recv.length; i++)
    await post(`/save?name=${browser}-answer-to-sfu-offer-v${i + 1}.sdp`, recv[i].answer);
}

(async () => {
  log(`${mode} in ${navigator.userAgent}`);
  try {
    await (mode === 'check' ? check() : capture());
  } catch (e) {
    steps.push({ name: 'page', ok: false, error: String(e) });
  }
  await post('/result', JSON.stringify({ browser, userAgent: navigator.userAgent, ok: steps.every((s) => s.ok), steps }));
})();
