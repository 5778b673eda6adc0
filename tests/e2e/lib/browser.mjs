// Debian's chromium, driven by playwright-core, running INSIDE a test
// namespace (netns.mjs).
//
// How it gets there: playwright's chromium.launch() spawns the executable it is
// given and talks to it over the pipes on fds 3 and 4 (--remote-debugging-pipe).
// We hand it a small shell shim, written at runtime into the namespace's temp
// dir, that does `exec ip netns exec NAME setpriv --pdeathsig KILL
// /usr/bin/chromium "$@"` (or the nsenter equivalent without root). Every
// step execs, so the pid playwright holds is chromium's own, the pipes pass
// through untouched, and playwright's timeouts, crash detection and close()
// keep working. Connecting over CDP to a browser we started ourselves would
// need a TCP port reachable from outside the namespace, which is exactly what
// the namespace forbids.
//
// The shim also merges every --disable-features=... argument into one:
// playwright passes its own list and Chromium keeps only the last occurrence of
// a switch, so ours (WebRtcHideLocalIpsWithMdns) would otherwise replace
// playwright's.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifactsDir = path.resolve(here, '../../artifacts/e2e');
export const chromiumPath = process.env.SB_E2E_CHROMIUM || '/usr/bin/chromium';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-gpu',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--autoplay-policy=no-user-gesture-required',
];

// Rewrites "$@" so that all --disable-features=a,b values become one switch.
const MERGE_FEATURES = `feats=""
n=$#
while [ "$n" -gt 0 ]; do
  a=$1; shift; n=$((n - 1))
  case "$a" in
    --disable-features=*) feats="\${feats:+$feats,}\${a#--disable-features=}" ;;
    *) set -- "$@" "$a" ;;
  esac
done
[ -n "$feats" ] && set -- "$@" "--disable-features=$feats"
`;

// Console errors every page tolerates: the demo page has no favicon, and
// Chromium logs the 404 for /favicon.ico as a console error.
export const DEFAULT_CONSOLE_IGNORE = [/favicon\.ico/];

// Console messages and uncaught page errors of one page.
//   messages:   [{type, text, location}] every console message
//   errors:     console.error messages and uncaught exceptions, as strings
// assertClean() throws listing them; ignore: regexps of texts to tolerate.
export function collectConsole(page, { ignore = [] } = {}) {
  const c = {
    messages: [],
    errors: [],
    ignore: [...DEFAULT_CONSOLE_IGNORE, ...ignore],
    // errors not matched by `ignore`
    get unexpected() { return c.errors.filter((t) => !c.ignore.some((re) => re.test(t))); },
    clear() { c.messages.length = 0; c.errors.length = 0; },
    assertClean(label = 'page') {
      const bad = c.unexpected;
      if (bad.length) throw new Error(`${label}: ${bad.length} console error(s):\n  ${bad.join('\n  ')}`);
    },
  };
  page.on('console', (msg) => {
    const loc = msg.location();
    const entry = { type: msg.type(), text: msg.text(), location: loc && loc.url ? `${loc.url}:${loc.lineNumber}` : '' };
    c.messages.push(entry);
    if (entry.type === 'error') c.errors.push(`console.error: ${entry.text}${entry.location ? ` (${entry.location})` : ''}`);
  });
  page.on('pageerror', (err) => { c.errors.push(`pageerror: ${err && err.stack || err}`); });
  page.on('crash', () => { c.errors.push('page crashed'); });
  return c;
}

// Saves a full-page screenshot to tests/artifacts/e2e/<name>.png; never throws.
export async function screenshot(page, name) {
  try {
    fs.mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 5000 });
    return file;
  } catch {
    return null;
  }
}

class TestBrowser {
  constructor(ns, browser, { timeoutMs, secureOrigins }) {
    this.ns = ns;
    this.browser = browser;
    this.timeoutMs = timeoutMs;
    this.secureOrigins = secureOrigins;
    this.pages = new Set();
  }

  // Opens url in a new page (in a fresh browser context unless one is given,
  // so two pages act as two users). The page carries page.console (see
  // collectConsole), recording from before the first request.
  async openPage(url, { context, waitUntil = 'load', ignoreConsole = [], timeoutMs = this.timeoutMs } = {}) {
    const ctx = context || await this.browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await ctx.newPage();
    page.setDefaultTimeout(timeoutMs);
    page.setDefaultNavigationTimeout(timeoutMs);
    page.console = collectConsole(page, { ignore: ignoreConsole });
    page.ownContext = context ? null : ctx;
    this.pages.add(page);
    page.once('close', () => this.pages.delete(page));
    if (url) await page.goto(url, { waitUntil, timeout: timeoutMs });
    return page;
  }

  // Closes a page and the context openPage made for it.
  async closePage(page) {
    this.pages.delete(page);
    await withTimeout(page.close(), 10000, 'page.close').catch(() => {});
    if (page.ownContext) await withTimeout(page.ownContext.close(), 10000, 'context.close').catch(() => {});
  }

  // Closes every page and the browser. Bounded: if chromium hangs, it is
  // killed (with everything else in the namespace) by ns.destroy().
  async close() {
    for (const page of [...this.pages]) await this.closePage(page);
    await withTimeout(this.browser.close(), 15000, 'browser.close').catch(() => {});
  }
}

// Waits until `selector` matches exactly `count` elements; returns their
// texts. On timeout, throws with what the page shows instead.
export async function waitForCount(page, selector, count, { timeoutMs = 10000 } = {}) {
  try {
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n,
      [selector, count], { timeout: timeoutMs, polling: 50 });
  } catch (e) {
    const now = await page.$$eval(selector, (els) => els.map((el) => el.textContent)).catch(() => '?');
    throw new Error(`expected ${count} × ${selector} within ${timeoutMs} ms, page shows ${JSON.stringify(now)}`);
  }
  return page.$$eval(selector, (els) => els.map((el) => el.textContent.trim()));
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// Launches chromium inside `ns`. Options:
//   secureOrigins  origins (e.g. server.origin) to treat as secure contexts, so
//                  getUserMedia works on plain http://10.77.x.1:PORT
//   args           extra chromium switches
//   headless       default true (playwright's --headless, the new headless mode)
//   timeoutMs      launch timeout and the default for every page action
export async function launchBrowser(ns, { secureOrigins = [], args = [], headless = true, timeoutMs = 30000 } = {}) {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`chromium not found at ${chromiumPath}; install Debian's chromium (scripts/setup.sh). ` +
      'Never `npx playwright install`.');
  }
  const shim = ns.writeShim('chromium-in-netns', chromiumPath, MERGE_FEATURES);
  const allArgs = [...CHROMIUM_ARGS, ...args];
  if (secureOrigins.length) allArgs.push(`--unsafely-treat-insecure-origin-as-secure=${secureOrigins.join(',')}`);
  let browser;
  let lastErr;
  // Playwright makes its temporary profile (--user-data-dir) and artifacts
  // dirs under os.tmpdir() during launch. Point that at the namespace's temp
  // dir meanwhile, so a run killed with SIGKILL leaves them where the next
  // run's cleanupStale() removes them. Chromium gets the same TMPDIR.
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = ns.tmpDir;
  try {
    for (let attempt = 0; attempt < 2 && !browser; attempt++) {
      try {
        browser = await chromium.launch({
          executablePath: shim,
          headless,
          args: allArgs,
          env: { ...process.env, TMPDIR: ns.tmpDir },
          timeout: timeoutMs,
          // We clean up on signals ourselves (netns.mjs kills everything inside).
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
        });
      } catch (e) {
        lastErr = e;
        await sleep(500);
      }
    }
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  if (!browser) throw new Error(`could not launch chromium inside ${ns.name}: ${lastErr && lastErr.message}`);
  return new TestBrowser(ns, browser, { timeoutMs, secureOrigins });
}
