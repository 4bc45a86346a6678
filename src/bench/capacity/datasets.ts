/**
 * @module bench/capacity/datasets
 * Readers of the capacity datasets laid out as in `../shared/datasets/README.md`: every
 * `<root>/capacity/<name>_5min.csv` (dataset `<name>`; every column except `timestamp` is a
 * series; without a `timestamp` column row i is at i · 300 s; a `timestamp` holds seconds from the
 * trace start) and the per-instance series `<root>/anomaly/nab/data/realAWSCloudwatch/*.csv`
 * (`timestamp,value`, dataset `aws_instances`, one series per file). Bench code: reads files
 * synchronously (node:fs).
 *
 * Every series is put on a regular 5-minute grid starting at its first timestamp: a row goes to
 * slot round((t − t0) / step); a later row in the same slot replaces an earlier one (NAB repeats
 * a few timestamps); skipped slots hold NaN. A missing folder gives `{ data: undefined, reason }`;
 * a malformed file throws a HomeostatError (`invalid_argument`) naming the file and the 1-based line.
 */
import { isDir, textLines } from '../text-files.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe as describeValue, invalid } from '../../errors.js';
import { parseTimestamp } from '../../telemetry/csv-table.js';
import type { Loaded, Skipped } from '../anomaly/datasets.js';

export type { Loaded, Skipped } from '../anomaly/datasets.js';

/** Step of every capacity series (ms): 5 minutes. */
export const CAPACITY_STEP_MS = 300_000;

/** One series on a regular grid. */
export interface CapacitySeries {
  /** Column name (capacity files) or file stem (AWS). */
  readonly name: string;
  /** Epoch ms of slot 0. */
  readonly t0: number;
  /** Step between slots (ms). */
  readonly stepMs: number;
  /** Value per slot; NaN where nothing was observed. */
  readonly values: Float64Array;
}

/** One dataset: a capacity file, or the AWS per-instance folder. */
export interface CapacityDataset {
  /** `google2019`, `azure_v2`, `aws_instances` … */
  readonly name: string;
  /** The file or folder read. */
  readonly path: string;
  readonly series: readonly CapacitySeries[];
}

/**
 * Places rows (times in ms, non-decreasing) on a grid of `stepMs` from the first time: slot
 * round((t − t0) / stepMs), the last row of a slot wins, empty slots are NaN.
 * @example toGrid([0, 300_000, 900_000], [1, 2, 4], 300_000).values // [1, 2, NaN, 4]
 */
export function toGrid(times: ArrayLike<number>, values: ArrayLike<number>, stepMs: number): { t0: number; values: Float64Array } {
  const n = times.length;
  if (n === 0) return { t0: 0, values: new Float64Array(0) };
  const t0 = times[0] as number;
  const slots = Math.round(((times[n - 1] as number) - t0) / stepMs) + 1;
  const out = new Float64Array(slots).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out[Math.round(((times[i] as number) - t0) / stepMs)] = v;
  }
  return { t0, values: out };
}

/**
 * Reads one wide CSV: a header of column names; `timestamp` (if present) in seconds from the
 * trace start (epoch seconds below 1e11, else ms) or ISO 8601, as {@link parseTimestamp} reads them; every other column a numeric series.
 * @throws HomeostatError invalid_argument naming file and line on a wrong field count, a value
 *   that is not a number, a bad or decreasing timestamp, or a file without series or rows.
 */
export function readWideCsv(file: string, stepMs = CAPACITY_STEP_MS): CapacitySeries[] {
  const rows = textLines(readFileSync(file, 'utf8'));
  const header = (rows[0] ?? '').split(',').map((h) => h.trim());
  const tsCol = header.indexOf('timestamp');
  const cols = header.map((_, j) => j).filter((j) => j !== tsCol);
  if (cols.length === 0 || header.some((h) => h === '')) {
    throw invalid(`${file}:1: expected a header of column names with at least one series (got ${describeValue(rows[0] ?? '')})`);
  }
  const n = rows.length - 1;
  if (n < 1) throw invalid(`${file}: no data rows after the header`);
  const times = new Float64Array(n);
  const columns = cols.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const line = r + 2;
    const fields = (rows[r + 1] as string).split(',');
    if (fields.length !== header.length)
      throw invalid(`${file}:${line}: expected ${header.length} fields as in the header (got ${fields.length})`);
    if (tsCol < 0) times[r] = r * stepMs;
    else {
      const cell = (fields[tsCol] as string).trim();
      const t = parseTimestamp(cell);
      if (t === undefined) throw invalid(`${file}:${line}: timestamp must be seconds or an ISO date (got ${describeValue(cell)})`);
      if (r > 0 && t < (times[r - 1] as number)) throw invalid(`${file}:${line}: timestamps must not decrease (got ${cell})`);
      times[r] = t;
    }
    cols.forEach((j, k) => {
      const cell = (fields[j] as string).trim();
      const missing = cell === '' || /^(nan|null|na)$/i.test(cell);
      const v = missing ? Number.NaN : Number(cell);
      if (Number.isNaN(v) && !missing) {
        throw invalid(`${file}:${line}: column ${describeValue(header[j])} must be a number (got ${describeValue(cell)})`);
      }
      (columns[k] as Float64Array)[r] = v;
    });
  }
  return cols.map((j, k) => ({ name: header[j] as string, stepMs, ...toGrid(times, columns[k] as Float64Array, stepMs) }));
}

/**
 * Reads every `<root>/capacity/*_5min.csv` as one dataset each (name = file name without
 * `_5min.csv`), in file-name order.
 * @throws HomeostatError invalid_argument on a malformed file (see {@link readWideCsv}).
 */
export function readCapacityFiles(root: string): Loaded<CapacityDataset> {
  const path = join(root, 'capacity');
  if (!isDir(path)) return { data: undefined, path, reason: `${path} not found` };
  const data: CapacityDataset[] = [];
  for (const fileName of readdirSync(path).sort()) {
    if (!fileName.endsWith('_5min.csv')) continue;
    const file = join(path, fileName);
    data.push({ name: fileName.slice(0, -'_5min.csv'.length), path: file, series: readWideCsv(file) });
  }
  return { data, path, skipped: [] };
}

/** The AWS folder under the datasets root. */
export const AWS_DIR = join('anomaly', 'nab', 'data', 'realAWSCloudwatch');

/**
 * Reads the per-instance AWS series `<root>/anomaly/nab/data/realAWSCloudwatch/*.csv`
 * (`timestamp,value`) as the dataset `aws_instances`, one series per file (name = file stem).
 * Files with fewer than two rows are reported in `skipped`.
 * @throws HomeostatError invalid_argument on a malformed file (see {@link readWideCsv}).
 */
export function readAwsInstances(root: string): Loaded<CapacityDataset> {
  const path = join(root, AWS_DIR);
  if (!isDir(path)) return { data: undefined, path, reason: `${path} not found` };
  const series: CapacitySeries[] = [];
  const skipped: Skipped[] = [];
  for (const fileName of readdirSync(path).sort()) {
    if (!fileName.endsWith('.csv')) continue;
    const name = fileName.slice(0, -'.csv'.length);
    const file = join(path, fileName);
    const [column] = readWideCsv(file);
    if (column === undefined || column.values.length < 2) {
      skipped.push({ name, reason: 'fewer than two rows' });
      continue;
    }
    series.push({ ...column, name });
  }
  return { data: series.length > 0 ? [{ name: 'aws_instances', path, series }] : [], path, skipped };
}
