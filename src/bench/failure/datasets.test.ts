import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ceilDay, lanlMonth, lanlTime, parseFtaEventTrace, parseLanlCsv, readGrid5000, readLanl } from './datasets.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-failure-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = '# event_id component_id node_id platform_id node_name event_type event_start_time event_stop_time event_end_reason';
const row = (id: number, node: string, type: number, start: number, stop: number): string =>
  `    ${id}\t    0\t    0\t    5\t${node}\t         ${type}\t   ${start}\t   ${stop}\t       NULL`;
const DAY = 86_400;
const FTA = [
  HEADER,
  row(0, 'G1/site1/c1/node1', 0, 0, 100),
  row(1, 'G1/site1/c1/node1', 1, 100, 5000),
  row(2, 'G1/site1/c1/node1', 0, 5000, 5100),
  row(3, 'G1/site1/c1/node1', 1, 5100, 2 * DAY),
  row(4, 'G1/site2/c7/node3', 1, 50, 900),
  row(5, 'G1/site2/c7/node3', 0, 900, DAY + 10),
].join('\n');

describe('parseFtaEventTrace', () => {
  it('reads nodes, their groups, onsets (not a first unavailable interval) and down intervals', () => {
    const t = parseFtaEventTrace(`${FTA}\n`, 'f.tab');
    expect(t.name).toBe('grid5000');
    expect(t.levels).toEqual(['cluster', 'site']);
    expect(t.entities.map((e) => e.name)).toEqual(['site1/c1/node1', 'site2/c7/node3']);
    const [a, b] = t.entities;
    expect(a?.groups).toEqual(['site1/c1', 'site1']);
    expect(Array.from(a?.onsets ?? [])).toEqual([5_000_000]);
    expect(Array.from(a?.downStart ?? [])).toEqual([0, 5_000_000]);
    expect(Array.from(a?.downEnd ?? [])).toEqual([100_000, 5_100_000]);
    expect([a?.start, a?.end]).toEqual([0, 2 * DAY * 1000]);
    expect(Array.from(b?.onsets ?? [])).toEqual([900_000]);
    expect(b?.groups).toEqual(['site2/c7', 'site2']);
    expect(t.first).toBe(0);
    // the last start is 5100 s: the trace ends at the next UTC midnight
    expect(t.end).toBe(DAY * 1000);
  });

  it('names line, column, expected and got on malformed lines', () => {
    expect(() => parseFtaEventTrace(`${HEADER}\n1\t2\t3`, 'f.tab')).toThrow(
      'f.tab:2: expected 9 tab-separated fields (event_id, component_id, node_id, platform_id, node_name, event_type, event_start_time, event_stop_time, event_end_reason), got 3',
    );
    expect(() => parseFtaEventTrace(`${HEADER}\n${row(0, 'G1/site1/c1/node1', 2, 0, 1)}`, 'f.tab')).toThrow(
      'f.tab:2: column event_type: expected 0 (unavailable) or 1 (available), got 2',
    );
    expect(() => parseFtaEventTrace(`${HEADER}\n${row(0, 'node1', 0, 0, 1)}`, 'f.tab')).toThrow(
      'f.tab:2: column node_name: expected G1/<site>/<cluster>/<node>, got "node1"',
    );
    expect(() => parseFtaEventTrace(`${HEADER}\n${row(0, 'G1/s/c/n', 0, 10, 5)}`, 'f.tab')).toThrow(
      'f.tab:2: column event_stop_time: expected ≥ event_start_time 10, got 5',
    );
    expect(() => parseFtaEventTrace(`${HEADER}\n${row(0, 'G1/s/c/n', 0, 10, 20).replace('   10\t', '   1x\t')}`, 'f.tab')).toThrow(
      'f.tab:2: column event_start_time: expected an integer, got "1x"',
    );
    expect(() => parseFtaEventTrace(`${HEADER}\n${row(0, 'G1/s/c/n', 0, 10, 20)}\n${row(1, 'G1/s/c/n', 1, 5, 30)}`, 'f.tab')).toThrow(
      'f.tab:3: column event_start_time: expected ≥ 10 (the previous start of G1/s/c/n), got 5',
    );
    expect(() => parseFtaEventTrace(HEADER, 'f.tab')).toThrow('f.tab: expected tab-separated events after the # header, got none');
  });
});

const LANL_HEADER = 'System,nodes,nodenum,node prod,node decom,Prob Started,Prob Fixed,Hardware';
const LANL = [
  LANL_HEADER,
  '3,4,1,3-Sep,current,9/13/2003 12:27,9/13/2003 14:00,CPU',
  '3,4,1,3-Sep,current,9/10/2003 0:05,9/10/2003 1:00,',
  '3,4,2,3-Sep,current,10/1/2003 7:00,10/1/2003 7:30,',
  '7,1,0,before tracking,Dec-99,5/19/1999 21:55,5/20/1999 1:00,',
  '17,,,,,1/8/2003 8:40,1/8/2003 9:00,',
].join('\n');

describe('parseLanlCsv', () => {
  it('builds node and system traces with observation windows, weighted never-failing nodes and skipped records', () => {
    const { traces, skipped } = parseLanlCsv(`${LANL}\n`, 'l.csv');
    const [nodes, systems] = traces;
    expect(nodes?.name).toBe('lanl');
    expect(nodes?.levels).toEqual(['system']);
    expect(nodes?.entities.map((e) => [e.name, e.weight, e.groups[0]])).toEqual([
      ['3/1', 1, '3'],
      ['3/2', 1, '3'],
      ['3/others', 2, '3'],
      ['7/0', 1, '7'],
    ]);
    const n31 = nodes?.entities[0];
    // sorted by start; down until fixed
    expect(Array.from(n31?.onsets ?? [])).toEqual([Date.UTC(2003, 8, 10, 0, 5), Date.UTC(2003, 8, 13, 12, 27)]);
    expect(Array.from(n31?.downEnd ?? [])).toEqual([Date.UTC(2003, 8, 10, 1, 0), Date.UTC(2003, 8, 13, 14, 0)]);
    // system 3: from its production month to the trace end (current); the trace ends at the day after the last start
    expect([n31?.start, n31?.end]).toEqual([Date.UTC(2003, 8, 1), Date.UTC(2003, 9, 2)]);
    // system 7: no production month (first record) to the end of its decommission month
    const n7 = nodes?.entities[3];
    expect([n7?.start, n7?.end]).toEqual([Date.UTC(1999, 4, 19, 21, 55), Date.UTC(1999, 11 + 1, 1)]);
    expect(systems?.entities.map((e) => [e.name, e.onsets.length, e.groups.length])).toEqual([
      ['3', 3, 0],
      ['7', 1, 0],
      ['17', 1, 0],
    ]);
    expect(skipped).toEqual([{ name: 'lanl', reason: '1 records without a node number count at system level only' }]);
  });

  it('names line, column, expected and got on malformed records', () => {
    expect(() => parseLanlCsv('System,nodes\n1,2', 'l.csv')).toThrow(
      'l.csv:1: expected header columns System, nodes, nodenum, node prod, node decom, Prob Started, Prob Fixed; missing "nodenum", "node prod", "node decom", "Prob Started", "Prob Fixed"',
    );
    expect(() => parseLanlCsv(`${LANL_HEADER}\n3,4,1,3-Sep,current,2003-09-13,9/13/2003 14:00,`, 'l.csv')).toThrow(
      'l.csv:2: column Prob Started: expected M/D/YYYY H:MM, got "2003-09-13"',
    );
    expect(() => parseLanlCsv(`${LANL_HEADER}\n3,4,x,3-Sep,current,9/13/2003 12:27,9/13/2003 14:00,`, 'l.csv')).toThrow(
      'l.csv:2: column nodenum: expected a non-negative integer or nothing, got "x"',
    );
    expect(() => parseLanlCsv(`${LANL_HEADER}\n3,4,1,3-Sep,current,9/13/2003 12:27,9/13/2003 11:00,`, 'l.csv')).toThrow(
      'l.csv:2: column Prob Fixed: expected a time ≥ Prob Started 9/13/2003 12:27, got 9/13/2003 11:00',
    );
    expect(() => parseLanlCsv(`${LANL_HEADER}\n3,4,1`, 'l.csv')).toThrow('l.csv:2: expected 8 fields as in the header, got 3');
    expect(() => parseLanlCsv(`${LANL_HEADER}\n`, 'l.csv')).toThrow('l.csv: expected failure records after the header, got none');
  });
});

describe('time cells', () => {
  it('reads LANL times and months, and rounds up to a day', () => {
    expect(lanlTime('6/21/2005 10:54')).toBe(Date.UTC(2005, 5, 21, 10, 54));
    expect(lanlTime('2/30/2005 10:54')).toBeNaN();
    expect(lanlMonth('3-Sep')).toBe(Date.UTC(2003, 8, 1));
    expect(lanlMonth('Nov-96')).toBe(Date.UTC(1996, 10, 1));
    expect(lanlMonth('current')).toBeUndefined();
    expect(ceilDay(Date.UTC(2006, 7, 9, 23, 22))).toBe(Date.UTC(2006, 7, 10));
    expect(ceilDay(Date.UTC(2006, 7, 10))).toBe(Date.UTC(2006, 7, 10));
  });
});

describe('readGrid5000 / readLanl', () => {
  it('say why when the files are missing, and read them when present', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const g = readGrid5000(empty);
    expect(g.data).toBeUndefined();
    expect(g.data === undefined && g.reason).toBe(`${join(empty, 'failure', 'grid5000', 'event_trace.tab.gz')} not found`);
    expect(readLanl(empty).data).toBeUndefined();
    const root = join(dir, 'root');
    mkdirSync(join(root, 'failure', 'grid5000'), { recursive: true });
    mkdirSync(join(root, 'failure', 'lanl'), { recursive: true });
    writeFileSync(join(root, 'failure', 'grid5000', 'event_trace.tab.gz'), gzipSync(FTA));
    writeFileSync(join(root, 'failure', 'lanl', 'lanl_failures_1996_2005.csv'), LANL);
    expect(readGrid5000(root).data?.[0]?.entities.length).toBe(2);
    expect(readLanl(root).data?.map((t) => t.name)).toEqual(['lanl', 'lanl_system']);
  });
});
