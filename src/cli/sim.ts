/**
 * @module cli/sim
 * `homeostat sim --days D --seed S --out DIR`: writes simulated telemetry as CSV and its exact
 * ground truth (faults and topology) as JSON.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid } from '../errors.js';
import { csvHeader, csvLines, FleetSimulator, groundTruthJson } from '../sim/index.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';
import { ProgressBar } from './progress.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'days', type: 'number', description: 'simulated days to write', defaultText: '1' },
  { name: 'seed', type: 'number', description: 'simulator seed', defaultText: '1' },
  { name: 'faults', type: 'number', description: 'faults to inject, spread over the period (every kind in turn)', defaultText: '4 per day' },
  { name: 'out', type: 'string', description: 'output folder (telemetry.csv, ground-truth.json)', defaultText: 'sim-out' },
];

/** Help of `sim`. */
export const SIM_HELP = helpText(
  'homeostat sim --days D --seed S --out DIR [--faults K]',
  'Writes simulated fleet telemetry (long CSV: timestamp,entity,metric,value at 1-minute steps)\nand its ground truth (faults with root cause, kind, onset, failure time; the topology) as JSON.',
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
  const sim = new FleetSimulator({ seed });
  const start = sim.now();
  const steps = Math.round((days * 86_400_000) / 60_000);
  if (faults > 0) sim.scheduleFaults(faults, start + 60 * 60_000, start + days * 86_400_000 - 60 * 60_000);
  const file = join(out, 'telemetry.csv');
  const stream = createWriteStream(file);
  const write = (text: string): Promise<void> =>
    new Promise((ok) => {
      if (stream.write(text)) ok();
      else stream.once('drain', ok);
    });
  await write(`${csvHeader()}\n`);
  const bar = new ProgressBar('simulating', steps);
  for (let i = 0; i < steps; i++) {
    const lines = csvLines(sim.step());
    if (lines.length > 0) await write(`${lines.join('\n')}\n`);
    bar.update(i + 1);
  }
  bar.done();
  await new Promise<void>((ok, fail) => stream.end((e?: Error | null) => (e ? fail(e) : ok())));
  writeFileSync(join(out, 'ground-truth.json'), `${JSON.stringify(groundTruthJson(sim), null, 2)}\n`);
  process.stdout.write(`wrote ${file} and ${join(out, 'ground-truth.json')} (${days} days, seed ${seed}, ${faults} faults)\n`);
  return 0;
}
