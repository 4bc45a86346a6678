/**
 * @module registry/model-limits
 * What each model kind is for, what counts as an outcome of it, and its known limits, for model
 * cards. Written from the opening comments of the model files ("Works for / Fails on"); a kind not
 * listed falls back to its family (`detector/`, `forecaster/` …).
 */

/** The card text of one model kind. */
export interface KindNotes {
  /** What the model is for, in the loop. */
  readonly use: string;
  /** What a live outcome of it is (how live accuracy is measured). */
  readonly outcome: string;
  /** Known limits: where it fails. */
  readonly limits: readonly string[];
  /** The file the notes come from. */
  readonly source: string;
}

const DETECTOR_USE =
  'Scores each point of one series for how unusual it is (higher = more anomalous), score then learn, so a point is never scored against itself. It never decides what is an alert: its raw score goes through the series calibrator and the alert rule (by default confidence ≥ 0.9 on 2 points, or a utilisation at or above its saturation ceiling while ≥ 3σ above a baseline under it) before an anomaly is raised.';
const DETECTOR_OUTCOME =
  'an anomaly it raised, confirmed (`true_positive`) or rejected (`false_positive`) by an operator or verification; accuracy is then the precision of raised anomalies, at the confidence the anomaly carried';
const CALIBRATOR_OUTCOME = 'a labelled case (true or false) at the probability the calibrator gave';
const FORECASTER_USE =
  'Forecasts demand per capacity series (24 h ahead on 5-minute means) with an interval; the capacity plan reads it to give headroom, the probability of saturation and a scale-out recommendation.';
const FORECASTER_OUTCOME = 'a forecast meeting its actual: absolute and relative error, and whether the actual fell inside the interval';
const RISK_USE =
  'Gives each entity the probability that it fails within the next 6 h, every 15 minutes, with the indicators that raise it; a risk led by a leading indicator joins or opens an incident before the failure.';
const RISK_OUTCOME = 'a failure forecast that came true within its horizon or did not, at the probability given';

const NOTES: Readonly<Record<string, KindNotes>> = {
  'detector/robust-z': {
    use: DETECTOR_USE,
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/robust-z.ts',
    limits: [
      'Strong daily seasonality: the daily peak looks anomalous until the baseline follows it, and the swing inflates the scale, so a jump within the day’s range (a CPU from 0.5 to 0.92) scores only 3–7σ (the engine’s saturation ceilings catch a utilisation pinned near full).',
      'Heavy-tailed or multimodal noise.',
      'Level shifts: scored high for about 1/alpha points while the baseline adapts.',
    ],
  },
  'detector/seasonal-robust': {
    use: DETECTOR_USE,
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/seasonal-robust.ts',
    limits: [
      'Holidays and special days: scored as anomalies, then learned into the slots for a few days.',
      'A period that changes or drifts (a DST shift moves the cycle by one hour).',
      'Too short a history: until each slot has been seen a few times, the global robust z alarms on the daily peak.',
      'Very sparse series where a slot is seen less than once a season.',
    ],
  },
  'detector/forecast-residual': {
    use: DETECTOR_USE,
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/forecast-residual.ts',
    limits: [
      'White-noise series: the residual is as noisy as the value (no better than a robust z).',
      'Level shifts: only the first points after the step score high.',
      'Slow drifts and leaks are followed by design (pair it with a slow baseline).',
      'A seasonal pattern finer than its slots.',
    ],
  },
  'detector/spectral-residual': {
    use: DETECTOR_USE,
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/spectral-residual.ts',
    limits: [
      'Anomalies longer than about a quarter of the window become "the shape".',
      'Slow drifts and level shifts after their first few points.',
      'Noise-only windows: the largest wiggle always stands out somewhat, so thresholds must come from data.',
      'On the AIOps KPIs it scores well below a robust z-score point-wise.',
    ],
  },
  'detector/cusum': {
    use: DETECTOR_USE,
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/cusum.ts',
    limits: [
      'Seasonal series: the flanks of the daily cycle accumulate like a slow shift.',
      'Spikes and very short bursts (by design), and shifts smaller than about k σ.',
      'Shifts that arrive during warm-up; after a reset the new level no longer scores.',
    ],
  },
  'detector/ensemble': {
    use: DETECTOR_USE,
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/ensemble-detector.ts',
    limits: [
      'What all members miss: slow leaks within the noise, changes of variance only, patterns longer than a day.',
      'Series that are anomalous from their start (the members learn the anomaly as normal).',
      'The max rule raises false alarms a little (three chances per point); the calibrator must absorb it.',
    ],
  },
  'detector/likelihood': {
    use: DETECTOR_USE,
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/likelihood.ts',
    limits: [
      'Short series: nothing is scored during the learning points.',
      'A first anomaly long enough to enter the score history raises its own baseline.',
      'Single-point anomalies are diluted by the average.',
    ],
  },
  'multi/pca': {
    use: 'Scores a row of several metrics of one entity against a principal-component model fitted on history (SPE and Hotelling T²), ranking the metrics that break the correlation.',
    outcome: DETECTOR_OUTCOME,
    source: 'src/models/pca-detector.ts',
    limits: [
      'A regime change after training: the new normal scores high until refitted.',
      'Training data with long anomalies (they enter the subspace).',
      'Strongly seasonal metrics; per-metric attribution spreads over groups of correlated metrics.',
    ],
  },
  'calibrator/logistic': {
    use: 'Maps a detector raw score to the probability that the point is a true anomaly (Platt scaling); the alert rule reads that probability.',
    outcome: CALIBRATOR_OUTCOME,
    source: 'src/models/calibrator.ts',
    limits: [
      'The score-to-probability relation must be sigmoid-shaped (else isotonic regression fits better).',
      'Few or biased labels (only the alerts someone looked at).',
    ],
  },
  'calibrator/feedback': {
    use: "A series' own calibrator, refitted from the prior on every operator mark, so its alert line moves with feedback.",
    outcome: CALIBRATOR_OUTCOME,
    source: 'src/models/feedback-calibrator.ts',
    limits: [
      'Biased labels: when only false positives are marked the threshold only rises, and a missed anomaly is never labelled.',
      'A regime change: old labels weigh as much as new ones until they leave the window.',
    ],
  },
  'calibrator/isotonic': {
    use: "Maps the root-cause ranking's top confidence to the probability that the top hypothesis is the true root cause (isotonic regression over prior blocks and confirmed root causes).",
    outcome: 'an incident whose root cause was confirmed: was the top hypothesis right, at the confidence it was served with',
    source: 'src/models/isotonic-calibrator.ts',
    limits: [
      'Few cases in a region: the smoothing pulls it towards the overall share.',
      'Biased labels (only the incidents someone looked at are labelled).',
    ],
  },
  'forecaster/seasonal-naive': {
    use: FORECASTER_USE,
    outcome: FORECASTER_OUTCOME,
    source: 'src/models/seasonal-naive.ts',
    limits: [
      'Trends and level shifts (it lags one season).',
      'Holidays and moving peaks.',
      'Series sampled at another step than its configured step.',
    ],
  },
  'forecaster/holt-winters': {
    use: FORECASTER_USE,
    outcome: FORECASTER_OUTCOME,
    source: 'src/models/holt-winters.ts',
    limits: [
      'Bursty series where yesterday carries little information, and bursts lasting hours (the daily slots absorb them).',
      'Intervals assume the recent errors are representative: when errors grow they under-cover until the adaptive rate catches up.',
      'Coverage holds on average over time and horizons, not per day or per horizon bucket.',
    ],
  },
  'forecaster/lag-ridge': {
    use: FORECASTER_USE,
    outcome: FORECASTER_OUTCOME,
    source: 'src/models/lag-ridge.ts',
    limits: [
      'Holidays and one-off events.',
      'Regime changes inside the window (old and new behaviour are averaged until the old ages out).',
      'Multiplicative growth far outside the range of the window.',
    ],
  },
  'forecaster/select': {
    use: FORECASTER_USE,
    outcome: FORECASTER_OUTCOME,
    source: 'src/models/forecast-selector.ts',
    limits: [
      'Series whose best method changes faster than the scored origins (it follows a few days late).',
      'Very short histories: before an origin is scored, the first member is used.',
      'It costs the sum of its members.',
    ],
  },
  'risk/failure-heuristic': {
    use: RISK_USE,
    outcome: RISK_OUTCOME,
    source: 'src/models/failure-risk.ts',
    limits: [
      'The hazard weights are a documented prior, not fitted: the probability is only as calibrated as that prior.',
      'Sudden failures with no leading indicator.',
      'Non-linear growth (the linear projection is late for accelerating leaks); utilisations in percent instead of shares.',
    ],
  },
  'risk/failure-trees': {
    use: RISK_USE,
    outcome: RISK_OUTCOME,
    source: 'src/models/failure-trees.ts',
    limits: [
      'Failures without a leading indicator (a store that is down at onset).',
      'Fleets whose metrics differ in scale from the training data; trees extrapolate flat on unseen data.',
      'The probability is only as calibrated as the Platt fit on its tune slice.',
      'In the closed loop its calibrated probabilities of a rare event (0.2–0.5 at alert) enter the root-cause ranking as evidence strength, where the heuristic gives 0.7+.',
    ],
  },
  'rca/topology-rank': {
    use: "Ranks root-cause hypotheses for an open incident over the twin's topology (onset order, magnitude, personalised PageRank, deploys, fault-kind inference), with evidence; the decide step acts on the top one.",
    outcome: 'an incident whose root cause was confirmed: was the top hypothesis the root cause (top-1 accuracy), at its confidence',
    source: 'src/rca/rank-root-causes.ts',
    limits: [
      'A host-wide resource fault seen only as utilisation its tenants share is named a tenant’s fault.',
      'Missing topology edges; a silent root with few dependents (the loudest symptom ranks first).',
      'Faults that travel against depends_on (a caller flooding its callee looks like a callee fault).',
      'Unrelated fresh noise during the incident lowers the winner’s share; raw confidences are not probabilities (see root-cause-calibration).',
    ],
  },
  'rca/metric-rank': {
    use: 'Ranks the candidates of a case read from metric files (robust deviation per metric, call graph) with a calibrated top-1 confidence.',
    outcome: 'a case whose root cause is known: was the top candidate right',
    source: 'src/rca/metric-ranker.ts',
    limits: [
      'Calibrated on dev cases of the benchmark datasets; cases unlike them are outside what the calibration has seen.',
      "Per-metric attribution (a case whose metrics are its candidates) leans on each metric's known full scale; without one it measures changes against the range seen in the case (weaker: SMD HitRate@150 % 0.896 instead of 0.943).",
      'Per-metric confidences say which metric explains the window given that it is an incident; whether it is one is the separate anomalous flag.',
    ],
  },
  'decide/policy-table': {
    use: 'Turns the top root-cause hypothesis into one action or an escalation: a policy table lookup (fault kind, entity kind → action) behind guardrails (kill switch, confidence gate, rate limit, blast radius, attempts, dry run).',
    outcome: 'an action verified as having worked (the signals recovered) or not',
    source: 'src/decide/decide.ts',
    limits: [
      'It acts on the top hypothesis only and never weighs a second one.',
      'It does not weigh the cost of acting against the cost of waiting.',
      'It is only as good as the confidence it gates on: a miscalibrated confidence passes or blocks the wrong actions.',
    ],
  },
};

const FAMILIES: readonly (readonly [string, KindNotes])[] = [
  ['detector/', { use: DETECTOR_USE, outcome: DETECTOR_OUTCOME, source: 'src/models/', limits: [] }],
  ['calibrator/', { use: 'Maps a raw score to a probability.', outcome: CALIBRATOR_OUTCOME, source: 'src/models/', limits: [] }],
  ['forecaster/', { use: FORECASTER_USE, outcome: FORECASTER_OUTCOME, source: 'src/models/', limits: [] }],
  ['risk/', { use: RISK_USE, outcome: RISK_OUTCOME, source: 'src/models/', limits: [] }],
];

/**
 * The card notes of a model kind: its own, else its family's (with no listed limits), else a
 * generic note. Never throws.
 */
export function kindNotes(kind: string): KindNotes {
  const own = NOTES[kind];
  if (own !== undefined) return own;
  const family = FAMILIES.find(([prefix]) => kind.startsWith(prefix));
  if (family !== undefined) return family[1];
  return { use: 'Not described for this kind.', outcome: 'a labelled output', source: '', limits: [] };
}

/** The kinds with their own notes. */
export const KINDS_WITH_NOTES: readonly string[] = Object.keys(NOTES);
