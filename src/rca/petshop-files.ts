/**
 * @module rca/petshop-files
 * Readers of the PetShop root-cause files (Amazon's pet-adoption app, 5-minute CloudWatch and
 * X-Ray metrics; see `../shared/datasets/README.md`), shared by `homeostat rca --case DIR`
 * (rca/case-dir) and the benchmark (bench/rca/datasets). The files:
 * - `metrics.csv`: 4 header rows whose first cells are `microservice`, `metric`, `statistic` and
 *   `unix_timestamp` (one column per node × metric × statistic, e.g. `PetSite`, `latency`,
 *   `Average`), then one row per 5 minutes with Unix seconds in the first column. A column is the
 *   metric `<node>/<metric>/<statistic>` of candidate `<node>`, of kind `latency`, `availability`
 *   or `load` (PetShop's `requests`). An empty / `nan` / `null` / `na` cell is missing (NaN).
 * - `graph.csv` (per scenario): an adjacency matrix, node names as the header row (after an empty
 *   first cell) and as the first column; a non-zero cell (row a, column b) is the edge a → b.
 * - `target.json` (per issue): `{"target": {"node", "metric", "agg", "timestamp"}, "root_cause":
 *   {"node", "metric"}}`, the timestamp in Unix seconds.
 * The `parse…` functions are pure (text in); the `read…` ones read the file (`node:fs`) first.
 */
import { readFileSync } from 'node:fs';
import { describe, invalid } from '../errors.js';
import { splitRecord, textLines } from '../telemetry/csv-table.js';
import type { RcaCase, RcaEdge, RcaMetric } from './case-types.js';

/** A parsed PetShop `metrics.csv`: row times and one metric per column. */
export interface PetshopTable {
  /** Row times, epoch ms, increasing. */
  readonly t: Float64Array;
  readonly metrics: readonly RcaMetric[];
}

/** What a PetShop `target.json` gives; a field is undefined when the file does not have it. */
export interface PetshopTarget {
  /** `target.timestamp` in epoch ms (the file has Unix seconds). */
  readonly timestampMs: number | undefined;
  /** `root_cause.node`, the true root cause. */
  readonly rootCause: string | undefined;
}

const HEADER_ROWS = ['microservice', 'metric', 'statistic', 'unix_timestamp'] as const;

function fields(line: string, index: number, file: string): string[] {
  return splitRecord(line, index + 1, file);
}

/**
 * A CSV cell as a number: empty / nan / null / na → NaN (missing); anything else not a number throws.
 * @throws HomeostatError invalid_argument naming file, line and column.
 * @example cellValue(' NaN ', 'm.csv', 5, 'PetSite/latency/Average') // NaN
 */
export function cellValue(text: string, file: string, line: number, column: string): number {
  const cell = text.trim();
  if (cell === '' || /^(nan|null|na)$/i.test(cell)) return Number.NaN;
  const v = Number(cell);
  if (!Number.isFinite(v)) throw invalid(`${file}:${line}: column ${describe(column)} must be a number (got ${describe(cell)})`);
  return v;
}

/**
 * A CSV cell of Unix seconds → epoch ms, rejecting what is not a time.
 * @throws HomeostatError invalid_argument naming file and line.
 * @example secondsCell('1681350548', 'm.csv', 5) // 1681350548000
 */
export function secondsCell(text: string, file: string, line: number): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) throw invalid(`${file}:${line}: time must be Unix seconds (got ${describe(text)})`);
  return v * 1000;
}

/**
 * A PetShop issue as a case: candidates = the nodes with metrics (sorted), the graph restricted to
 * them, truth when the root cause is known. Rows before `anomalyStart` are the reference.
 */
export function petshopCase(
  id: string,
  table: PetshopTable,
  anomalyStart: number,
  graph: readonly RcaEdge[] | undefined,
  rootCause: string | undefined,
): RcaCase {
  const candidates = [...new Set(table.metrics.map((m) => m.candidate))].sort();
  const restricted = restrictGraph(graph, candidates);
  return {
    id,
    dataset: 'petshop',
    t: table.t,
    anomalyStart,
    metrics: table.metrics,
    candidates,
    ...(restricted === undefined ? {} : { graph: restricted }),
    ...(rootCause === undefined ? {} : { truth: [rootCause] }),
  };
}

/** PetShop's `metric` header → a kind: `requests` → load, others lower-cased as they are (latency, availability). */
export function petshopKind(metric: string): string {
  const m = metric.trim().toLowerCase();
  return m === 'requests' ? 'load' : m;
}

/**
 * Whether a `metrics.csv` text is in the PetShop layout: its first cell is `microservice`.
 * @example isPetshopMetrics('microservice,PetSite\nmetric,latency\n...') // true
 */
export function isPetshopMetrics(text: string): boolean {
  const first = text.replace(/^\uFEFF/, '');
  const end = first.search(/[,\r\n]/);
  return (end < 0 ? first : first.slice(0, end)).trim() === HEADER_ROWS[0];
}

/**
 * Parses a PetShop `metrics.csv` (see the module comment). Metric names are
 * `<node>/<metric>/<statistic>`, candidates the nodes, kinds from {@link petshopKind}.
 * @param file name used in error messages, e.g. the path.
 * @throws HomeostatError invalid_argument naming file and line on a malformed header, a row with
 *   another field count, a non-numeric value or times that do not increase.
 * @example parsePetshopMetrics(text, 'metrics.csv').metrics[0].name // 'PetSite/latency/Average'
 */
export function parsePetshopMetrics(text: string, file: string): PetshopTable {
  const rows = textLines(text);
  const head = rows.slice(0, 4).map((row, i) => fields(row, i, file));
  if (head.length < 4)
    throw invalid(`${file}: expected 4 header rows (microservice, metric, statistic, unix_timestamp) (got ${head.length})`);
  head.forEach((h, i) => {
    if ((h[0] ?? '').trim() !== HEADER_ROWS[i]) {
      throw invalid(`${file}:${i + 1}: expected the header row "${HEADER_ROWS[i]},…" (got ${describe(rows[i] ?? '')})`);
    }
  });
  const width = (head[0] as string[]).length;
  if (width < 2) throw invalid(`${file}:1: expected at least one metric column (got none)`);
  for (let i = 1; i < 4; i++) {
    if ((head[i] as string[]).length !== width)
      throw invalid(`${file}:${i + 1}: expected ${width} fields as in row 1 (got ${(head[i] as string[]).length})`);
  }
  const n = rows.length - 4;
  if (n < 1) throw invalid(`${file}: no data rows after the 4 header rows`);
  const t = new Float64Array(n);
  const values = Array.from({ length: width - 1 }, () => new Float64Array(n));
  const names = Array.from({ length: width - 1 }, (_, j) => {
    const [node, metric, stat] = [0, 1, 2].map((i) => ((head[i] as string[])[j + 1] ?? '').trim());
    return { node: node as string, metric: metric as string, name: `${node}/${metric}/${stat}` };
  });
  for (let r = 0; r < n; r++) {
    const line = r + 5;
    const f = fields(rows[r + 4] as string, r + 4, file);
    if (f.length !== width) throw invalid(`${file}:${line}: expected ${width} fields as in the header (got ${f.length})`);
    t[r] = secondsCell(f[0] as string, file, line);
    if (r > 0 && (t[r] as number) <= (t[r - 1] as number)) throw invalid(`${file}:${line}: unix_timestamp must increase (got ${f[0]})`);
    for (let j = 1; j < width; j++) (values[j - 1] as Float64Array)[r] = cellValue(f[j] as string, file, line, names[j - 1]?.name ?? '');
  }
  const metrics = names.map((nm, j) => {
    if (nm.node === '') throw invalid(`${file}:1: column ${j + 2} has no microservice name`);
    return { name: nm.name, candidate: nm.node, kind: petshopKind(nm.metric), values: values[j] as Float64Array };
  });
  return { t, metrics };
}

/**
 * Reads a PetShop `metrics.csv` file ({@link parsePetshopMetrics}).
 * @throws HomeostatError invalid_argument as {@link parsePetshopMetrics}; a Node error when the file cannot be read.
 */
export function readPetshopMetrics(file: string): PetshopTable {
  return parsePetshopMetrics(readFileSync(file, 'utf8'), file);
}

/**
 * Parses a PetShop `graph.csv` adjacency matrix: node names as the header row and first column; a
 * non-zero cell (row a, column b) is an edge a → b (a calls b). Edges in row order.
 * @param file name used in error messages, e.g. the path.
 * @throws HomeostatError invalid_argument on a ragged matrix, row names that differ from the
 *   header, or a cell that is not a number.
 * @example parsePetshopGraph(',A,B\nA,0,1\nB,0,0\n', 'graph.csv') // [{ from: 'A', to: 'B' }]
 */
export function parsePetshopGraph(text: string, file: string): RcaEdge[] {
  const rows = textLines(text).map((row, i) => fields(row, i, file));
  const names = (rows[0] ?? []).slice(1).map((s) => s.trim());
  if (names.length === 0) throw invalid(`${file}:1: expected a header row of node names (got none)`);
  const edges: RcaEdge[] = [];
  for (let i = 1; i < rows.length; i++) {
    const row = rows[i] as string[];
    if (row.length !== names.length + 1)
      throw invalid(`${file}:${i + 1}: expected ${names.length + 1} fields as in the header (got ${row.length})`);
    const from = (row[0] as string).trim();
    if (from !== names[i - 1])
      throw invalid(`${file}:${i + 1}: expected row ${i} to be node ${describe(names[i - 1])} as in the header (got ${describe(from)})`);
    for (let j = 1; j < row.length; j++) {
      const v = cellValue(row[j] as string, file, i + 1, names[j - 1] as string);
      if (Number.isFinite(v) && v !== 0) edges.push({ from, to: names[j - 1] as string });
    }
  }
  if (rows.length - 1 !== names.length) throw invalid(`${file}: expected ${names.length} rows, one per node (got ${rows.length - 1})`);
  return edges;
}

/**
 * Reads a PetShop `graph.csv` file ({@link parsePetshopGraph}).
 * @throws HomeostatError invalid_argument as {@link parsePetshopGraph}; a Node error when the file cannot be read.
 */
export function readPetshopGraph(file: string): RcaEdge[] {
  return parsePetshopGraph(readFileSync(file, 'utf8'), file);
}

/**
 * The edges whose both ends are candidates (a scenario's graph holds nodes a case has no metric of);
 * undefined for no graph.
 */
export function restrictGraph(edges: readonly RcaEdge[] | undefined, candidates: readonly string[]): RcaEdge[] | undefined {
  if (!edges) return undefined;
  const known = new Set(candidates);
  return edges.filter((e) => known.has(e.from) && known.has(e.to));
}

/**
 * Parses a PetShop `target.json`. A missing (or null) `target.timestamp` or `root_cause.node` is
 * undefined in the result; callers that need one say so ({@link readPetshopTarget}).
 * @param file name used in error messages, e.g. the path.
 * @throws HomeostatError invalid_argument on text that is not JSON, a timestamp that is not a finite
 *   number of Unix seconds, or a root-cause node that is not a non-empty string.
 * @example parsePetshopTarget('{"target":{"timestamp":1681390208}}', 't.json') // { timestampMs: 1681390208000, rootCause: undefined }
 */
export function parsePetshopTarget(text: string, file: string): PetshopTarget {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw invalid(`${file}: not valid JSON (${(cause as Error).message})`);
  }
  const timestamp = (json as { target?: { timestamp?: unknown } | null } | null)?.target?.timestamp;
  const node = (json as { root_cause?: { node?: unknown } | null } | null)?.root_cause?.node;
  if (timestamp != null && (typeof timestamp !== 'number' || !Number.isFinite(timestamp))) {
    throw invalid(`${file}: expected target.timestamp in Unix seconds (got ${describe(timestamp)})`);
  }
  if (node != null && (typeof node !== 'string' || node === '')) {
    throw invalid(`${file}: expected root_cause.node, a node name (got ${describe(node)})`);
  }
  return {
    timestampMs: typeof timestamp === 'number' ? timestamp * 1000 : undefined,
    rootCause: typeof node === 'string' ? node : undefined,
  };
}

/**
 * Reads a PetShop `target.json` that must give both the target time and the root cause (a
 * labelled issue, as the benchmark needs).
 * @throws HomeostatError invalid_argument as {@link parsePetshopTarget}, or naming the missing field.
 */
export function readPetshopTarget(file: string): { timestampMs: number; rootCause: string } {
  const target = parsePetshopTarget(readFileSync(file, 'utf8'), file);
  if (target.timestampMs === undefined) throw invalid(`${file}: expected target.timestamp in Unix seconds (got none)`);
  if (target.rootCause === undefined) throw invalid(`${file}: expected root_cause.node, a node name (got none)`);
  return { timestampMs: target.timestampMs, rootCause: target.rootCause };
}
