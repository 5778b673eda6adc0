// Chat and file transfer over DataChannels through the SFU (issue 5), with
// real Chromium pages driven only through the page's test hooks, all inside
// the test's network namespace.
//
//   cd tests && SWITCHBOARD_BIN=../build/switchboard node --test --test-reporter=spec e2e/datachannel.test.mjs
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { artifactsDir, screenshot, startEnv, waitForCount } from './lib/harness.mjs';

const ROOM = 'dc-e2e';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

async function chatMessages(page) {
  return page.$$eval('[data-testid=chat-message]', (els) => els.map((el) => ({
    who: el.querySelector('.who')?.textContent || '',
    text: el.querySelector('.text')?.textContent || '',
    whole: el.textContent,
  })));
}

async function sendChat(page, text) {
  await page.fill('[data-testid=chat-input]', text);
  await page.click('[data-testid=chat-send]');
}

// The page's received files: [{ size, sha256, name }].
async function received(page) {
  return page.$$eval('[data-testid=file-received]', (els) => els.map((a) => ({
    size: Number(a.dataset.size), sha256: a.dataset.sha256, name: a.download,
  })));
}

async function waitReceived(page, name, timeoutMs) {
  await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid=file-received]')]
    .some((a) => a.download === n), name, { timeout: timeoutMs });
  return (await received(page)).find((f) => f.name === name);
}

describe('e2e: chat and files over DataChannels', { timeout: 300000 }, () => {
  let env;
  const pages = {};
  const sent = {}; // name -> texts in the order sent

  before(async () => {
    env = await startEnv({ serverArgs: ['--grace-period', '2'] });
  });

  after(async () => {
    for (const [name, page] of Object.entries(pages)) {
      if (page && !page.isClosed()) await screenshot(page, `datachannel-${name}`).catch(() => {});
    }
    if (!env) return;
    const { serverExit } = await env.teardown();
    // The whole server log (shutdown included) for a look after a failure.
    const fs = await import('node:fs');
    fs.mkdirSync(artifactsDir, { recursive: true });
    fs.writeFileSync(`${artifactsDir}/datachannel-server.log`, env.server.log);
    if (serverExit && serverExit.code !== 0) console.log(`server exit: ${JSON.stringify(serverExit)}`);
  });

  async function join(name, extra = '') {
    // SB_E2E_DC_NO_MEDIA=1: nobody publishes camera/microphone (isolates
    // DataChannel throughput from video encoding on a small machine).
    if (process.env.SB_E2E_DC_NO_MEDIA === '1') extra = '&video=0&audio=0';
    const page = await env.browser.openPage(env.server.url(`/?room=${ROOM}&name=${name}${extra}`));
    pages[name] = page;
    await page.waitForSelector('[data-testid=chat-input]', { state: 'visible', timeout: 10000 });
    return page;
  }

  // Every message `name` sent arrives exactly once at `page`, in order,
  // with the sender's name in the element.
  function checkFrom(list, name, viewer) {
    const texts = sent[name];
    const got = list.filter((m) => texts.includes(m.text));
    assert.deepEqual(got.map((m) => m.text), texts, `${viewer} <- ${name}: ${JSON.stringify(got.map((m) => m.text))}`);
    for (const m of got) assert.ok(m.who.includes(name), `${viewer}: "${m.whole}" should name ${name}`);
  }

  test('three participants, one without camera or microphone: every message once, in order', async (t) => {
    const names = ['Alice', 'Bob', 'Carol'];
    await join('Alice');
    await join('Bob');
    await join('Carol', '&video=0&audio=0');
    // Typed at once, before the channels are necessarily open: queued.
    for (const n of names) {
      sent[n] = [`${n} says hello`];
      await sendChat(pages[n], sent[n][0]);
    }
    for (let i = 1; i <= 4; i++) {
      for (const n of names) {
        const text = `${n} message ${i} ✓ <b>not html</b>`;
        sent[n].push(text);
        await sendChat(pages[n], text);
      }
    }
    const total = names.length * 5;
    for (const n of names) await waitForCount(pages[n], '[data-testid=chat-message]', total, { timeoutMs: 20000 });
    await sleep(1000); // anything duplicated would show up by now
    for (const viewer of names) {
      const list = await chatMessages(pages[viewer]);
      assert.equal(list.length, total, `${viewer} shows ${list.length} messages`);
      for (const n of names) if (n !== viewer) checkFrom(list, n, viewer);
    }
    const carolSend = await pages.Carol.evaluate(() => window.switchboard.call?.sendPc?.getTransceivers().length ?? -1);
    assert.equal(carolSend, 0, 'Carol publishes no media, only the data channel');
    const dc = (await env.server.stats()).media.datachannel;
    t.diagnostic(`server: chatIn ${dc.chatIn} chatOut ${dc.chatOut} historyOut ${dc.historyOut} duplicates ${dc.chatDuplicates} drops ${dc.drops}`);
    assert.equal(dc.chatIn, total);
    // Live, or (for a page whose channel opened later) as history.
    assert.equal(dc.chatOut + dc.historyOut, total * (names.length - 1));
    assert.equal(dc.drops, 0);
  });

  test('a late joiner sees the history', async () => {
    const dave = await join('Dave', '&video=0');
    const total = 15;
    await waitForCount(dave, '[data-testid=chat-message]', total, { timeoutMs: 15000 });
    const list = await chatMessages(dave);
    assert.equal(list.length, total);
    for (const n of ['Alice', 'Bob', 'Carol']) checkFrom(list, n, 'Dave');
  });

  // Sends `buf` from `from` to the room; returns { ms, rssKiB[] } once every
  // other page holds a verified copy.
  async function sendFile(t, from, name, buf, { watchProgress = null } = {}) {
    const others = Object.keys(pages).filter((n) => n !== from && !pages[n].isClosed());
    let progressSeen = null;
    if (watchProgress) {
      // A receiver's bar strictly between 0 and full at some point.
      progressSeen = pages[watchProgress].waitForFunction(() => [...document.querySelectorAll('[data-testid=file-transfer][data-direction=in] [data-testid=file-progress]')]
        .some((p) => p.value > 0 && p.value < p.max), null, { timeout: 60000, polling: 5 });
    }
    const rss = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try { rss.push((await env.server.stats()).process.residentKiB); } catch { /* next */ }
        await sleep(200);
      }
    })();
    const t0 = Date.now();
    await pages[from].setInputFiles('[data-testid=file-input]', { name, mimeType: 'application/octet-stream', buffer: buf });
    const digest = sha256(buf);
    try {
      for (const n of others) {
        const f = await waitReceived(pages[n], name, 120000);
        assert.equal(f.size, buf.length, `${n}: size`);
        assert.equal(f.sha256, digest, `${n}: sha256`);
      }
    } finally {
      sampling = false;
      await sampler;
    }
    const ms = Date.now() - t0;
    if (progressSeen) await progressSeen;
    // The sender's row ends as delivered, with a full bar.
    await pages[from].waitForFunction((n) => [...document.querySelectorAll('[data-testid=file-transfer][data-direction=out]')]
      .some((el) => el.dataset.state === 'done' && el.textContent.includes(n)), name, { timeout: 10000 });
    return { ms, rss, others };
  }

  test('a 5 MB file from one participant reaches the others with a matching SHA-256, progress shown', async (t) => {
    const buf = randomBytes(5 * 1024 * 1024);
    const { ms, others } = await sendFile(t, 'Bob', 'five.bin', buf, { watchProgress: 'Carol' });
    t.diagnostic(`5 MiB Bob -> ${others.join(', ')}: ${ms} ms, ${(5 / (ms / 1000)).toFixed(1)} MiB/s`);
  });

  test('a 20 MB file to the whole room: throughput and server memory', async (t) => {
    const before = (await env.server.stats()).process.residentKiB;
    const buf = randomBytes(20 * 1024 * 1024);
    const { ms, rss, others } = await sendFile(t, 'Carol', 'twenty.bin', buf, { watchProgress: 'Alice' });
    const dc = (await env.server.stats()).media.datachannel;
    t.diagnostic(`20 MiB Carol -> ${others.length} receivers (${others.join(', ')}): ${ms} ms, ` +
      `${(20 / (ms / 1000)).toFixed(1)} MiB/s browser -> server -> browser (each receiver)`);
    t.diagnostic(`server RSS before ${before} KiB, during max ${Math.max(...rss)} KiB (${rss.length} samples), ` +
      `relay queue peak ${dc.queuedPeakBytes} bytes on one leg`);
    assert.ok(dc.queuedPeakBytes <= 2 * 1024 * 1024 + 16409, `queue peak ${dc.queuedPeakBytes}`);
  });

  test('a cancelled transfer stops on both sides', async () => {
    const buf = randomBytes(40 * 1024 * 1024);
    const name = 'cancel-me.bin';
    await pages.Alice.setInputFiles('[data-testid=file-input]', { name, mimeType: 'application/octet-stream', buffer: buf });
    // Wait until bytes are flowing to Bob, then the sender cancels.
    await pages.Bob.waitForFunction((n) => [...document.querySelectorAll('[data-testid=file-transfer][data-direction=in]')]
      .some((el) => el.textContent.includes(n) && Number(el.dataset.bytes || 0) > 512 * 1024), name, { timeout: 30000 });
    await pages.Alice.click(`[data-testid=file-transfer][data-direction=out]:has-text("${name}") [data-testid=file-cancel]`);
    for (const n of ['Bob', 'Carol', 'Dave']) {
      await pages[n].waitForFunction((x) => [...document.querySelectorAll('[data-testid=file-transfer][data-direction=in]')]
        .some((el) => el.textContent.includes(x) && el.dataset.state === 'cancelled'), name, { timeout: 5000 });
    }
    const state = await pages.Alice.$eval(`[data-testid=file-transfer][data-direction=out]:has-text("${name}")`, (el) => el.dataset.state);
    assert.equal(state, 'cancelled');
    // Nothing more arrives after the cancel, and no download appears.
    const bytes1 = await pages.Bob.$eval(`[data-testid=file-transfer][data-direction=in]:has-text("${name}")`, (el) => Number(el.dataset.bytes || 0));
    await sleep(1000);
    const bytes2 = await pages.Bob.$eval(`[data-testid=file-transfer][data-direction=in]:has-text("${name}")`, (el) => Number(el.dataset.bytes || 0));
    assert.equal(bytes2, bytes1);
    assert.ok(bytes1 < buf.length);
    assert.ok(!(await received(pages.Bob)).some((f) => f.name === name));
    const dc = (await env.server.stats()).media.datachannel;
    assert.equal(dc.transfers, 0, 'the server forgot the transfer');
    assert.ok(dc.filesCancelled >= 1);
  });

  test('chat still works after the transfers, and no console errors on any page', async () => {
    await sendChat(pages.Dave, 'Dave was here');
    for (const n of ['Alice', 'Bob', 'Carol']) {
      await pages[n].waitForFunction(() => [...document.querySelectorAll('[data-testid=chat-message]')]
        .some((el) => el.textContent.includes('Dave was here')), null, { timeout: 5000 });
    }
    for (const [name, page] of Object.entries(pages)) page.console.assertClean(name);
  });
});
