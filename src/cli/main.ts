#!/usr/bin/env node
/**
 * @module cli/main
 * The `homeostat` command: a table of sub-commands, each with its own `--help`.
 */
import { readFileSync } from 'node:fs';
import { HomeostatError } from '../errors.js';
import { benchCommand } from './bench.js';
import { detectCommand } from './detect.js';
import { forecastCommand } from './forecast.js';
import { rcaCommand } from './rca.js';
import { registryCommand } from './registry.js';
import { trainCommand } from './train.js';
import { simCommand } from './sim.js';
import { upCommand } from './up.js';

interface Command {
  readonly summary: string;
  run(argv: readonly string[]): Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  up: { summary: 'run the platform: engine, simulated fleet, API and dashboard', run: upCommand },
  detect: { summary: 'score a metrics CSV (timestamp,<metric>,...) with the default detector', run: detectCommand },
  forecast: { summary: 'forecast every metric of a CSV (timestamp,<metric>,...) for a horizon, with intervals', run: forecastCommand },
  rca: { summary: 'rank the root causes of a case folder (metrics CSVs, call graph), calibrated', run: rcaCommand },
  registry: {
    summary: 'the model registry: list, show, promote, rollback, card (model cards as Markdown)',
    run: (argv) => registryCommand(argv),
  },
  sim: { summary: 'write simulated fleet telemetry (CSV) and its ground truth (JSON)', run: simCommand },
  train: {
    summary: 'retrain a model from the labelled outcomes in the database; promote it only if it beats the champion',
    run: (argv) => trainCommand(argv),
  },
  bench: {
    summary: 'run a benchmark: loop and scaling on the simulator; anomaly, capacity, failure and rca on the datasets; ingest over HTTP',
    run: benchCommand,
  },
  version: {
    summary: 'print the version',
    run: async () => {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`homeostat ${pkg.version}\n`);
      return 0;
    },
  },
};

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `homeostat — AIOps intelligence engine: detect, predict, decide, heal\n\nUsage: homeostat <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun homeostat <command> --help for a command's options.\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') return COMMANDS.version?.run([]) ?? 0;
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`homeostat: unknown command "${name}" (expected one of: ${Object.keys(COMMANDS).join(', ')})\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HomeostatError)
      process.stderr.write(`${error.message.startsWith('homeostat') ? '' : 'homeostat: '}${error.message}\n`);
    else process.stderr.write(`homeostat: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
