import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../clock.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { registryCommand } from './registry.js';

const root = mkdtempSync(join(tmpdir(), 'homeostat-registry-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T0 = Date.UTC(2024, 4, 1);
const HOUR = 3_600_000;
let db: string;
let n = 0;

beforeEach(async () => {
  db = join(root, `h${n++}.db`);
  const store = await openSqliteStore(db);
  await store.upsertModel({ name: 'demand-forecaster', kind: 'forecaster/holt-winters', description: 'daily demand', createdAt: T0 });
  for (const v of [1, 2]) {
    await store.putModelVersion({
      name: 'demand-forecaster',
      version: v,
      kind: 'forecaster/holt-winters',
      specVersion: 1,
      config: { level: 0.9 },
      state: { secret: 'state is never printed' },
      metrics: v === 2 ? { mae: 12.5 } : {},
      stage: 'none',
      createdAt: T0 + v * HOUR,
    });
  }
  await store.insertModelOutcomes([
    { id: 'a', name: 'demand-forecaster', version: 2, at: T0 + 3 * HOUR, kind: 'regression', error: 4, relError: 0.1, covered: true },
    { id: 'b', name: 'demand-forecaster', version: 2, at: T0 + 3 * HOUR, kind: 'regression', error: 6, relError: 0.3, covered: false },
  ]);
  await store.close();
});
afterEach(() => vi.restoreAllMocks());

async function run(...argv: string[]): Promise<string> {
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  expect(await registryCommand([...argv, '--db', db], { clock: new ManualClock(T0 + 4 * HOUR), env: {} })).toBe(0);
  const text = stdout.mock.calls.map((c) => String(c[0])).join('');
  stdout.mockRestore();
  return text;
}

describe('homeostat registry', () => {
  it('list prints a table of models; --json omits state', async () => {
    const text = await run('list');
    expect(text).toBe(
      `homeostat registry: 1 model in ${db}\n` +
        'model              kind                     versions  serving  champion  challenger  updated\n' +
        'demand-forecaster  forecaster/holt-winters  2         2        -         -           2024-05-01T02:00:00.000Z\n',
    );
    const json = JSON.parse(await run('list', '--json'));
    expect(json[0].serving).toBe(2);
    expect(json[0].versions[1]).toMatchObject({ version: 2, metrics: { mae: 12.5 } });
    expect(JSON.stringify(json)).not.toContain('state is never printed');
  });

  it('promote, show with live metrics and history, rollback', async () => {
    expect(await run('promote', 'demand-forecaster', '1', '--reason', 'baseline')).toBe(
      'homeostat registry: demand-forecaster champion none → 1\n',
    );
    expect(await run('promote', 'demand-forecaster', '2', '--by', 'alice')).toBe(
      'homeostat registry: demand-forecaster champion 1 → 2 (version 1 archived)\n',
    );
    const show = await run('show', 'demand-forecaster');
    expect(show).toContain('demand-forecaster (forecaster/holt-winters): daily demand\nserving: 2\n');
    expect(show).toMatch(/\n2 +champion +champion +2024-05-01T02:00:00\.000Z +engine +mae=12\.5 +2 +- +- +5\n/);
    expect(show).toMatch(/champion +1 +2024-05-01T04:00:00\.000Z +2024-05-01T04:00:00\.000Z +cli +baseline\n/);
    expect(show).toMatch(/champion +2 +2024-05-01T04:00:00\.000Z +now +alice +promoted with homeostat registry promote\n/);
    const shown = JSON.parse(await run('show', 'demand-forecaster', '--json'));
    expect(shown.live[1].overall.regression).toEqual({ n: 2, mae: 5, meanRelError: 0.2, coverage: 0.5, withInterval: 2 });
    expect(await run('rollback', 'demand-forecaster')).toBe(
      'homeostat registry: demand-forecaster rolled back, champion 2 → 1 (version 2 archived)\n',
    );
    expect(await run('promote', 'demand-forecaster', '1')).toBe(
      'homeostat registry: demand-forecaster version 1 is already the champion; nothing changed\n',
    );
  });

  it('card prints Markdown or writes it to --out', async () => {
    const card = await run('card', 'demand-forecaster', '--version', '2');
    expect(card).toContain('# Model card: demand-forecaster, version 2\n');
    expect(card).toContain('| all | 2 | 5.000 | 0.200 | 0.500 |');
    const out = join(root, 'card.md');
    expect(await run('card', 'demand-forecaster', '--out', out)).toBe(
      `homeostat registry: wrote the model card of demand-forecaster to ${out}\n`,
    );
    expect(readFileSync(out, 'utf8')).toContain('# Model card: demand-forecaster, version 2\n');
  });

  it('says what is wrong', async () => {
    await expect(registryCommand(['--db', db])).rejects.toThrow(
      'homeostat registry: expected a sub-command, one of list, show, promote, rollback, card (got undefined; see homeostat registry --help)',
    );
    await expect(registryCommand(['show', '--db', join(root, 'none.db')])).rejects.toThrow(/^homeostat registry: no database at /);
    await expect(registryCommand(['show', '--db', db])).rejects.toThrow('homeostat registry show: expected <name> (got nothing)');
    await expect(registryCommand(['promote', 'demand-forecaster', 'two', '--db', db])).rejects.toThrow(
      'homeostat registry promote: version must be an integer >= 1 (got "two")',
    );
    await expect(registryCommand(['show', 'nope', '--db', db])).rejects.toThrow('model "nope" not found (registered: demand-forecaster)');
    await expect(registryCommand(['rollback', 'demand-forecaster', '--db', db])).rejects.toThrow(
      'model "demand-forecaster" has no champion to roll back (promote a version first)',
    );
  });
});
