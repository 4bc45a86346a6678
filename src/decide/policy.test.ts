import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HomeostatError } from '../errors.js';
import { FAULT_KINDS } from '../records/types.js';
import { DEFAULT_GUARDRAILS, parsePolicy } from './policy.js';

const defaultText = readFileSync(new URL('../../policies/default.yaml', import.meta.url), 'utf8');

function rules(yamlRules: string): string {
  return `version: 1\nrules:\n${yamlRules}`;
}

describe('parsePolicy', () => {
  it('reads the shipped default policy: one rule per fault kind, default guardrails', () => {
    const p = parsePolicy(defaultText);
    expect(p.guardrails).toEqual({ minConfidence: 0.7, maxActionsPerHour: 10, maxBlastRadius: 5, verifyAfterMinutes: 10, maxAttempts: 2 });
    expect(Object.fromEntries(p.rules.map((r) => [r.fault, r.action]))).toEqual({
      memory_leak: 'restart',
      cpu_hog: 'restart',
      disk_fill: 'clean_disk',
      bad_deploy: 'rollback',
      dependency_outage: 'failover',
      network_loss: 'drain',
      host_failure: 'drain',
      traffic_surge: 'scale_out',
      unknown: 'escalate',
    });
    expect(new Set(p.rules.map((r) => r.fault))).toEqual(new Set([...FAULT_KINDS, 'unknown']));
    expect(p.rules.find((r) => r.fault === 'traffic_surge')?.params).toEqual({ by: 2, maxBy: 8 });
    expect(p.rules.find((r) => r.fault === 'dependency_outage')?.entityKinds).toEqual(['database', 'queue']);
  });

  it('fills guardrails left out with the defaults and accepts JSON', () => {
    const p = parsePolicy('{"version": 1, "guardrails": {"maxAttempts": 3}, "rules": []}');
    expect(p.guardrails).toEqual({ ...DEFAULT_GUARDRAILS, maxAttempts: 3 });
    expect(p.rules).toEqual([]);
  });

  const cases: [string, string, string][] = [
    ['bad YAML', 'version: 1\nrules: [1, 2', 'policy is not valid YAML: '],
    ['not a mapping', '- 1', 'policy must be a mapping with version, guardrails and rules (got an array of 1)'],
    ['wrong version', 'version: 2\nrules: []', 'policy version must be 1 (got 2)'],
    ['unknown top key', 'version: 1\nrules: []\nrule: []', 'policy has unknown key "rule" (expected one of version, guardrails, rules)'],
    [
      'unknown guardrail',
      'version: 1\nrules: []\nguardrails: {minConfidense: 0.5}',
      'policy guardrails has unknown key "minConfidense" (expected one of minConfidence, maxActionsPerHour',
    ],
    [
      'guardrail out of range',
      'version: 1\nrules: []\nguardrails: {minConfidence: 1.5}',
      'policy guardrails.minConfidence must be a number in [0, 1] (got 1.5)',
    ],
    [
      'fractional count',
      'version: 1\nrules: []\nguardrails: {maxAttempts: 1.5}',
      'policy guardrails.maxAttempts must be an integer >= 0 (got 1.5)',
    ],
    ['rules missing', 'version: 1', 'policy rules must be a list of rules (got undefined)'],
    [
      'unknown action',
      rules(
        '  - {name: a, fault: memory_leak, action: restart, description: x}\n  - {name: b, fault: cpu_hog, action: reboot, description: y}',
      ),
      'policy rules[1].action must be one of restart, rollback, scale_out, clean_disk, drain, failover, escalate (got "reboot")',
    ],
    [
      'unknown fault',
      rules('  - {name: a, fault: oom, action: restart, description: x}'),
      'policy rules[0].fault must be one of memory_leak, cpu_hog, disk_fill, bad_deploy, dependency_outage, network_loss, host_failure, traffic_surge, unknown (got "oom")',
    ],
    [
      'unknown rule key',
      rules('  - {name: a, fault: cpu_hog, action: restart, description: x, when: always}'),
      'policy rules[0] has unknown key "when" (expected one of name, fault, action, params',
    ],
    [
      'unknown entity kind',
      rules('  - {name: a, fault: cpu_hog, action: restart, description: x, entityKinds: [service, pods]}'),
      'policy rules[0].entityKinds[1] must be one of host, vm, pod',
    ],
    [
      'missing description',
      rules('  - {name: a, fault: cpu_hog, action: restart}'),
      'policy rules[0].description must be a non-empty string (got undefined)',
    ],
    [
      'duplicate name',
      rules(
        '  - {name: a, fault: cpu_hog, action: restart, description: x}\n  - {name: a, fault: disk_fill, action: clean_disk, description: y}',
      ),
      'policy rules[1].name must be unique (got "a" twice)',
    ],
    [
      'bad rule confidence',
      rules('  - {name: a, fault: cpu_hog, action: restart, description: x, minConfidence: high}'),
      'policy rules[0].minConfidence must be a number in [0, 1] (got "high")',
    ],
    [
      'bad params',
      rules('  - {name: a, fault: cpu_hog, action: restart, description: x, params: [1]}'),
      'policy rules[0].params must be a mapping (got an array of 1)',
    ],
  ];
  for (const [name, text, message] of cases) {
    it(`rejects ${name} with a clear message`, () => {
      let caught: unknown;
      try {
        parsePolicy(text);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(HomeostatError);
      expect((caught as HomeostatError).code).toBe('invalid_argument');
      expect((caught as HomeostatError).message).toContain(message);
    });
  }
});

describe('parsePolicy verifyMetrics', () => {
  const base = (extra: string): string =>
    `version: 1\nrules:\n  - name: r\n    fault: traffic_surge\n    action: scale_out\n    description: d\n${extra}`;
  it('reads the metrics verification checks', () => {
    expect(parsePolicy(base('    verifyMetrics: [saturation, latency_p99_ms]\n')).rules[0]?.verifyMetrics).toEqual([
      'saturation',
      'latency_p99_ms',
    ]);
    expect(parsePolicy(base('')).rules[0]?.verifyMetrics).toBeUndefined();
  });
  it('rejects a list that is not metric names', () => {
    expect(() => parsePolicy(base('    verifyMetrics: ["bad name"]\n'))).toThrow(
      'policy rules[0].verifyMetrics[0] must be a metric name such as latency_p99_ms (got "bad name")',
    );
    expect(() => parsePolicy(base('    verifyMetrics: []\n'))).toThrow(
      'policy rules[0].verifyMetrics must be a non-empty list of metric names (got an array of 0)',
    );
  });
});

describe('parsePolicy verifyBelow', () => {
  const base = (extra: string): string =>
    `version: 1\nrules:\n  - name: r\n    fault: traffic_surge\n    action: scale_out\n    description: d\n${extra}`;
  it('reads absolute verification bounds and rejects bad ones', () => {
    expect(parsePolicy(base('    verifyBelow: {saturation: 0.8}\n')).rules[0]?.verifyBelow).toEqual({ saturation: 0.8 });
    expect(() => parsePolicy(base('    verifyBelow: {saturation: high}\n'))).toThrow(
      'policy rules[0].verifyBelow.saturation must be a finite number (got "high")',
    );
    expect(() => parsePolicy(base('    verifyBelow: [0.8]\n'))).toThrow(
      'policy rules[0].verifyBelow must be a mapping of metric name to an upper bound',
    );
  });
});
