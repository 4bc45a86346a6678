/**
 * @module engine/config
 * Settings of the loop: alerting rules applied after calibration, incident correlation,
 * prediction schedules, persistence. Every duration is in milliseconds of engine time
 * (simulated time when the simulator drives the engine).
 */
import { DEFAULT_LEARN_CONFIG, type LearnConfig } from './learning.js';

/** When a calibrated score becomes an anomaly, and when an anomaly ends. */
export interface AlertConfig {
  /** Calibrated confidence at or above which a point counts as anomalous. Default 0.9. */
  readonly minConfidence: number;
  /** Consecutive anomalous points needed to raise an anomaly. Default 2. */
  readonly consecutivePoints: number;
  /** Consecutive normal points that close an open anomaly. Default 5. */
  readonly clearPoints: number;
  /** An open anomaly is raised again (re-notified) after this long. Default 60 min. */
  readonly renotifyMs: number;
  /**
   * While an anomaly is open its series' detector stops learning, so the baseline is not dragged
   * by the fault; after this long it learns again (the new level becomes normal). Default 3 h.
   */
  readonly maxFreezeMs: number;
}

/** Which series are scored, and which side of the baseline is a problem for each metric. */
export interface DetectConfig {
  /** Metrics never scored (configuration-like signals whose changes are events, not anomalies). */
  readonly ignoreMetrics: readonly string[];
  /**
   * Direction per metric name: 'up' (only rises are anomalous: utilisations, latency, errors),
   * 'down' (only drops: availability), 'both'. Metrics not listed use `defaultDirection`.
   */
  readonly directions: Readonly<Record<string, 'up' | 'down' | 'both'>>;
  readonly defaultDirection: 'up' | 'down' | 'both';
  /**
   * Saturation ceilings of utilisation metrics (a share of capacity, 0–1). A point at or above
   * its metric's ceiling that is also unusual for its series (at least 3 robust σ above an
   * expected value below the ceiling) counts as anomalous even when its calibrated confidence
   * is under `alert.minConfidence`: a robust z whose scale has absorbed a daily swing scores a
   * CPU pinned at 95 % only 3–7σ. Like Dynatrace's CPU-saturation event (> 95 % for 3 of 5
   * minutes) and the USE method, but gated on the series' own baseline, so a service that always
   * runs hot does not alarm. An operator's false-positive mark moves the series' score line, not
   * its ceiling: a series that legitimately sits near full after a change needs its ceiling
   * removed here. Default: CPU 0.9, memory and disk 0.95.
   */
  readonly ceilings: Readonly<Record<string, number>>;
}

/** How anomalies group into incidents and when an incident moves on. */
export interface IncidentConfig {
  /** An anomaly joins an open incident whose last anomaly is at most this old. Default 20 min. */
  readonly correlationWindowMs: number;
  /**
   * …and whose entities are causally related within this many hops: along depends_on, runs_on
   * and connects_to, followed downstream or upstream (never both in one path). Default 4.
   */
  readonly hops: number;
  /** Time an incident gathers anomalies before root-cause ranking and decision. Default 3 min. */
  readonly settleMs: number;
  /**
   * When the ranking is not yet good enough to act (no known fault kind, low confidence, no
   * policy rule), the incident waits up to this long after settling, ranked again every 2 min as
   * evidence arrives, before it is escalated. Default 15 min.
   */
  readonly evidenceWaitMs: number;
  /** An incident whose anomalies all closed before a decision is resolved as transient. */
  readonly resolveTransient: boolean;
}

/** Prediction schedules. */
export interface PredictConfig {
  /** How often every entity's failure risk is scored. Default 15 min. */
  readonly failureEveryMs: number;
  /** Failure risk at or above which a prediction is published and joins incidents. Default 0.7. */
  readonly failureAlertProbability: number;
  /** …and only when the model's confidence (how much data backs it) is at least this. Default 0.5. */
  readonly failureAlertConfidence: number;
  /** Failure risk at or above which a prediction is stored (the dashboard's risk list). Default 0.2. */
  readonly failureStoreProbability: number;
  /** How often demand is forecast for capacity signals of services. Default 2 h. */
  readonly demandEveryMs: number;
  /** Demand forecast horizon. Default 24 h. */
  readonly demandHorizonMs: number;
  /** Stored forecasts keep one point per this step. Default 10 min. */
  readonly demandStoreStepMs: number;
  /**
   * Step of the demand forecasters: points are averaged into buckets of this length before they
   * learn (5-minute demand, as in the capacity benchmark; 5× less work than every minute). Default 5 min.
   */
  readonly demandStepMs: number;
  /** Share of a resource's limit the capacity model plans for at the forecast peak's upper bound. Default 0.7. */
  readonly capacityTarget: number;
  /**
   * Pre-emptive scaling: a capacity plan of one of `capacityAlertMetrics` that recommends a
   * scale-out with at least this confidence is published and opens (or joins) an incident, so the
   * decide step can scale out before the forecast peak. Above 1 turns it off. Default 0.8.
   */
  readonly capacityAlertConfidence: number;
  /**
   * …and only when the plan gives saturation (demand at the peak reaching the limit) at least this
   * probability. Default 0: acting as the plan says keeps demand under the planning line; raise it
   * to act only when an overload is likely (on the simulated fleet 0.2 let 10× more overloaded
   * service-minutes through under growing demand, see `bench scaling`).
   */
  readonly capacityAlertSaturation: number;
  /**
   * History a demand forecaster needs before its plans may act: with one day it cannot tell a
   * burst from the daily peak (a bursty Monday made it plan for Tuesday at 0.8–0.9 where Tuesday
   * peaked at 0.6–0.7), and its intervals come from one-step errors. Default 72 h.
   */
  readonly capacityMinHistoryMs: number;
  /**
   * Capacity plans are made for demand sustained this long (the forecast averaged over a centred
   * window): a burst of minutes the forecaster absorbed into its daily profile must not size a
   * scale-out. Default 60 min.
   */
  readonly capacitySustainMs: number;
  /** Capacity signals whose plans may act; they must scale with replicas. Default ['saturation']. */
  readonly capacityAlertMetrics: readonly string[];
  /**
   * Load shares that fall as 1/replicas (a service's saturation, its CPU): their forecasters learn
   * demand in replica units (share × replicas at the time) and forecasts are divided by today's
   * replicas, so a scale-out does not read as a drop in demand. Default ['saturation', 'cpu_utilization'].
   */
  readonly replicaScaledMetrics: readonly string[];
}

/** Everything the engine is configured with. */
export interface EngineConfig {
  readonly detect: DetectConfig;
  readonly alert: AlertConfig;
  readonly incident: IncidentConfig;
  readonly predict: PredictConfig;
  /** Store every ingested point (off in the loop benchmark, where only the models need them). */
  readonly persistPoints: boolean;
  /** Points older than this are pruned. Default 7 days. */
  readonly pointsRetentionMs: number;
  /** Model states are saved this often. Default 30 min. */
  readonly saveStateEveryMs: number;
  /**
   * Demand forecasters' states (tens of KB each: a window of history and error rings) are saved this
   * often, and at stop; after a crash a forecaster resumes from the last save and treats the missed
   * buckets as a gap. Default 6 h.
   */
  readonly saveForecastersEveryMs: number;
  /** Sampling step of telemetry; forecasters assume it. Default 60 s. */
  readonly stepMs: number;
  /**
   * After an executed action, the detectors of the series within this many hops of its blast
   * radius learn a new baseline: the engine caused that change itself (a drain moves load to
   * other hosts, a restart resets memory). Default 2.
   */
  readonly rebaselineHops: number;
  /** Continuous learning: retraining triggers and the pipeline's margins (engine/learning.ts). */
  readonly learn: LearnConfig;
}

/** The defaults. */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = {
  detect: {
    ignoreMetrics: ['replicas'],
    directions: {
      cpu_utilization: 'up',
      memory_utilization: 'up',
      disk_utilization: 'up',
      saturation: 'up',
      db_connections_utilization: 'up',
      latency_p50_ms: 'up',
      latency_p99_ms: 'up',
      error_rate: 'up',
      restarts: 'up',
      hw_ecc_errors: 'up',
      hw_temperature_c: 'up',
      network_packet_loss: 'up',
      queue_depth: 'up',
      up: 'down',
      request_rate: 'both',
    },
    defaultDirection: 'both',
    ceilings: { cpu_utilization: 0.9, memory_utilization: 0.95, disk_utilization: 0.95 },
  },
  alert: {
    minConfidence: 0.9,
    consecutivePoints: 2,
    clearPoints: 5,
    renotifyMs: 60 * 60_000,
    maxFreezeMs: 3 * 3600_000,
  },
  incident: {
    correlationWindowMs: 20 * 60_000,
    hops: 4,
    settleMs: 3 * 60_000,
    evidenceWaitMs: 15 * 60_000,
    resolveTransient: true,
  },
  predict: {
    failureEveryMs: 15 * 60_000,
    failureAlertProbability: 0.7,
    failureAlertConfidence: 0.5,
    failureStoreProbability: 0.2,
    demandEveryMs: 2 * 3600_000,
    demandHorizonMs: 24 * 3600_000,
    demandStoreStepMs: 10 * 60_000,
    demandStepMs: 5 * 60_000,
    capacityTarget: 0.7,
    capacityAlertConfidence: 0.8,
    capacityAlertSaturation: 0,
    capacityMinHistoryMs: 72 * 3600_000,
    capacitySustainMs: 60 * 60_000,
    capacityAlertMetrics: ['saturation'],
    replicaScaledMetrics: ['saturation', 'cpu_utilization'],
  },
  persistPoints: true,
  pointsRetentionMs: 7 * 24 * 3600_000,
  saveStateEveryMs: 30 * 60_000,
  saveForecastersEveryMs: 6 * 3600_000,
  stepMs: 60_000,
  rebaselineHops: 2,
  learn: DEFAULT_LEARN_CONFIG,
};
