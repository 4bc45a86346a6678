import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { captureOutput } from '../../test/fixtures/capture-output.js';
import { registerPriorCalibrator, scoredAnomaly } from '../../test/fixtures/learning-fixture.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { trainCommand } from './train.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;

describe('homeostat train', () => {
  it('retrains the anomaly calibrator from the labels in the database, promotes the winner and prints why', async () => {
    const db = join(dir, 'h.db');
    const store = await openSqliteStore(db);
    await registerPriorCalibrator(store, T0);
    for (let i = 0; i < 60; i++) {
      const real = i % 3 === 0;
      const at = T0 + i * 10 * MIN;
      await store.insertAnomalies([scoredAnomaly(`an-${i}`, at, real ? 13 + (i % 4) : 7 + (i % 2))]);
      await store.insertFeedback([
        {
          id: `fb-${i}`,
          at: at + MIN,
          subjectType: 'anomaly',
          subjectId: `an-${i}`,
          label: real ? 'true_positive' : 'false_positive',
          source: 'operator',
        },
      ]);
    }
    await store.close();

    const output = captureOutput();
    const at = new Date(T0 + 86_400_000).toISOString();
    expect(await trainCommand(['anomaly-calibrator', '--db', db, '--by', 'alice', '--at', at], {})).toBe(0);
    expect(output.printed).toMatch(/^anomaly-calibrator: 60 labelled outputs \(42 to fit, 18 to validate\)\n/);
    expect(output.printed).toMatch(/served config\s+log-loss/);
    expect(output.printed).toMatch(/challenger v2\s+log-loss/);
    expect(output.printed).toMatch(/promoted: log-loss [\d.]+ vs champion/);
    const after = await openSqliteStore(db);
    expect(await after.getModelAliases('anomaly-calibrator')).toEqual({ champion: 2 });
    const [event] = (await after.listModelAliasEvents('anomaly-calibrator')).slice(-1);
    expect(event).toMatchObject({ version: 2, by: 'alice' });
    expect((await after.listModelVersions('anomaly-calibrator'))[1]?.lineage).toMatchObject({ trainedBy: 'alice', trigger: 'manual' });
    await after.close();
  });

  it('names what is wrong: an unknown model, a missing database, a model never registered', async () => {
    await expect(trainCommand(['detector'], {})).rejects.toThrow(
      'homeostat train: expected a model, one of anomaly-calibrator, root-cause-calibration (got "detector")',
    );
    await expect(trainCommand(['anomaly-calibrator', '--db', join(dir, 'none.db')], {})).rejects.toThrow(/no database at .*none\.db/);
    const empty = join(dir, 'empty.db');
    await (await openSqliteStore(empty)).close();
    captureOutput();
    await expect(trainCommand(['root-cause-calibration', '--db', empty], {})).rejects.toThrow(
      /has no registered model root-cause-calibration \(an engine registers it at start: run homeostat up once\)/,
    );
  });
});
