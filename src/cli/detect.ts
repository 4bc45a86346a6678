/**
 * @module cli/detect
 * `homeostat detect --train TRAIN.csv --input TEST.csv --out SCORES.csv`: scores any wide metrics
 * CSV (`timestamp,<metric>,...`) with the default detector and writes
 * `timestamp,score,confidence,anomaly,contributors` per input row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { detectCsv, detectTable } from '../detect/index.js';
import { invalid } from '../errors.js';
import { DEFAULT_DETECTOR_KIND } from '../models/index.js';
import { type MetricTable, parseMetricTable } from '../telemetry/csv-table.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'train', type: 'string', description: 'training CSV (mostly normal history), learned first; sets the confidence scale' },
  { name: 'input', type: 'string', description: 'CSV to score (required): header timestamp,<metric>,... (a label column is ignored)' },
  { name: 'out', type: 'string', description: 'output CSV; "-" writes to stdout', defaultText: '-' },
  {
    name: 'detector',
    type: 'string',
    description: 'detector kind of the catalog, one per metric; multi/pca = one model over all metrics, fitted on --train',
    defaultText: DEFAULT_DETECTOR_KIND,
  },
  { name: 'config', type: 'string', description: 'detector config as JSON, e.g. \'{"alpha":0.02}\'' },
  {
    name: 'tail-quantile',
    type: 'number',
    description: 'quantile of the training scores that maps to confidence 0.5',
    defaultText: '0.999',
  },
  { name: 'threshold', type: 'number', description: 'confidence at or above which a row is an anomaly', defaultText: '0.5' },
];

/** Help of `detect`. */
export const DETECT_HELP = helpText(
  'homeostat detect [--train TRAIN.csv] --input TEST.csv [--out SCORES.csv]',
  'Learns the training table, then scores each input row score-then-learn (no look-ahead) with one\ndetector per metric. Timestamps: ISO 8601 or epoch seconds/milliseconds. Output rows:\ntimestamp,score,confidence,anomaly,contributors (the metrics ranked by score, with expected and\nactual values). The confidence is a logistic prior centred on the training tail, not fitted on labels.',
  FLAGS,
);

function readTable(path: string, flag: string): MetricTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(`homeostat detect: cannot read --${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseMetricTable(text, path);
}

/** Runs `homeostat detect`. */
export async function detectCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'homeostat detect');
  if (args.help) {
    process.stdout.write(DETECT_HELP);
    return 0;
  }
  if (args.positional.length > 0)
    throw invalid(`homeostat detect: unexpected argument ${args.positional[0]} (see homeostat detect --help)`);
  const inputPath = args.flags.input as string | undefined;
  if (inputPath === undefined) throw invalid('homeostat detect: --input is required (a CSV with header timestamp,<metric>,...)');
  const trainPath = args.flags.train as string | undefined;
  let config: unknown;
  if (args.flags.config !== undefined) {
    try {
      config = JSON.parse(args.flags.config as string);
    } catch {
      throw invalid(`homeostat detect: --config must be a JSON object (got ${args.flags.config as string})`);
    }
  }
  const train = trainPath === undefined ? undefined : readTable(trainPath, 'train');
  const input = readTable(inputPath, 'input');
  const result = detectTable(train, input, {
    detector: (args.flags.detector as string | undefined) ?? DEFAULT_DETECTOR_KIND,
    config,
    ...(args.flags['tail-quantile'] !== undefined ? { tailQuantile: args.flags['tail-quantile'] as number } : {}),
    ...(args.flags.threshold !== undefined ? { threshold: args.flags.threshold as number } : {}),
  });
  const csv = detectCsv(result.rows);
  const out = (args.flags.out as string | undefined) ?? '-';
  if (out === '-') process.stdout.write(csv);
  else writeFileSync(out, csv);
  const flagged = result.rows.filter((r) => r.anomaly).length;
  process.stderr.write(
    `homeostat detect: ${result.rows.length} rows scored with ${result.detector} (${result.trainScored} training scores; confidence 0.5 at score ${Number(result.center.toPrecision(4))}), ${flagged} flagged${out === '-' ? '' : `; wrote ${out}`}\n`,
  );
  return 0;
}
