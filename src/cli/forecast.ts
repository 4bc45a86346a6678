/**
 * @module cli/forecast
 * `homeostat forecast --input HISTORY.csv --horizon 24h --out FORECAST.csv`: learns every metric
 * column of a wide CSV (`timestamp,<metric>,...`) with the default forecaster and writes
 * `timestamp,metric,mean,lower,upper` for each step of the horizon after the last row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { invalid } from '../errors.js';
import { forecastCsv, forecastTable } from '../forecast/index.js';
import { DEFAULT_FORECASTER_KIND } from '../models/index.js';
import { parseMetricTable } from '../telemetry/csv-table.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'input', type: 'string', description: 'history CSV (required): header timestamp,<metric>,... (a label column is ignored)' },
  { name: 'horizon', type: 'duration', description: 'how far ahead to forecast, e.g. 6h, 24h, 2d', defaultText: '24h' },
  { name: 'out', type: 'string', description: 'output CSV; "-" writes to stdout', defaultText: '-' },
  {
    name: 'forecaster',
    type: 'string',
    description: 'forecaster kind of the catalog, one per metric',
    defaultText: DEFAULT_FORECASTER_KIND,
  },
  {
    name: 'step',
    type: 'duration',
    description: 'step between rows, e.g. 5m',
    defaultText: 'the median difference between consecutive timestamps',
  },
  { name: 'config', type: 'string', description: 'forecaster config keys as JSON, merged over the step-mapped config' },
];

/** Help of `forecast`. */
export const FORECAST_HELP = helpText(
  'homeostat forecast --input HISTORY.csv [--horizon 24h] [--out FORECAST.csv] [--forecaster KIND] [--step 5m]',
  "Learns each metric column of the history with its own streaming forecaster (the default one\nunless --forecaster says otherwise; its daily season set for the table's step) and forecasts\nthe horizon after the last row. Timestamps: ISO 8601 or epoch seconds/milliseconds. Output rows:\ntimestamp,metric,mean,lower,upper (the interval at the forecaster's level, 90 % by default).",
  FLAGS,
);

/** Runs `homeostat forecast`. */
export async function forecastCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'homeostat forecast');
  if (args.help) {
    process.stdout.write(FORECAST_HELP);
    return 0;
  }
  if (args.positional.length > 0)
    throw invalid(`homeostat forecast: unexpected argument ${args.positional[0]} (see homeostat forecast --help)`);
  const inputPath = args.flags.input as string | undefined;
  if (inputPath === undefined) throw invalid('homeostat forecast: --input is required (a CSV with header timestamp,<metric>,...)');
  let config: Record<string, unknown> | undefined;
  if (args.flags.config !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args.flags.config as string);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalid(`homeostat forecast: --config must be a JSON object (got ${args.flags.config as string})`);
    }
    config = parsed as Record<string, unknown>;
  }
  let text: string;
  try {
    text = readFileSync(inputPath, 'utf8');
  } catch (error) {
    throw invalid(`homeostat forecast: cannot read --input ${inputPath} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const table = parseMetricTable(text, inputPath);
  const result = forecastTable(table, {
    horizonMs: (args.flags.horizon as number | undefined) ?? 86_400_000,
    ...(args.flags.step !== undefined ? { stepMs: args.flags.step as number } : {}),
    ...(args.flags.forecaster !== undefined ? { forecaster: args.flags.forecaster as string } : {}),
    ...(config !== undefined ? { config } : {}),
  });
  const csv = forecastCsv(result.rows);
  const out = (args.flags.out as string | undefined) ?? '-';
  if (out === '-') process.stdout.write(csv);
  else writeFileSync(out, csv);
  for (const w of result.warnings) process.stderr.write(`homeostat forecast: warning: ${w}\n`);
  process.stderr.write(
    `homeostat forecast: ${table.metrics.length} metric(s) × ${result.horizonSteps} steps of ${result.stepMs / 1000} s${result.stepInferred ? ' (inferred)' : ''} with ${result.forecaster}, ${Math.round(result.level * 100)} % intervals${out === '-' ? '' : `; wrote ${out}`}\n`,
  );
  return 0;
}
