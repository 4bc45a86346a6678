/**
 * @module rca/root-cause-priors
 * What confirmed root causes teach the ranking: how often an entity, and pooled over its kind
 * (service, host, load balancer …), turned out to be the root cause of an incident in which it was
 * a candidate. The engine feeds it every confirmed root cause (feedback `root_cause`), and
 * `rankRootCauses` multiplies each candidate's ranking share by its lift.
 *
 * Algorithm (beta-binomial with shrinkage). Counts per key: `n` incidents where it was a
 * candidate, `k` where it was the confirmed root cause (a root cause that was no candidate counts
 * in both). Overall rate `p₀ = (K + 1) / (N + 2)`; kind rate `p_kind = (k + a·p₀) / (n + a)`;
 * entity rate `p_e = (k + b·p_kind) / (n + b)`, so an entity seen rarely reads as its kind, and a
 * kind seen rarely as the average. Lift = `p_e / p₀`, clamped to [`minLift`, `maxLift`]: 1 with no
 * history, below 1 for what is often a candidate and never the cause (a load balancer in front of
 * a surging service), above 1 for a usual culprit. In the ranking the lift enters as a prior:
 * `share ∝ exp(score / temperature) · lift` (the score's softmax is the likelihood), i.e. the
 * score moves by `temperature · ln(lift)`.
 *
 * Works when incidents repeat their shapes (the same kinds of entity fail the same ways) and the
 * labels are right. Fails on a new kind of fault that history has never seen blamed (its lift
 * starts below 1 if its kind was a frequent innocent bystander) and on wrong labels, which it
 * learns as faithfully as right ones; the clamp bounds both.
 *
 * Reference: Gelman et al., "Bayesian Data Analysis", 3rd ed., ch. 5 (hierarchical beta-binomial
 * models and shrinkage).
 */
import { describe, invalid } from '../errors.js';

/** Settings of {@link RootCausePriors}. */
export interface RootCausePriorConfig {
  /** Pseudo-incidents that pull a kind's rate toward the overall rate; > 0. Default 5. */
  readonly kindStrength: number;
  /** Pseudo-incidents that pull an entity's rate toward its kind's; > 0. Default 5. */
  readonly entityStrength: number;
  /** Smallest lift; in (0, 1]. Default 0.25. */
  readonly minLift: number;
  /** Largest lift; ≥ 1. Default 4. */
  readonly maxLift: number;
}

/** Defaults of {@link RootCausePriorConfig}. */
export const DEFAULT_ROOT_CAUSE_PRIOR_CONFIG: RootCausePriorConfig = { kindStrength: 5, entityStrength: 5, minLift: 0.25, maxLift: 4 };

/** Counts of one key: incidents where it was a candidate (`n`) and the confirmed root cause (`k`). */
export interface PriorCount {
  readonly n: number;
  readonly k: number;
}

/** Saved state of {@link RootCausePriors} (plain JSON). */
export interface RootCausePriorState {
  readonly version: 1;
  readonly total: PriorCount;
  readonly kinds: Readonly<Record<string, PriorCount>>;
  readonly entities: Readonly<Record<string, PriorCount>>;
}

/** One candidate of a labelled incident: its entity id and kind. */
export interface PriorCandidate {
  readonly entityId: string;
  readonly kind: string;
}

const isCount = (v: unknown): v is PriorCount => {
  const c = v as PriorCount;
  return typeof v === 'object' && v !== null && Number.isInteger(c.n) && Number.isInteger(c.k) && c.k >= 0 && c.n >= c.k;
};

function countsOf(v: unknown, what: string): Map<string, PriorCount> {
  if (typeof v !== 'object' || v === null)
    throw invalid(`root-cause priors: ${what} must be an object of {n, k} counts (got ${describe(v)})`);
  const out = new Map<string, PriorCount>();
  for (const [key, c] of Object.entries(v)) {
    if (!isCount(c)) throw invalid(`root-cause priors: ${what}.${key} must be {n, k} with integers n ≥ k ≥ 0 (got ${describe(c)})`);
    out.set(key, { n: c.n, k: c.k });
  }
  return out;
}

/**
 * Per-entity and per-kind root-cause history (see the module comment). Pure; `state()` restores it
 * exactly.
 * @example
 * const p = new RootCausePriors();
 * p.observe([{ entityId: 'load_balancer:lb-1', kind: 'load_balancer' }, { entityId: 'service:cart', kind: 'service' }], 'service:cart', 'service');
 * p.lift('load_balancer:lb-1', 'load_balancer') // < 1 after a few such incidents
 */
export class RootCausePriors {
  readonly #config: RootCausePriorConfig;
  #total: PriorCount = { n: 0, k: 0 };
  readonly #kinds = new Map<string, PriorCount>();
  readonly #entities = new Map<string, PriorCount>();

  /** @throws HomeostatError invalid_argument on a bad config or state. */
  constructor(config: Partial<RootCausePriorConfig> = {}, state?: unknown) {
    const c = { ...DEFAULT_ROOT_CAUSE_PRIOR_CONFIG, ...config };
    if (!(c.kindStrength > 0) || !(c.entityStrength > 0))
      throw invalid(`root-cause priors: kindStrength and entityStrength must be > 0 (got ${c.kindStrength}, ${c.entityStrength})`);
    if (!(c.minLift > 0 && c.minLift <= 1 && c.maxLift >= 1))
      throw invalid(`root-cause priors: expected 0 < minLift ≤ 1 ≤ maxLift (got ${c.minLift}, ${c.maxLift})`);
    this.#config = c;
    if (state !== undefined) {
      const s = state as RootCausePriorState;
      if (typeof state !== 'object' || state === null || s.version !== 1 || !isCount(s.total)) {
        throw invalid(`root-cause priors: state must be {version: 1, total, kinds, entities} (got ${describe(state)})`);
      }
      this.#total = { n: s.total.n, k: s.total.k };
      for (const [key, v] of countsOf(s.kinds, 'kinds')) this.#kinds.set(key, v);
      for (const [key, v] of countsOf(s.entities, 'entities')) this.#entities.set(key, v);
    }
  }

  /** Confirmed incidents learned so far. */
  get incidents(): number {
    return this.#total.k;
  }

  /**
   * Learns one confirmed incident: every candidate was one more time a candidate; the root cause
   * (of kind `rootKind`) the cause, and a candidate too if the ranking had missed it.
   */
  observe(candidates: readonly PriorCandidate[], rootId: string, rootKind: string): void {
    const seen = new Map<string, string>();
    for (const c of candidates) seen.set(c.entityId, c.kind);
    seen.set(rootId, rootKind);
    const bump = (m: Map<string, PriorCount>, key: string, root: boolean): void => {
      const c = m.get(key) ?? { n: 0, k: 0 };
      m.set(key, { n: c.n + 1, k: c.k + (root ? 1 : 0) });
    };
    for (const [id, kind] of seen) {
      const root = id === rootId;
      bump(this.#entities, id, root);
      bump(this.#kinds, kind, root);
      this.#total = { n: this.#total.n + 1, k: this.#total.k + (root ? 1 : 0) };
    }
  }

  /** Prior lift of an entity of `kind` being the root cause, relative to the average candidate; 1 with no history. */
  lift(entityId: string, kind: string): number {
    const { kindStrength: a, entityStrength: b, minLift, maxLift } = this.#config;
    const p0 = (this.#total.k + 1) / (this.#total.n + 2);
    const kc = this.#kinds.get(kind) ?? { n: 0, k: 0 };
    const pKind = (kc.k + a * p0) / (kc.n + a);
    const ec = this.#entities.get(entityId) ?? { n: 0, k: 0 };
    const pEntity = (ec.k + b * pKind) / (ec.n + b);
    return Math.min(maxLift, Math.max(minLift, pEntity / p0));
  }

  /** Counts of an entity (as candidate and as cause), for the evidence sentence. */
  countOf(entityId: string): PriorCount {
    return this.#entities.get(entityId) ?? { n: 0, k: 0 };
  }

  /** JSON state that restores these priors exactly. */
  state(): RootCausePriorState {
    return {
      version: 1,
      total: this.#total,
      kinds: Object.fromEntries([...this.#kinds].sort(([x], [y]) => (x < y ? -1 : 1))),
      entities: Object.fromEntries([...this.#entities].sort(([x], [y]) => (x < y ? -1 : 1))),
    };
  }
}
