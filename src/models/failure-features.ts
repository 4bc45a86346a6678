/**
 * @module models/failure-features
 * The feature row of the trained failure-risk models (`risk/failure-trees`, the failure bench's
 * simulated fleet): the {@link FailureFeatures} vector of an entity, made finite where trees and
 * linear models need it, computed by the same function for training and for online inference.
 *
 * Algorithm: copy the 16 features of {@link FAILURE_FEATURE_NAMES} in order; a time (projected time
 * to exhaustion, minutes since the last anomaly) that is Infinity ("not heading there", "never")
 * becomes {@link FAILURE_TIME_CAP_MIN} (7 days), and every time is clamped to [0, cap] — beyond a
 * week, time to exhaustion says nothing about a 6-hour horizon, and XGBoost rejects infinities.
 * Unknown levels and slopes stay NaN: trees send them down the learned default branch, and the
 * bench's logistic regression imputes the mean.
 *
 * Works for: any entity whose FailureFeatures window is fed as the engine feeds it. Fails when the
 * feature window settings (window length, staleness) differ between training and serving: the
 * vector then means something else — which is why `risk/failure-trees` carries them in its config.
 * Reference: XGBoost's sparsity-aware split finding (missing values take a learned default
 * direction) — T. Chen & C. Guestrin, "XGBoost", KDD 2016, §3.4.
 */
import { invalid } from '../errors.js';
import { FAILURE_FEATURE_NAMES, type FailureFeatureName, type FailureFeatureVector } from './failure-risk.js';

/** Cap of every time feature (minutes): 7 days. Infinity ("no projected exhaustion") becomes this. */
export const FAILURE_TIME_CAP_MIN = 7 * 24 * 60;

/** Names of the columns of {@link failureTreeRow}, in order (those of the FailureFeatures vector). */
export const FAILURE_TREE_FEATURE_NAMES: readonly FailureFeatureName[] = FAILURE_FEATURE_NAMES;

/** How a column reads, for models that transform it (the bench's logistic regression). */
export type FailureColumnKind = 'level' | 'minutes' | 'count' | 'rate';

/** Kind of each column of {@link FAILURE_TREE_FEATURE_NAMES}: times in minutes, counts, rates, the rest levels. */
export const FAILURE_TREE_FEATURE_KINDS: readonly FailureColumnKind[] = FAILURE_TREE_FEATURE_NAMES.map((name) =>
  name.endsWith('_tte_min') || name === 'minutes_since_anomaly'
    ? 'minutes'
    : name === 'restarts_last_hour'
      ? 'count'
      : name.startsWith('ecc_') && name !== 'ecc_ratio'
        ? 'rate'
        : 'level',
);

const TIME_COLUMNS: readonly number[] = FAILURE_TREE_FEATURE_KINDS.flatMap((k, i) => (k === 'minutes' ? [i] : []));

/**
 * The model row of one feature vector: a copy with every time column clamped to
 * [0, {@link FAILURE_TIME_CAP_MIN}] (Infinity → the cap, NaN kept).
 * @param out optional row to fill (length {@link FAILURE_TREE_FEATURE_NAMES}.length); a new one otherwise.
 * @throws HomeostatError invalid_argument when the vector does not carry FAILURE_FEATURE_NAMES in order.
 * @example failureTreeRow(features.features(t)) // Float64Array of 16, finite times
 */
export function failureTreeRow(vector: FailureFeatureVector, out?: Float64Array): Float64Array {
  const n = FAILURE_TREE_FEATURE_NAMES.length;
  if (vector.values.length !== n || vector.names.length !== n || vector.names.some((name, i) => name !== FAILURE_TREE_FEATURE_NAMES[i])) {
    throw invalid(
      `failureTreeRow: expected the ${n} features of FAILURE_FEATURE_NAMES in order (got ${vector.names.length}: ${vector.names.join(', ')})`,
    );
  }
  const row = out ?? new Float64Array(n);
  if (row.length !== n) throw invalid(`failureTreeRow: out must hold ${n} values (got ${row.length})`);
  row.set(vector.values);
  for (const j of TIME_COLUMNS) {
    const v = row[j] as number;
    if (!Number.isNaN(v)) row[j] = Math.min(FAILURE_TIME_CAP_MIN, Math.max(0, v));
  }
  return row;
}
