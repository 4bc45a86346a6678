import { describe, expect, it } from 'vitest';
import { DEFAULT_ROOT_CAUSE_PRIOR_CONFIG, RootCausePriors } from './root-cause-priors.js';

const LB = { entityId: 'load_balancer:lb-1', kind: 'load_balancer' };
const CART = { entityId: 'service:cart', kind: 'service' };

/** Four confirmed surges: the load balancer in front was a candidate every time, never the cause. */
function surges(): RootCausePriors {
  const p = new RootCausePriors();
  for (let i = 0; i < 4; i++) p.observe([LB, CART], CART.entityId, CART.kind);
  return p;
}

describe('RootCausePriors', () => {
  it('has no opinion without history', () => {
    const p = new RootCausePriors();
    expect(p.lift('service:cart', 'service')).toBe(1);
    expect(p.lift('host:h1', 'host')).toBe(1);
    expect(p.incidents).toBe(0);
  });

  it('shrinks an entity to its kind and a kind to the average (hand-checked beta-binomial)', () => {
    const p = surges();
    // N = 8 candidacies, K = 4 causes: p₀ = 5/10 = 0.5.
    // load balancers 0 of 4: kind (0 + 5·0.5)/9 = 0.2778; lb-1 (0 + 5·0.2778)/9 = 0.15432 → lift 0.3086
    expect(p.lift('load_balancer:lb-1', 'load_balancer')).toBeCloseTo(0.30864, 5);
    // services 4 of 4: kind (4 + 2.5)/9 = 0.7222; cart (4 + 5·0.7222)/9 = 0.84568 → lift 1.6914
    expect(p.lift('service:cart', 'service')).toBeCloseTo(1.69136, 5);
    // entities never seen read as their kind
    expect(p.lift('service:new', 'service')).toBeCloseTo(1.44444, 5);
    expect(p.lift('load_balancer:lb-2', 'load_balancer')).toBeCloseTo(0.55556, 5);
    expect(p.lift('host:h1', 'host')).toBe(1);
    expect(p.incidents).toBe(4);
    expect(p.countOf('load_balancer:lb-1')).toEqual({ n: 4, k: 0 });
  });

  it('counts a root cause the ranking missed as a candidate too, and clamps the lift', () => {
    const p = new RootCausePriors({ minLift: 0.5, maxLift: 1.5 });
    for (let i = 0; i < 50; i++) p.observe([LB], CART.entityId, CART.kind);
    expect(p.countOf(CART.entityId)).toEqual({ n: 50, k: 50 });
    expect(p.lift(LB.entityId, LB.kind)).toBe(0.5);
    expect(p.lift(CART.entityId, CART.kind)).toBe(1.5);
  });

  it('restores from its state exactly and rejects a broken one', () => {
    const p = surges();
    const copy = new RootCausePriors({}, JSON.parse(JSON.stringify(p.state())));
    expect(copy.state()).toEqual(p.state());
    expect(copy.lift(LB.entityId, LB.kind)).toBe(p.lift(LB.entityId, LB.kind));
    expect(() => new RootCausePriors({}, { version: 2 })).toThrow(/state must be \{version: 1, total, kinds, entities\}/);
    expect(() => new RootCausePriors({}, { version: 1, total: { n: 1, k: 0 }, kinds: { service: { n: 1, k: 2 } }, entities: {} })).toThrow(
      'root-cause priors: kinds.service must be {n, k} with integers n ≥ k ≥ 0 (got {"n":1,"k":2})',
    );
    expect(() => new RootCausePriors({ minLift: 0 })).toThrow(/expected 0 < minLift ≤ 1 ≤ maxLift/);
    expect(DEFAULT_ROOT_CAUSE_PRIOR_CONFIG.maxLift).toBe(4);
  });
});
