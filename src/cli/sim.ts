/**
 * @module cli/sim
 * `homeostat sim --days D --seed S --out DIR`: writes simulated telemetry as CSV and its exact
 * ground truth (faults and topology) as JSON.
 */
import { createWriteStream, mkdirSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../errors.js';
import type { ChangeEvent } from '../records/types.js';
import { createSimulation, csvHeader, csvLines, eventCsvLines, eventsCsvHeader, groundTruthJson } from '../sim/index.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';
import { ProgressBar } from './progress.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'days', type: 'number', description: 'simulated days to write', defaultText: '1' },
  { name: 'seed', type: 'number', description: 'simulator seed', defaultText: '1' },
  {
    name: 'faults',
    type: 'number',
    description: 'faults to inject, spread over the period (every kind in turn)',
    defaultText: '4 per day',
  },
  { name: 'out', type: 'string', description: 'output folder (telemetry.csv, ground-truth.json)', defaultText: 'sim-out' },
];

/** Help of `sim`. */
export const SIM_HELP = helpText(
  'homeostat sim --days D --seed S --out DIR [--faults K]',
  "Writes simulated fleet telemetry (long CSV: timestamp,entity,metric,value at 1-minute steps)\nand change events (events.csv), and the ground truth (faults with root cause, kind, onset,\nfailure time and fix; the topology) as JSON. A simulated operator fixes each fault 2 h after\nit fails, the simulator's built-in responder.",
  FLAGS,
);

/** Runs `homeostat sim`. */
export async function simCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'homeostat sim');
  if (args.help) {
    process.stdout.write(SIM_HELP);
    return 0;
  }
  const days = (args.flags.days as number | undefined) ?? 1;
  const seed = (args.flags.seed as number | undefined) ?? 1;
  const out = (args.flags.out as string | undefined) ?? 'sim-out';
  if (!(days > 0) || days > 366) throw invalid(`homeostat sim: --days must be in (0, 366] (got ${days})`);
  if (!Number.isInteger(seed)) throw invalid(`homeostat sim: --seed must be an integer (got ${seed})`);
  const faults = (args.flags.faults as number | undefined) ?? Math.max(1, Math.round(days * 4));
  if (!Number.isInteger(faults) || faults < 0) throw invalid(`homeostat sim: --faults must be a non-negative integer (got ${faults})`);
  mkdirSync(out, { recursive: true });
  const run = createSimulation({ days, seed, faults });
  const telemetry = new LineFile(join(out, 'telemetry.csv'));
  const events = new LineFile(join(out, 'events.csv'));
  const seen: ChangeEvent[] = [];
  await telemetry.write([csvHeader]);
  await events.write([eventsCsvHeader]);
  const bar = new ProgressBar('simulating', run.steps);
  let done = 0;
  for (const tick of run.ticks()) {
    await telemetry.write(csvLines(tick));
    if (tick.events.length > 0) {
      seen.push(...tick.events);
      await events.write(eventCsvLines(tick.events));
    }
    bar.update(++done);
  }
  bar.done();
  await telemetry.close();
  await events.close();
  writeFileSync(join(out, 'ground-truth.json'), `${groundTruthJson(run.sim, seen)}\n`);
  process.stdout.write(`wrote ${out}/telemetry.csv, events.csv and ground-truth.json (${days} days, seed ${seed}, ${faults} faults)\n`);
  return 0;
}

/** A file written line by line, honouring back-pressure. */
class LineFile {
  readonly #stream: WriteStream;
  constructor(path: string) {
    this.#stream = createWriteStream(path);
  }
  write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise((ok) => {
      if (this.#stream.write(`${lines.join('\n')}\n`)) ok();
      else this.#stream.once('drain', ok);
    });
  }
  close(): Promise<void> {
    return new Promise((ok, fail) => this.#stream.end((e?: Error | null) => (e ? fail(e) : ok())));
  }
}
