/**
 * @module bench/train-rca-calibration
 * Rebuilds the prior of the root-cause calibration (`DEFAULT_RCA_CALIBRATION` in
 * rca/calibration.ts): runs the loop benchmark on the dev seeds with calibration off, pools the
 * decision-time rankings (raw top-1 confidence, right or not) into pool-adjacent-violators
 * blocks, and prints them as the TypeScript constant to paste. The held-out seeds (101–103) are
 * never run here.
 *
 * Run with `npm run train:rca-calibration` (about 4 minutes here) after `npm run build`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { poolAdjacentViolators, type IsotonicBlock } from '../models/isotonic-calibrator.js';
import { type RcaDecisionCase, runLoopBench } from './loop.js';

/** The loop benchmark's dev seeds: every setting of the loop was chosen on them. */
export const RCA_CALIBRATION_SEEDS: readonly number[] = [3, 7, 11, 12, 13, 21, 22, 23];

/**
 * The PAV blocks of decision-time rankings, rounded for the source file (x to 4 decimals).
 * @example calibrationBlocks([{ raw: 0.9, correct: true }, { raw: 0.4, correct: false }])
 */
export function calibrationBlocks(cases: readonly Pick<RcaDecisionCase, 'raw' | 'correct'>[]): IsotonicBlock[] {
  return poolAdjacentViolators(cases.map((c) => ({ x: c.raw, n: 1, positives: c.correct ? 1 : 0 }))).map((b) => ({
    x: Math.round(b.x * 10_000) / 10_000,
    n: b.n,
    positives: b.positives,
  }));
}

/** Runs the dev seeds and returns their decision-time cases. */
export async function collectCalibrationCases(
  policyPath: string,
  seeds: readonly number[] = RCA_CALIBRATION_SEEDS,
  log: (line: string) => void = () => {},
): Promise<RcaDecisionCase[]> {
  const cases: RcaDecisionCase[] = [];
  for (const seed of seeds) {
    const m = await runLoopBench({ days: 3, faults: 24, seed, policyPath, models: { rcaCalibrated: false } });
    log(`seed ${seed}: ${m.rca_cases.length} decisions, ${m.rca_cases.filter((c) => c.correct).length} right at top-1`);
    cases.push(...m.rca_cases);
  }
  return cases;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const policy = resolve(new URL('../../policies/default.yaml', import.meta.url).pathname);
  const cases = await collectCalibrationCases(policy, RCA_CALIBRATION_SEEDS, (line) => process.stderr.write(`${line}\n`));
  const blocks = calibrationBlocks(cases);
  process.stdout.write(
    `// ${cases.length} decision-time rankings, seeds ${RCA_CALIBRATION_SEEDS.join(', ')}\nexport const DEFAULT_RCA_CALIBRATION: IsotonicCalibratorState = isotonicPrior([\n${blocks
      .map((b) => `  { x: ${b.x}, n: ${b.n}, positives: ${b.positives} },`)
      .join('\n')}\n]);\n`,
  );
}
