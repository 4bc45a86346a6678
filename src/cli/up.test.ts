import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFailureModel, SIM_FAILURE_MODEL } from './up.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readFailureModel', () => {
  it('reads the shipped simulator model: its config with the trees and their calibration', () => {
    const config = readFailureModel(SIM_FAILURE_MODEL);
    expect(config.horizonMs).toBe(6 * 3_600_000);
    expect(config.features).toMatchObject({ countMode: 'per-sample' });
    expect((config.platt as { a: number }).a).toBeGreaterThan(0);
  });

  it('says which file was wrong and what it expected', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"kind": "risk/failure-heuristic", "config": {}}');
    expect(() => readFailureModel(bad)).toThrow(
      `--failure-model ${bad}: expected {"kind": "risk/failure-trees", "config": {…}} as written by bench/failure/train-sim (got kind "risk/failure-heuristic")`,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"kind": ');
    expect(() => readFailureModel(broken)).toThrow(new RegExp(`^--failure-model ${broken}: cannot read a JSON model file`));
    const untrained = join(dir, 'untrained.json');
    writeFileSync(untrained, '{"kind": "risk/failure-trees", "config": {"threshold": 2}}');
    expect(() => readFailureModel(untrained)).toThrow(/risk\/failure-trees: /);
  });
});
