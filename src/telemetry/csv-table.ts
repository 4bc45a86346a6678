/**
 * @module telemetry/csv-table
 * Parses a wide metrics CSV — a header `timestamp,<metric>,...` and one row per instant — into
 * columns, for `homeostat detect` and `homeostat forecast`. Pure: the caller reads the file.
 *
 * Accepted: comma-separated, optional UTF-8 BOM, LF or CRLF line ends, RFC 4180 double-quoted
 * fields (`""` inside quotes). Timestamps are ISO 8601 (`2024-01-05T10:00:00Z`, or
 * `2024-01-05 10:00:00`, read as UTC when it has no zone) or epoch numbers: seconds below 1e11,
 * milliseconds above. Values are numbers; an empty cell, `NaN`, `null` or `NA` is a missing value
 * (NaN). A column named `label` (any case) is ignored, as are blank lines. Anything else — a
 * missing `timestamp` column, a duplicate column, a short row, a value that is not a number — is
 * an error naming the line, the column, what was expected and what was received.
 */
import { describe, invalid } from '../errors.js';

/** A parsed wide table: timestamps (ms) and one column of values per metric. */
export interface MetricTable {
  /** Metric names in header order (without `timestamp` and `label`). */
  readonly metrics: readonly string[];
  /** Epoch milliseconds, one per row, in file order. */
  readonly timestamps: Float64Array;
  /** `columns[j][i]` = value of metric j at row i; NaN where missing. */
  readonly columns: readonly Float64Array[];
}

const MISSING = new Set(['', 'nan', 'null', 'na', 'n/a']);
const EPOCH_SECONDS_BELOW = 1e11;

/**
 * Parses one timestamp cell into epoch ms; undefined when it is neither an epoch number nor ISO 8601.
 * @example parseTimestamp('1700000000') // 1_700_000_000_000
 * @example parseTimestamp('2024-01-05 10:00:00') // Date.UTC(2024, 0, 5, 10)
 */
export function parseTimestamp(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    return Math.abs(n) < EPOCH_SECONDS_BELOW ? n * 1000 : n;
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) && s.length > 10;
  const iso = s.replace(' ', 'T') + (hasZone || s.length === 10 ? '' : 'Z');
  const ms = Date.parse(s.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Lines without end-of-line characters or BOM; a final empty line is dropped.
 * @example textLines('a\r\nb\n') // ['a', 'b']
 */
export function textLines(text: string): string[] {
  const out = text.replace(/^\uFEFF/, '').split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * Splits one CSV record into fields (RFC 4180 double quotes, `""` inside quotes is a quote);
 * unquoted fields are trimmed. `line` (1-based) and `source` only name the record in errors.
 * @throws HomeostatError invalid_argument on an unterminated quoted field or text after a closing quote.
 * @example splitRecord('a,"b,c", d', 1, 'x.csv') // ['a', 'b,c', 'd']
 */
export function splitRecord(text: string, line: number, source: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (true) {
    if (text[i] === '"') {
      let value = '';
      i++;
      while (true) {
        const q = text.indexOf('"', i);
        if (q < 0) throw invalid(`${source} line ${line}: unterminated quoted field (expected a closing ")`);
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      if (i < text.length && text[i] !== ',') {
        throw invalid(`${source} line ${line}: expected , after a quoted field (got ${describe(text.slice(i, i + 10))})`);
      }
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      out.push(text.slice(i, end).trim());
      i = end;
    }
    if (i >= text.length) return out;
    i++; // the comma
    if (i === text.length) {
      out.push('');
      return out;
    }
  }
}

/**
 * Parses a wide metrics CSV (see the module comment).
 * @param source Name used in error messages, e.g. the file path.
 * @throws HomeostatError `invalid_argument` naming the line and column of the first problem.
 * @example parseMetricTable('timestamp,cpu\n1700000000,0.5\n', 'x.csv').columns[0][0] // 0.5
 */
export function parseMetricTable(text: string, source = 'csv'): MetricTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let first = 0;
  while (first < lines.length && (lines[first] as string).trim() === '') first++;
  if (first >= lines.length) throw invalid(`${source}: empty file (expected a header timestamp,<metric>,...)`);
  const header = splitRecord(lines[first] as string, first + 1, source);
  const lower = header.map((h) => h.toLowerCase());
  const tsCol = lower.indexOf('timestamp');
  if (tsCol < 0) {
    throw invalid(`${source}: header has no timestamp column (expected timestamp,<metric>,...; got ${describe(header.join(','))})`);
  }
  const seen = new Set<string>();
  const metricCols: number[] = [];
  header.forEach((name, j) => {
    if (j === tsCol || lower[j] === 'label') return;
    if (name === '') throw invalid(`${source}: column ${j + 1} of the header has no name`);
    if (seen.has(name)) throw invalid(`${source}: column ${describe(name)} appears twice in the header`);
    seen.add(name);
    metricCols.push(j);
  });
  if (metricCols.length === 0)
    throw invalid(`${source}: no metric column (expected timestamp,<metric>,...; got ${describe(header.join(','))})`);

  const times: number[] = [];
  const values: number[][] = metricCols.map(() => []);
  for (let li = first + 1; li < lines.length; li++) {
    const raw = lines[li] as string;
    if (raw.trim() === '') continue;
    const fields = splitRecord(raw, li + 1, source);
    if (fields.length !== header.length) {
      throw invalid(`${source} line ${li + 1}: expected ${header.length} fields as in the header, got ${fields.length}`);
    }
    const t = parseTimestamp(fields[tsCol] as string);
    if (t === undefined) {
      throw invalid(`${source} line ${li + 1}: timestamp must be ISO 8601 or epoch seconds/milliseconds (got ${describe(fields[tsCol])})`);
    }
    times.push(t);
    metricCols.forEach((j, k) => {
      const cell = fields[j] as string;
      let v: number;
      if (MISSING.has(cell.toLowerCase())) v = Number.NaN;
      else {
        v = Number(cell);
        if (Number.isNaN(v)) {
          throw invalid(
            `${source} line ${li + 1}, column ${describe(header[j])}: expected a number or an empty cell (got ${describe(cell)})`,
          );
        }
      }
      (values[k] as number[]).push(v);
    });
  }
  if (times.length === 0) throw invalid(`${source}: no data rows after the header`);
  return {
    metrics: metricCols.map((j) => header[j] as string),
    timestamps: Float64Array.from(times),
    columns: values.map((v) => Float64Array.from(v)),
  };
}
