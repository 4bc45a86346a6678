import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeModelCards } from './write-cards.js';

const root = mkdtempSync(join(tmpdir(), 'homeostat-cards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('writeModelCards', () => {
  it('writes one card per model the engine registers, and an index', async () => {
    const policyText = readFileSync(new URL('../../policies/default.yaml', import.meta.url), 'utf8');
    const dir = join(root, 'cards');
    const files = await writeModelCards(dir, { policyText, retraining: { 'root-cause': { schedule: 'weekly', triggers: ['t1'] } } });
    expect(readdirSync(dir).sort()).toEqual([
      'README.md',
      'anomaly-calibrator.md',
      'anomaly-detector.md',
      'decision-policy.md',
      'demand-forecaster.md',
      'failure-risk.md',
      'root-cause-calibration.md',
      'root-cause.md',
    ]);
    expect(files.at(-1)).toBe(join(dir, 'README.md'));
    const detector = readFileSync(join(dir, 'anomaly-detector.md'), 'utf8');
    expect(detector).toContain('# Model card: anomaly-detector, version 1\n');
    expect(detector).toContain('Version | 1 of detector/robust-z');
    expect(detector).toContain('Generated from the Homeostat model registry at 2026-01-05T00:00:00.000Z');
    expect(detector).toContain('No retraining schedule given.');
    expect(readFileSync(join(dir, 'root-cause.md'), 'utf8')).toContain('Schedule: weekly.\n\nTriggers:\n\n- t1');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(
      '| anomaly-detector | `detector/robust-z` | 1 | [anomaly-detector.md](anomaly-detector.md) |',
    );
  });
});
