/**
 * @module bench/rca/datasets
 * Readers of the root-cause datasets laid out as in `../shared/datasets/README.md` that return
 * {@link RcaCase}s: Sock Shop (`rca/sock-shop`), PetShop (`rca/petshop`, with no-issue windows for
 * the specificity check) and the SMD per-metric attribution labels (`anomaly/smd`). Bench code:
 * reads files synchronously (node:fs). Values are kept raw: preprocessing belongs to the methods.
 *
 * Every reader returns `{ data: undefined, reason }` when its folder does not exist, so the
 * benchmark can print `skipping sock-shop: <reason>` and go on; a malformed file throws a
 * HomeostatError (`invalid_argument`) naming the file and the 1-based line.
 */
import { csvFields, isDir, textLines } from '../text-files.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe as describeValue, invalid } from '../../errors.js';
import type { RcaCase, RcaEdge, RcaMetric } from '../../rca/case-types.js';
import {
  cellValue,
  type PetshopTable,
  petshopCase,
  readPetshopGraph,
  readPetshopMetrics,
  readPetshopTarget,
  restrictGraph,
  secondsCell,
} from '../../rca/petshop-files.js';
import { type Loaded, readSmd, type Skipped, type SmdMachine } from '../anomaly/datasets.js';

export type { Loaded, Skipped } from '../anomaly/datasets.js';
/** The PetShop file readers live in rca/petshop-files (shared with `homeostat rca --case`). */
export { readPetshopGraph, readPetshopMetrics } from '../../rca/petshop-files.js';

/** Rows of a PetShop no-issue window: as many as an issue file holds (5 rows of 5 minutes). */
export const PETSHOP_WINDOW_ROWS = 5;
/** Reference rows at the start of a PetShop no-issue window: as many as an issue file holds before its target time. */
export const PETSHOP_WINDOW_NORMAL_ROWS = 2;
/** Train rows (the last ones) that form the normal reference of an SMD attribution case: one day of minutes. */
export const SMD_REFERENCE_ROWS = 1440;

function missing<T>(path: string): Loaded<T> {
  return { data: undefined, path, reason: `${path} not found` };
}

function subdirs(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => isDir(join(dir, n)))
    .sort();
}

/** A Sock Shop column `<container>_<metric>` → candidate and kind; `_lat_50/90/99` → latency, `_lod` → load. */
export function sockShopColumn(name: string): { candidate: string; kind: string } | undefined {
  const at = name.indexOf('_');
  if (at <= 0 || at === name.length - 1) return undefined;
  const candidate = name.slice(0, at);
  const suffix = name.slice(at + 1).toLowerCase();
  const kind = suffix.startsWith('lat') ? 'latency' : suffix === 'lod' ? 'load' : suffix;
  return { candidate, kind };
}

interface TimeTable {
  readonly header: readonly string[];
  readonly t: Float64Array;
  /** One column per header entry except `time`. */
  readonly columns: readonly Float64Array[];
  readonly names: readonly string[];
}

function readTimeTable(file: string): TimeTable {
  const rows = textLines(readFileSync(file, 'utf8'));
  const header = csvFields(rows[0] ?? '').map((h) => h.trim());
  const timeCol = header.indexOf('time');
  if (timeCol < 0) throw invalid(`${file}:1: expected a header with a "time" column (got ${describeValue(rows[0] ?? '')})`);
  const cols = header.map((_, j) => j).filter((j) => j !== timeCol);
  const n = rows.length - 1;
  if (n < 1) throw invalid(`${file}: no data rows after the header`);
  const t = new Float64Array(n);
  const columns = cols.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    const line = r + 2;
    const f = csvFields(rows[r + 1] as string);
    if (f.length !== header.length) throw invalid(`${file}:${line}: expected ${header.length} fields as in the header (got ${f.length})`);
    t[r] = secondsCell(f[timeCol] as string, file, line);
    if (r > 0 && (t[r] as number) <= (t[r - 1] as number)) {
      throw invalid(`${file}:${line}: time must increase (got ${f[timeCol]} after ${(t[r - 1] as number) / 1000})`);
    }
    cols.forEach((j, k) => {
      (columns[k] as Float64Array)[r] = cellValue(f[j] as string, file, line, header[j] as string);
    });
  }
  return { header, t, columns, names: cols.map((j) => header[j] as string) };
}

/** Candidates (sorted) of a metric list. */
function candidatesOf(metrics: readonly RcaMetric[]): string[] {
  return [...new Set(metrics.map((m) => m.candidate))].sort();
}

/**
 * Reads one Sock Shop run folder (`normal.csv`, `anomalous.csv`, same header with `time` in Unix
 * seconds) as a case: rows = normal then anomalous, `anomalyStart` = the normal row count. When
 * the normal window was recorded after the fault window (orders-mem/5 in the shared copy), its
 * times are shifted to end one sampling step before the fault window so that `t` increases;
 * values are untouched.
 * @throws HomeostatError invalid_argument on a missing file, different headers, a column not named
 *   `<container>_<metric>`, a non-numeric value or times that do not increase within a file.
 */
export function readSockShopRun(dir: string, id: string, truth: string, split: 'dev' | 'report'): RcaCase {
  const normalFile = join(dir, 'normal.csv');
  const anomalousFile = join(dir, 'anomalous.csv');
  for (const f of [normalFile, anomalousFile])
    if (!existsSync(f)) throw invalid(`${dir}: expected normal.csv and anomalous.csv (${f} not found)`);
  const normal = readTimeTable(normalFile);
  const anomalous = readTimeTable(anomalousFile);
  if (normal.header.join(',') !== anomalous.header.join(',')) {
    throw invalid(`${anomalousFile}:1: expected the same header as ${normalFile} (got ${describeValue(anomalous.header.join(','))})`);
  }
  const n0 = normal.t.length;
  const n = n0 + anomalous.t.length;
  const t = new Float64Array(n);
  t.set(normal.t);
  t.set(anomalous.t, n0);
  const firstFault = anomalous.t[0] as number;
  const lastNormal = normal.t[n0 - 1] as number;
  if (lastNormal >= firstFault) {
    const step = n0 > 1 ? (lastNormal - (normal.t[0] as number)) / (n0 - 1) : 1000;
    const shift = firstFault - step - lastNormal;
    for (let i = 0; i < n0; i++) t[i] = (normal.t[i] as number) + shift;
  }
  const metrics: RcaMetric[] = normal.names.map((name, k) => {
    const who = sockShopColumn(name);
    if (!who) throw invalid(`${normalFile}:1: column ${describeValue(name)} must be named <container>_<metric>, e.g. carts_cpu`);
    const values = new Float64Array(n);
    values.set(normal.columns[k] as Float64Array);
    values.set(anomalous.columns[k] as Float64Array, n0);
    return { name, candidate: who.candidate, kind: who.kind, values };
  });
  const candidates = candidatesOf(metrics);
  return { id, dataset: 'sock-shop', t, anomalyStart: n0, metrics, candidates, truth: [truth], split };
}

/**
 * Reads Sock Shop from `<root>/rca/sock-shop/<service>-<fault>/<n>/{normal,anomalous}.csv`: one
 * case per run (id `<service>-<fault>/<n>`), truth = [service] (the folder name up to its last
 * `-`), split runs 1–2 `dev`, other runs `report`. Folders not shaped `<service>-<fault>` are
 * reported in `skipped`.
 * @param root the datasets root (the folder holding `rca/`).
 * @throws HomeostatError invalid_argument on a malformed file (see {@link readSockShopRun}).
 */
export function readSockShop(root: string): Loaded<RcaCase> {
  const path = join(root, 'rca', 'sock-shop');
  if (!isDir(path)) return missing(path);
  const data: RcaCase[] = [];
  const skipped: Skipped[] = [];
  for (const fault of subdirs(path)) {
    const at = fault.lastIndexOf('-');
    if (at <= 0) {
      skipped.push({ name: fault, reason: 'folder name is not <service>-<fault>' });
      continue;
    }
    const service = fault.slice(0, at);
    for (const run of subdirs(join(path, fault))) {
      const runNo = Number(run);
      const split = runNo === 1 || runNo === 2 ? 'dev' : 'report';
      data.push(readSockShopRun(join(path, fault, run), `${fault}/${run}`, service, split));
    }
  }
  return { data, path, skipped };
}

function sliceRows(metrics: readonly RcaMetric[], from: number, to: number): RcaMetric[] {
  return metrics.map((m) => ({ ...m, values: m.values.slice(from, to) }));
}

/**
 * Reads PetShop from `<root>/rca/petshop/<scenario>/`:
 * - issue cases `{train,test}/issue_*\/{metrics.csv,target.json}`: id `<scenario>/<folder>/issue_k`,
 *   rows = the issue file's rows, `anomalyStart` = the rows before `target.timestamp` (the normal
 *   reference is the issue file's own rows before the target time: 2 of 5 rows here; the
 *   scenario's `noissue` file was recorded months apart and holds other columns, so it is not
 *   used as a reference), truth = [root_cause.node], split `train` → `dev`, `test` → `report`;
 * - no-issue cases from `noissue/metrics.csv`: consecutive non-overlapping windows of
 *   {@link PETSHOP_WINDOW_ROWS} rows shaped like an issue file ({@link PETSHOP_WINDOW_NORMAL_ROWS}
 *   reference rows, then the "incident" rows), id `<scenario>/noissue/<first row>`, truth = [],
 *   windows in the first half of the file `dev`, the rest `report`.
 * Candidates are the microservices; metric kinds `latency`, `availability`, `load` (requests);
 * the graph is `graph.csv` restricted to the case's candidates. An issue whose target time leaves
 * no row before or after it is reported in `skipped`.
 * @param root the datasets root (the folder holding `rca/`).
 * @throws HomeostatError invalid_argument on a malformed metrics, graph or target file.
 */
export function readPetshop(root: string): Loaded<RcaCase> {
  const path = join(root, 'rca', 'petshop');
  if (!isDir(path)) return missing(path);
  const data: RcaCase[] = [];
  const skipped: Skipped[] = [];
  for (const scenario of subdirs(path)) {
    const dir = join(path, scenario);
    const graphFile = join(dir, 'graph.csv');
    const graph = existsSync(graphFile) ? readPetshopGraph(graphFile) : undefined;
    for (const folder of ['train', 'test'] as const) {
      if (!isDir(join(dir, folder))) continue;
      for (const issue of subdirs(join(dir, folder))) {
        const id = `${scenario}/${folder}/${issue}`;
        const metricsFile = join(dir, folder, issue, 'metrics.csv');
        const targetFile = join(dir, folder, issue, 'target.json');
        if (!existsSync(metricsFile) || !existsSync(targetFile)) {
          skipped.push({ name: id, reason: 'expected metrics.csv and target.json' });
          continue;
        }
        const target = readPetshopTarget(targetFile);
        const table = readPetshopMetrics(metricsFile);
        const anomalyStart = table.t.findIndex((x) => x >= target.timestampMs);
        if (anomalyStart <= 0) {
          skipped.push({ name: id, reason: `target.timestamp leaves no row ${anomalyStart === 0 ? 'before' : 'at or after'} it` });
          continue;
        }
        data.push({ ...petshopCase(id, table, anomalyStart, graph, target.rootCause), split: folder === 'train' ? 'dev' : 'report' });
      }
    }
    const noissueFile = join(dir, 'noissue', 'metrics.csv');
    if (existsSync(noissueFile)) data.push(...noIssueWindows(readPetshopMetrics(noissueFile), scenario, graph));
  }
  return { data, path, skipped };
}

function noIssueWindows(table: PetshopTable, scenario: string, graph: readonly RcaEdge[] | undefined): RcaCase[] {
  const windows = Math.floor(table.t.length / PETSHOP_WINDOW_ROWS);
  const candidates = candidatesOf(table.metrics);
  const g = restrictGraph(graph, candidates);
  const out: RcaCase[] = [];
  for (let w = 0; w < windows; w++) {
    const from = w * PETSHOP_WINDOW_ROWS;
    out.push({
      id: `${scenario}/noissue/${from}`,
      dataset: 'petshop',
      t: table.t.slice(from, from + PETSHOP_WINDOW_ROWS),
      anomalyStart: PETSHOP_WINDOW_NORMAL_ROWS,
      metrics: sliceRows(table.metrics, from, from + PETSHOP_WINDOW_ROWS),
      candidates,
      ...(g ? { graph: g } : {}),
      truth: [],
      split: w < windows / 2 ? 'dev' : 'report',
    });
  }
  return out;
}

/** SMD metric column (1-based) → candidate name `m01` … `m38` (sorts as the columns do). */
export function smdCandidate(dim: number): string {
  return `m${String(dim).padStart(2, '0')}`;
}

const MINUTE_MS = 60_000;
/** SMD's values are min-max scaled by the dataset's authors (README): every metric's full scale is 0–1. */
const SMD_SCALE = { min: 0, max: 1 } as const;

/**
 * SMD attribution cases of one machine: one per interpretation line. Rows = the last
 * {@link SMD_REFERENCE_ROWS} train rows (the normal reference), then the labelled test segment that
 * starts at the line's `start` (its extent from the test labels; `[start, end)` when the row is not
 * labelled). Row i of a half is minute i; test rows follow the train rows. Candidates = the metric
 * columns `m01`…, each with its known full scale 0–1 (the values are min-max scaled); truth = the
 * line's columns.
 */
export function smdAttributionCases(m: SmdMachine, split: 'dev' | 'report', referenceRows = SMD_REFERENCE_ROWS): RcaCase[] {
  const trainRows = m.train[0]?.length ?? 0;
  const testRows = m.test[0]?.length ?? 0;
  const ref = Math.min(referenceRows, trainRows);
  const out: RcaCase[] = [];
  for (const seg of m.interpretation) {
    let end = seg.start;
    if (m.labels[seg.start] === 1) while (end < testRows && m.labels[end] === 1) end++;
    else end = Math.min(testRows, Math.max(seg.end, seg.start + 1));
    const len = end - seg.start;
    if (ref < 1 || len < 1) continue;
    const t = new Float64Array(ref + len);
    for (let i = 0; i < ref; i++) t[i] = (trainRows - ref + i) * MINUTE_MS;
    for (let i = 0; i < len; i++) t[ref + i] = (trainRows + seg.start + i) * MINUTE_MS;
    const metrics: RcaMetric[] = m.train.map((col, c) => {
      const values = new Float64Array(ref + len);
      values.set(col.subarray(trainRows - ref));
      values.set((m.test[c] as Float64Array).subarray(seg.start, end), ref);
      const candidate = smdCandidate(c + 1);
      return { name: candidate, candidate, kind: 'metric', values, range: SMD_SCALE };
    });
    out.push({
      id: `${m.name}/${seg.start}`,
      dataset: 'smd-attribution',
      t,
      anomalyStart: ref,
      metrics,
      candidates: candidatesOf(metrics),
      truth: [...new Set(seg.dims)].sort((a, b) => a - b).map(smdCandidate),
      split,
    });
  }
  return out;
}

/**
 * Reads the SMD attribution cases from `<root>/anomaly/smd` (through the anomaly bench's
 * `readSmd`): every interpretation line of every machine with values is a case (see
 * {@link smdAttributionCases}); machine-1-* `dev`, the others `report` (as the anomaly bench).
 * Machines with labels only, or without interpretation lines, are reported in `skipped`.
 * @param root the datasets root (the folder holding `anomaly/`).
 * @throws HomeostatError invalid_argument on a malformed SMD file (see readSmd).
 */
export function readSmdAttribution(root: string): Loaded<RcaCase> {
  const smd = readSmd(root);
  if (smd.data === undefined) return smd;
  const data: RcaCase[] = [];
  const skipped: Skipped[] = [...smd.skipped];
  for (const m of smd.data) {
    if (m.interpretation.length === 0) {
      skipped.push({ name: m.name, reason: 'no interpretation_label lines' });
      continue;
    }
    data.push(...smdAttributionCases(m, m.name.startsWith('machine-1-') ? 'dev' : 'report'));
  }
  return { data, path: smd.path, skipped };
}
