/**
 * @module bench/text-files
 * What every dataset reader of the benchmarks needs to read text: a file, gunzipped when its name
 * ends in `.gz`; its lines; a CSV line's fields; whether a path is a folder. No multi-line CSV
 * fields (none of the datasets has them).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { invalid } from '../errors.js';

/**
 * A text file as UTF-8, gunzipped when its name ends in `.gz`.
 * @throws HomeostatError invalid_argument naming the file when the gzip data is unreadable.
 */
export function readText(file: string): string {
  const bytes = readFileSync(file);
  if (!file.endsWith('.gz')) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (cause) {
    throw invalid(`${file}: not a readable gzip file (${(cause as Error).message})`);
  }
}

/** Lines of a text (telemetry/csv-table, shared with the rca readers). */
export { textLines } from '../telemetry/csv-table.js';

/** Whether `path` exists and is a folder. */
export function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * Splits one CSV line, honouring double quotes (`""` inside quotes is a quote).
 * @example csvFields('a,"b,c",d') // ['a', 'b,c', 'd']
 */
export function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
