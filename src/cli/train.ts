/**
 * @module cli/train
 * `homeostat train <model> [--db FILE] [--window 14d] [--margin 0.02] [--at TIME]`: runs the
 * training pipeline (learn/training.ts) once on a Homeostat database — labelled outputs from the
 * store, a challenger fitted from the champion, validated against it on the most recent slice,
 * registered with its lineage, promoted only if it wins — and prints what it did. A running
 * engine serves a promoted champion from its next tick.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, invalid } from '../errors.js';
import { type TrainingReport, TRAINERS, trainAndValidate } from '../learn/training.js';
import { ModelRegistry } from '../registry/registry.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';
import { ProgressBar } from './progress.js';

const DEFAULT_DB = '.homeostat/homeostat.db';

const FLAGS: readonly FlagSpec[] = [
  { name: 'db', type: 'string', description: 'SQLite database file', defaultText: DEFAULT_DB, env: 'HOMEOSTAT_DB' },
  { name: 'window', type: 'duration', description: 'labelled outputs of this window before --at are used', defaultText: '14d' },
  { name: 'margin', type: 'number', description: 'relative log-loss improvement over the champion needed to promote', defaultText: '0.02' },
  { name: 'min-rows', type: 'number', description: 'fewer labelled outputs than this: no training', defaultText: '40' },
  {
    name: 'at',
    type: 'string',
    description: 'train as of this time (ISO 8601 or epoch ms); default: after the newest label (simulated time included)',
  },
  { name: 'by', type: 'string', description: 'who trains (kept in the lineage and the serving history)', defaultText: 'cli:train' },
  { name: 'json', type: 'boolean', description: 'print the report as JSON' },
];

/** Help of `train`. */
export const TRAIN_HELP = helpText(
  `homeostat train <model> — one of ${Object.keys(TRAINERS).join(', ')}`,
  'Retrains a model from the labelled outcomes in the database, validates the challenger against the\nchampion on the most recent 30 %, registers it with its lineage, and promotes it only if it wins.',
  FLAGS,
);

/** Runs `homeostat train`. */
export async function trainCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'homeostat train');
  if (args.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  const [name] = args.positional;
  const trainer = name === undefined ? undefined : TRAINERS[name];
  if (trainer === undefined) {
    throw invalid(`homeostat train: expected a model, one of ${Object.keys(TRAINERS).join(', ')} (got ${describe(name)})`);
  }
  const db = (args.flags.db as string | undefined) ?? env.HOMEOSTAT_DB ?? DEFAULT_DB;
  if (db !== ':memory:' && !existsSync(db)) {
    throw invalid(`homeostat train: no database at ${db} (run homeostat up first, or pass --db FILE / HOMEOSTAT_DB)`);
  }
  const store = await openSqliteStore(db);
  const progress = new ProgressBar('train', 3);
  try {
    const versions = await store.listModelVersions(trainer.name);
    if (versions.length === 0) {
      throw invalid(
        `homeostat train: ${db} has no registered model ${trainer.name} (an engine registers it at start: run homeostat up once)`,
      );
    }
    const newest = (await store.listFeedback({ limit: 1 }))[0]?.at;
    const atText = args.flags.at as string | undefined;
    const now = atText !== undefined ? parseTime(atText) : Math.max(Date.now(), (newest ?? 0) + 1);
    progress.update(1);
    const aliases = await store.getModelAliases(trainer.name);
    const served = versions.find((v) => v.version === aliases.champion) ?? versions[versions.length - 1];
    const registry = new ModelRegistry(store, { now: () => now });
    const report = await trainAndValidate(
      trainer,
      store,
      async (model, version, why) => {
        await registry.promote(model, version, why);
      },
      {
        now,
        trigger: 'manual',
        trainedBy: (args.flags.by as string | undefined) ?? 'cli:train',
        codeVersion: codeVersion(),
        servedConfig: served?.config,
        ...(args.flags.window !== undefined ? { windowMs: args.flags.window as number } : {}),
        ...(args.flags.margin !== undefined ? { margin: args.flags.margin as number } : {}),
        ...(args.flags['min-rows'] !== undefined ? { minRows: args.flags['min-rows'] as number } : {}),
      },
    );
    progress.update(3);
    progress.done();
    process.stdout.write(args.flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return 0;
  } finally {
    await store.close();
  }
}

/** The report as lines for people. */
export function formatReport(r: TrainingReport): string {
  const lines = [`${r.name}: ${r.rows} labelled outputs (${r.trainRows} to fit, ${r.validateRows} to validate)`];
  const row = (who: string, f: { log_loss: number; brier: number; ece: number; n: number } | undefined): void => {
    if (f)
      lines.push(`  ${who.padEnd(22)} log-loss ${f.log_loss.toFixed(4)}  Brier ${f.brier.toFixed(4)}  ECE ${f.ece.toFixed(4)}  (n ${f.n})`);
  };
  row(r.champion?.version !== undefined ? `champion v${r.champion.version}` : 'served config', r.champion?.figures);
  row(r.challenger ? `challenger v${r.challenger.version}` : 'challenger', r.challenger?.figures);
  lines.push(`  ${r.promoted ? 'promoted' : 'kept the champion'}: ${r.reason}`);
  return `${lines.join('\n')}\n`;
}

function parseTime(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(n)) throw invalid(`--at must be an ISO 8601 time or epoch milliseconds (got ${JSON.stringify(text)})`);
  return n;
}

function codeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `homeostat ${pkg.version}`;
}
