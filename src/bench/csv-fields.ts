/**
 * @module bench/csv-fields
 * The one CSV field splitter of the dataset readers (failure, rca): commas, double-quoted fields,
 * `""` inside quotes for a quote. No multi-line fields (none of the datasets has them).
 */

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
