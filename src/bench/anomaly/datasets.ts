/**
 * @module bench/anomaly/datasets
 * Readers of the labelled anomaly datasets laid out as in `../shared/datasets/README.md`
 * (`<root>/anomaly/{nab,smd,kpi}`): NAB v1.1, the Server Machine Dataset (OmniAnomaly) and the
 * AIOps Challenge 2018 KPIs. Bench code: reads files synchronously (node:fs, node:zlib).
 *
 * Every reader returns `{ data: undefined, reason }` when its folder does not exist, so the
 * benchmark can print `skipping nab: <reason>` and go on; a malformed file throws a
 * HomeostatError (`invalid_argument`) naming the file and the 1-based line.
 */
import { isDir, readText, textLines } from '../text-files.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe as describeValue, invalid } from '../../errors.js';

/** Something a reader found but could not use, and why. */
export interface Skipped {
  readonly name: string;
  readonly reason: string;
}

/**
 * What a reader returns: the items found under `path`, with the ones it skipped, or `data:
 * undefined` with the reason (the folder does not exist).
 */
export type Loaded<T> =
  | { readonly data: readonly T[]; readonly path: string; readonly skipped: readonly Skipped[] }
  | { readonly data: undefined; readonly path: string; readonly reason: string };

/** One NAB series with its labelled anomaly windows. */
export interface NabSeries {
  /** `<category>/<file>.csv`, the key of `labels/combined_windows.json`. */
  readonly name: string;
  /** Epoch ms (the file's `YYYY-MM-DD HH:MM:SS` read as UTC), non-decreasing (NAB repeats some). */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** Anomaly windows [startMs, endMs], inclusive, in file order. */
  readonly windows: ReadonlyArray<readonly [number, number]>;
}

/** One SMD anomaly segment with the metric columns that explain it. */
export interface SmdInterpretation {
  /** First test row of the segment (0-based, as in the file). */
  readonly start: number;
  /**
   * End of the segment as written in the file. In the shared copy it is one past the last
   * labelled row for 197 of 199 lines (an exclusive end), so match a line to a labelled segment
   * by `start`, not by `end`.
   */
  readonly end: number;
  /** Explaining metric columns, 1-based as in the file. */
  readonly dims: readonly number[];
}

/** One SMD machine: train and test values per metric, test labels and interpretation labels. */
export interface SmdMachine {
  /** File stem, e.g. `machine-1-1`. */
  readonly name: string;
  /** One array per metric column (38 in SMD), each of the train rows. */
  readonly train: readonly Float64Array[];
  /** One array per metric column, each of the test rows. */
  readonly test: readonly Float64Array[];
  /** 0/1 per test row. */
  readonly labels: Uint8Array;
  /** From `interpretation_label/<machine>.txt`; empty when that file is missing. */
  readonly interpretation: readonly SmdInterpretation[];
}

/** One KPI series of the AIOps Challenge 2018. */
export interface KpiSeries {
  /** The KPI id (file name without `.csv.gz`). */
  readonly name: string;
  /** Epoch ms (the file holds Unix seconds), non-decreasing. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** 0/1 per point. */
  readonly labels: Uint8Array;
}

function missing<T>(path: string): Loaded<T> {
  return { data: undefined, path, reason: `${path} not found` };
}

function bad(file: string, line: number, message: string): Error {
  return invalid(`${file}:${line}: ${message}`);
}

function number(text: string, file: string, line: number, what: string): number {
  const v = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(v)) throw bad(file, line, `${what} must be a finite number (got ${describeValue(text)})`);
  return v;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` read as UTC → epoch ms, or NaN when malformed. */
function utcMs(text: string): number {
  const m = DATE_TIME.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return Number.NaN;
  return ms;
}

function sortedEntries(dir: string): string[] {
  return readdirSync(dir).sort();
}

/**
 * Reads NAB from `<root>/anomaly/nab`: every `data/<category>/<file>.csv` (`timestamp,value`)
 * with its windows from `labels/combined_windows.json`. A data file without a labels entry is
 * skipped (reported in `skipped`); label entries without a data file are ignored.
 * @param root the datasets root (the folder holding `anomaly/`).
 * @throws HomeostatError invalid_argument naming file and line on a malformed row, a wrong
 *   header, decreasing timestamps or a malformed labels file.
 */
export function readNab(root: string): Loaded<NabSeries> {
  const path = join(root, 'anomaly', 'nab');
  if (!isDir(path)) return missing(path);
  const dataDir = join(path, 'data');
  const labelsFile = join(path, 'labels', 'combined_windows.json');
  if (!isDir(dataDir)) return missing(dataDir);
  if (!existsSync(labelsFile)) return missing(labelsFile);
  const windows = readNabWindows(labelsFile);
  const data: NabSeries[] = [];
  const skipped: Skipped[] = [];
  for (const category of sortedEntries(dataDir)) {
    const dir = join(dataDir, category);
    if (!isDir(dir)) continue;
    for (const fileName of sortedEntries(dir)) {
      if (!fileName.endsWith('.csv')) continue;
      const name = `${category}/${fileName}`;
      const limits = windows.get(name);
      if (!limits) {
        skipped.push({ name, reason: `no entry in ${labelsFile}` });
        continue;
      }
      data.push({ name, ...readNabCsv(join(dir, fileName)), windows: limits });
    }
  }
  return { data, path, skipped };
}

function readNabWindows(file: string): Map<string, Array<readonly [number, number]>> {
  let json: unknown;
  try {
    json = JSON.parse(readText(file));
  } catch (cause) {
    throw invalid(`${file}: not valid JSON (${(cause as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid(`${file}: expected an object {"<category>/<file>.csv": [[start, end], ...]} (got ${describeValue(json)})`);
  }
  const out = new Map<string, Array<readonly [number, number]>>();
  for (const [name, list] of Object.entries(json)) {
    if (!Array.isArray(list)) throw invalid(`${file}: "${name}" must be a list of [start, end] pairs (got ${describeValue(list)})`);
    const windows: Array<readonly [number, number]> = [];
    for (const pair of list) {
      const start = Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' ? utcMs(pair[0]) : Number.NaN;
      const end = Array.isArray(pair) && pair.length === 2 && typeof pair[1] === 'string' ? utcMs(pair[1]) : Number.NaN;
      if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
        throw invalid(
          `${file}: "${name}": a window must be ["YYYY-MM-DD HH:MM:SS", "YYYY-MM-DD HH:MM:SS"] with start ≤ end (got ${describeValue(pair)})`,
        );
      }
      windows.push([start, end]);
    }
    windows.sort((a, b) => a[0] - b[0]);
    out.set(name, windows);
  }
  return out;
}

function readNabCsv(file: string): { timestamps: Float64Array; values: Float64Array } {
  const rows = textLines(readText(file));
  if (rows[0]?.trim() !== 'timestamp,value') {
    throw bad(file, 1, `expected the header "timestamp,value" (got ${describeValue(rows[0] ?? '')})`);
  }
  const n = rows.length - 1;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row = rows[r + 1] as string;
    const line = r + 2;
    const comma = row.indexOf(',');
    if (comma < 0 || row.indexOf(',', comma + 1) >= 0) {
      throw bad(file, line, `expected two fields "timestamp,value" (got ${describeValue(row)})`);
    }
    const ts = utcMs(row.slice(0, comma));
    if (Number.isNaN(ts)) throw bad(file, line, `timestamp must be "YYYY-MM-DD HH:MM:SS" (got ${describeValue(row.slice(0, comma))})`);
    // Repeated timestamps occur in NAB itself (e.g. the 2014-03-09 DST change); only going back is an error.
    if (r > 0 && ts < (timestamps[r - 1] as number)) {
      throw bad(file, line, `timestamps must not decrease (got ${row.slice(0, comma)} after ${rows[r]?.split(',')[0]})`);
    }
    timestamps[r] = ts;
    values[r] = number(row.slice(comma + 1), file, line, 'value');
  }
  return { timestamps, values };
}

/**
 * Reads SMD from `<root>/anomaly/smd`: one machine per `test_label/<machine>.txt`, with
 * `train/<machine>.txt.gz` and `test/<machine>.txt.gz` (comma-separated rows, one column per
 * metric, no header) turned column-major, and `interpretation_label/<machine>.txt`
 * (`start-end:d1,d2,...`). Machines whose train or test file is missing (1-1, 2-6, 2-9 in the
 * shared copy) are reported in `skipped`.
 * @param root the datasets root (the folder holding `anomaly/`).
 * @throws HomeostatError invalid_argument naming file and line on a non-numeric value, a row with
 *   another column count, a label count different from the test rows, a label other than 0/1 or a
 *   malformed or out-of-range interpretation line.
 */
export function readSmd(root: string): Loaded<SmdMachine> {
  const path = join(root, 'anomaly', 'smd');
  if (!isDir(path)) return missing(path);
  const labelDir = join(path, 'test_label');
  if (!isDir(labelDir)) return missing(labelDir);
  const data: SmdMachine[] = [];
  const skipped: Skipped[] = [];
  for (const fileName of sortedEntries(labelDir)) {
    if (!fileName.endsWith('.txt')) continue;
    const name = fileName.slice(0, -'.txt'.length);
    const trainFile = join(path, 'train', `${name}.txt.gz`);
    const testFile = join(path, 'test', `${name}.txt.gz`);
    const absent = [trainFile, testFile].filter((f) => !existsSync(f));
    if (absent.length > 0) {
      skipped.push({ name, reason: `labels only: ${absent.join(' and ')} not found` });
      continue;
    }
    const train = readMatrix(trainFile);
    const test = readMatrix(testFile, train.length);
    const rows = test[0]?.length ?? 0;
    const labels = readLabels(join(labelDir, fileName), rows);
    const interpretationFile = join(path, 'interpretation_label', `${name}.txt`);
    const interpretation = existsSync(interpretationFile) ? readInterpretation(interpretationFile, rows, test.length) : [];
    data.push({ name, train, test, labels, interpretation });
  }
  return { data, path, skipped };
}

function readMatrix(file: string, expectedColumns?: number): Float64Array[] {
  const rows = textLines(readText(file));
  const columns = expectedColumns ?? (rows[0] === undefined ? 0 : rows[0].split(',').length);
  const out = Array.from({ length: columns }, () => new Float64Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const fields = (rows[r] as string).split(',');
    if (fields.length !== columns) {
      throw bad(file, r + 1, `expected ${columns} comma-separated values (got ${fields.length})`);
    }
    for (let c = 0; c < columns; c++) {
      (out[c] as Float64Array)[r] = number(fields[c] as string, file, r + 1, `column ${c + 1}`);
    }
  }
  return out;
}

function readLabels(file: string, rows: number): Uint8Array {
  const text = textLines(readText(file));
  if (text.length !== rows) {
    throw invalid(`${file}: expected one label per test row, ${rows} lines (got ${text.length})`);
  }
  const out = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const l = (text[r] as string).trim();
    if (l !== '0' && l !== '1') throw bad(file, r + 1, `label must be 0 or 1 (got ${describeValue(l)})`);
    out[r] = l === '1' ? 1 : 0;
  }
  return out;
}

const INTERPRETATION = /^(\d+)-(\d+):(\d+(?:,\d+)*)$/;

function readInterpretation(file: string, rows: number, columns: number): SmdInterpretation[] {
  const out: SmdInterpretation[] = [];
  const text = textLines(readText(file));
  for (let r = 0; r < text.length; r++) {
    const l = (text[r] as string).trim();
    if (l === '') continue;
    const m = INTERPRETATION.exec(l);
    if (!m) throw bad(file, r + 1, `expected "start-end:d1,d2,..." (got ${describeValue(l)})`);
    const start = Number(m[1]);
    const end = Number(m[2]);
    const dims = (m[3] as string).split(',').map(Number);
    if (start > end || end > rows) {
      throw bad(file, r + 1, `segment ${start}-${end} must satisfy start ≤ end ≤ ${rows} (the test row count)`);
    }
    const wrong = dims.find((d) => d < 1 || d > columns);
    if (wrong !== undefined) throw bad(file, r + 1, `metric ${wrong} must be a 1-based column in 1..${columns}`);
    out.push({ start, end, dims });
  }
  return out;
}

/**
 * Reads the KPIs from `<root>/anomaly/kpi/*.csv.gz` (no header; `unix_timestamp,value,label`).
 * @param root the datasets root (the folder holding `anomaly/`).
 * @throws HomeostatError invalid_argument naming file and line on a row without three fields, a
 *   non-numeric timestamp or value, a label other than 0/1 or decreasing timestamps.
 */
export function readKpi(root: string): Loaded<KpiSeries> {
  const path = join(root, 'anomaly', 'kpi');
  if (!isDir(path)) return missing(path);
  const data: KpiSeries[] = [];
  for (const fileName of sortedEntries(path)) {
    if (!fileName.endsWith('.csv.gz')) continue;
    data.push({ name: fileName.slice(0, -'.csv.gz'.length), ...readKpiCsv(join(path, fileName)) });
  }
  return { data, path, skipped: [] };
}

function readKpiCsv(file: string): Omit<KpiSeries, 'name'> {
  const rows = textLines(readText(file));
  const n = rows.length;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const fields = (rows[r] as string).split(',');
    const line = r + 1;
    if (fields.length !== 3) {
      throw bad(file, line, `expected three fields "unix_timestamp,value,label" (got ${describeValue(rows[r])})`);
    }
    const ts = number(fields[0] as string, file, line, 'unix_timestamp') * 1000;
    if (r > 0 && ts < (timestamps[r - 1] as number)) {
      throw bad(file, line, `timestamps must not decrease (got ${fields[0]} after ${(timestamps[r - 1] as number) / 1000})`);
    }
    timestamps[r] = ts;
    values[r] = number(fields[1] as string, file, line, 'value');
    const label = (fields[2] as string).trim();
    if (label !== '0' && label !== '1') throw bad(file, line, `label must be 0 or 1 (got ${describeValue(label)})`);
    labels[r] = label === '1' ? 1 : 0;
  }
  return { timestamps, values, labels };
}
