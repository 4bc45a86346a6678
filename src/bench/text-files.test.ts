import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { csvFields, isDir, readText, textLines } from './text-files.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text-files', () => {
  it('reads plain and gzipped text, and names a broken gzip file', () => {
    writeFileSync(join(dir, 'a.txt'), 'x,y\n');
    writeFileSync(join(dir, 'a.txt.gz'), gzipSync('x,y\n'));
    writeFileSync(join(dir, 'bad.gz'), 'not gzip');
    expect(readText(join(dir, 'a.txt'))).toBe('x,y\n');
    expect(readText(join(dir, 'a.txt.gz'))).toBe('x,y\n');
    expect(() => readText(join(dir, 'bad.gz'))).toThrow(new RegExp(`^${join(dir, 'bad.gz')}: not a readable gzip file`));
    expect(isDir(dir)).toBe(true);
    expect(isDir(join(dir, 'a.txt'))).toBe(false);
  });

  it('splits lines without BOM, CR or a final empty line, and CSV fields with quotes', () => {
    expect(textLines('\uFEFFa\r\nb\n')).toEqual(['a', 'b']);
    expect(textLines('a\n\nb')).toEqual(['a', '', 'b']);
    expect(csvFields('a,"b,c",d')).toEqual(['a', 'b,c', 'd']);
    expect(csvFields('"say ""hi""",2')).toEqual(['say "hi"', '2']);
  });
});
