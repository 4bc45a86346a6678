/**
 * @module registry/retraining
 * The retraining plan of each default model, as its model card and the registry API show it.
 */
import type { RetrainingPlan } from './model-card.js';

/**
 * How the default models learn, for their cards and the registry API (`homeostat up` passes it):
 * online learning where a model learns from every point, and the training pipeline
 * (learn/training.ts, run by engine/learning.ts) for the two calibrators it retrains.
 */
export const DEFAULT_RETRAINING: Readonly<Record<string, RetrainingPlan>> = {
  'anomaly-detector': {
    schedule: 'continuous: the detector of each series learns online from every point it scores (no batch retraining)',
    triggers: [
      'the series around an action the engine took get fresh detectors (a change it made itself)',
      'both ends of a changed runs_on relation get fresh detectors (a drain, a scale-out, a failover)',
    ],
  },
  'anomaly-calibrator': {
    schedule:
      'the training pipeline refits the prior’s center from the labelled anomalies of the last 14 days, validates it against the champion on the most recent 30 % and promotes it only when its log-loss is 2 % lower and its ECE not 0.02 worse; checked every hour, scheduled 24 h after the last training',
    triggers: [
      '50 new labels since the last training',
      'live precision drifting down (Page-Hinkley on the stream of rejected anomalies, δ 0.05, λ 25)',
      'the schedule (24 h) when any label arrived',
      'online, each series also gets its own feedback calibrator once an operator marks one of its anomalies',
    ],
  },
  'demand-forecaster': {
    schedule: 'continuous: learns online from 5-minute means; Holt-Winters refits its smoothing parameters once a day when `refit` is on',
    triggers: ['none beyond the daily refit'],
  },
  'failure-risk': {
    schedule: 'none online: the heuristic is a documented prior; the trees are trained offline (`npm run train:failure-sim`)',
    triggers: ['a manual retrain of the trees'],
  },
  'root-cause': { schedule: 'none: the ranking has no learned parameters', triggers: [] },
  'root-cause-calibration': {
    schedule:
      'the training pipeline refits the isotonic blocks from the champion’s plus the confirmed root causes of the last 14 days (at least 40), validated and promoted like the anomaly calibrator; the shipped prior is rebuilt offline from the loop’s dev seeds (`npm run train:rca-calibration`)',
    triggers: [
      '50 new confirmed root causes',
      'live top-1 accuracy drifting down (Page-Hinkley)',
      'the schedule (24 h)',
      'online, every incident’s first confirmed root cause adds a labelled case',
    ],
  },
  'decision-policy': { schedule: 'none: people edit the policy table (policies/*.yaml)', triggers: [] },
};
