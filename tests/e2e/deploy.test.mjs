// The Docker deploy, end to end (issue 9, must-show 1, 2 and 6): build the SFU
// and frontend images from a fresh clone in a private Docker engine,
// `docker-compose up` inside the test's network namespace, and two Chromium
// pages join one room through nginx on :8080 and decode each other's video;
// `nginx -t` on the frontend configuration; `docker-compose down` leaves no
// container and the daemon exits. Prints the image sizes and the time from
// `docker-compose up` to a healthy frontend.
//
//   cd tests && node --test --test-reporter=spec e2e/deploy.test.mjs
//
// Needs root (dockerd, ip netns). Installs docker.io, docker-compose and
// debootstrap when missing. The debian:bookworm root file system is cached in
// $XDG_CACHE_HOME/switchboard-deploy (default ~/.cache/switchboard-deploy;
// SB_DEPLOY_CACHE overrides); delete it to time a cold run. The clone is of
// the repository's HEAD, i.e. what is committed; SB_DEPLOY_OVERLAY=docker,...
// copies those working-tree paths over the clone (for changing the deploy
// files before committing them; the test says so in its output).
// SB_DEPLOY=skip skips it (for machines without root); nothing else does.
// How the engine is run and cleaned up: tests/deploy/README.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

import { createNetns } from './lib/netns.mjs';
import { launchBrowser, screenshot, waitForCount } from './lib/browser.mjs';
import {
  DockerEngine, cacheDir, cleanupStaleEngines, ensureBaseImage, ensurePackages, mustRun,
} from '../deploy/docker.mjs';
import { httpInNs, waitHttp, WS_UPGRADE_HEADERS } from '../deploy/probe.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const PROJECT = 'sbdeploy';
const FRONTEND_PORT = 8080;
const SFU_LISTEN = '127.0.0.1:8081';
const ROOM = 'deploy';
const IMAGES = { sfu: 'switchboard-sfu:latest', frontend: 'switchboard-frontend:latest' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

// Polls until check() returns a truthy value; returns it. Throws after timeoutMs.
async function until(what, check, { timeoutMs, intervalMs = 250 }) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last) return last;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const skipped = process.env.SB_DEPLOY === 'skip' ? 'SB_DEPLOY=skip' : false;

describe('deploy: docker-compose (SFU + nginx frontend) from a fresh clone, in a private engine', { skip: skipped, timeout: 900000 }, () => {
  const t0 = Date.now();
  const st = {};          // what earlier steps produced; later steps skip without it
  let engine = null;
  let ns = null;
  let browser = null;
  const pages = {};
  let src = null;

  const need = (t, key, what) => {
    if (st[key]) return false;
    t.skip(`needs ${what}`);
    return true;
  };
  const compose = (args, opts = {}) => engine.compose(['-f', path.join(src, 'docker/compose.yaml'), '-p', PROJECT, ...args], {
    cwd: path.join(src, 'docker'),
    ...opts,
    env: { FRONTEND_PORT: String(FRONTEND_PORT), SFU_LISTEN, ANNOUNCE_IP: ns ? ns.address : '', ...(opts.env || {}) },
  });
  const containerOf = async (service) => {
    const r = await compose(['ps', '-q', service], { timeoutMs: 30000 });
    return r.stdout.trim().split('\n').filter(Boolean)[0] || null;
  };
  const health = async (id) => (await engine.run(['inspect', '-f', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.Status}}', id],
    { timeoutMs: 10000 })).stdout.trim();

  after(async () => {
    for (const [name, page] of Object.entries(pages)) {
      if (page && !page.isClosed()) await screenshot(page, `deploy-${name}`).catch(() => {});
    }
    if (browser) await browser.close().catch(() => {});
    if (engine) {
      if (engine.running && st.composeUp && !st.composeDown) {
        await compose(['down', '--timeout', '5'], { timeoutMs: 60000 }).catch(() => {});
      }
      await engine.stop({ timeoutMs: 20000 }).catch(() => {});
      engine.cleanupSync();
    }
    if (ns) await ns.destroy().catch(() => {});
  });

  test('root, and docker.io, docker-compose and debootstrap installed (apt-get when missing)', { timeout: 360000 }, async (t) => {
    assert.equal(process.getuid(), 0, 'the deploy test runs dockerd and ip netns: run it as root (or SB_DEPLOY=skip)');
    const stale = cleanupStaleEngines();
    if (stale.length) t.diagnostic(`removed leftovers of dead runs: ${stale.join(' ')}`);
    const installed = await ensurePackages({ timeoutMs: 300000 });
    t.diagnostic(installed.length ? `installed: ${installed.join(' ')}` : 'all packages present');
    st.tools = true;
  });

  test('a private dockerd starts: own data root, exec root, pidfile, socket; no networks', { timeout: 90000 }, async (t) => {
    if (need(t, 'tools', 'the packages')) return;
    engine = new DockerEngine();
    await engine.start({ timeoutMs: 60000 });
    t.diagnostic(`dockerd ${engine.version} at ${engine.host}, data root ${engine.dataRoot}`);
    const nets = (await engine.must(['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).stdout.trim().split('\n');
    assert.ok(!nets.some((l) => / bridge$/.test(l)), `the engine must create no bridge network: ${nets.join(', ')}`);
    st.engine = true;
  });

  test('debian:bookworm is there (cached debootstrap root file system, docker import)', { timeout: 660000 }, async (t) => {
    if (need(t, 'engine', 'the engine')) return;
    const r = await ensureBaseImage(engine, { timeoutMs: 600000, log: (m) => t.diagnostic(m) });
    t.diagnostic(`debian:bookworm from ${r.source} in ${secs(r.ms)} (cache: ${cacheDir()})`);
    st.base = true;
  });

  test('both images build from a fresh clone, with host networking', { timeout: 900000 }, async (t) => {
    if (need(t, 'base', 'debian:bookworm')) return;
    src = path.join(engine.dir, 'src');
    const head = (await mustRun('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'])).stdout.trim();
    await mustRun('git', ['clone', '--quiet', repoRoot, src], { timeoutMs: 120000 });
    t.diagnostic(`cloned ${repoRoot} at ${head}`);
    const overlay = (process.env.SB_DEPLOY_OVERLAY || '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const p of overlay) {
      if (path.isAbsolute(p) || p.split('/').includes('..')) throw new Error(`SB_DEPLOY_OVERLAY: ${p} is not a path inside the repository`);
      fs.rmSync(path.join(src, p), { recursive: true, force: true });
      fs.cpSync(path.join(repoRoot, p), path.join(src, p), { recursive: true });
    }
    if (overlay.length) t.diagnostic(`SB_DEPLOY_OVERLAY: ${overlay.join(', ')} copied from the working tree over the clone`);
    const logFile = path.join(engine.dir, 'build.log');
    const b0 = Date.now();
    const r = await compose(['build', '--parallel'], { timeoutMs: 840000, logFile });
    if (r.code !== 0) {
      const out = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-60).join('\n');
      throw new Error(`docker-compose build failed (code ${r.code}${r.timedOut ? ', timed out' : ''}):\n${out}`);
    }
    t.diagnostic(`docker-compose build: ${secs(Date.now() - b0)}`);
    const sizes = {
      'debian:bookworm (base)': await engine.imageSize('debian:bookworm'),
      [IMAGES.sfu]: await engine.imageSize(IMAGES.sfu),
      [IMAGES.frontend]: await engine.imageSize(IMAGES.frontend),
    };
    for (const [ref, size] of Object.entries(sizes)) t.diagnostic(`image ${ref}: ${mb(size)}`);
    st.sizes = sizes;

    // The runtime stage holds the binary, the web demo and shared libraries only.
    const cfg = JSON.parse((await engine.must(['image', 'inspect', '-f', '{{json .Config}}', IMAGES.sfu])).stdout);
    assert.equal(cfg.User, 'switchboard');
    assert.deepEqual(cfg.Healthcheck?.Test, ['CMD', '/usr/local/bin/switchboard-healthcheck']);
    assert.equal(cfg.StopSignal, 'SIGTERM');
    const inside = await engine.must(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/bash', IMAGES.sfu, '-c',
      'id -u; for p in cc gcc cmake make pkg-config curl; do command -v $p; done; ls /app /app/web-demo'], { timeoutMs: 60000 });
    const lines = inside.stdout.trim().split('\n');
    assert.notEqual(lines[0], '0', 'the SFU runs as a non-root user');
    assert.ok(!lines.some((l) => l.startsWith('/usr/bin/')), `no build tools in the runtime image: ${lines.join(' ')}`);
    assert.ok(lines.includes('switchboard') && lines.includes('index.html'), `binary and web demo in /app: ${lines.join(' ')}`);
    st.images = true;
  });

  test('nginx -t accepts the frontend configuration (default, no-websocket, other ports); compose files parse', { timeout: 180000 }, async (t) => {
    if (need(t, 'images', 'the images')) return;
    const nginxT = (env, cmd = ['nginx', '-t']) => engine.run(['run', '--rm', '--network', 'none',
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), IMAGES.frontend, ...cmd], { timeoutMs: 60000 });

    const def = await nginxT({});
    assert.equal(def.code, 0, `nginx -t (default):\n${def.stdout}${def.stderr}`);
    t.diagnostic(`nginx -t: ${def.stderr.trim().split('\n').join(' | ')}`);
    const nows = await nginxT({ NGINX_SITE: 'switchboard-no-websocket' });
    assert.equal(nows.code, 0, `nginx -t (switchboard-no-websocket):\n${nows.stdout}${nows.stderr}`);
    const moved = await nginxT({ FRONTEND_PORT: '9090', SFU_ADDRESS: '0.0.0.0:9091' },
      ['sh', '-c', 'nginx -t 2>&1 && cat /etc/nginx/sites-enabled/switchboard.conf']);
    assert.equal(moved.code, 0, `nginx -t (moved ports):\n${moved.stdout}${moved.stderr}`);
    assert.match(moved.stdout, /listen 9090;/);
    assert.match(moved.stdout, /server 127\.0\.0\.1:9091;/, 'a wildcard SFU address is reached on loopback');
    const bad = await nginxT({ SFU_ADDRESS: '127.0.0.1:1; include /etc/passwd' });
    assert.equal(bad.code, 2, `a malformed SFU_ADDRESS is refused: ${bad.stderr}`);

    const cfg = await compose(['config', '-q'], { timeoutMs: 30000 });
    assert.equal(cfg.code, 0, `compose.yaml: ${cfg.stderr}`);
    const bridgeFile = path.join(src, 'docker/compose.bridge.yaml');
    const bridge = await engine.compose(['-f', bridgeFile, 'config'], { timeoutMs: 30000, env: { ANNOUNCE_IP: '192.0.2.10' } });
    assert.equal(bridge.code, 0, `compose.bridge.yaml: ${bridge.stderr}`);
    assert.match(bridge.stdout, /SWITCHBOARD_ANNOUNCE_IP: 192\.0\.2\.10/);
    const noIp = await engine.compose(['-f', bridgeFile, 'config', '-q'], { timeoutMs: 30000, env: { ANNOUNCE_IP: '' } });
    assert.notEqual(noIp.code, 0, 'compose.bridge.yaml insists on ANNOUNCE_IP');
  });

  test('the daemon restarts on the same data root inside the test network namespace', { timeout: 120000 }, async (t) => {
    if (need(t, 'images', 'the images')) return;
    const stop = await engine.stop({ timeoutMs: 30000 });
    assert.deepEqual([stop.code, stop.killed], [0, false], `the build daemon exits 0 on SIGTERM: ${JSON.stringify(stop)}`);
    ns = await createNetns({ mode: 'netns' });
    await engine.start({ netnsPath: `/run/netns/${ns.name}`, timeoutMs: 60000 });
    assert.equal(fs.readlinkSync(`/proc/${engine.proc.pid}/ns/net`), ns.nsId, 'dockerd runs inside the namespace');
    for (const ref of Object.values(IMAGES)) assert.ok(await engine.imageExists(ref), `${ref} survives the restart`);
    t.diagnostic(`dockerd inside ${ns.name} (${ns.address})`);
    st.nsEngine = true;
  });

  test('docker-compose up: the frontend on :8080 turns healthy', { timeout: 240000 }, async (t) => {
    if (need(t, 'nsEngine', 'the engine in the namespace')) return;
    const u0 = Date.now();
    st.composeUp = true;
    const up = await compose(['up', '-d', '--no-build'], { timeoutMs: 150000 });
    assert.equal(up.code, 0, `docker-compose up:\n${up.stdout}${up.stderr}`);
    const upMs = Date.now() - u0;
    const origin = `http://${ns.address}:${FRONTEND_PORT}`;
    // The page through nginx (the first moment a browser could use it) and
    // Docker's own verdict (the frontend's HEALTHCHECK, which goes through
    // nginx to the SFU's /healthz).
    const http = waitHttp(ns, `${origin}/healthz`, (r) => r.status === 200 && r.body.trim() === 'ok', { timeoutMs: 90000 })
      .then(() => Date.now() - u0);
    const frontend = await until('the frontend container', containerOf.bind(null, 'frontend'), { timeoutMs: 30000 });
    const sfu = await containerOf('sfu');
    let lastHealth = '';
    const healthyMs = await until('a healthy frontend', async () => {
      lastHealth = await health(frontend);
      if (/^unhealthy|exited|dead/.test(lastHealth)) throw new Error(`frontend: ${lastHealth}\n${(await engine.run(['logs', '--tail', '30', frontend])).stderr}`);
      return lastHealth.startsWith('healthy') ? Date.now() - u0 : null;
    }, { timeoutMs: 90000, intervalMs: 200 }).catch(async (e) => {
      const logs = await compose(['logs', '--tail', '40'], { timeoutMs: 30000 });
      throw new Error(`${e.message} (last: ${lastHealth})\n${logs.stdout}`);
    });
    const httpMs = await http;
    t.diagnostic(`docker-compose up -d returned after ${secs(upMs)}; frontend answered /healthz after ${secs(httpMs)}; ` +
      `Docker reported it healthy after ${secs(healthyMs)}`);
    st.timeToHealthy = { upMs, httpMs, healthyMs };
    const sfuHealth = await until('a healthy SFU', async () => ((await health(sfu)).startsWith('healthy') ? Date.now() - u0 : null),
      { timeoutMs: 30000, intervalMs: 200 });
    t.diagnostic(`the SFU container was healthy after ${secs(sfuHealth)}`);

    // SFU: a non-root process, on loopback only (browsers go through nginx).
    const uid = await engine.must(['exec', sfu, 'id', '-u'], { timeoutMs: 15000 });
    assert.notEqual(uid.stdout.trim(), '0');
    const direct = await httpInNs(ns, `http://${ns.address}:8081/healthz`, { timeoutMs: 3000 });
    assert.equal(direct.status, 0, `the SFU must not answer on ${ns.address}:8081: ${JSON.stringify(direct)}`);
    const env = (await engine.must(['inspect', '-f', '{{json .Config.Env}}', sfu])).stdout;
    assert.ok(env.includes(`SWITCHBOARD_ANNOUNCE_IP=${ns.address}`), `ANNOUNCE_IP reaches the SFU: ${env}`);
    st.origin = origin;
    st.up = true;
  });

  test('two browsers join through the frontend, see each other and decode each other\'s video', { timeout: 240000 }, async (t) => {
    if (need(t, 'up', 'the running stack')) return;
    try {
      await twoBrowsers(t);
    } catch (e) {
      // What the SFU and the pages said, to tell a deploy problem from a media one.
      const logs = await compose(['logs', '--no-color', '--tail', '60', 'sfu'], { timeoutMs: 30000 }).catch(() => ({ stdout: '' }));
      const consoles = Object.entries(pages).map(([n, p]) => `--- page ${n} console:\n` +
        p.console.messages.slice(-25).map((m) => `${m.type}: ${m.text}`).join('\n')).join('\n');
      e.message += `\n--- sfu log (tail):\n${logs.stdout.trim()}\n${consoles}`;
      throw e;
    }
    st.call = true;
  });

  async function twoBrowsers(t) {
    browser = await launchBrowser(ns, { secureOrigins: [st.origin], timeoutMs: 30000 });
    const j0 = Date.now();
    for (const name of ['A', 'B']) pages[name] = await browser.openPage(`${st.origin}/?room=${ROOM}&name=${name}`);
    for (const [name, page] of Object.entries(pages)) {
      const names = await waitForCount(page, '[data-testid=participant]', 2, { timeoutMs: 15000 });
      assert.equal(names.length, 2, `${name} sees ${names}`);
    }
    t.diagnostic(`both pages list two participants after ${Date.now() - j0} ms`);
    const remote = (page) => page.evaluate(() => window.switchboard.remoteMedia());
    const other = { A: 'B', B: 'A' };
    for (const [name, page] of Object.entries(pages)) {
      let last;
      const first = await until(`${name} decoding ${other[name]}'s video`, async () => {
        last = await remote(page);
        const p = last.find((x) => x.name === other[name]);
        return p && p.video && p.video.framesDecoded > 0 ? p : null;
      }, { timeoutMs: 30000 }).catch((e) => { throw new Error(`${e.message}; last remoteMedia: ${JSON.stringify(last)}`); });
      t.diagnostic(`${name}: first frames of ${other[name]} after ${Date.now() - j0} ms (${first.video.width}x${first.video.height})`);
      st[`first${name}`] = first;
    }
    await sleep(5000);
    for (const [name, page] of Object.entries(pages)) {
      const later = (await remote(page)).find((x) => x.name === other[name]);
      const before = st[`first${name}`];
      assert.ok(later.video.framesDecoded > before.video.framesDecoded + 30,
        `${name} <- ${other[name]}: framesDecoded ${before.video.framesDecoded} -> ${later.video.framesDecoded} over 5 s`);
      assert.ok(later.video.width > 0 && later.video.height > 0);
      t.diagnostic(`${name} <- ${other[name]}: framesDecoded ${before.video.framesDecoded} -> ${later.video.framesDecoded} over 5 s`);
    }
    for (const [name, page] of Object.entries(pages)) page.console.assertClean(name);
  }

  test('a chat message from A arrives at B (when the page has chat)', { timeout: 60000 }, async (t) => {
    if (need(t, 'call', 'the call')) return;
    const input = await pages.A.$('[data-testid=chat-input]');
    if (!input) {
      t.diagnostic('chat is not available yet: the demo page in this commit has no [data-testid=chat-input] (DataChannels are being built); NOT checked');
      return;
    }
    const text = `hello from A through the deploy ${Date.now()}`;
    await input.fill(text);
    const send = await pages.A.$('[data-testid=chat-send]');
    if (send) await send.click();
    else await input.press('Enter');
    await pages.B.waitForFunction((s) => document.body.innerText.includes(s), text, { timeout: 15000 });
    t.diagnostic('chat message A -> B arrived');
  });

  test('through nginx: /ws upgrades, /stats and the fallback carriers reach the SFU; the no-websocket site refuses the upgrade', { timeout: 120000 }, async (t) => {
    if (need(t, 'up', 'the running stack')) return;
    const ws = await httpInNs(ns, `${st.origin}/ws`, { headers: WS_UPGRADE_HEADERS });
    assert.equal(ws.upgraded && ws.status, 101, `WebSocket upgrade through nginx: ${JSON.stringify(ws)}`);
    const stats = await httpInNs(ns, `${st.origin}/stats`);
    assert.equal(stats.status, 200);
    assert.equal(typeof JSON.parse(stats.body), 'object', `/stats through nginx: ${stats.body.slice(0, 200)}`);

    // The same requests straight to the SFU and through nginx must get the
    // same status: nginx routes them (once the carriers land, their own
    // tests drive them through this frontend; see docker/nginx/).
    const sfuDirect = `http://${SFU_LISTEN}`;
    const probes = [
      ['/sse', { readMs: 1000 }],
      ['/poll', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}', readMs: 1000 }],
      ['/rpc', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }],
      ['/metrics', {}],
    ];
    for (const [p, opts] of probes) {
      const [d, v] = [await httpInNs(ns, sfuDirect + p, opts), await httpInNs(ns, st.origin + p, opts)];
      t.diagnostic(`${p}: SFU ${d.status}${d.streaming ? ' (streaming)' : ''}, through nginx ${v.status}${v.streaming ? ' (streaming)' : ''}` +
        (d.status === 404 ? ' — not served by this build yet' : ''));
      assert.equal(v.status, d.status, `${p} through nginx answers like the SFU: ${JSON.stringify(v).slice(0, 300)}`);
      if (d.streaming) assert.ok(v.streaming, `${p} streams through nginx too`);
    }

    // The variant for the fallback tests: same image, NGINX_SITE=switchboard-no-websocket.
    const name = `${PROJECT}-no-websocket`;
    await engine.must(['run', '-d', '--name', name, '--network', 'host', '-e', 'NGINX_SITE=switchboard-no-websocket',
      '-e', 'FRONTEND_PORT=8090', '-e', `SFU_ADDRESS=${SFU_LISTEN}`, IMAGES.frontend], { timeoutMs: 30000 });
    try {
      await waitHttp(ns, `http://${ns.address}:8090/healthz`, (r) => r.status === 200, { timeoutMs: 20000 });
      const stripped = await httpInNs(ns, `http://${ns.address}:8090/ws`, { headers: WS_UPGRADE_HEADERS });
      assert.ok(!stripped.upgraded && stripped.status !== 101, `no-websocket site must not upgrade: ${JSON.stringify(stripped)}`);
      t.diagnostic(`no-websocket site: /ws answers ${stripped.status} instead of 101`);
    } finally {
      await engine.run(['rm', '-f', name], { timeoutMs: 30000 });
    }
  });

  test('docker-compose down leaves no container and the daemon exits', { timeout: 180000 }, async (t) => {
    if (need(t, 'nsEngine', 'the engine in the namespace')) return;
    // Pages first: a page that loses its server logs reconnect errors.
    if (browser) { await browser.close(); browser = null; }
    if (st.composeUp) {
      const sfu = await containerOf('sfu');
      const s0 = Date.now();
      const stop = await compose(['stop'], { timeoutMs: 90000 });
      assert.equal(stop.code, 0, `docker-compose stop: ${stop.stderr}`);
      if (sfu) {
        const exit = (await engine.must(['inspect', '-f', '{{.State.ExitCode}}', sfu])).stdout.trim();
        assert.equal(exit, '0', 'the SFU exits 0 on SIGTERM');
        t.diagnostic(`docker-compose stop: ${secs(Date.now() - s0)}, SFU exit code ${exit}`);
      }
      const down = await compose(['down', '--timeout', '20'], { timeoutMs: 90000 });
      assert.equal(down.code, 0, `docker-compose down: ${down.stderr}`);
      st.composeDown = true;
    }
    const left = (await engine.must(['ps', '-aq'])).stdout.trim();
    assert.equal(left, '', `containers left after down: ${left}`);
    const stop = await engine.stop({ timeoutMs: 30000 });
    assert.deepEqual([stop.code, stop.killed], [0, false], `dockerd exits 0 on SIGTERM: ${JSON.stringify(stop)}`);
    const { pids } = engine.leftovers();
    assert.deepEqual(pids, [], 'no dockerd, containerd, shim or container process remains');
    if (st.sizes) t.diagnostic(`image sizes: ${Object.entries(st.sizes).map(([k, v]) => `${k} ${mb(v)}`).join(', ')}`);
    if (st.timeToHealthy) t.diagnostic(`docker-compose up -> healthy frontend: ${secs(st.timeToHealthy.healthyMs)} (HTTP 200 through nginx after ${secs(st.timeToHealthy.httpMs)})`);
    t.diagnostic(`whole deploy test: ${secs(Date.now() - t0)}`);
  });
});
