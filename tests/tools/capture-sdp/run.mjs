// Captures real browser SDP as test fixtures, or checks that browsers accept
// the SDP our C code writes. Run inside a throw-away network namespace so the
// browser gathers candidates on a test-only address (see netns.sh):
//
//   tests/tools/capture-sdp/netns.sh node tests/tools/capture-sdp/run.mjs capture chromium
//   tests/tools/capture-sdp/netns.sh node tests/tools/capture-sdp/run.mjs capture firefox
//   tests/tools/capture-sdp/netns.sh node tests/tools/capture-sdp/run.mjs check chromium
//   tests/tools/capture-sdp/netns.sh node tests/tools/capture-sdp/run.mjs check firefox
//
// Files land in tests/unit/sfu/fixtures/sdp/ (or --out DIR). Exit status 0
// only if every step passed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const [mode, browser] = process.argv.slice(2);
const outIdx = process.argv.indexOf('--out');
const outDir = outIdx > 0 ? process.argv[outIdx + 1] : path.join(repo, 'tests/unit/sfu/fixtures/sdp');
if (!['capture', 'check'].includes(mode) || !['chromium', 'firefox'].includes(browser)) {
  console.error('usage: run.mjs capture|check chromium|firefox [--out DIR]');
  process.exit(2);
}

function buildTool(dir) {
  const tool = path.join(dir, 'sdp_tool');
  const srcs = ['sdp.c', 'sdp_parse.c', 'sdp_write.c', 'codecs.c'].map((f) => path.join(repo, 'sfu', f));
  execFileSync('cc', ['-std=c11', '-O1', '-Wall', '-D_GNU_SOURCE', '-I', repo, '-o', tool,
    path.join(here, 'sdp_tool.c'), ...srcs], { stdio: 'inherit' });
  return tool;
}

function recordVersion(name, version) {
  const file = path.join(outDir, 'VERSIONS.txt');
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith(name + ':')) : [];
  lines.push(`${name}: ${version}`);
  fs.writeFileSync(file, lines.sort().join('\n') + '\n');
}

async function launchChromium(url) {
  const { chromium } = await import(path.join(repo, 'tests/node_modules/playwright-core/index.mjs'));
  const b = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  const page = await b.newPage();
  page.on('console', (m) => console.log('[console]', m.text()));
  await page.goto(url);
  return { version: `Chromium ${b.version()}`, close: () => b.close() };
}

async function launchFirefox(url, tmp) {
  const profile = path.join(tmp, 'ff-profile');
  fs.mkdirSync(profile, { recursive: true });
  const prefs = {
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'toolkit.telemetry.reportingpolicy.firstRun': false,
    'browser.aboutwelcome.enabled': false,
    'app.update.auto': false,
    'app.normandy.enabled': false,
    'network.captive-portal-service.enabled': false,
  };
  fs.writeFileSync(path.join(profile, 'user.js'),
    Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n');
  const version = execFileSync('firefox-esr', ['--version'], { encoding: 'utf8' }).trim();
  const child = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, url],
    { detached: true, stdio: 'ignore', env: { ...process.env, MOZ_HEADLESS: '1' } });
  return { version, close: () => { try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ } } };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-sdp-'));
fs.mkdirSync(outDir, { recursive: true });
let finish;
const result = new Promise((resolve) => { finish = resolve; });
const server = await startServer({
  toolPath: buildTool(tmp),
  onSave: (name, sdp) => {
    if (!/^[a-z0-9.-]+\.sdp$/.test(name)) throw new Error(`bad fixture name ${name}`);
    fs.writeFileSync(path.join(outDir, name), sdp);
    console.log(`saved ${name} (${sdp.length} bytes)`);
  },
  onResult: finish,
  onLog: (msg) => console.log(msg),
});
const url = `${server.url}?mode=${mode}&browser=${browser}`;
const b = browser === 'chromium' ? await launchChromium(url) : await launchFirefox(url, tmp);
const timeout = setTimeout(() => finish({ ok: false, steps: [{ name: 'timeout', ok: false, error: 'no result in 120 s' }] }), 120000);
const r = await result;
clearTimeout(timeout);
await b.close();
server.close();
fs.rmSync(tmp, { recursive: true, force: true });
if (mode === 'capture' && r.ok) recordVersion(browser, b.version);
for (const s of r.steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name}${s.info ? ' — ' + s.info : ''}${s.error ? ' — ' + s.error : ''}`);
console.log(`${browser} ${mode}: ${r.ok ? 'PASS' : 'FAIL'} (${b.version})`);
process.exit(r.ok ? 0 : 1);
