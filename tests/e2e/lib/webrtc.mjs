// WebRTC helpers that run inside a page (page.evaluate), used to prove that
// media flows in the namespace and, later, to read stats of real calls.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts an in-page loopback call: two RTCPeerConnections in `page`, the fake
// camera (getUserMedia) sent from the first to the second. No server, no
// trickle: each side waits for its candidates to be gathered (bounded) and
// sends them inside its SDP. Returns the candidates each side gathered.
export async function startLoopbackCall(page, { width = 320, height = 240, gatherTimeoutMs = 5000 } = {}) {
  return page.evaluate(async ({ width, height, gatherTimeoutMs }) => {
    const gathered = (pc) => new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const t = setTimeout(resolve, gatherTimeoutMs);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
      });
    });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height }, audio: false });
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    const cands = { a: [], b: [] };
    a.addEventListener('icecandidate', (e) => { if (e.candidate) cands.a.push(e.candidate.candidate); });
    b.addEventListener('icecandidate', (e) => { if (e.candidate) cands.b.push(e.candidate.candidate); });
    for (const track of stream.getTracks()) a.addTrack(track, stream);
    await a.setLocalDescription(await a.createOffer());
    await gathered(a);
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await gathered(b);
    await a.setRemoteDescription(b.localDescription);
    window.__loopback = { a, b, stream };
    return cands;
  }, { width, height, gatherTimeoutMs });
}

// Stats of the loopback call: the selected candidate pair as seen by the
// receiving side (state, local and remote candidate address/type/protocol),
// and its inbound video (framesDecoded, framesReceived, bytesReceived).
export async function loopbackCallStats(page) {
  return page.evaluate(async () => {
    const { a, b } = window.__loopback;
    const out = { connectionState: { a: a.connectionState, b: b.connectionState }, pair: null, inbound: null };
    const stats = await b.getStats();
    const byId = new Map();
    stats.forEach((s) => byId.set(s.id, s));
    let pairId = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
    if (!pairId) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pairId = s.id; });
    const pair = pairId && byId.get(pairId);
    if (pair) {
      const cand = (id) => {
        const c = byId.get(id) || {};
        return { address: c.address || c.ip, port: c.port, type: c.candidateType, protocol: c.protocol };
      };
      out.pair = { state: pair.state, nominated: pair.nominated, local: cand(pair.localCandidateId), remote: cand(pair.remoteCandidateId) };
    }
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.inbound = { framesDecoded: s.framesDecoded || 0, framesReceived: s.framesReceived || 0, bytesReceived: s.bytesReceived || 0 };
      }
    });
    return out;
  });
}

// Polls loopbackCallStats until check(stats) is truthy; throws with the last
// stats after timeoutMs.
export async function waitForLoopbackStats(page, check, { timeoutMs = 15000, intervalMs = 200, what = 'stats' } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    last = await loopbackCallStats(page);
    if (check(last)) return last;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last stats: ${JSON.stringify(last)}`);
}

export async function stopLoopbackCall(page) {
  await page.evaluate(() => {
    const l = window.__loopback;
    if (!l) return;
    l.a.close();
    l.b.close();
    for (const t of l.stream.getTracks()) t.stop();
    delete window.__loopback;
  }).catch(() => {});
}
