/**
 * @module records/types
 * The records of the loop — what each box produces and the store keeps: anomalies, predictions,
 * change events, incidents and their root-cause hypotheses, actions, decisions, feedback, models.
 * Plain data shared by every domain; no behaviour lives here.
 */

/** One contributor to an output: a metric, a feature or a piece of evidence, with its weight. */
export interface Attribution {
  readonly name: string;
  /** Share or signed weight of this contributor; larger magnitude = more influence. */
  readonly weight: number;
  readonly expected?: number;
  readonly actual?: number;
}

/** Which model (kind and version of its state shape) produced an output. */
export interface ModelRef {
  readonly kind: string;
  readonly version: string;
}

/** An anomaly raised on one series. */
export interface Anomaly {
  readonly id: string;
  readonly seriesId: string;
  readonly entityId: string;
  readonly metric: string;
  /** Time of the anomalous point (epoch ms). */
  readonly at: number;
  /** Raw detector score (higher = more anomalous). */
  readonly score: number;
  /** Calibrated probability that this is a true anomaly, in [0, 1]. */
  readonly confidence: number;
  readonly expected: number;
  readonly actual: number;
  readonly direction: 'up' | 'down';
  readonly model: ModelRef;
  readonly contributors: readonly Attribution[];
  /** One sentence a person can read. */
  readonly explanation: string;
  readonly status: 'open' | 'closed';
  readonly incidentId?: string;
}

/** What a prediction is about. */
export type PredictionKind = 'failure_risk' | 'demand';

/** A forecast: times, mean and a central interval at `level` (e.g. 0.9). */
export interface Forecast {
  readonly t: readonly number[];
  readonly mean: readonly number[];
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly level: number;
}

/** A prediction about an entity (failure risk) or a series (demand). */
export interface Prediction {
  readonly id: string;
  readonly kind: PredictionKind;
  readonly entityId: string;
  readonly seriesId?: string;
  readonly metric?: string;
  /** When it was made (epoch ms). */
  readonly at: number;
  readonly horizonMs: number;
  readonly model: ModelRef;
  /** failure_risk: probability of failure within the horizon; demand: the peak forecast mean. */
  readonly value: number;
  readonly confidence: number;
  readonly forecast?: Forecast;
  /** demand: the capacity model's reading of the forecast against the entity's capacity. */
  readonly capacity?: CapacityPlan;
  readonly explanation: readonly Attribution[];
  readonly summary: string;
}

/** What to do about capacity (models/capacity-plan). */
export interface CapacityRecommendation {
  readonly action: 'scale_out' | 'none';
  /** Units to add (0 for none). */
  readonly by: number;
  /** Probability that the action is needed (scale_out) or not needed (none), in [0, 1]. */
  readonly confidence: number;
  readonly reason: string;
}

/** The capacity plan of one resource of one entity, from its demand forecast (models/capacity-plan). */
export interface CapacityPlan {
  /** Demand at which the resource saturates (1 for a utilisation share). */
  readonly limit: number;
  /** Units of capacity when planned (replicas, cores), if known. */
  readonly units?: number;
  /** Share of the limit planned for at the peak's upper bound. */
  readonly target: number;
  readonly peakMean: number;
  readonly peakUpper: number;
  readonly peakAt: number;
  /** Share of the limit left at the forecast peak (negative = over the limit). */
  readonly headroom: number;
  /** Probability that demand at the peak reaches the limit, in [0, 1]. */
  readonly saturationProbability: number;
  /** Time until the mean forecast reaches the limit (ms); absent when it does not within the horizon. */
  readonly timeToSaturationMs?: number;
  /** Time until the interval's upper bound reaches the limit (ms); absent when it does not. */
  readonly earliestSaturationMs?: number;
  readonly recommendation: CapacityRecommendation;
}

/** A change in the infrastructure: a deploy, a config change, a restart, an external alert. */
export interface ChangeEvent {
  readonly id: string;
  readonly at: number;
  readonly entityId: string;
  readonly kind: 'deploy' | 'config' | 'restart' | 'scale' | 'alert' | 'maintenance';
  readonly detail: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** Fault kinds Homeostat knows how to name, attribute and heal. */
export type FaultKind =
  | 'memory_leak'
  | 'cpu_hog'
  | 'disk_fill'
  | 'bad_deploy'
  | 'dependency_outage'
  | 'network_loss'
  | 'host_failure'
  | 'traffic_surge';

/** Every fault kind, in a stable order. */
export const FAULT_KINDS: readonly FaultKind[] = [
  'memory_leak',
  'cpu_hog',
  'disk_fill',
  'bad_deploy',
  'dependency_outage',
  'network_loss',
  'host_failure',
  'traffic_surge',
];

/** A root-cause hypothesis for an incident. */
export interface Hypothesis {
  readonly entityId: string;
  readonly faultKind: FaultKind | 'unknown';
  /** Probability that this entity (and kind) is the root cause, in [0, 1]. */
  readonly confidence: number;
  /** Raw ranking score before calibration. */
  readonly score: number;
  /** The ranker's own confidence before calibration (absent when the confidence was not calibrated). */
  readonly rawConfidence?: number;
  /** Sentences forming the evidence chain, in reading order. */
  readonly evidence: readonly string[];
  /** Entity ids from this root cause to the symptoms, along the topology. */
  readonly path: readonly string[];
  readonly contributors: readonly Attribution[];
  /**
   * Action parameters suggested by the model behind this hypothesis (a capacity plan's
   * `{ by: 3 }`): the decide step lays them over the policy rule's own, within the rule's caps.
   */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Lifecycle of an incident. */
export type IncidentStatus = 'open' | 'remediating' | 'verifying' | 'resolved' | 'escalated';

/** Correlated anomalies and predictions across entities and time. */
export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly status: IncidentStatus;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly resolvedAt?: number;
  readonly entities: readonly string[];
  readonly anomalyIds: readonly string[];
  readonly predictionIds: readonly string[];
  readonly hypotheses: readonly Hypothesis[];
  /** Why it ended (resolved or escalated), in words. */
  readonly resolution?: string;
}

/** Remediations an executor may carry out. */
export type ActionKind = 'restart' | 'rollback' | 'scale_out' | 'clean_disk' | 'drain' | 'failover';

/** Every action kind. */
export const ACTION_KINDS: readonly ActionKind[] = ['restart', 'rollback', 'scale_out', 'clean_disk', 'drain', 'failover'];

/** Where an action is in its life. */
export type ActionStatus = 'proposed' | 'dry_run' | 'executed' | 'failed' | 'verified' | 'verify_failed' | 'rolled_back' | 'blocked';

/** What an executor reports back. */
export interface Outcome {
  readonly ok: boolean;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A remediation proposed for an incident, and what became of it. */
export interface Action {
  readonly id: string;
  readonly incidentId: string;
  readonly kind: ActionKind;
  readonly target: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly executor: string;
  readonly status: ActionStatus;
  readonly dryRun: boolean;
  readonly reason: string;
  /** Name of the policy rule that chose it. */
  readonly policy: string;
  readonly proposedAt: number;
  readonly executedAt?: number;
  readonly verifiedAt?: number;
  readonly outcome?: Outcome;
}

/** The kinds of decision the engine records. */
export type DecisionKind = 'detect' | 'predict' | 'attribute' | 'act' | 'escalate' | 'verify' | 'learn';

/** One row of the append-only decision log. */
export interface Decision {
  readonly id: string;
  readonly at: number;
  readonly kind: DecisionKind;
  /** What it is about: an incident, anomaly, entity or action id. */
  readonly subject: string;
  readonly model: ModelRef;
  readonly inputs: unknown;
  readonly output: unknown;
  readonly confidence: number;
  readonly explanation: readonly Attribution[] | string;
  readonly latencyMs: number;
}

/** A label on a past output, from an operator, a verification or the simulator's ground truth. */
export interface Feedback {
  readonly id: string;
  readonly at: number;
  readonly subjectType: 'anomaly' | 'incident' | 'action' | 'prediction';
  readonly subjectId: string;
  readonly label: 'true_positive' | 'false_positive' | 'root_cause' | 'action_worked' | 'action_failed';
  /** E.g. the confirmed root-cause entity id for `root_cause`. */
  readonly value?: string;
  readonly source: 'operator' | 'verification' | 'simulator';
  readonly note?: string;
}

/** A named model in the registry. */
export interface ModelRecord {
  readonly name: string;
  readonly kind: string;
  readonly description: string;
  readonly createdAt: number;
}

/** One version of a registered model: its config and JSON state, metrics and stage. */
export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly kind: string;
  readonly specVersion: number;
  readonly config: unknown;
  readonly state: unknown;
  /** Offline metrics from validation (e.g. `mae`, `rel_mae_vs_champion`, `ece`). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly stage: 'champion' | 'challenger' | 'archived' | 'none';
  readonly createdAt: number;
  /** Where the version came from; absent for versions recorded before lineage existed. */
  readonly lineage?: ModelLineage;
  /** Free text: why it exists, what changed (MLflow's version description). */
  readonly description?: string;
}

/** Where a model version came from: data, features, code, parameters, who or what trained it. */
export interface ModelLineage {
  /** `engine` (recorded at start), `engine:retrain`, `cli:train`, or an operator's name. */
  readonly trainedBy: string;
  readonly trainedAt: number;
  /** Homeostat's package version (and git commit when known). */
  readonly codeVersion: string;
  /** The training data window (epoch ms), when trained on stored data. */
  readonly dataWindow?: { readonly fromMs: number; readonly toMs: number };
  /** SHA-256 of the training rows (hex), so two versions trained on the same data can be told apart. */
  readonly dataFingerprint?: string;
  readonly featureSet?: readonly string[];
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** What triggered the training: `schedule`, `drift: …`, `labels: …`, `accuracy: …`, `manual`. */
  readonly trigger?: string;
}

/** Aliases a model version can carry (MLflow 2's aliases; `champion` is the version served). */
export type ModelAlias = 'champion' | 'challenger';

/** One change of a model's alias: the serving history (which version served when, and why). */
export interface ModelAliasEvent {
  readonly name: string;
  readonly alias: ModelAlias;
  /** The version that now carries the alias; null when the alias was removed. */
  readonly version: number | null;
  readonly at: number;
  /** `engine:retrain`, `cli`, `api`, or an operator's name. */
  readonly by: string;
  readonly reason: string;
}

/**
 * One observed outcome of a model output, as a person labels it or time reveals it: the raw
 * material of live accuracy and live calibration. A classification outcome (an anomaly confirmed
 * or rejected, a failure forecast that came true or not, a root cause confirmed) has `correct`
 * and the `confidence` the model gave; a regression outcome (a forecast meeting its actual) has
 * `error` (absolute) and, when an interval was given, `covered`.
 */
export interface ModelOutcome {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly at: number;
  readonly kind: 'classification' | 'regression';
  readonly correct?: boolean;
  readonly confidence?: number;
  readonly error?: number;
  /** Relative error |actual − forecast| / max(|actual|, ε), for scale-free comparisons. */
  readonly relError?: number;
  readonly covered?: boolean;
  /** The output it is about (anomaly, prediction, incident id). */
  readonly subject?: string;
}

/** A runbook drafted from a cluster of similar resolved incidents; a draft until a person approves it. */
export interface Runbook {
  readonly id: string;
  readonly title: string;
  readonly status: 'draft' | 'approved' | 'retired';
  readonly faultKind: string;
  readonly entityKind: string;
  /** The runbook as Markdown: when it applies, diagnosis, actions with success rates, verification, rollback. */
  readonly markdown: string;
  /** The same as a policy rule the decide step reads (YAML of `rules:` entries). */
  readonly policyYaml: string;
  /** The resolved incidents it was drawn from. */
  readonly incidentIds: readonly string[];
  readonly generator: 'offline' | 'llm';
  readonly generatedAt: number;
  readonly updatedAt: number;
  readonly approvedAt?: number;
  readonly approvedBy?: string;
}
