// Two real Chromium pages join one room through the demo page, inside a
// private network namespace; plus an in-page WebRTC loopback call proving
// that Chromium gathers candidates and decodes video in that namespace.
//
//   cd tests && SWITCHBOARD_BIN=../build/switchboard node --test e2e/join.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnv, screenshot, waitForCount } from './lib/harness.mjs';
import { startLoopbackCall, waitForLoopbackStats, stopLoopbackCall } from './lib/webrtc.mjs';

const GRACE_S = 2;
const PARTICIPANT = '[data-testid=participant]';

describe('e2e: join a room in Chromium', { timeout: 90000 }, () => {
  let env;
  let alice;
  let bob;

  before(async () => {
    env = await startEnv({ serverArgs: ['--grace-period', String(GRACE_S), '--log-level', 'info'] });
  });

  after(async () => {
    if (!env) return;
    const { serverExit } = await env.teardown();
    if (serverExit && serverExit.code !== 0) {
      // The dedicated test below normally stops the server; this only runs if
      // an earlier failure skipped it.
      console.log(`server exit in teardown: ${JSON.stringify(serverExit)}`);
    }
  });

  // On failure, save screenshots of the pages getPages() returns, then rethrow.
  async function shotsOnFailure(name, getPages, fn) {
    try {
      return await fn();
    } catch (err) {
      for (const [who, page] of Object.entries(getPages())) {
        if (page && !page.isClosed()) await screenshot(page, `join-${name}-${who}-FAILED`);
      }
      if (env && env.server) err.message += `\n--- server log ---\n${env.server.log}`;
      throw err;
    }
  }

  test('Chromium gathers a 10.77.x.1 host candidate and decodes video in the namespace', async (t) => {
    // getUserMedia needs a secure context: the server's origin is one (see
    // secureOrigins in startEnv); about:blank is not.
    const page = await env.browser.openPage(env.server.url('/healthz'));
    try {
      await shotsOnFailure('webrtc', () => ({ page }), async () => {
        const cands = await startLoopbackCall(page);
        t.diagnostic(`candidates: ${JSON.stringify(cands)}`);
        const hostRe = new RegExp(` ${env.ns.address.replace(/\./g, '\\.')} \\d+ typ host`);
        assert.ok(cands.a.some((c) => hostRe.test(c)), `offerer has no host candidate on ${env.ns.address}: ${JSON.stringify(cands.a)}`);

        const connected = await waitForLoopbackStats(page,
          (s) => s.pair && s.pair.state === 'succeeded' && s.inbound && s.inbound.framesDecoded > 0,
          { timeoutMs: 15000, what: 'a succeeded candidate pair and decoded frames' });
        assert.equal(connected.pair.local.address, env.ns.address);
        assert.equal(connected.pair.local.type, 'host');
        assert.equal(connected.pair.remote.address, env.ns.address);

        const first = connected.inbound.framesDecoded;
        const later = await waitForLoopbackStats(page, (s) => s.inbound && s.inbound.framesDecoded >= first + 10,
          { timeoutMs: 10000, what: `framesDecoded to rise from ${first}` });
        t.diagnostic(`pair ${JSON.stringify(later.pair)}; framesDecoded ${first} -> ${later.inbound.framesDecoded}`);
        await stopLoopbackCall(page);
        page.console.assertClean('loopback page');
      });
    } finally {
      await env.browser.closePage(page);
    }
  });

  test('Alice and Bob see each other; Bob leaving drops out of Alice\'s list', async (t) => {
    const url = (name) => env.server.url(`/?room=e2e&name=${encodeURIComponent(name)}`);
    await shotsOnFailure('participants', () => ({ alice, bob }), async () => {
      alice = await env.browser.openPage(url('Alice'));
      await waitForCount(alice, PARTICIPANT, 1, { timeoutMs: 10000 });
      bob = await env.browser.openPage(url('Bob'));

      const bobSees = await waitForCount(bob, PARTICIPANT, 2, { timeoutMs: 10000 });
      const aliceSees = await waitForCount(alice, PARTICIPANT, 2, { timeoutMs: 10000 });
      assert.deepEqual([...aliceSees].sort(), ['Alice (you)', 'Bob']);
      assert.deepEqual([...bobSees].sort(), ['Alice', 'Bob (you)']);
      assert.equal(await alice.textContent('[data-testid=conn-state]'), 'connected');
      assert.equal(await bob.textContent('[data-testid=conn-state]'), 'connected');
      await screenshot(alice, 'join-alice-2-participants');
      await screenshot(bob, 'join-bob-2-participants');

      bob.console.assertClean('Bob');
      await env.browser.closePage(bob);
      const closedAt = Date.now();
      const left = await waitForCount(alice, PARTICIPANT, 1, { timeoutMs: GRACE_S * 1000 + 8000 });
      t.diagnostic(`Bob left Alice's list ${Date.now() - closedAt} ms after his page closed (grace ${GRACE_S} s)`);
      assert.deepEqual(left, ['Alice (you)']);
      await screenshot(alice, 'join-alice-after-bob-left');
      alice.console.assertClean('Alice');
    });
  });

  test('server exits 0 on SIGTERM', async () => {
    // Pages first: a page still connected would log reconnect errors.
    if (alice) await env.browser.closePage(alice);
    const { code, signal, log } = await env.server.stop({ timeoutMs: 10000 });
    assert.equal(signal, null, `server died by ${signal}\n${log}`);
    assert.equal(code, 0, `server exit code ${code}\n${log}`);
  });
});
