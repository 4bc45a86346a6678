/**
 * @module rca/case-dir
 * Reads one root-cause case from a folder, for `homeostat rca --case DIR`. Three layouts:
 * - like a Sock Shop run: `normal.csv` (the reference) and `anomalous.csv` (the incident), wide
 *   CSVs with the same columns, a `time` (or `timestamp`) column and one column per metric (when
 *   the windows overlap, as in Sock Shop's orders-mem/5, the normal rows' times are moved back to
 *   end one sampling step before the first incident row: they are only a reference);
 * - one `metrics.csv` with a `time`/`timestamp` column, plus the incident's start from
 *   `options.anomalyStart` (the `--anomaly-start` flag) or `anomaly.json` `{ "start": ... }`;
 *   rows at or after the start are the incident;
 * - like a PetShop issue (`<scenario>/<train|test>/issue_N`): a `metrics.csv` whose first cell is
 *   `microservice` (PetShop's 4 header rows, see rca/petshop-files), read exactly as the benchmark
 *   reads it (candidates = the nodes; kinds latency, availability, load). The start is the flag,
 *   else `anomaly.json`, else `target.json`'s `target.timestamp` (Unix seconds); `root_cause.node`
 *   there, when given, is the case's truth. The graph is the folder's `graph.csv`, else, for a
 *   folder `<scenario>/<train|test>/<issue>`, the scenario's `graph.csv`, restricted to the
 *   candidates; the case is named `<scenario>/<train|test>/<issue>`, as in the benchmark.
 * Optional `graph.csv`: a call graph, either header `from,to` and one edge per line (`from` calls
 * `to`), or PetShop's adjacency matrix (an empty first header cell, then the node names).
 * Metric columns are `<candidate>_<kind>` (`carts_cpu`, `carts_lat_90`) or `<candidate>/<kind>/...`
 * (`PetSite/latency/Average`); a name with neither is its own candidate of kind `value`.
 * Timestamps: epoch seconds or milliseconds, or ISO 8601 (see telemetry/csv-table). This module
 * reads files (`node:fs`): it is the rca domain's one edge to the file system, used by the CLI.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, invalid } from '../errors.js';
import { type MetricTable, parseMetricTable, parseTimestamp } from '../telemetry/csv-table.js';
import type { RcaCase, RcaEdge, RcaMetric } from './case-types.js';
import { isPetshopMetrics, parsePetshopGraph, parsePetshopMetrics, parsePetshopTarget, petshopCase } from './petshop-files.js';

/** Options of {@link readCaseDir}. */
export interface CaseDirOptions {
  /** Incident start for a `metrics.csv` folder: ISO 8601 or epoch seconds/ms; overrides `anomaly.json` and `target.json`. */
  readonly anomalyStart?: string;
}

/**
 * Reads a case folder (see the module comment) into an {@link RcaCase} named after the folder
 * (`carts-cpu/1` for a numbered run folder, `<scenario>/<train|test>/<issue>` for a PetShop issue).
 * @throws HomeostatError `invalid_argument` naming the file (and line) for a missing file, a
 *   malformed CSV or JSON (PetShop's header rows included), columns that differ between normal and
 *   anomalous, times that do not increase within a file, a missing start or one that leaves no row
 *   before it or none at or after it, or a graph that is neither `from,to` edges nor an adjacency matrix.
 * @example readCaseDir('cases/carts-cpu-1').candidates // ['carts', 'carts-db', ...]
 */
export function readCaseDir(dir: string, options: CaseDirOptions = {}): RcaCase {
  const full = resolve(dir);
  // A numbered run folder (`carts-cpu/1`) is named with its parent.
  const name = /^\d+$/.test(basename(full)) ? `${basename(dirname(full))}/${basename(full)}` : basename(full);
  const text = (file: string): string | undefined => {
    try {
      return readFileSync(join(dir, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw invalid(`rca case ${dir}: cannot read ${file} (${code ?? String(error)})`);
    }
  };
  const normalText = text('normal.csv');
  const anomalousText = text('anomalous.csv');
  const metricsText = text('metrics.csv');
  let table: MetricTable;
  let anomalyStart: number;
  if (normalText !== undefined || anomalousText !== undefined) {
    if (normalText === undefined || anomalousText === undefined) {
      throw invalid(
        `rca case ${dir}: expected both normal.csv and anomalous.csv (got only ${normalText === undefined ? 'anomalous.csv' : 'normal.csv'})`,
      );
    }
    const normal = parseTable(normalText, join(dir, 'normal.csv'));
    const anomalous = parseTable(anomalousText, join(dir, 'anomalous.csv'));
    table = concat(normal, anomalous, dir);
    anomalyStart = normal.timestamps.length;
  } else if (metricsText !== undefined && isPetshopMetrics(metricsText)) {
    return readPetshopIssue(dir, full, metricsText, options, text);
  } else if (metricsText !== undefined) {
    table = parseTable(metricsText, join(dir, 'metrics.csv'));
    const start = startOf(dir, options.anomalyStart, text('anomaly.json'));
    anomalyStart = startIndex(table.timestamps, start, dir);
  } else {
    throw invalid(`rca case ${dir}: expected normal.csv + anomalous.csv, or metrics.csv (found neither)`);
  }
  checkIncreasing(table, dir);

  const metrics: RcaMetric[] = table.metrics.map((column, j) => ({
    name: column,
    ...ownerOf(column),
    values: table.columns[j] as Float64Array,
  }));
  const candidates = [...new Set(metrics.map((m) => m.candidate))].sort();
  const graphText = text('graph.csv');
  const graph = graphText === undefined ? undefined : parseGraph(graphText, join(dir, 'graph.csv'));
  return {
    id: name,
    dataset: name,
    t: table.timestamps,
    anomalyStart,
    metrics,
    candidates,
    ...(graph === undefined ? {} : { graph }),
  };
}

/**
 * A PetShop issue folder (see the module comment), read as bench/rca/datasets' readPetshop reads
 * it: same metrics, candidates, rows, start, restricted graph and truth.
 */
function readPetshopIssue(
  dir: string,
  full: string,
  metricsText: string,
  options: CaseDirOptions,
  text: (file: string) => string | undefined,
): RcaCase {
  const table = parsePetshopMetrics(metricsText, join(dir, 'metrics.csv'));
  const targetText = text('target.json');
  const target = targetText === undefined ? undefined : parsePetshopTarget(targetText, join(dir, 'target.json'));
  const anomalyJson = text('anomaly.json');
  const start =
    options.anomalyStart === undefined && anomalyJson === undefined && target?.timestampMs !== undefined
      ? { ms: target.timestampMs, from: 'target.json target.timestamp' }
      : startOf(dir, options.anomalyStart, anomalyJson, targetText === undefined ? 'none of them' : 'target.json without target.timestamp');
  const anomalyStart = startIndex(table.t, start, dir);
  // An issue of the datasets' tree, `<scenario>/<train|test>/<issue>`, shares its scenario's graph.
  const split = basename(dirname(full));
  const inScenario = split === 'train' || split === 'test';
  const localGraph = text('graph.csv');
  let graph: RcaEdge[] | undefined;
  if (localGraph !== undefined) graph = parseGraph(localGraph, join(dir, 'graph.csv'));
  else if (inScenario) {
    const scenarioGraph = join('..', '..', 'graph.csv');
    const scenarioText = text(scenarioGraph);
    if (scenarioText !== undefined) graph = parseGraph(scenarioText, join(dir, scenarioGraph));
  }
  const id = inScenario ? `${basename(dirname(dirname(full)))}/${split}/${basename(full)}` : basename(full);
  return petshopCase(id, table, anomalyStart, graph, target?.rootCause);
}

/**
 * Candidate and kind of a metric column: `carts_lat_90` → carts / latency, `PetSite/latency/Average`
 * → PetSite / latency, `cpu` → cpu / value. Kinds are lower-case; `lat…` reads as `latency`, `lod`
 * as `load`, `memory` as `mem`.
 */
export function ownerOf(column: string): { candidate: string; kind: string } {
  const slash = column.indexOf('/');
  const cut = slash > 0 ? slash : column.indexOf('_');
  if (cut <= 0 || cut === column.length - 1) return { candidate: column, kind: 'value' };
  const candidate = column.slice(0, cut);
  const rest = column.slice(cut + 1).toLowerCase();
  const raw = slash > 0 ? (rest.split('/')[0] as string) : rest;
  const kind = raw.startsWith('lat') ? 'latency' : raw === 'lod' ? 'load' : raw === 'memory' ? 'mem' : raw;
  return { candidate, kind };
}

/** Parses a wide CSV whose time column is `time` or `timestamp`. */
function parseTable(text: string, source: string): MetricTable {
  const body = text.replace(/^\uFEFF/, '');
  const nl = body.indexOf('\n');
  const header = (nl < 0 ? body : body.slice(0, nl)).replace(/\r$/, '');
  const cells = header.split(',');
  const lower = cells.map((c) => c.trim().toLowerCase());
  if (!lower.includes('timestamp')) {
    const at = lower.indexOf('time');
    if (at < 0) {
      throw invalid(`${source} line 1: expected a time or timestamp column in the header (got ${describe(header)})`);
    }
    cells[at] = 'timestamp';
  }
  return parseMetricTable(cells.join(',') + (nl < 0 ? '' : body.slice(nl).replace(/^\r?\n/, '\n')), source);
}

function concat(normal: MetricTable, anomalous: MetricTable, dir: string): MetricTable {
  const at = new Map(anomalous.metrics.map((m, j) => [m, j]));
  const missing = normal.metrics.filter((m) => !at.has(m));
  const extra = anomalous.metrics.filter((m) => !normal.metrics.includes(m));
  if (missing.length > 0 || extra.length > 0) {
    throw invalid(
      `rca case ${dir}: normal.csv and anomalous.csv must have the same columns (missing from anomalous.csv: ${missing.join(', ') || 'none'}; only in anomalous.csv: ${extra.join(', ') || 'none'})`,
    );
  }
  const timestamps = new Float64Array(normal.timestamps.length + anomalous.timestamps.length);
  timestamps.set(normal.timestamps);
  const lastNormal = normal.timestamps[normal.timestamps.length - 1] as number;
  const firstAnomalous = anomalous.timestamps[0] as number;
  if (!(firstAnomalous > lastNormal)) {
    // The normal rows are only a reference (their times are never compared with the incident's),
    // so when the two windows overlap they are moved back to end one step before the incident.
    const step = normal.timestamps.length > 1 ? lastNormal - (normal.timestamps[normal.timestamps.length - 2] as number) : 1000;
    const shift = firstAnomalous - (step > 0 ? step : 1000) - lastNormal;
    for (let i = 0; i < normal.timestamps.length; i++) timestamps[i] = (normal.timestamps[i] as number) + shift;
  }
  timestamps.set(anomalous.timestamps, normal.timestamps.length);
  const columns = normal.metrics.map((m, j) => {
    const out = new Float64Array(timestamps.length);
    out.set(normal.columns[j] as Float64Array);
    out.set(anomalous.columns[at.get(m) as number] as Float64Array, normal.timestamps.length);
    return out;
  });
  return { metrics: normal.metrics, timestamps, columns };
}

function checkIncreasing(table: MetricTable, dir: string): void {
  for (let i = 1; i < table.timestamps.length; i++) {
    const prev = table.timestamps[i - 1] as number;
    const t = table.timestamps[i] as number;
    if (!(t > prev)) {
      throw invalid(
        `rca case ${dir}: row times must increase (row ${i + 1} is at ${new Date(t).toISOString()}, after ${new Date(prev).toISOString()})`,
      );
    }
  }
}

/** An incident start (epoch ms) and where it came from, for errors. */
interface Start {
  readonly ms: number;
  readonly from: string;
}

/**
 * The start from the flag, else from `anomaly.json`. `petshop` (what a PetShop folder holds instead)
 * adds target.json to the sources the error names.
 */
function startOf(dir: string, flag: string | undefined, json: string | undefined, petshop?: string): Start {
  if (flag !== undefined) {
    const ms = parseTimestamp(flag);
    if (ms === undefined) throw invalid(`rca case ${dir}: --anomaly-start must be ISO 8601 or epoch seconds/ms (got ${describe(flag)})`);
    return { ms, from: '--anomaly-start' };
  }
  if (json === undefined) {
    throw invalid(
      petshop === undefined
        ? `rca case ${dir}: metrics.csv needs the anomaly start (expected --anomaly-start TIME or anomaly.json {"start": ...}; found neither)`
        : `rca case ${dir}: metrics.csv needs the anomaly start (expected --anomaly-start TIME, anomaly.json {"start": ...} or target.json {"target": {"timestamp": UNIX_SECONDS}}; found ${petshop})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw invalid(`${join(dir, 'anomaly.json')}: expected JSON {"start": TIME} (${(error as Error).message})`);
  }
  const start = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).start : undefined;
  const ms = typeof start === 'number' || typeof start === 'string' ? parseTimestamp(String(start)) : undefined;
  if (ms === undefined) {
    throw invalid(`${join(dir, 'anomaly.json')}: start must be ISO 8601 or epoch seconds/ms (got ${describe(start)})`);
  }
  return { ms, from: 'anomaly.json' };
}

/** Index of the first row at or after the start; it must leave at least one row on each side. */
function startIndex(t: Float64Array, start: Start, dir: string): number {
  const at = t.findIndex((x) => x >= start.ms);
  if (at < 1) {
    // A start far outside the Date range (a mistyped target.timestamp) is shown as a number.
    const iso = (ms: number): string => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);
    const first = iso(t[0] as number);
    const last = iso(t[t.length - 1] as number);
    throw invalid(
      `rca case ${dir}: the anomaly start ${iso(start.ms)} (${start.from}) leaves no row ${at === 0 ? 'before it' : 'at or after it'}: it must leave normal rows before it and incident rows from it (metrics.csv runs ${first} .. ${last})`,
    );
  }
  return at;
}

/** A `from,to` edge list, or an adjacency matrix (PetShop's) when the header's first cell is empty. */
function parseGraph(text: string, source: string): RcaEdge[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  if (header.length > 1 && header[0] === '') return parsePetshopGraph(text, source);
  if (header.length !== 2 || header[0] !== 'from' || header[1] !== 'to') {
    throw invalid(
      `${source} line 1: expected the header from,to (an edge list) or ,<node>,<node>,... (an adjacency matrix) (got ${describe(lines[0] ?? '')})`,
    );
  }
  const edges: RcaEdge[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 2 || cells[0] === '' || cells[1] === '') {
      throw invalid(`${source} line ${i + 1}: expected from,to with two names (got ${describe(line)})`);
    }
    edges.push({ from: cells[0] as string, to: cells[1] as string });
  }
  return edges;
}
