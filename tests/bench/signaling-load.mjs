#!/usr/bin/env node
// Signaling load benchmark: starts its own switchboard on a free loopback
// port, opens N WebSocket connections, joins them into rooms, has each send
// `ping` requests carrying ~1 KB of padding at R/s for D seconds, cuts some
// connections and resumes them under load, and prints one table of figures
// (round trip, throughput, failures, server CPU and memory, reconnection,
// and the load generator's own CPU). Always stops the server and exits.
//
//   node tests/bench/signaling-load.mjs            # 1000 x 10/s x 60 s
//   node tests/bench/signaling-load.mjs --quick    # 200 x 10/s x 10 s
// See tests/bench/README.md. No assertions: it measures and prints.
import fs from 'node:fs';
import os from 'node:os';
import { parseOptions, optionHelp, ensureOpenFiles, watchdog, runBudgetS, table, notes, machineLine } from './lib/cli.mjs';
import { startSwitchboard } from './lib/servers.mjs';
import { benchmarkServer } from './lib/run-load.mjs';

const extraSpec = { binary: { type: 'string' }, 'server-arg': { type: 'string', multiple: true } };

async function main() {
  const { opts, values } = parseOptions(extraSpec);
  if (values.help) {
    console.log(`usage: node tests/bench/signaling-load.mjs [options]\n${optionHelp}
  --binary PATH       switchboard binary (default build/switchboard, or $SWITCHBOARD_BIN)
  --server-arg ARG    extra switchboard flag (repeat for several)`);
    return 0;
  }
  ensureOpenFiles(opts.connections + 512);
  watchdog(runBudgetS(opts), 'signaling-load');
  const log = (line) => process.stderr.write(`${line}\n`);
  log(`machine: ${machineLine()}`);
  const result = await benchmarkServer(
    () => startSwitchboard({ ...opts, binary: values.binary, serverArgs: values['server-arg'] }),
    opts, log, { cores: os.cpus().length });
  result.machine = { ...(result.machine || {}), description: machineLine() };
  result.date = new Date().toISOString();

  const title = `Switchboard signaling load: ${opts.connections} connections x ${opts.rate} req/s x ${opts.duration} s, ` +
    `${opts.messageBytes}-byte requests, ${opts.perRoom} per room, ${opts.threads} load threads (${result.date})`;
  const text = `\n${title}\n\n${table([result])}\n\n${notes([result])}\n`;
  if (values.json) {
    process.stderr.write(text);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else process.stdout.write(text);
  if (values.out) fs.writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
  return result.error ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`signaling-load: ${e.stack || e}\n`);
  process.exit(2);
});
