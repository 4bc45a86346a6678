import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
