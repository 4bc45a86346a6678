import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readKpi, readNab, readSmd } from './datasets.js';

const roots: string[] = [];

/** A fresh datasets root holding the given files (paths relative to the root; `.gz` is gzipped). */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'homeostat-anomaly-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, path.endsWith('.gz') ? gzipSync(text) : text);
  }
  return root;
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const NAB_LABELS = JSON.stringify({
  'realX/a.csv': [['2015-01-01 00:05:00.000000', '2015-01-01 00:10:00.000000']],
  'realX/gone.csv': [],
});

describe('readNab', () => {
  it('reads series as UTC epoch ms with their windows and skips files without labels', () => {
    const root = fixture({
      'anomaly/nab/data/realX/a.csv': 'timestamp,value\n2015-01-01 00:00:00,1.5\n2015-01-01 00:05:00,2\n2015-01-01 00:10:00,-3\n',
      'anomaly/nab/data/realX/unlabelled.csv': 'timestamp,value\n2015-01-01 00:00:00,1\n',
      'anomaly/nab/labels/combined_windows.json': NAB_LABELS,
    });
    const nab = readNab(root);
    if (!nab.data) throw new Error(nab.reason);
    expect(nab.path).toBe(join(root, 'anomaly', 'nab'));
    expect(nab.data).toHaveLength(1);
    const a = nab.data[0];
    expect(a?.name).toBe('realX/a.csv');
    const t0 = Date.UTC(2015, 0, 1, 0, 0, 0);
    expect(Array.from(a?.timestamps ?? [])).toEqual([t0, t0 + 300_000, t0 + 600_000]);
    expect(Array.from(a?.values ?? [])).toEqual([1.5, 2, -3]);
    expect(a?.windows).toEqual([[t0 + 300_000, t0 + 600_000]]);
    expect(nab.skipped).toEqual([{ name: 'realX/unlabelled.csv', reason: expect.stringMatching(/no entry in .*combined_windows\.json/) }]);
  });

  it('accepts repeated timestamps (as in NAB itself) but not decreasing ones', () => {
    const ok = fixture({
      'anomaly/nab/data/realX/a.csv': 'timestamp,value\n2015-01-01 00:00:00,1\n2015-01-01 00:00:00,2\n',
      'anomaly/nab/labels/combined_windows.json': NAB_LABELS,
    });
    expect(readNab(ok).data?.[0]?.values.length).toBe(2);
    const back = fixture({
      'anomaly/nab/data/realX/a.csv': 'timestamp,value\n2015-01-01 00:05:00,1\n2015-01-01 00:00:00,2\n',
      'anomaly/nab/labels/combined_windows.json': NAB_LABELS,
    });
    expect(() => readNab(back)).toThrow(/a\.csv:3: timestamps must not decrease/);
  });

  it('names the file and line of a bad value, a bad timestamp or a bad header', () => {
    const labels = { 'anomaly/nab/labels/combined_windows.json': NAB_LABELS };
    const value = fixture({
      ...labels,
      'anomaly/nab/data/realX/a.csv': 'timestamp,value\n2015-01-01 00:00:00,1\n2015-01-01 00:05:00,abc\n',
    });
    expect(() => readNab(value)).toThrow(/realX[/\\]a\.csv:3: value must be a finite number \(got "abc"\)/);
    const time = fixture({ ...labels, 'anomaly/nab/data/realX/a.csv': 'timestamp,value\n2015-02-30 00:00:00,1\n' });
    expect(() => readNab(time)).toThrow(/a\.csv:2: timestamp must be "YYYY-MM-DD HH:MM:SS" \(got "2015-02-30 00:00:00"\)/);
    const header = fixture({ ...labels, 'anomaly/nab/data/realX/a.csv': 'time,value\n' });
    expect(() => readNab(header)).toThrow(/a\.csv:1: expected the header "timestamp,value"/);
  });

  it('rejects a malformed window', () => {
    const root = fixture({
      'anomaly/nab/data/realX/a.csv': 'timestamp,value\n2015-01-01 00:00:00,1\n',
      'anomaly/nab/labels/combined_windows.json': JSON.stringify({ 'realX/a.csv': [['2015-01-01 00:05:00', 'later']] }),
    });
    expect(() => readNab(root)).toThrow(/combined_windows\.json: "realX\/a\.csv": a window must be/);
  });

  it('returns undefined data with a reason when the folder is missing', () => {
    const root = fixture({ 'anomaly/kpi/x.csv.gz': '1,2,0\n' });
    expect(readNab(root)).toEqual({
      data: undefined,
      path: join(root, 'anomaly', 'nab'),
      reason: `${join(root, 'anomaly', 'nab')} not found`,
    });
  });
});

describe('readSmd', () => {
  const smd = {
    'anomaly/smd/train/machine-1-1.txt.gz': '0.1,0.2,0.3\n0.4,0.5,0.6\n',
    'anomaly/smd/test/machine-1-1.txt.gz': '1,2,3\n4,5,6\n7,8,9\n',
    'anomaly/smd/test_label/machine-1-1.txt': '0\n1\n1\n',
    'anomaly/smd/interpretation_label/machine-1-1.txt': '1-3:1,3\n',
    'anomaly/smd/test_label/machine-9-9.txt': '0\n',
  };

  it('reads machines column-major with labels and 1-based interpretation, skipping label-only ones', () => {
    const read = readSmd(fixture(smd));
    if (!read.data) throw new Error(read.reason);
    expect(read.data).toHaveLength(1);
    const m = read.data[0];
    expect(m?.name).toBe('machine-1-1');
    expect(m?.train.map((c) => Array.from(c))).toEqual([
      [0.1, 0.4],
      [0.2, 0.5],
      [0.3, 0.6],
    ]);
    expect(m?.test.map((c) => Array.from(c))).toEqual([
      [1, 4, 7],
      [2, 5, 8],
      [3, 6, 9],
    ]);
    expect(Array.from(m?.labels ?? [])).toEqual([0, 1, 1]);
    expect(m?.interpretation).toEqual([{ start: 1, end: 3, dims: [1, 3] }]);
    expect(read.skipped).toHaveLength(1);
    expect(read.skipped[0]?.name).toBe('machine-9-9');
    expect(read.skipped[0]?.reason).toMatch(/^labels only: .*machine-9-9\.txt\.gz and .*machine-9-9\.txt\.gz not found$/);
  });

  it('gives an empty interpretation when its file is missing', () => {
    const { 'anomaly/smd/interpretation_label/machine-1-1.txt': _, ...rest } = smd;
    expect(readSmd(fixture(rest)).data?.[0]?.interpretation).toEqual([]);
  });

  it('names the file and line of a short row, a label count mismatch or a bad interpretation', () => {
    const short = fixture({ ...smd, 'anomaly/smd/test/machine-1-1.txt.gz': '1,2,3\n4,5\n7,8,9\n' });
    expect(() => readSmd(short)).toThrow(/machine-1-1\.txt\.gz:2: expected 3 comma-separated values \(got 2\)/);
    const empty = fixture({ ...smd, 'anomaly/smd/train/machine-1-1.txt.gz': '0.1,,0.3\n' });
    expect(() => readSmd(empty)).toThrow(/machine-1-1\.txt\.gz:1: column 2 must be a finite number \(got ""\)/);
    const count = fixture({ ...smd, 'anomaly/smd/test_label/machine-1-1.txt': '0\n1\n' });
    expect(() => readSmd(count)).toThrow(/machine-1-1\.txt: expected one label per test row, 3 lines \(got 2\)/);
    const dims = fixture({ ...smd, 'anomaly/smd/interpretation_label/machine-1-1.txt': '1-2:4\n' });
    expect(() => readSmd(dims)).toThrow(/machine-1-1\.txt:1: metric 4 must be a 1-based column in 1\.\.3/);
    const form = fixture({ ...smd, 'anomaly/smd/interpretation_label/machine-1-1.txt': '1-2:1\n5:2\n' });
    expect(() => readSmd(form)).toThrow(/machine-1-1\.txt:2: expected "start-end:d1,d2,\.\.\."/);
  });

  it('returns undefined data with a reason when the folder is missing', () => {
    const read = readSmd(fixture({}));
    expect(read.data).toBeUndefined();
    expect(read.data === undefined && read.reason).toMatch(/anomaly[/\\]smd not found$/);
  });
});

describe('readKpi', () => {
  it('reads every .csv.gz (CRLF, no header) with epoch ms timestamps and labels', () => {
    const root = fixture({
      'anomaly/kpi/abc-1.csv.gz': '1491041280,35.03,0\r\n1491041340,36.6,1\r\n1491041400,-2,0\r\n',
      'anomaly/kpi/LICENSE': 'MIT',
    });
    const read = readKpi(root);
    if (!read.data) throw new Error(read.reason);
    expect(read.data).toHaveLength(1);
    const k = read.data[0];
    expect(k?.name).toBe('abc-1');
    expect(Array.from(k?.timestamps ?? [])).toEqual([1491041280000, 1491041340000, 1491041400000]);
    expect(Array.from(k?.values ?? [])).toEqual([35.03, 36.6, -2]);
    expect(Array.from(k?.labels ?? [])).toEqual([0, 1, 0]);
  });

  it('names the file and line of a bad row', () => {
    const label = fixture({ 'anomaly/kpi/k.csv.gz': '1,2,0\n2,3,2\n' });
    expect(() => readKpi(label)).toThrow(/k\.csv\.gz:2: label must be 0 or 1 \(got "2"\)/);
    const header = fixture({ 'anomaly/kpi/k.csv.gz': 'timestamp,value,label\n1,2,0\n' });
    expect(() => readKpi(header)).toThrow(/k\.csv\.gz:1: unix_timestamp must be a finite number \(got "timestamp"\)/);
    const fields = fixture({ 'anomaly/kpi/k.csv.gz': '1,2\n' });
    expect(() => readKpi(fields)).toThrow(/k\.csv\.gz:1: expected three fields/);
    const gz = fixture({ 'anomaly/kpi/k.csv': '' });
    writeFileSync(join(gz, 'anomaly/kpi/k.csv.gz'), 'not gzip');
    expect(() => readKpi(gz)).toThrow(/k\.csv\.gz: not a readable gzip file/);
  });

  it('returns undefined data with a reason when the folder is missing', () => {
    const read = readKpi(fixture({}));
    expect(read.data === undefined && read.reason).toMatch(/anomaly[/\\]kpi not found$/);
  });
});
