// A real call through the SFU: Chromium pages publish fake camera and
// microphone, and each decodes everyone else's media, all inside the test's
// network namespace.
//
//   cd tests && SWITCHBOARD_BIN=../build/switchboard node --test e2e/call.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { screenshot, startEnv, waitForCount } from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ROOM = 'call-e2e';

async function remoteMedia(page) {
  return page.evaluate(() => window.switchboard.remoteMedia());
}

// Polls the page until check(remoteMedia) holds; returns the last value
// (each entry carries `at`, the page's performance.now() of the sample).
async function waitMedia(page, check, { timeoutMs = 15000, what = 'media', everyMs = 250 } = {}) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    last = await remoteMedia(page);
    if (check(last)) return last;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

// For a failure message: the page's call state and the server's log lines.
async function explain(page, server) {
  const state = await page.evaluate(() => window.switchboard.callState()).catch((e) => String(e));
  const log = server.log.split('\n').filter((l) => !/ debug /.test(l)).slice(-60).join('\n');
  return `page: ${JSON.stringify(state)}\nserver log (last lines):\n${log}`;
}

// The call's milestones on the page's clock (see Call.timeline in call.js).
async function timeline(page) {
  return page.evaluate(() => window.switchboard.timeline());
}

const byName = (list, name) => list.find((p) => p.name === name);

describe('e2e: a call through the SFU', { timeout: 240000 }, () => {
  let env;
  const pages = {};

  before(async () => {
    env = await startEnv({ serverArgs: ['--grace-period', '2'] });
  });

  after(async () => {
    for (const [name, page] of Object.entries(pages)) {
      if (page && !page.isClosed()) await screenshot(page, `call-${name}`).catch(() => {});
    }
    if (env) await env.teardown();
  });

  async function join(name) {
    const page = await env.browser.openPage(env.server.url(`/?room=${ROOM}&name=${name}`));
    pages[name] = page;
    return page;
  }

  // Diagnostic only: when Alice's estimate first passes 1.5 Mbps, counted
  // from her page opening (the assertion itself is the last test's).
  const aliceBwe = { openedAt: 0, crossedAfterMs: null, peak: 0 };
  function watchAliceBwe() {
    aliceBwe.openedAt = Date.now();
    (async () => {
      while (Date.now() - aliceBwe.openedAt < 60000 && !pages.Alice.isClosed()) {
        const bps = await pages.Alice.evaluate(() => window.switchboard.availableOutgoingBitrate()).catch(() => 0);
        aliceBwe.peak = Math.max(aliceBwe.peak, bps);
        if (bps > 1.5e6) {
          aliceBwe.crossedAfterMs = Date.now() - aliceBwe.openedAt;
          return;
        }
        await sleep(500);
      }
    })();
  }

  async function mediaStats() {
    return (await env.server.stats()).media;
  }

  test('three participants each decode video and receive audio from the other two', async (t) => {
    const names = ['Alice', 'Bob', 'Carol'];
    for (const name of names) {
      await join(name);
      if (name === 'Alice') watchAliceBwe();
    }
    const decodesOthers = (others) => (list) => others.every((o) => {
      const p = byName(list, o);
      return p && p.video && p.video.framesDecoded > 0 && p.video.width > 0 && p.audio && p.audio.packetsReceived > 0;
    });
    const first = {};
    await Promise.all(names.map(async (name) => {
      const others = names.filter((n) => n !== name);
      try {
        first[name] = await waitMedia(pages[name], decodesOthers(others),
          { timeoutMs: 20000, what: `${name} decoding ${others}`, everyMs: 100 });
      } catch (e) {
        e.message += `\n${await explain(pages[name], env.server)}`;
        throw e;
      }
      const tl = await timeline(pages[name]);
      const at = first[name][0].at;
      t.diagnostic(`${name}: video and audio from both others ${Math.round(at - tl.started)} ms after joining, ` +
        `${Math.round(at - tl.recvConnected)} ms after its receive transport connected`);
    }));
    await sleep(5000);
    for (const name of names) {
      const later = await remoteMedia(pages[name]);
      for (const o of names.filter((n) => n !== name)) {
        const a = byName(first[name], o);
        const b = byName(later, o);
        assert.ok(b.video.framesDecoded > a.video.framesDecoded + 30,
          `${name} <- ${o}: framesDecoded ${a.video.framesDecoded} -> ${b.video.framesDecoded} over 5 s`);
        assert.ok(b.video.width > 0 && b.video.height > 0, `${name} <- ${o}: resolution ${b.video.width}x${b.video.height}`);
        assert.ok(b.audio.totalSamplesReceived > a.audio.totalSamplesReceived, `${name} <- ${o}: audio samples did not rise`);
      }
      await waitForCount(pages[name], '[data-testid=remote-video]', 2);
    }
  });

  test('a late joiner gets the others\' video within 2 s of its transport connecting', async (t) => {
    const openedAt = Date.now();
    const dave = await join('Dave');
    const others = ['Alice', 'Bob', 'Carol'];
    let list;
    try {
      list = await waitMedia(dave, (l) => others.every((o) => byName(l, o)?.video?.framesDecoded > 0),
        { timeoutMs: 15000, what: 'Dave decoding the others', everyMs: 50 });
    } catch (e) {
      e.message += `\n${await explain(dave, env.server)}`;
      throw e;
    }
    const tl = await timeline(dave);
    // Both on the page's clock; the sample's time is an upper bound of when
    // the last of the three first frames was decoded (we poll every 50 ms).
    const sinceConnected = list[0].at - tl.recvConnected;
    t.diagnostic(`Dave: first frames from all three ${Math.round(sinceConnected)} ms after his receive transport ` +
      `connected, ${Math.round(list[0].at - tl.started)} ms after joining, ${Date.now() - openedAt} ms after opening the page`);
    assert.ok(list.length >= 3);
    assert.ok(tl.recvConnected !== null, 'the receive transport never reported connected');
    assert.ok(sinceConnected <= 2000, `first frames ${Math.round(sinceConnected)} ms after the receive transport connected`);
  });

  test('a participant who leaves disappears within 2 s and the server frees its transports', async () => {
    const before = await mediaStats();
    const carol = pages.Carol;
    await carol.click('[data-testid=leave]');
    const leftAt = Date.now();
    for (const name of ['Alice', 'Bob', 'Dave']) {
      await pages[name].waitForFunction(() => ![...document.querySelectorAll('[data-testid=remote-video]')]
        .some((v) => v.dataset.peerName === 'Carol'), null, { timeout: 2000 });
    }
    assert.ok(Date.now() - leftAt <= 2500);
    const until = Date.now() + 3000;
    let now = await mediaStats();
    while (now.transports > before.transports - 2 && Date.now() < until) {
      await sleep(100);
      now = await mediaStats();
    }
    assert.equal(now.transports, before.transports - 2, `transports ${before.transports} -> ${now.transports}`);
  });

  test('the publisher\'s bandwidth estimate rises above 1.5 Mbps within 20 s', async (t) => {
    const until = Date.now() + 20000;
    let bps = 0;
    while (Date.now() < until) {
      bps = await pages.Alice.evaluate(() => window.switchboard.availableOutgoingBitrate());
      if (bps > 1.5e6) break;
      await sleep(500);
    }
    t.diagnostic(`availableOutgoingBitrate ${Math.round(bps / 1000)} kbps; first above 1.5 Mbps ` +
      `${aliceBwe.crossedAfterMs === null ? 'not seen' : `${aliceBwe.crossedAfterMs} ms`} after Alice opened her page`);
    t.diagnostic(`SRTP profiles: ${JSON.stringify(await pages.Alice.evaluate(() => window.switchboard.srtpCiphers()))}`);
    assert.ok(bps > 1.5e6, `availableOutgoingBitrate ${bps}`);
  });

  test('no console errors on any page', () => {
    for (const [name, page] of Object.entries(pages)) page.console.assertClean(name);
  });
});
