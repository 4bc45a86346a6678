/**
 * @module bench/failure/datasets
 * Readers of the failure traces laid out as in `../shared/datasets/README.md` (`<root>/failure/`):
 * the Grid'5000 availability trace of the Failure Trace Archive
 * (`grid5000/event_trace.tab.gz`) and the LANL HPC failure records
 * (`lanl/lanl_failures_1996_2005.csv`). Bench code: reads files synchronously (node:fs, node:zlib).
 *
 * Both become a {@link FailureTrace}: entities with an observed window, their failure onsets and
 * their down intervals, grouped by topology levels (Grid'5000: cluster and site; LANL: system).
 * A missing folder or file gives `{ data: undefined, reason }`; a malformed file throws a
 * HomeostatError (`invalid_argument`) naming the file, the 1-based line, the column, what was
 * expected and what was found.
 */
import { csvFields, readText } from '../text-files.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe as describeValue, invalid } from '../../errors.js';
import type { Loaded, Skipped } from '../anomaly/datasets.js';

export type { Loaded, Skipped } from '../anomaly/datasets.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** One monitored entity (a node, or a whole system) of a failure trace. */
export interface FailureEntity {
  /** `site1/c1/node1` (Grid'5000), `<system>/<nodenum>` (LANL), `<system>` (LANL system level). */
  readonly name: string;
  /** Its group at each level of {@link FailureTrace.levels}, e.g. `['site1/c1', 'site1']`. */
  readonly groups: readonly string[];
  /** Identical entities this one stands for (LANL: the nodes of a system that never fail). Default 1. */
  readonly weight: number;
  /** Epoch ms from which the entity is observed. */
  readonly start: number;
  /** Epoch ms until which it is observed (exclusive). */
  readonly end: number;
  /** Epoch ms of each observed failure onset, ascending. */
  readonly onsets: Float64Array;
  /** Down (unavailable) intervals: epoch ms start and end, same length, by start (may overlap on LANL). */
  readonly downStart: Float64Array;
  readonly downEnd: Float64Array;
}

/** A failure trace: entities, their grouping, and the end of the observation. */
export interface FailureTrace {
  /** Dataset name: `grid5000`, `lanl`, `lanl_system`. */
  readonly name: string;
  /** The file read. */
  readonly path: string;
  /** Names of the grouping levels, e.g. `['cluster', 'site']`; empty when entities are not grouped. */
  readonly levels: readonly string[];
  readonly entities: readonly FailureEntity[];
  /** Epoch ms of the first onset or interval start in the trace. */
  readonly first: number;
  /** Epoch ms where observation ends: the last onset (or interval start) rounded up to a whole UTC day. */
  readonly end: number;
}

/** The Grid'5000 trace under the datasets root. */
export const GRID5000_FILE = join('failure', 'grid5000', 'event_trace.tab.gz');
/** The LANL records under the datasets root. */
export const LANL_FILE = join('failure', 'lanl', 'lanl_failures_1996_2005.csv');

function bad(file: string, line: number, message: string): Error {
  return invalid(`${file}:${line}: ${message}`);
}

/** Epoch ms rounded up to the next UTC midnight (unchanged when already at one). */
export function ceilDay(ms: number): number {
  return Math.ceil(ms / DAY_MS) * DAY_MS;
}

const FTA_COLUMNS = [
  'event_id',
  'component_id',
  'node_id',
  'platform_id',
  'node_name',
  'event_type',
  'event_start_time',
  'event_stop_time',
  'event_end_reason',
] as const;

const NODE_NAME = /^G1\/([^/]+)\/([^/]+)\/([^/]+)$/;

interface Interval {
  readonly type: number;
  readonly start: number;
  readonly stop: number;
}

function entityOf(name: string, groups: string[], intervals: readonly Interval[]): FailureEntity {
  const onsets: number[] = [];
  const downStart: number[] = [];
  const downEnd: number[] = [];
  intervals.forEach((iv, k) => {
    if (iv.type !== 0) return;
    downStart.push(iv.start);
    downEnd.push(iv.stop);
    if (k > 0) onsets.push(iv.start); // a trace that begins unavailable did not observe that onset
  });
  return {
    name,
    groups,
    weight: 1,
    start: (intervals[0] as Interval).start,
    end: (intervals[intervals.length - 1] as Interval).stop,
    onsets: Float64Array.from(onsets),
    downStart: Float64Array.from(downStart),
    downEnd: Float64Array.from(downEnd),
  };
}

/**
 * Parses a Failure Trace Archive `event_trace.tab` text (tab-separated, `#` header line, columns
 * event_id … event_end_reason; times in Unix seconds) of the Grid'5000 platform. Per node the
 * intervals must be consecutive in the file with non-decreasing starts; `event_type` 0 =
 * unavailable, 1 = available. Onsets are the starts of unavailable intervals except a node's first
 * interval (its onset is before the trace). Groups: cluster `<site>/<cluster>`, site `<site>`.
 * @throws HomeostatError invalid_argument naming file, line and column on a wrong field count, a
 *   node name not like `G1/<site>/<cluster>/<node>`, a non-integer time, an event_type other than 0
 *   or 1, a stop before its start, a node whose starts decrease or that appears in two runs of lines,
 *   or a file without events.
 */
export function parseFtaEventTrace(text: string, file: string): FailureTrace {
  const lines = text.split('\n');
  const entities: FailureEntity[] = [];
  const seen = new Set<string>();
  let current: string | undefined;
  let groups: string[] = [];
  let intervals: Interval[] = [];
  let first = Number.POSITIVE_INFINITY;
  let lastStart = Number.NEGATIVE_INFINITY;
  const flush = (): void => {
    if (current !== undefined && intervals.length > 0) entities.push(entityOf(current, groups, intervals));
    intervals = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = line.split('\t');
    if (fields.length !== FTA_COLUMNS.length) {
      throw bad(file, i + 1, `expected ${FTA_COLUMNS.length} tab-separated fields (${FTA_COLUMNS.join(', ')}), got ${fields.length}`);
    }
    const nodeName = (fields[4] as string).trim();
    const m = NODE_NAME.exec(nodeName);
    if (!m) throw bad(file, i + 1, `column node_name: expected G1/<site>/<cluster>/<node>, got ${describeValue(nodeName)}`);
    const int = (col: number): number => {
      const cell = (fields[col] as string).trim();
      if (!/^-?\d+$/.test(cell)) throw bad(file, i + 1, `column ${FTA_COLUMNS[col]}: expected an integer, got ${describeValue(cell)}`);
      return Number(cell);
    };
    const type = int(5);
    if (type !== 0 && type !== 1) throw bad(file, i + 1, `column event_type: expected 0 (unavailable) or 1 (available), got ${type}`);
    const start = int(6) * 1000;
    const stop = int(7) * 1000;
    if (stop < start) throw bad(file, i + 1, `column event_stop_time: expected ≥ event_start_time ${start / 1000}, got ${stop / 1000}`);
    const name = `${m[1]}/${m[2]}/${m[3]}`;
    if (name !== current) {
      flush();
      if (seen.has(name))
        throw bad(file, i + 1, `column node_name: expected the events of ${nodeName} in one run of lines, got a second run`);
      seen.add(name);
      current = name;
      groups = [`${m[1]}/${m[2]}`, m[1] as string];
    } else {
      const prev = intervals[intervals.length - 1] as Interval;
      if (start < prev.start) {
        throw bad(
          file,
          i + 1,
          `column event_start_time: expected ≥ ${prev.start / 1000} (the previous start of ${nodeName}), got ${start / 1000}`,
        );
      }
    }
    intervals.push({ type, start, stop });
    first = Math.min(first, start);
    lastStart = Math.max(lastStart, start);
  }
  flush();
  if (entities.length === 0) throw invalid(`${file}: expected tab-separated events after the # header, got none`);
  return { name: 'grid5000', path: file, levels: ['cluster', 'site'], entities, first, end: ceilDay(lastStart) };
}

/**
 * Reads `<root>/failure/grid5000/event_trace.tab.gz` as the dataset `grid5000`.
 * @throws HomeostatError invalid_argument on a malformed file (see {@link parseFtaEventTrace}).
 */
export function readGrid5000(root: string): Loaded<FailureTrace> {
  const path = join(root, GRID5000_FILE);
  if (!existsSync(path)) return { data: undefined, path, reason: `${path} not found` };
  return { data: [parseFtaEventTrace(readText(path), path)], path, skipped: [] };
}

const LANL_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/;

/** `M/D/YYYY H:MM` read as UTC → epoch ms, or NaN when malformed. */
export function lanlTime(text: string): number {
  const m = LANL_DATE.exec(text.trim());
  if (!m) return Number.NaN;
  const [mo, d, y, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59) return Number.NaN;
  return ms;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A LANL month cell (`3-Sep` = September 2003, `Nov-96` = November 1996) → epoch ms of the first
 * day of that month (UTC), or undefined for anything else (`current`, `before tracking`, empty).
 */
export function lanlMonth(text: string): number | undefined {
  const t = text.trim();
  let m = /^(\d{1,2})-([A-Z][a-z]{2})$/.exec(t);
  if (m) {
    const month = MONTHS.indexOf(m[2] as string);
    return month < 0 ? undefined : Date.UTC(2000 + Number(m[1]), month, 1);
  }
  m = /^([A-Z][a-z]{2})-(\d{2})$/.exec(t);
  if (m) {
    const month = MONTHS.indexOf(m[1] as string);
    const yy = Number(m[2]);
    return month < 0 ? undefined : Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, month, 1);
  }
  return undefined;
}

interface LanlRecord {
  readonly system: string;
  readonly node: string | undefined;
  readonly start: number;
  readonly fixed: number;
}

interface LanlSystem {
  nodes: number;
  prod: number;
  decom: number;
  current: boolean;
  first: number;
  records: LanlRecord[];
}

const LANL_COLUMNS = ['System', 'nodes', 'nodenum', 'node prod', 'node decom', 'Prob Started', 'Prob Fixed'] as const;

function downOf(records: readonly LanlRecord[]): { downStart: Float64Array; downEnd: Float64Array; onsets: Float64Array } {
  const sorted = [...records].sort((a, b) => a.start - b.start);
  return {
    onsets: Float64Array.from(sorted, (r) => r.start),
    downStart: Float64Array.from(sorted, (r) => r.start),
    downEnd: Float64Array.from(sorted, (r) => r.fixed),
  };
}

/**
 * Parses the LANL failure records (CSV with a header holding at least `System`, `nodes`, `nodenum`,
 * `node prod`, `node decom`, `Prob Started`, `Prob Fixed`; times `M/D/YYYY H:MM`, read as UTC) into
 * two traces: `lanl` (entity = node `<system>/<nodenum>`, level `system`) and `lanl_system`
 * (entity = system, no levels). Each record is an onset at `Prob Started`, down until `Prob Fixed`.
 *
 * A system is observed from its earliest `node prod` month (or its first record, if earlier or
 * no month is given) until the end of its latest `node decom` month, or the trace end when any of
 * its rows says `current` (or gives no decommission month). Its nodes that never fail (`nodes`
 * minus the distinct node numbers seen) become one entity `<system>/others` whose weight is their
 * number: their feature rows are identical. Records without a node number count at system level
 * only and are reported in `skipped`.
 * @throws HomeostatError invalid_argument naming file, line and column on a missing header column,
 *   a wrong field count, a bad time, a fix before the start, a non-integer node count or number,
 *   or a file without records.
 */
export function parseLanlCsv(text: string, file: string): { traces: FailureTrace[]; skipped: Skipped[] } {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const header = csvFields((lines[0] ?? '').replace(/\r$/, '')).map((h) => h.trim());
  const col = Object.fromEntries(LANL_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof LANL_COLUMNS)[number], number>;
  const absent = LANL_COLUMNS.filter((c) => col[c] < 0);
  if (absent.length > 0) {
    throw bad(file, 1, `expected header columns ${LANL_COLUMNS.join(', ')}; missing ${absent.map((a) => describeValue(a)).join(', ')}`);
  }
  const systems = new Map<string, LanlSystem>();
  let noNode = 0;
  let lastStart = Number.NEGATIVE_INFINITY;
  let first = Number.POSITIVE_INFINITY;
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fields = csvFields(line);
    if (fields.length !== header.length) throw bad(file, i + 1, `expected ${header.length} fields as in the header, got ${fields.length}`);
    const cell = (c: (typeof LANL_COLUMNS)[number]): string => (fields[col[c]] as string).trim();
    const system = cell('System');
    if (system === '') throw bad(file, i + 1, 'column System: expected a system number, got ""');
    const time = (c: 'Prob Started' | 'Prob Fixed'): number => {
      const v = lanlTime(cell(c));
      if (Number.isNaN(v)) throw bad(file, i + 1, `column ${c}: expected M/D/YYYY H:MM, got ${describeValue(cell(c))}`);
      return v;
    };
    const start = time('Prob Started');
    const fixed = time('Prob Fixed');
    if (fixed < start)
      throw bad(file, i + 1, `column Prob Fixed: expected a time ≥ Prob Started ${cell('Prob Started')}, got ${cell('Prob Fixed')}`);
    const int = (c: 'nodes' | 'nodenum'): number | undefined => {
      const v = cell(c);
      if (v === '') return undefined;
      if (!/^\d+$/.test(v)) throw bad(file, i + 1, `column ${c}: expected a non-negative integer or nothing, got ${describeValue(v)}`);
      return Number(v);
    };
    const nodes = int('nodes') ?? 0;
    const nodenum = int('nodenum');
    let s = systems.get(system);
    if (!s) {
      s = { nodes, prod: Number.POSITIVE_INFINITY, decom: Number.NEGATIVE_INFINITY, current: false, first: start, records: [] };
      systems.set(system, s);
    }
    s.nodes = Math.max(s.nodes, nodes);
    const prod = lanlMonth(cell('node prod'));
    if (prod !== undefined) s.prod = Math.min(s.prod, prod);
    const decom = lanlMonth(cell('node decom'));
    if (decom === undefined) s.current = true;
    else {
      const d = new Date(decom);
      s.decom = Math.max(s.decom, Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
    }
    s.first = Math.min(s.first, start);
    s.records.push({ system, node: nodenum === undefined ? undefined : String(nodenum), start, fixed });
    if (nodenum === undefined) noNode++;
    lastStart = Math.max(lastStart, start);
    first = Math.min(first, start);
  }
  if (systems.size === 0) throw invalid(`${file}: expected failure records after the header, got none`);
  const end = ceilDay(lastStart);
  const nodeEntities: FailureEntity[] = [];
  const systemEntities: FailureEntity[] = [];
  const order = [...systems.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  for (const name of order) {
    const s = systems.get(name) as LanlSystem;
    const start = Math.min(s.prod, s.first);
    const stop = s.current || s.decom === Number.NEGATIVE_INFINITY ? end : Math.min(end, Math.max(s.decom, s.first + 1));
    systemEntities.push({ name, groups: [], weight: 1, start, end: stop, ...downOf(s.records) });
    const byNode = new Map<string, LanlRecord[]>();
    for (const r of s.records) {
      if (r.node === undefined) continue;
      const list = byNode.get(r.node);
      if (list) list.push(r);
      else byNode.set(r.node, [r]);
    }
    const nodeNames = [...byNode.keys()].sort((a, b) => Number(a) - Number(b));
    for (const node of nodeNames) {
      nodeEntities.push({ name: `${name}/${node}`, groups: [name], weight: 1, start, end: stop, ...downOf(byNode.get(node) ?? []) });
    }
    const others = s.nodes - nodeNames.length;
    if (others > 0) {
      const none = new Float64Array(0);
      nodeEntities.push({
        name: `${name}/others`,
        groups: [name],
        weight: others,
        start,
        end: stop,
        onsets: none,
        downStart: none,
        downEnd: none,
      });
    }
  }
  const skipped: Skipped[] =
    noNode > 0 ? [{ name: 'lanl', reason: `${noNode} records without a node number count at system level only` }] : [];
  return {
    traces: [
      { name: 'lanl', path: file, levels: ['system'], entities: nodeEntities, first, end },
      { name: 'lanl_system', path: file, levels: [], entities: systemEntities, first, end },
    ],
    skipped,
  };
}

/**
 * Reads `<root>/failure/lanl/lanl_failures_1996_2005.csv` as the datasets `lanl` (node level) and
 * `lanl_system` (system level).
 * @throws HomeostatError invalid_argument on a malformed file (see {@link parseLanlCsv}).
 */
export function readLanl(root: string): Loaded<FailureTrace> {
  const path = join(root, LANL_FILE);
  if (!existsSync(path)) return { data: undefined, path, reason: `${path} not found` };
  const { traces, skipped } = parseLanlCsv(readText(path), path);
  return { data: traces, path, skipped };
}
