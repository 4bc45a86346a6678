import { describe, expect, it } from 'vitest';
import { parseMetricTable, parseTimestamp } from './csv-table.js';

describe('parseTimestamp', () => {
  it('reads epoch seconds, epoch milliseconds and ISO 8601 (UTC when no zone)', () => {
    expect(parseTimestamp('1700000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000123')).toBe(1_700_000_000_123);
    expect(parseTimestamp('2024-01-05 10:00:00')).toBe(Date.UTC(2024, 0, 5, 10));
    expect(parseTimestamp('2024-01-05T10:00:00+02:00')).toBe(Date.UTC(2024, 0, 5, 8));
    expect(parseTimestamp('2024-01-05')).toBe(Date.UTC(2024, 0, 5));
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });
});

describe('parseMetricTable', () => {
  it('parses columns, ignores label and blank lines, reads missing cells as NaN, handles BOM, CRLF and quotes', () => {
    const t = parseMetricTable('\uFEFFtimestamp,cpu,"mem, MB",label\r\n1700000000,0.5,10,0\r\n\r\n1700000060,,NaN,1\r\n', 'x.csv');
    expect(t.metrics).toEqual(['cpu', 'mem, MB']);
    expect([...t.timestamps]).toEqual([1_700_000_000_000, 1_700_000_060_000]);
    expect(t.columns[0]?.[0]).toBe(0.5);
    expect(Number.isNaN(t.columns[0]?.[1])).toBe(true);
    expect(t.columns[1]?.[0]).toBe(10);
    expect(Number.isNaN(t.columns[1]?.[1])).toBe(true);
  });

  it('names the line, column, expectation and received value on bad input', () => {
    expect(() => parseMetricTable('time,cpu\n1,2\n', 'a.csv')).toThrow(/a\.csv: header has no timestamp column .*got "time,cpu"/);
    expect(() => parseMetricTable('timestamp,cpu\n1,x\n', 'a.csv')).toThrow(
      /a\.csv line 2, column "cpu": expected a number or an empty cell \(got "x"\)/,
    );
    expect(() => parseMetricTable('timestamp,cpu\n1\n', 'a.csv')).toThrow(/line 2: expected 2 fields as in the header, got 1/);
    expect(() => parseMetricTable('timestamp,cpu\nsoon,1\n', 'a.csv')).toThrow(/line 2: timestamp must be ISO 8601 .*got "soon"/);
    expect(() => parseMetricTable('timestamp,cpu,cpu\n1,1,1\n', 'a.csv')).toThrow(/"cpu" appears twice/);
    expect(() => parseMetricTable('timestamp,label\n1,0\n', 'a.csv')).toThrow(/no metric column/);
    expect(() => parseMetricTable('timestamp,cpu\n', 'a.csv')).toThrow(/no data rows/);
    expect(() => parseMetricTable('', 'a.csv')).toThrow(/empty file/);
    expect(() => parseMetricTable('timestamp,cpu\n1,"2\n', 'a.csv')).toThrow(/unterminated quoted field/);
  });
});
