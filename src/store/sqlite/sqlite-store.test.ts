import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { HomeostatError } from '../../errors.js';
import type { Decision } from '../../records/types.js';
import { storeContract } from '../store-contract.js';
import { openSqliteStore } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

storeContract('sqlite :memory:', () => openSqliteStore(':memory:'));

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'homeostat-sqlite-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function decision(id: string, at: number): Decision {
  return {
    id,
    at,
    kind: 'act',
    subject: 'inc-1',
    model: { kind: 'policy/table', version: '1' },
    inputs: { n: at },
    output: 'restart',
    confidence: 0.9,
    explanation: 'because',
    latencyMs: 0.5,
  };
}

describe('SqliteStore on a file', () => {
  it('creates the parent folders, runs in WAL mode, and records the migrations once', async () => {
    const path = join(scratch, 'nested', 'deeper', 'h.db');
    const store = await openSqliteStore(path, { clock: new ManualClock(1_700_000_000_000) });
    await store.close();
    const again = await openSqliteStore(path, { clock: new ManualClock(1_800_000_000_000) });
    await again.close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all()).toEqual([
        { version: 1, name: 'initial', applied_at: 1_700_000_000_000 },
        { version: 2, name: 'decisions_append_only', applied_at: 1_700_000_000_000 },
        { version: 3, name: 'registry', applied_at: 1_700_000_000_000 },
      ]);
    } finally {
      raw.close();
    }
  });

  it('rejects a raw UPDATE or DELETE of a decision', async () => {
    const path = join(scratch, 'append-only.db');
    const store = await openSqliteStore(path);
    await store.appendDecisions([decision('d1', 1_000)]);
    const raw = new Database(path);
    try {
      expect(() => raw.prepare("UPDATE decisions SET subject = 'forged'").run()).toThrow('decisions are append-only');
      expect(() => raw.prepare('DELETE FROM decisions').run()).toThrow('decisions are append-only');
    } finally {
      raw.close();
    }
    expect(await store.listDecisions()).toEqual([decision('d1', 1_000)]);
    await store.close();
  });

  it('a resolved write is on disk for another connection before close()', async () => {
    const path = join(scratch, 'no-close.db');
    const store = await openSqliteStore(path);
    await store.appendDecisions([decision('d1', 1_000), decision('d2', 2_000)]);
    await store.appendPoints([
      { seriesId: 's1', t: 60_000, v: 1.5 },
      { seriesId: 's1', t: 120_000, v: 2.5 },
    ]);
    expect(existsSync(`${path}-wal`)).toBe(true);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT id FROM decisions ORDER BY id').pluck().all()).toEqual(['d1', 'd2']);
      expect(raw.prepare('SELECT t, v FROM points ORDER BY t').all()).toEqual([
        { t: 60_000, v: 1.5 },
        { t: 120_000, v: 2.5 },
      ]);
    } finally {
      raw.close();
    }
    await store.close();
  });

  it('keeps every acknowledged write when the writing process is killed with SIGKILL', async () => {
    const dist = buildDistCopy(join(scratch, 'copy'));
    const path = join(scratch, 'crash', 'crash.db');
    const runner = join(dist, '..', 'crash-writer.mjs');
    writeFileSync(
      runner,
      `import { openSqliteStore } from './dist/store/sqlite/sqlite-store.js';
const store = await openSqliteStore(process.argv[2]);
for (let i = 0; i < 1_000_000; i++) {
  await store.appendDecisions([{ id: 'd' + String(i).padStart(7, '0'), at: i, kind: 'act', subject: 'crash',
    model: { kind: 'k', version: '1' }, inputs: i, output: null, confidence: 1, explanation: 'x', latencyMs: 0 }]);
  await store.appendPoints([{ seriesId: 's', t: i, v: i / 2 }]);
  process.stdout.write(i + '\\n');
}
`,
    );
    const { acknowledged, signal } = await runUntilKilled(runner, [path], 300);
    expect(signal).toBe('SIGKILL');
    expect(acknowledged).toBeGreaterThanOrEqual(300);
    expect(existsSync(`${path}-wal`)).toBe(true);

    const store = await openSqliteStore(path);
    const points = await store.readPoints('s', 0, Number.MAX_SAFE_INTEGER);
    expect(points.length).toBeGreaterThanOrEqual(acknowledged + 1);
    expect(points.slice(0, acknowledged + 1).every((p, i) => p.t === i && p.v === i / 2)).toBe(true);
    const decisions = await store.listDecisions({ subject: 'crash', limit: 10_000 });
    expect(decisions.length).toBeGreaterThanOrEqual(acknowledged + 1);
    expect(decisions.at(-1)?.id).toBe('d0000000');
    await store.close();
  });
});

describe('migrations', () => {
  function folder(name: string, files: Record<string, string>): string {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, file), sql);
    return dir;
  }

  it('apply in version order, each once, skipping other dialects and other files', async () => {
    const dir = folder('m-order', {
      '010_ten.sql': 'INSERT INTO a VALUES (10);',
      '001_create.sql': 'CREATE TABLE a (x INTEGER);',
      '002_two.sql': 'INSERT INTO a VALUES (2);',
      '003_pg_only.postgres.sql': 'THIS IS NOT SQLITE;',
      'README.md': 'not a migration',
    });
    const path = join(scratch, 'm-order.db');
    await (await openSqliteStore(path, { migrationsDir: dir })).close();
    writeFileSync(join(dir, '011_eleven.sqlite.sql'), 'INSERT INTO a VALUES (11);');
    await (await openSqliteStore(path, { migrationsDir: dir })).close();
    await (await openSqliteStore(path, { migrationsDir: dir })).close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT x FROM a').pluck().all()).toEqual([2, 10, 11]);
      expect(raw.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2, 10, 11]);
    } finally {
      raw.close();
    }
  });

  it('a failing migration is reported, rolled back and not recorded', async () => {
    const dir = folder('m-bad', {
      '001_ok.sql': 'CREATE TABLE a (x INTEGER);',
      '002_bad.sql': 'INSERT INTO a VALUES (1); CREATE TABLE broken (;',
    });
    const path = join(scratch, 'm-bad.db');
    const error = await openSqliteStore(path, { migrationsDir: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HomeostatError);
    expect((error as HomeostatError).code).toBe('internal');
    expect((error as HomeostatError).message).toMatch(/^migration 2_bad failed: /);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.prepare('SELECT count(*) FROM a').pluck().get()).toBe(0);
      expect(raw.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
    } finally {
      raw.close();
    }
  });

  it('two files with one version are refused', async () => {
    const dir = folder('m-twice', { '001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 2;' });
    await expect(openSqliteStore(':memory:', { migrationsDir: dir })).rejects.toThrow(/migration version 1 is used twice .*\(a and b\)/);
  });
});

/**
 * Transpiles sqlite-store.ts and everything it imports into `<root>/dist/…` — the layout of a
 * build — so a plain `node` child runs the real adapter (and its default migrations URL).
 * @returns the copy's `dist` folder.
 */
function buildDistCopy(root: string): string {
  const dist = join(root, 'dist');
  const src = join(REPO, 'src');
  const pending = [join(src, 'store', 'sqlite', 'sqlite-store.ts')];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const imported of ts.preProcessFile(text, true, true).importedFiles) {
      if (imported.fileName.startsWith('.')) {
        pending.push(resolve(dirname(file), imported.fileName.replace(/\.js$/, '.ts')));
      }
    }
    const out = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const target = join(dist, relative(src, file).replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  symlinkSync(join(REPO, 'migrations'), join(root, 'migrations'), 'dir');
  return dist;
}

/**
 * Runs a node script that prints one acknowledged write index per line and kills it with
 * SIGKILL as soon as it has acknowledged `killAfter`.
 * @returns the highest index the child acknowledged and the signal that ended it.
 */
function runUntilKilled(
  script: string,
  args: readonly string[],
  killAfter: number,
): Promise<{ acknowledged: number; signal: NodeJS.Signals | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acknowledged = -1;
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) acknowledged = Math.max(acknowledged, Number(line));
      if (acknowledged >= killAfter && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (signal === null) fail(new Error(`writer exited with code ${code} before being killed: ${stderr}`));
      else done({ acknowledged, signal });
    });
  });
}
