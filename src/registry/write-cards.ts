/**
 * @module registry/write-cards
 * Writes the model cards of the engine's default models: starts an in-memory store and the
 * engine (default simulated fleet, seed 1; nothing runs, the engine only records its models),
 * then writes one `<model>.md` card per registered model and a `README.md` index into a folder.
 *
 * Run: `node dist/registry/write-cards.js DIR [RETRAINING.json]` (RETRAINING.json: model name →
 * `{ schedule, triggers }`, replacing {@link DEFAULT_RETRAINING}). The cards in `docs/models/`
 * are made this way.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPlatform } from '../engine/platform.js';
import { describe, invalid } from '../errors.js';
import { modelCard, type RetrainingPlan } from './model-card.js';
import { DEFAULT_RETRAINING } from './retraining.js';
import { ModelRegistry } from './registry.js';

/**
 * Writes the cards of the engine's default models into `dir` (created if needed).
 * @returns the files written, the index last.
 */
export async function writeModelCards(
  dir: string,
  options: { readonly policyText: string; readonly retraining?: Readonly<Record<string, RetrainingPlan>> },
): Promise<string[]> {
  const platform = await createPlatform({ dbPath: ':memory:', policyText: options.policyText, sim: { seed: 1 } });
  try {
    const registry = new ModelRegistry(platform.store, platform.clock);
    const retraining = options.retraining ?? DEFAULT_RETRAINING;
    mkdirSync(dir, { recursive: true });
    const written: string[] = [];
    const index = [
      '# Model cards of the default models',
      '',
      'Generated from the model registry by `node dist/registry/write-cards.js docs/models` (an in-memory engine',
      'with the default configuration and simulated fleet, seed 1); `homeostat registry card <model>` gives the',
      'current card of a running installation, with its live metrics.',
      '',
      '| model | kind | version | card |',
      '| --- | --- | ---: | --- |',
    ];
    for (const summary of await registry.list()) {
      const name = summary.model.name;
      const plan = retraining[name];
      const input = await registry.cardInput(name, undefined, plan === undefined ? {} : { retraining: plan });
      const file = join(dir, `${name}.md`);
      writeFileSync(file, modelCard(input));
      written.push(file);
      index.push(`| ${name} | \`${input.version.kind}\` | ${input.version.version} | [${name}.md](${name}.md) |`);
    }
    const readme = join(dir, 'README.md');
    writeFileSync(readme, `${index.join('\n')}\n`);
    written.push(readme);
    return written;
  } finally {
    await platform.close();
  }
}

function readRetraining(path: string): Record<string, RetrainingPlan> {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid(`${path} must hold an object of model name → { schedule, triggers } (got ${describe(parsed)})`);
  }
  for (const [name, plan] of Object.entries(parsed)) {
    const p = plan as Partial<RetrainingPlan> | null;
    if (p === null || typeof p.schedule !== 'string' || !Array.isArray(p.triggers) || !p.triggers.every((t) => typeof t === 'string')) {
      throw invalid(`${path}: ${name} must be { schedule: string, triggers: string[] } (got ${describe(plan)})`);
    }
  }
  return parsed as Record<string, RetrainingPlan>;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [dir, retrainingPath] = process.argv.slice(2);
  if (dir === undefined) {
    process.stderr.write('usage: node dist/registry/write-cards.js DIR [RETRAINING.json]\n');
    process.exit(2);
  }
  const policyText = readFileSync(new URL('../../policies/default.yaml', import.meta.url), 'utf8');
  const files = await writeModelCards(dir, {
    policyText,
    ...(retrainingPath === undefined ? {} : { retraining: readRetraining(retrainingPath) }),
  });
  process.stdout.write(`${files.map((f) => `wrote ${f}`).join('\n')}\n`);
}
