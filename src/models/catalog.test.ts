import { describe, expect, it } from 'vitest';
import type { Point } from '../telemetry/types.js';
import { HomeostatError } from '../errors.js';
import {
  createDetector,
  createForecaster,
  createModel,
  DETECTOR_SPECS,
  FORECASTER_SPECS,
  getSpec,
  isModelKind,
  MODEL_CATALOG,
  MULTI_DETECTOR_SPECS,
  RISK_SPECS,
  CALIBRATOR_SPECS,
} from './catalog.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';
import { checkDetectorSpec } from './detector-contract.js';
import { checkForecasterSpec } from './forecaster-contract.js';
import { robustZSpec } from './robust-z.js';
import { seasonalNaiveSpec } from './seasonal-naive.js';

describe('MODEL_CATALOG', () => {
  it('lists every kind under its own kind name', () => {
    expect(Object.keys(MODEL_CATALOG)).toEqual(
      expect.arrayContaining(['detector/robust-z', 'forecaster/seasonal-naive', 'risk/failure-heuristic', 'calibrator/logistic']),
    );
    expect(Object.keys(MODEL_CATALOG)).toEqual(
      [...DETECTOR_SPECS, ...FORECASTER_SPECS, ...RISK_SPECS, ...CALIBRATOR_SPECS, ...MULTI_DETECTOR_SPECS].map((s) => s.kind),
    );
    for (const [kind, spec] of Object.entries(MODEL_CATALOG)) expect(spec.kind).toBe(kind);
    for (const spec of [...DETECTOR_SPECS, ...FORECASTER_SPECS]) expect(isModelKind(spec.kind)).toBe(true);
  });

  it('getSpec finds a kind or says which kinds exist', () => {
    expect(getSpec('detector/robust-z')).toBe(robustZSpec);
    let error: unknown;
    try {
      getSpec('detector/nope');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HomeostatError);
    expect((error as HomeostatError).code).toBe('not_found');
    expect((error as Error).message).toBe(`unknown model kind "detector/nope" (known kinds: ${Object.keys(MODEL_CATALOG).join(', ')})`);
    expect(isModelKind('toString')).toBe(false);
  });
});

describe('createModel', () => {
  it('parses the config and restores state by kind, as the registry does', () => {
    const d = createDetector('detector/robust-z', { warmupPoints: 2 });
    d.learn({ t: 0, v: 5 });
    d.learn({ t: 60_000, v: 5 });
    const again = createDetector('detector/robust-z', { warmupPoints: 2 }, JSON.parse(JSON.stringify(d.state())));
    expect(again.score({ t: 120_000, v: 6 })?.raw).toBeCloseTo(20, 9); // floor 0.01 · 5 = 0.05
    expect(createModel('calibrator/logistic', { center: 2 }).state()).toEqual({ version: 1, center: 2, width: 1 });
    expect(createForecaster('forecaster/seasonal-naive').forecast(1)).toBeUndefined();
    expect(() => createModel('detector/robust-z', { alhpa: 1 })).toThrow('detector/robust-z: unknown key "alhpa"');
    expect(() => createDetector('forecaster/seasonal-naive')).toThrow(
      `forecaster/seasonal-naive is not a detector (detectors: ${DETECTOR_SPECS.map((s) => s.kind).join(', ')})`,
    );
    expect(() => createForecaster('nope/x')).toThrow('unknown model kind "nope/x"');
  });
});

describe('detector contract', () => {
  for (const spec of DETECTOR_SPECS) {
    it(`${spec.kind} honours the detector contract`, () => {
      expect(checkDetectorSpec(spec)).toEqual([]);
    });
  }
  it('detector/robust-z honours it with a short warm-up and one-sided direction too', () => {
    expect(checkDetectorSpec(robustZSpec, robustZSpec.parse({ warmupPoints: 1, direction: 'up', alpha: 0.2 }))).toEqual([]);
  });

  it('catches a detector whose score learns and whose state does not restore', () => {
    class Leaky implements Detector {
      n = 0;
      score(p: Point): DetectorScore | undefined {
        this.n++;
        return this.n < 5 || !Number.isFinite(p.v) ? undefined : { raw: this.n, expected: 0, actual: p.v, contributors: [] };
      }
      learn(): void {}
      state(): unknown {
        return { version: 1, n: this.n };
      }
    }
    const leaky: ModelSpec<unknown, Detector> = {
      ...robustZSpec,
      kind: 'detector/leaky',
      create: (_config, state) => (state === undefined ? new Leaky() : robustZSpec.create(robustZSpec.defaults)),
    } as ModelSpec<unknown, Detector>;
    const failures = checkDetectorSpec(leaky, robustZSpec.defaults);
    expect(failures).toContain('detector/leaky: score must give the same result when called twice');
    expect(failures).toContain('detector/leaky: score must not change the state');
    expect(failures).toContain('detector/leaky: a detector restored from JSON state must score bit for bit like the original');
  });
});

describe('forecaster contract', () => {
  for (const spec of FORECASTER_SPECS) {
    it(`${spec.kind} honours the forecaster contract with its defaults`, () => {
      expect(checkForecasterSpec(spec)).toEqual([]);
    });
  }
  it('forecaster/seasonal-naive honours it in seasonal mode (short season)', () => {
    const config = seasonalNaiveSpec.parse({ seasonPoints: 60, errorPoints: 50 });
    expect(checkForecasterSpec(seasonalNaiveSpec, config, 150)).toEqual([]);
  });
});
