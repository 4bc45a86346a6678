import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readPetshop, readPetshopGraph, readSmdAttribution, readSockShop, sockShopColumn } from './datasets.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-rca-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(file: string, text: string | Buffer): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

const SOCK_HEADER = 'time,carts_cpu,carts-db_cpu,carts_mem,carts_lat_90,catalogue_lod';

describe('sockShopColumn', () => {
  it('splits at the first underscore and names the kind', () => {
    expect(sockShopColumn('carts-db_cpu')).toEqual({ candidate: 'carts-db', kind: 'cpu' });
    expect(sockShopColumn('carts_lat_90')).toEqual({ candidate: 'carts', kind: 'latency' });
    expect(sockShopColumn('catalogue_lod')).toEqual({ candidate: 'catalogue', kind: 'load' });
    expect(sockShopColumn('carts_mem')).toEqual({ candidate: 'carts', kind: 'mem' });
    expect(sockShopColumn('time')).toBeUndefined();
  });
});

describe('readSockShop', () => {
  it('reads one case per run: normal then anomalous rows, candidates, truth and split', () => {
    const root = join(dir, 'sock');
    const base = join(root, 'rca', 'sock-shop', 'carts-db-cpu');
    write(join(base, '1', 'normal.csv'), `${SOCK_HEADER}\n100,1,2,300,4,5\n101,1.5,2,301,4,\n`);
    write(join(base, '1', 'anomalous.csv'), `${SOCK_HEADER}\n200,9,2,302,8,5\n`);
    // normal recorded after the fault window: re-timed to end one step before it
    write(join(base, '3', 'normal.csv'), `${SOCK_HEADER}\n500,1,2,3,4,5\n502,1,2,3,4,5\n`);
    write(join(base, '3', 'anomalous.csv'), `${SOCK_HEADER}\n400,1,2,3,4,5\n401,1,2,3,4,5\n`);
    const r = readSockShop(root);
    expect(r.data?.map((c) => [c.id, c.split, c.anomalyStart, c.truth])).toEqual([
      ['carts-db-cpu/1', 'dev', 2, ['carts-db']],
      ['carts-db-cpu/3', 'report', 2, ['carts-db']],
    ]);
    const c = r.data?.[0];
    expect(c?.dataset).toBe('sock-shop');
    expect([...(c?.t ?? [])]).toEqual([100_000, 101_000, 200_000]);
    expect(c?.candidates).toEqual(['carts', 'carts-db', 'catalogue']);
    expect(c?.metrics.map((m) => `${m.name}:${m.candidate}:${m.kind}`)).toEqual([
      'carts_cpu:carts:cpu',
      'carts-db_cpu:carts-db:cpu',
      'carts_mem:carts:mem',
      'carts_lat_90:carts:latency',
      'catalogue_lod:catalogue:load',
    ]);
    expect([...(c?.metrics[0]?.values ?? [])]).toEqual([1, 1.5, 9]);
    expect([...(c?.metrics[4]?.values ?? [])]).toEqual([5, Number.NaN, 5]);
    // the normal window's own step (2 s) is kept: it ends 2 s before the fault window
    expect([...(r.data?.[1]?.t ?? [])]).toEqual([396_000, 398_000, 400_000, 401_000]);
  });

  it('says which folder is missing and names file and line of a bad value', () => {
    expect(readSockShop(join(dir, 'nowhere'))).toEqual({
      data: undefined,
      path: join(dir, 'nowhere', 'rca', 'sock-shop'),
      reason: `${join(dir, 'nowhere', 'rca', 'sock-shop')} not found`,
    });
    const root = join(dir, 'sock-bad');
    const base = join(root, 'rca', 'sock-shop', 'user-mem', '1');
    write(join(base, 'normal.csv'), 'time,user_cpu\n1,0.5\n2,high\n');
    write(join(base, 'anomalous.csv'), 'time,user_cpu\n3,1\n');
    expect(() => readSockShop(root)).toThrow(`${join(base, 'normal.csv')}:3: column "user_cpu" must be a number (got "high")`);
    write(join(base, 'normal.csv'), 'time,user_cpu\n1,0.5\n');
    write(join(base, 'anomalous.csv'), 'time,user_mem\n3,1\n');
    expect(() => readSockShop(root)).toThrow(/anomalous\.csv:1: expected the same header as .*normal\.csv \(got "time,user_mem"\)/);
  });
});

const PET_HEAD = [
  'microservice,A,A,B,C',
  'metric,latency,requests,latency,availability',
  'statistic,Average,Sum,p50,Average',
  'unix_timestamp,,,,',
];

function petRows(t0: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${t0 + 300 * i}.0,${i + 1},${10 * i},,100`);
}

describe('readPetshop', () => {
  it('reads issue cases (reference = rows before the target time) and no-issue windows', () => {
    const root = join(dir, 'pet');
    const base = join(root, 'rca', 'petshop', 'low');
    write(join(base, 'graph.csv'), ',A,B,C,D\nA,0.0,1.0,0.0,1.0\nB,0.0,0.0,1.0,0.0\nC,0.0,0.0,0.0,0.0\nD,0.0,0.0,0.0,0.0\n');
    write(join(base, 'train', 'issue_0', 'metrics.csv'), `${[...PET_HEAD, ...petRows(1000, 5)].join('\n')}\n`);
    write(
      join(base, 'train', 'issue_0', 'target.json'),
      JSON.stringify({
        target: { node: 'A', metric: 'latency', agg: 'Average', timestamp: 1500 },
        root_cause: { node: 'B', metric: null },
      }),
    );
    write(join(base, 'noissue', 'metrics.csv'), `${[...PET_HEAD, ...petRows(5000, 11)].join('\n')}\n`);
    const r = readPetshop(root);
    const cases = r.data ?? [];
    expect(cases.map((c) => [c.id, c.split, c.anomalyStart, c.truth, c.t.length])).toEqual([
      ['low/train/issue_0', 'dev', 2, ['B'], 5],
      ['low/noissue/0', 'dev', 2, [], 5],
      ['low/noissue/5', 'report', 2, [], 5],
    ]);
    const issue = cases[0];
    expect(issue?.candidates).toEqual(['A', 'B', 'C']);
    expect(issue?.metrics.map((m) => `${m.name}:${m.candidate}:${m.kind}`)).toEqual([
      'A/latency/Average:A:latency',
      'A/requests/Sum:A:load',
      'B/latency/p50:B:latency',
      'C/availability/Average:C:availability',
    ]);
    // edges to D (no metrics) are dropped
    expect(issue?.graph).toEqual([
      { from: 'A', to: 'B' },
      { from: 'B', to: 'C' },
    ]);
    expect([...(issue?.t ?? [])]).toEqual([1_000_000, 1_300_000, 1_600_000, 1_900_000, 2_200_000]);
    expect([...(cases[2]?.metrics[0]?.values ?? [])]).toEqual([6, 7, 8, 9, 10]);
    expect([...(cases[2]?.metrics[2]?.values ?? [])].every(Number.isNaN)).toBe(true);
  });

  it('rejects a wrong header row and a graph whose rows differ from its header', () => {
    const root = join(dir, 'pet-bad');
    const file = join(root, 'rca', 'petshop', 's', 'noissue', 'metrics.csv');
    write(file, 'service,A\nmetric,latency\nstatistic,Average\nunix_timestamp,\n1,2\n');
    expect(() => readPetshop(root)).toThrow(`${file}:1: expected the header row "microservice,…" (got "service,A")`);
    const graph = join(dir, 'graph-bad.csv');
    write(graph, ',A,B\nB,0,1\nA,0,0\n');
    expect(() => readPetshopGraph(graph)).toThrow(`${graph}:2: expected row 1 to be node "A" as in the header (got "B")`);
  });
});

describe('readSmdAttribution', () => {
  it('makes one case per interpretation line: last train rows, then the labelled segment', () => {
    const root = join(dir, 'smd');
    const smd = join(root, 'anomaly', 'smd');
    const train = Array.from({ length: 4 }, (_, i) => `${i},0.5,1`).join('\n');
    const test = ['0,0.5,1', '0,0.5,1', '9,0.5,1', '9,0.9,1', '0,0.5,1', '0,0.5,1'].join('\n');
    write(join(smd, 'train', 'machine-1-2.txt.gz'), gzipSync(`${train}\n`));
    write(join(smd, 'test', 'machine-1-2.txt.gz'), gzipSync(`${test}\n`));
    write(join(smd, 'test_label', 'machine-1-2.txt'), '0\n0\n1\n1\n0\n0\n');
    write(join(smd, 'interpretation_label', 'machine-1-2.txt'), '2-4:2,1\n');
    write(join(smd, 'test_label', 'machine-2-9.txt'), '0\n');
    const r = readSmdAttribution(root);
    expect(r.data !== undefined && r.skipped.map((s) => s.name)).toEqual(['machine-2-9']);
    const c = r.data?.[0];
    expect(r.data?.length).toBe(1);
    expect([c?.id, c?.split, c?.anomalyStart, c?.truth, c?.candidates]).toEqual([
      'machine-1-2/2',
      'dev',
      4,
      ['m01', 'm02'],
      ['m01', 'm02', 'm03'],
    ]);
    expect([...(c?.metrics[0]?.values ?? [])]).toEqual([0, 1, 2, 3, 9, 9]);
    expect(c?.metrics.map((m) => [m.name, m.candidate, m.range])).toEqual([
      ['m01', 'm01', { min: 0, max: 1 }],
      ['m02', 'm02', { min: 0, max: 1 }],
      ['m03', 'm03', { min: 0, max: 1 }],
    ]);
    expect([...(c?.t ?? [])]).toEqual([0, 60_000, 120_000, 180_000, 360_000, 420_000]);
  });
});
