#!/usr/bin/env node
// The same signaling load against switchboard and against a minimal Socket.IO
// server (lib/socketio-server.mjs), one after the other on this machine, with
// the same parameters, printed side by side with ratios. The seed figures
// came from Socket.IO-era setups on other hardware; the ratio measured here
// is the comparison that means something.
//
// socket.io and socket.io-client are not test dependencies of the project:
// this script installs them into a scratch directory on first use
// ($SOCKETIO_DIR, default $TMPDIR/switchboard-bench-socketio) with
//   npm install --prefix DIR socket.io@4.8.1 socket.io-client@4.8.1
//
//   node tests/bench/socketio-baseline.mjs            # 1000 x 10/s x 60 s, both servers
//   node tests/bench/socketio-baseline.mjs --quick
//   node tests/bench/socketio-baseline.mjs --only socketio
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseOptions, optionHelp, ensureOpenFiles, watchdog, runBudgetS, table, notes, machineLine } from './lib/cli.mjs';
import { startSwitchboard, startSocketIo } from './lib/servers.mjs';
import { benchmarkServer } from './lib/run-load.mjs';
import { sleep } from './lib/proc.mjs';

const VERSIONS = { 'socket.io': '4.8.1', 'socket.io-client': '4.8.1' };

function installed(dir) {
  return Object.entries(VERSIONS).every(([name, version]) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version === version;
    } catch {
      return false;
    }
  });
}

function ensureSocketIo(dir, log) {
  if (installed(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  const specs = Object.entries(VERSIONS).map(([n, v]) => `${n}@${v}`);
  log(`installing ${specs.join(' ')} into ${dir}`);
  const res = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--save-exact', ...specs], {
    stdio: ['ignore', 'inherit', 'inherit'], timeout: 300000,
  });
  if (res.status !== 0 || !installed(dir)) {
    throw new Error(`could not install ${specs.join(' ')} into ${dir} (npm exit ${res.status}${res.error ? `, ${res.error.message}` : ''})`);
  }
}

const extraSpec = {
  only: { type: 'string' }, 'socketio-dir': { type: 'string' }, binary: { type: 'string' },
};

async function main() {
  const { opts, values } = parseOptions(extraSpec);
  if (values.help) {
    console.log(`usage: node tests/bench/socketio-baseline.mjs [options]\n${optionHelp}
  --only TARGET       run one target: switchboard or socketio
  --socketio-dir DIR  where socket.io is (or gets) installed ($SOCKETIO_DIR)
  --binary PATH       switchboard binary (default build/switchboard)`);
    return 0;
  }
  const targets = values.only ? [values.only] : ['switchboard', 'socketio'];
  for (const t of targets) if (!['switchboard', 'socketio'].includes(t)) throw new Error(`--only: switchboard or socketio, not ${t}`);
  const log = (line) => process.stderr.write(`${line}\n`);
  const socketioDir = path.resolve(values['socketio-dir'] || process.env.SOCKETIO_DIR ||
    path.join(os.tmpdir(), 'switchboard-bench-socketio'));
  ensureOpenFiles(opts.connections + 512);
  if (targets.includes('socketio')) ensureSocketIo(socketioDir, log);
  watchdog(targets.length * runBudgetS(opts) + 10, 'socketio-baseline');
  log(`machine: ${machineLine()}`);

  const results = [];
  for (const t of targets) {
    const start = t === 'switchboard'
      ? () => startSwitchboard({ ...opts, binary: values.binary })
      : () => startSocketIo({ ...opts, socketioDir });
    const r = await benchmarkServer(start, opts, log, { cores: os.cpus().length, socketioDir });
    r.date = new Date().toISOString();
    results.push(r);
    if (t !== targets[targets.length - 1]) await sleep(3000); // let TIME_WAIT and caches settle
  }

  const title = `Signaling load, ${results.map((r) => r.target).join(' vs ')}: ${opts.connections} connections x ` +
    `${opts.rate} req/s x ${opts.duration} s, ${opts.messageBytes}-byte requests, ${opts.perRoom} per room, ` +
    `${opts.threads} load threads\n${machineLine()}, ${results[0].date}`;
  const text = `\n${title}\n\n${table(results)}\n\n${notes(results)}\n`;
  const json = { date: results[0].date, machine: machineLine(), results };
  if (values.json) {
    process.stderr.write(text);
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else process.stdout.write(text);
  if (values.out) fs.writeFileSync(values.out, `${JSON.stringify(json, null, 2)}\n`);
  return results.some((r) => r.error) ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`socketio-baseline: ${e.stack || e}\n`);
  process.exit(2);
});
