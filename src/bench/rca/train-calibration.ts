/**
 * @module bench/rca/train-calibration
 * Refits the two calibrations shipped with the case ranker (`rca/metric-rank`) from the dev cases
 * of the datasets root, as they were fitted: `DEFAULT_RANKER_CALIBRATION` (candidate ranking:
 * Sock Shop runs 1–2, PetShop train issues) and `DEFAULT_ATTRIBUTION_CALIBRATION` (per-metric
 * attribution: SMD machine-1-*). Report cases are never read into a fit. Prints both constants to
 * paste into src/rca/metric-ranker.ts and src/rca/metric-attribution.ts, beside the shipped ones.
 *
 * Run with `npm run train:rca-case-calibration` after `npm run build` (a few seconds; data root
 * `../shared/datasets` unless given as the first argument).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { invalid } from '../../errors.js';
import type { RcaCase } from '../../rca/case-types.js';
import { type AttributionCalibration, DEFAULT_ATTRIBUTION_CALIBRATION, fitAttributionCalibration } from '../../rca/metric-attribution.js';
import { DEFAULT_RANKER_CALIBRATION, fitRankerCalibration, type RankerCalibration } from '../../rca/metric-ranker.js';
import { readPetshop, readSmdAttribution, readSockShop } from './datasets.js';

/** What {@link fitCaseCalibrations} fitted, and on how many dev cases. */
export interface CaseCalibrations {
  readonly ranker: RankerCalibration;
  readonly attribution: AttributionCalibration;
  /** Dev cases given to each fit (each fit keeps those it can use: see fitRankerCalibration, fitAttributionCalibration). */
  readonly devCases: number;
}

/**
 * Fits both calibrations on the `dev` cases among `cases` (with the default settings); `report`
 * cases and cases without a split are left out.
 * @throws HomeostatError invalid_argument when there is no dev case, or as the fits do (no usable case).
 * @example fitCaseCalibrations([...readSockShop(root).data ?? [], ...readSmdAttribution(root).data ?? []])
 */
export function fitCaseCalibrations(cases: readonly RcaCase[]): CaseCalibrations {
  const dev = cases.filter((c) => c.split === 'dev');
  if (dev.length === 0) throw invalid(`fitCaseCalibrations: expected dev cases (got none among ${cases.length})`);
  return { ranker: fitRankerCalibration(dev), attribution: fitAttributionCalibration(dev), devCases: dev.length };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(process.argv[2] ?? '../shared/datasets');
  const cases: RcaCase[] = [];
  for (const loaded of [readSockShop(root), readPetshop(root), readSmdAttribution(root)]) {
    if (loaded.data === undefined) process.stderr.write(`skipped: ${loaded.reason}\n`);
    else cases.push(...loaded.data);
  }
  const fitted = fitCaseCalibrations(cases);
  process.stdout.write(
    `// ${fitted.devCases} dev cases under ${root}\n` +
      `export const DEFAULT_RANKER_CALIBRATION: RankerCalibration = ${JSON.stringify(fitted.ranker)}; // shipped: ${JSON.stringify(DEFAULT_RANKER_CALIBRATION)}\n` +
      `export const DEFAULT_ATTRIBUTION_CALIBRATION: AttributionCalibration = ${JSON.stringify(fitted.attribution)}; // shipped: ${JSON.stringify(DEFAULT_ATTRIBUTION_CALIBRATION)}\n`,
  );
}
