import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPetshop } from '../bench/rca/datasets.js';
import { ownerOf, readCaseDir } from './case-dir.js';

const root = mkdtempSync(join(tmpdir(), 'homeostat-case-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('readCaseDir', () => {
  it('reads a Sock Shop-like run: normal.csv then anomalous.csv, columns matched by name, graph edges', () => {
    const dir = folder('carts-cpu-1', {
      'normal.csv': 'time,carts_cpu,carts_lat_90,front-end_mem\n100,1,5,10\n101,2,6,11\n',
      'anomalous.csv': 'time,front-end_mem,carts_cpu,carts_lat_90\n500,12,90,7\n501,13,95,8\n',
      'graph.csv': 'from,to\nfront-end,carts\n',
    });
    const c = readCaseDir(dir);
    expect(c.id).toBe('carts-cpu-1');
    expect(c.dataset).toBe('carts-cpu-1');
    expect(Array.from(c.t)).toEqual([100_000, 101_000, 500_000, 501_000]);
    expect(c.anomalyStart).toBe(2);
    expect(c.candidates).toEqual(['carts', 'front-end']);
    expect(c.metrics.map((m) => [m.name, m.candidate, m.kind, Array.from(m.values)])).toEqual([
      ['carts_cpu', 'carts', 'cpu', [1, 2, 90, 95]],
      ['carts_lat_90', 'carts', 'latency', [5, 6, 7, 8]],
      ['front-end_mem', 'front-end', 'mem', [10, 11, 12, 13]],
    ]);
    expect(c.graph).toEqual([{ from: 'front-end', to: 'carts' }]);
  });

  it('reads metrics.csv with the start from anomaly.json, or from the option over it', () => {
    const dir = folder('one-file', {
      'metrics.csv':
        'timestamp,PetSite/latency/Average,cpu\n2024-01-01T00:00:00Z,1,3\n2024-01-01T00:05:00Z,1,3\n2024-01-01T00:10:00Z,9,4\n',
      'anomaly.json': '{"start": "2024-01-01T00:10:00Z"}',
    });
    const c = readCaseDir(dir);
    expect(c.anomalyStart).toBe(2);
    expect(c.graph).toBeUndefined();
    expect(c.metrics.map((m) => [m.candidate, m.kind])).toEqual([
      ['PetSite', 'latency'],
      ['cpu', 'value'],
    ]);
    expect(readCaseDir(dir, { anomalyStart: '1704067260' }).anomalyStart).toBe(1);
    const run = folder('payment-mem/3', { 'metrics.csv': 'time,a_cpu\n1,1\n2,2\n', 'anomaly.json': '{"start":2}' });
    expect(readCaseDir(run).id).toBe('payment-mem/3');
  });

  it('says which file, line and value are wrong', () => {
    const none = folder('empty', {});
    expect(() => readCaseDir(none)).toThrow(/expected normal\.csv \+ anomalous\.csv, or metrics\.csv \(found neither\)/);
    const half = folder('half', { 'normal.csv': 'time,a_cpu\n1,1\n' });
    expect(() => readCaseDir(half)).toThrow(/expected both normal\.csv and anomalous\.csv \(got only normal\.csv\)/);
    const cols = folder('cols', { 'normal.csv': 'time,a_cpu,b_cpu\n1,1,1\n', 'anomalous.csv': 'time,a_cpu\n2,1\n' });
    expect(() => readCaseDir(cols)).toThrow(/same columns \(missing from anomalous\.csv: b_cpu; only in anomalous\.csv: none\)/);
    const bad = folder('bad-value', { 'normal.csv': 'time,a_cpu\n1,1\n2,x\n', 'anomalous.csv': 'time,a_cpu\n3,1\n' });
    expect(() => readCaseDir(bad)).toThrow(/normal\.csv line 3, column "a_cpu": expected a number or an empty cell \(got "x"\)/);
    const noTime = folder('no-time', { 'metrics.csv': 'when,a_cpu\n1,1\n', 'anomaly.json': '{"start":1}' });
    expect(() => readCaseDir(noTime)).toThrow(
      /metrics\.csv line 1: expected a time or timestamp column in the header \(got "when,a_cpu"\)/,
    );
    const noStart = folder('no-start', { 'metrics.csv': 'time,a_cpu\n1,1\n2,2\n' });
    expect(() => readCaseDir(noStart)).toThrow(/needs the anomaly start \(expected --anomaly-start TIME or anomaly\.json/);
    expect(() => readCaseDir(noStart, { anomalyStart: 'soon' })).toThrow(
      /--anomaly-start must be ISO 8601 or epoch seconds\/ms \(got "soon"\)/,
    );
    expect(() => readCaseDir(noStart, { anomalyStart: '1' })).toThrow(/must leave normal rows before it and incident rows from it/);
    const badJson = folder('bad-json', { 'metrics.csv': 'time,a_cpu\n1,1\n2,2\n', 'anomaly.json': '{"start": true}' });
    expect(() => readCaseDir(badJson)).toThrow(/anomaly\.json: start must be ISO 8601 or epoch seconds\/ms \(got true\)/);
    const back = folder('backwards', { 'metrics.csv': 'time,a_cpu\n1,1\n3,2\n2,2\n', 'anomaly.json': '{"start":3}' });
    expect(() => readCaseDir(back)).toThrow(
      /row times must increase \(row 3 is at 1970-01-01T00:00:02\.000Z, after 1970-01-01T00:00:03\.000Z\)/,
    );
    const graph = folder('bad-graph', {
      'normal.csv': 'time,a_cpu\n1,1\n',
      'anomalous.csv': 'time,a_cpu\n2,1\n',
      'graph.csv': 'from,to\na,b,c\n',
    });
    expect(() => readCaseDir(graph)).toThrow(/graph\.csv line 2: expected from,to with two names \(got "a,b,c"\)/);
  });
});

describe('readCaseDir with overlapping windows', () => {
  it('moves the normal rows back to end one step before the incident', () => {
    const dir = folder('overlap', { 'normal.csv': 'time,a_cpu\n10,1\n12,1\n14,1\n', 'anomalous.csv': 'time,a_cpu\n11,5\n12,5\n' });
    const c = readCaseDir(dir);
    expect(Array.from(c.t)).toEqual([5000, 7000, 9000, 11_000, 12_000]);
    expect(c.anomalyStart).toBe(3);
  });
});

const PET_HEAD = [
  'microservice,A,A,B,C',
  'metric,latency,requests,latency,availability',
  'statistic,Average,Sum,p50,Average',
  'unix_timestamp,,,,',
];
// 5 rows at 1000 s, 1300 s, ... ; B's p50 is missing throughout
const PET_ROWS = ['1000.0,1,0,,100', '1300.0,2,10,,100', '1600.0,3,20,,100', '1900.0,4,30,,99', '2200.0,5,40,,98'];
const PET_GRAPH = ',A,B,C,D\nA,0.0,1.0,0.0,1.0\nB,0.0,0.0,1.0,0.0\nC,0.0,0.0,0.0,0.0\nD,0.0,0.0,0.0,0.0\n';

/** Writes files under root, creating folders: `{ 'a/b/c.csv': text }`. */
function tree(files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
}

function target(timestamp: unknown, node?: string): string {
  return JSON.stringify({
    target: { node: 'A', metric: 'latency', agg: 'Average', timestamp },
    ...(node === undefined ? {} : { root_cause: { node, metric: null } }),
  });
}

describe('readCaseDir on a PetShop issue folder', () => {
  const base = join('petshop-root', 'rca', 'petshop', 'low');
  tree({
    [join(base, 'graph.csv')]: PET_GRAPH,
    [join(base, 'test', 'issue_0', 'metrics.csv')]: `${[...PET_HEAD, ...PET_ROWS].join('\n')}\n`,
    [join(base, 'test', 'issue_0', 'target.json')]: target(1500, 'B'),
  });

  it('reads the case the benchmark reads from the same tree', () => {
    const c = readCaseDir(join(root, base, 'test', 'issue_0'));
    const bench = readPetshop(join(root, 'petshop-root')).data?.find((b) => b.id === 'low/test/issue_0');
    expect(bench).toBeDefined();
    expect(c.id).toBe('low/test/issue_0');
    expect(c.dataset).toBe('petshop');
    expect(Array.from(c.t)).toEqual(Array.from(bench?.t ?? []));
    expect(Array.from(c.t)).toEqual([1_000_000, 1_300_000, 1_600_000, 1_900_000, 2_200_000]);
    // target 1500 s: rows 1000 s and 1300 s are the reference
    expect(c.anomalyStart).toBe(bench?.anomalyStart);
    expect(c.anomalyStart).toBe(2);
    const columns = (metrics: typeof c.metrics) => metrics.map((m) => [m.name, m.candidate, m.kind, Array.from(m.values)]);
    expect(columns(c.metrics)).toEqual(columns(bench?.metrics ?? []));
    expect(columns(c.metrics)).toEqual([
      ['A/latency/Average', 'A', 'latency', [1, 2, 3, 4, 5]],
      ['A/requests/Sum', 'A', 'load', [0, 10, 20, 30, 40]],
      ['B/latency/p50', 'B', 'latency', [Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN]],
      ['C/availability/Average', 'C', 'availability', [100, 100, 100, 99, 98]],
    ]);
    expect(c.candidates).toEqual(bench?.candidates);
    expect(c.candidates).toEqual(['A', 'B', 'C']);
    // the scenario's graph two levels up, without the edge to D (no metrics)
    expect(c.graph).toEqual(bench?.graph);
    expect(c.graph).toEqual([
      { from: 'A', to: 'B' },
      { from: 'B', to: 'C' },
    ]);
    expect(c.truth).toEqual(bench?.truth);
    expect(c.truth).toEqual(['B']);
  });

  it('takes the start from the flag, then anomaly.json, then target.json, and the folder graph.csv first', () => {
    const dir = join(root, base, 'train', 'issue_1');
    tree({
      [join(base, 'train', 'issue_1', 'metrics.csv')]: `${[...PET_HEAD, ...PET_ROWS].join('\n')}\n`,
      [join(base, 'train', 'issue_1', 'target.json')]: target(1500),
      [join(base, 'train', 'issue_1', 'graph.csv')]: 'from,to\nC,A\nC,Z\n',
    });
    const c = readCaseDir(dir);
    expect(c.id).toBe('low/train/issue_1');
    expect(c.anomalyStart).toBe(2);
    expect(c.truth).toBeUndefined();
    expect(c.graph).toEqual([{ from: 'C', to: 'A' }]);
    expect(readCaseDir(dir, { anomalyStart: '1900' }).anomalyStart).toBe(3);
    writeFileSync(join(dir, 'anomaly.json'), '{"start": 1300}');
    expect(readCaseDir(dir).anomalyStart).toBe(1);
    expect(readCaseDir(dir, { anomalyStart: '2200' }).anomalyStart).toBe(4);
    // not under <scenario>/<train|test>/: named after the folder, no scenario graph
    const alone = join(root, 'petshop-alone', 'x', 'issue_9');
    tree({
      [join('petshop-alone', 'graph.csv')]: PET_GRAPH,
      [join('petshop-alone', 'x', 'issue_9', 'metrics.csv')]: `${[...PET_HEAD, ...PET_ROWS].join('\n')}\n`,
      [join('petshop-alone', 'x', 'issue_9', 'target.json')]: target(1500, 'C'),
    });
    const a = readCaseDir(alone);
    expect([a.id, a.graph, a.truth]).toEqual(['issue_9', undefined, ['C']]);
  });

  it('says when the target time leaves no row on one side, is missing, or a header row is wrong', () => {
    const dir = join(root, base, 'test', 'issue_2');
    const metrics = join(dir, 'metrics.csv');
    const targetFile = join(dir, 'target.json');
    tree({ [join(base, 'test', 'issue_2', 'metrics.csv')]: `${[...PET_HEAD, ...PET_ROWS].join('\n')}\n` });
    expect(() => readCaseDir(dir)).toThrow(
      /needs the anomaly start \(expected --anomaly-start TIME, anomaly\.json \{"start": \.\.\.\} or target\.json \{"target": \{"timestamp": UNIX_SECONDS\}\}; found none of them\)/,
    );
    writeFileSync(targetFile, target(1000, 'B'));
    expect(() => readCaseDir(dir)).toThrow(
      /the anomaly start 1970-01-01T00:16:40\.000Z \(target\.json target\.timestamp\) leaves no row before it: .*\(metrics\.csv runs 1970-01-01T00:16:40\.000Z \.\. 1970-01-01T00:36:40\.000Z\)/,
    );
    writeFileSync(targetFile, target(2201, 'B'));
    expect(() => readCaseDir(dir)).toThrow(
      /the anomaly start 1970-01-01T00:36:41\.000Z \(target\.json target\.timestamp\) leaves no row at or after it/,
    );
    writeFileSync(targetFile, JSON.stringify({ root_cause: { node: 'B' } }));
    expect(() => readCaseDir(dir)).toThrow(/found target\.json without target\.timestamp\)/);
    writeFileSync(targetFile, target('soon', 'B'));
    expect(() => readCaseDir(dir)).toThrow(`${targetFile}: expected target.timestamp in Unix seconds (got "soon")`);
    writeFileSync(targetFile, target(1500, 'B'));
    writeFileSync(metrics, `${[...PET_HEAD.slice(0, 3), 'unix_time,,,,', ...PET_ROWS].join('\n')}\n`);
    expect(() => readCaseDir(dir)).toThrow(`${metrics}:4: expected the header row "unix_timestamp,…" (got "unix_time,,,,")`);
    writeFileSync(metrics, `${[...PET_HEAD.slice(0, 3), 'unix_timestamp,,,', ...PET_ROWS].join('\n')}\n`);
    expect(() => readCaseDir(dir)).toThrow(`${metrics}:4: expected 5 fields as in row 1 (got 4)`);
  });
});

describe('ownerOf', () => {
  it('splits candidate and kind', () => {
    expect(ownerOf('carts-db_mem')).toEqual({ candidate: 'carts-db', kind: 'mem' });
    expect(ownerOf('shipping_lod')).toEqual({ candidate: 'shipping', kind: 'load' });
    expect(ownerOf('PetSearch_AWS::ECS::Fargate/availability/Average')).toEqual({
      candidate: 'PetSearch_AWS::ECS::Fargate',
      kind: 'availability',
    });
    expect(ownerOf('_x')).toEqual({ candidate: '_x', kind: 'value' });
  });
});
