import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AWS_DIR, readAwsInstances, readCapacityFiles, readWideCsv, toGrid } from './datasets.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'capacity-datasets-'));
  dirs.push(d);
  return d;
}

describe('toGrid', () => {
  it('places rows on the step grid: gaps are NaN, the last row of a slot wins, jitter rounds', () => {
    const g = toGrid([1000, 301_000, 301_000, 900_000, 1_260_000], [1, 2, 3, 4, 5], 300_000);
    expect(g.t0).toBe(1000);
    expect(Array.from(g.values)).toEqual([1, 3, Number.NaN, 4, 5]);
  });
});

describe('readWideCsv', () => {
  const dir = tempDir();

  it('reads a file without timestamp as row i = i · 300 s, every column a series', () => {
    const file = join(dir, 'a_5min.csv');
    writeFileSync(file, 'cpu,mem\n1,10\n2,\n3,30\n');
    const s = readWideCsv(file);
    expect(s.map((x) => x.name)).toEqual(['cpu', 'mem']);
    expect(s[0]?.t0).toBe(0);
    expect(s[0]?.stepMs).toBe(300_000);
    expect(Array.from(s[0]?.values ?? [])).toEqual([1, 2, 3]);
    expect(Array.from(s[1]?.values ?? [])).toEqual([10, Number.NaN, 30]);
  });

  it('reads a timestamp column in seconds from the trace start and skips it as a series', () => {
    const file = join(dir, 'b_5min.csv');
    writeFileSync(file, 'timestamp,cpu\r\n0,5\r\n300,6\r\n900,8\r\n');
    const [s] = readWideCsv(file);
    expect(s?.name).toBe('cpu');
    expect(Array.from(s?.values ?? [])).toEqual([5, 6, Number.NaN, 8]);
  });

  it('names file and line of a bad value, a short row and a decreasing timestamp', () => {
    const bad = (text: string): (() => unknown) => {
      const file = join(dir, 'bad_5min.csv');
      writeFileSync(file, text);
      return () => readWideCsv(file);
    };
    expect(bad('cpu\n1\nx\n')).toThrow(/bad_5min\.csv:3: column "cpu" must be a number \(got "x"\)/);
    expect(bad('cpu,mem\n1,2\n3\n')).toThrow(/bad_5min\.csv:3: expected 2 fields as in the header \(got 1\)/);
    expect(bad('timestamp,cpu\n600,1\n300,2\n')).toThrow(/bad_5min\.csv:3: timestamps must not decrease/);
    expect(bad('cpu\n')).toThrow(/no data rows/);
  });
});

describe('readCapacityFiles and readAwsInstances', () => {
  it('say why when the folders are missing', () => {
    const root = tempDir();
    const c = readCapacityFiles(root);
    expect(c.data).toBeUndefined();
    expect(c.data === undefined && c.reason).toBe(`${join(root, 'capacity')} not found`);
    const a = readAwsInstances(root);
    expect(a.data === undefined && a.reason).toBe(`${join(root, AWS_DIR)} not found`);
  });

  it('take every *_5min.csv as a dataset and every AWS file as a series of aws_instances', () => {
    const root = tempDir();
    mkdirSync(join(root, 'capacity'));
    writeFileSync(join(root, 'capacity', 'zeta_5min.csv'), 'x\n1\n2\n');
    writeFileSync(join(root, 'capacity', 'alpha_5min.csv'), 'y,z\n1,2\n');
    writeFileSync(join(root, 'capacity', 'notes.csv'), 'q\n1\n');
    mkdirSync(join(root, AWS_DIR), { recursive: true });
    writeFileSync(join(root, AWS_DIR, 'ec2_a.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2\n');
    writeFileSync(join(root, AWS_DIR, 'one_row.csv'), 'timestamp,value\n2014-01-01 00:00:00,1\n');
    const c = readCapacityFiles(root);
    expect(c.data?.map((d) => [d.name, d.series.map((s) => s.name)])).toEqual([
      ['alpha', ['y', 'z']],
      ['zeta', ['x']],
    ]);
    const a = readAwsInstances(root);
    expect(a.data?.map((d) => d.name)).toEqual(['aws_instances']);
    expect(a.data?.[0]?.series.map((s) => [s.name, s.t0, Array.from(s.values)])).toEqual([['ec2_a', Date.UTC(2014, 0, 1), [1, 2]]]);
    expect(a.data !== undefined && a.skipped).toEqual([{ name: 'one_row', reason: 'fewer than two rows' }]);
  });
});
