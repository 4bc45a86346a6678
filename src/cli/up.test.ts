import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFailureModel, resolveUpConfig, SIM_FAILURE_MODEL } from './up.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readFailureModel', () => {
  it('reads the shipped simulator model: its config with the trees and their calibration', () => {
    const config = readFailureModel(SIM_FAILURE_MODEL);
    expect(config.horizonMs).toBe(6 * 3_600_000);
    expect(config.features).toMatchObject({ countMode: 'per-sample' });
    expect((config.platt as { a: number }).a).toBeGreaterThan(0);
  });

  it('says which file was wrong and what it expected', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"kind": "risk/failure-heuristic", "config": {}}');
    expect(() => readFailureModel(bad)).toThrow(
      `--failure-model ${bad}: expected {"kind": "risk/failure-trees", "config": {…}} as written by bench/failure/train-sim (got kind "risk/failure-heuristic")`,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"kind": ');
    expect(() => readFailureModel(broken)).toThrow(new RegExp(`^--failure-model ${broken}: cannot read a JSON model file`));
    const untrained = join(dir, 'untrained.json');
    writeFileSync(untrained, '{"kind": "risk/failure-trees", "config": {"threshold": 2}}');
    expect(() => readFailureModel(untrained)).toThrow(/risk\/failure-trees: /);
  });
});

describe('resolveUpConfig', () => {
  it('reads a notify section and the Kubernetes settings from the config file, flags over file', () => {
    const file = join(dir, 'homeostat.yaml');
    writeFileSync(
      file,
      [
        'port: 9090',
        'kubernetes: https://10.0.0.1:6443',
        'kube-namespace: shop',
        'kube-max-replicas: 6',
        'notify:',
        '  alertmanager:',
        '    url: http://127.0.0.1:9093',
      ].join('\n'),
    );
    const cfg = resolveUpConfig({ config: file, 'kube-namespace': 'web' }, {});
    expect(cfg.port).toBe(9090);
    expect(cfg.kubernetes).toBe('https://10.0.0.1:6443');
    expect(cfg.kubeNamespace).toBe('web');
    expect(cfg.kubeMaxReplicas).toBe(6);
    expect(cfg.kubeTopology).toBe(true);
    expect(cfg.notify?.alertmanager?.url).toBe('http://127.0.0.1:9093/');
  });

  it('names the file and the section of a bad notify setting, and lists notify among the keys', () => {
    const bad = join(dir, 'bad-notify.yaml');
    writeFileSync(bad, 'notify:\n  alertmanager:\n    url: 42\n');
    expect(() => resolveUpConfig({ config: bad }, {})).toThrow(new RegExp(`^${bad}: notify`));
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, 'notfy: {}\n');
    expect(() => resolveUpConfig({ config: unknown }, {})).toThrow(
      /unknown setting "notfy" \(expected one of .*kube-all-namespaces, notify\)/,
    );
  });
});
