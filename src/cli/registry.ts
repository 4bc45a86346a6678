/**
 * @module cli/registry
 * `homeostat registry list | show <name> | promote <name> <version> | rollback <name> |
 * card <name> [--version N] [--out FILE]` over the SQLite database of a Homeostat installation:
 * the registered models, their versions and aliases, the serving history, live metrics, and the
 * model cards. Tables for people, `--json` for machines.
 */
import { existsSync, writeFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { describe, invalid } from '../errors.js';
import type { ModelVersion } from '../records/types.js';
import { modelCard } from '../registry/model-card.js';
import { aliasStints, effectiveStage, ModelRegistry } from '../registry/registry.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';

const DEFAULT_DB = '.homeostat/homeostat.db';

const FLAGS: readonly FlagSpec[] = [
  { name: 'db', type: 'string', description: 'SQLite database file', defaultText: DEFAULT_DB, env: 'HOMEOSTAT_DB' },
  { name: 'json', type: 'boolean', description: 'print JSON instead of tables' },
  { name: 'version', type: 'number', description: 'card: the version (default the one served)' },
  { name: 'out', type: 'string', description: 'card: write the Markdown to this file instead of stdout' },
  { name: 'reason', type: 'string', description: 'promote/rollback: why (kept in the serving history)' },
  { name: 'by', type: 'string', description: 'promote/rollback: who (kept in the serving history)', defaultText: 'cli' },
  { name: 'window', type: 'duration', description: 'window of the recent live metrics', defaultText: '24h' },
  {
    name: 'at',
    type: 'string',
    description: 'compute live metrics at this time (ISO 8601 or epoch ms; simulated time)',
    defaultText: 'now, or after the newest outcome when a simulation ran ahead',
  },
  {
    name: 'keep-challenger',
    type: 'boolean',
    description: 'promote: keep the previous champion as the challenger instead of archiving it',
  },
];

/** Help of `registry`. */
export const REGISTRY_HELP = helpText(
  'homeostat registry list | show <name> | promote <name> <version> | rollback <name> | card <name> [--version N] [--out FILE]',
  'The model registry: registered models, versions, champion/challenger aliases, serving history,\nlive metrics from observed outcomes, and model cards (Markdown).',
  FLAGS,
);

const SUBCOMMANDS = ['list', 'show', 'promote', 'rollback', 'card'] as const;

/** Options for tests: a clock and an environment other than the process's. */
export interface RegistryCommandOptions {
  readonly clock?: Clock;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Runs `homeostat registry`. */
export async function registryCommand(argv: readonly string[], options: RegistryCommandOptions = {}): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'homeostat registry');
  if (args.help) {
    process.stdout.write(REGISTRY_HELP);
    return 0;
  }
  const [sub, ...rest] = args.positional;
  if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw invalid(
      `homeostat registry: expected a sub-command, one of ${SUBCOMMANDS.join(', ')} (got ${describe(sub)}; see homeostat registry --help)`,
    );
  }
  const env = options.env ?? process.env;
  const db = (args.flags.db as string | undefined) ?? env.HOMEOSTAT_DB ?? DEFAULT_DB;
  if (db !== ':memory:' && !existsSync(db)) {
    throw invalid(`homeostat registry: no database at ${db} (run homeostat up first, or pass --db FILE / HOMEOSTAT_DB)`);
  }
  const json = args.flags.json === true;
  const windowMs = (args.flags.window as number | undefined) ?? 86_400_000;
  const atText = args.flags.at as string | undefined;
  const atMs = atText === undefined ? undefined : parseTimeFlag('--at', atText);
  const store = await openSqliteStore(db);
  try {
    // Without --at, "now" is the wall clock, or the newest outcome when a simulated fleet ran ahead of it.
    const base = options.clock ?? systemClock;
    let newest = Number.NEGATIVE_INFINITY;
    if (atMs === undefined) {
      for (const m of await store.listModels())
        newest = Math.max(newest, (await store.listModelOutcomes({ name: m.name, limit: 1 }))[0]?.at ?? newest);
    }
    const clock: Clock = atMs !== undefined ? { now: () => atMs } : { now: () => Math.max(base.now(), newest + 1) };
    const registry = new ModelRegistry(store, clock);
    const need = (count: number, usage: string): string[] => {
      if (rest.length !== count)
        throw invalid(`homeostat registry ${sub}: expected ${usage} (got ${rest.length === 0 ? 'nothing' : rest.join(' ')})`);
      return rest;
    };
    const change = (fallback: string) => ({
      by: (args.flags.by as string | undefined) ?? 'cli',
      reason: (args.flags.reason as string | undefined) ?? fallback,
    });
    let text: string;
    switch (sub) {
      case 'list': {
        need(0, 'no argument');
        const models = await registry.list();
        text = json ? toJson(models.map((m) => ({ ...m, versions: m.versions.map(withoutState) }))) : listTable(models, db);
        break;
      }
      case 'show': {
        const [name] = need(1, '<name>') as [string];
        const detail = await registry.show(name);
        const live = [];
        for (const v of detail.versions) live.push(await registry.liveMetrics(name, v.version, { windowMs }));
        text = json ? toJson({ ...detail, versions: detail.versions.map(withoutState), live }) : showText(detail, live);
        break;
      }
      case 'promote': {
        const [name, versionText] = need(2, '<name> <version>') as [string, string];
        const version = Number(versionText);
        if (!/^\d+$/.test(versionText) || version < 1) {
          throw invalid(`homeostat registry promote: version must be an integer >= 1 (got ${describe(versionText)})`);
        }
        const result = await registry.promote(name, version, {
          ...change(`promoted with homeostat registry promote`),
          keepPreviousAsChallenger: args.flags['keep-challenger'] === true,
        });
        text = json
          ? toJson(result)
          : result.changed
            ? `homeostat registry: ${name} champion ${result.previous ?? 'none'} → ${result.version}${result.previous === undefined ? '' : args.flags['keep-challenger'] === true ? ` (version ${result.previous} is now the challenger)` : ` (version ${result.previous} archived)`}\n`
            : `homeostat registry: ${name} version ${version} is already the champion; nothing changed\n`;
        break;
      }
      case 'rollback': {
        const [name] = need(1, '<name>') as [string];
        const result = await registry.rollback(name, change('rolled back with homeostat registry rollback'));
        text = json
          ? toJson(result)
          : `homeostat registry: ${name} rolled back, champion ${result.previous} → ${result.version} (version ${result.previous} archived)\n`;
        break;
      }
      default: {
        const [name] = need(1, '<name>') as [string];
        const version = args.flags.version as number | undefined;
        const card = modelCard(await registry.cardInput(name, version, { windowMs }));
        const out = args.flags.out as string | undefined;
        if (out === undefined) text = card;
        else {
          writeFileSync(out, card);
          text = json ? toJson({ name, out }) : `homeostat registry: wrote the model card of ${name} to ${out}\n`;
        }
      }
    }
    process.stdout.write(text);
    return 0;
  } finally {
    await store.close();
  }
}

function withoutState({ state: _state, ...rest }: ModelVersion): Omit<ModelVersion, 'state'> {
  return rest;
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function listTable(models: Awaited<ReturnType<ModelRegistry['list']>>, db: string): string {
  const rows = [['model', 'kind', 'versions', 'serving', 'champion', 'challenger', 'updated']];
  for (const m of models) {
    rows.push([
      m.model.name,
      m.model.kind,
      String(m.versions.length),
      m.serving === undefined ? '-' : String(m.serving),
      m.aliases.champion === undefined ? '-' : String(m.aliases.champion),
      m.aliases.challenger === undefined ? '-' : String(m.aliases.challenger),
      new Date(m.updatedAt).toISOString(),
    ]);
  }
  return `homeostat registry: ${models.length} model${models.length === 1 ? '' : 's'} in ${db}\n${table(rows)}`;
}

function showText(
  detail: Awaited<ReturnType<ModelRegistry['show']>>,
  live: readonly Awaited<ReturnType<ModelRegistry['liveMetrics']>>[],
): string {
  const lines = [`${detail.model.name} (${detail.model.kind}): ${detail.model.description}`, `serving: ${detail.serving ?? 'none'}`, ''];
  const rows = [['version', 'stage', 'aliases', 'created', 'trained by', 'offline metrics', 'live n', 'live accuracy', 'ECE', 'MAE']];
  for (const [i, v] of detail.versions.entries()) {
    const l = live[i]?.overall;
    const aliases = Object.entries(detail.aliases)
      .filter(([, n]) => n === v.version)
      .map(([a]) => a);
    rows.push([
      String(v.version),
      effectiveStage(v, detail.aliases),
      aliases.join(',') || '-',
      new Date(v.createdAt).toISOString(),
      v.lineage?.trainedBy ?? 'engine',
      Object.entries(v.metrics)
        .map(([k, x]) => `${k}=${Number(x.toPrecision(4))}`)
        .join(' ') || '-',
      String(l?.n ?? 0),
      l?.classification === undefined ? '-' : l.classification.accuracy.toFixed(3),
      l?.classification?.ece === undefined ? '-' : l.classification.ece.toFixed(3),
      l?.regression === undefined ? '-' : Number(l.regression.mae.toPrecision(4)).toString(),
    ]);
  }
  lines.push(table(rows));
  const stints = aliasStints(detail.history);
  lines.push('serving history:');
  if (stints.length === 0) lines.push('  no alias set yet: the engine serves the latest version');
  else {
    const h = [['alias', 'version', 'from', 'to', 'by', 'reason']];
    for (const s of stints) {
      h.push([
        s.alias,
        String(s.version),
        new Date(s.fromMs).toISOString(),
        s.toMs === undefined ? 'now' : new Date(s.toMs).toISOString(),
        s.by,
        s.reason,
      ]);
    }
    lines.push(table(h));
  }
  return `${lines.join('\n')}\n`;
}

/** Reads a time flag: epoch milliseconds (digits) or an ISO 8601 time. */
function parseTimeFlag(flag: string, text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw invalid(
      `homeostat registry: ${flag} must be epoch milliseconds or an ISO 8601 time like 2024-05-01T12:00:00Z (got ${describe(text)})`,
    );
  }
  return ms;
}

/** Left-aligned columns separated by two spaces, one line per row. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows.map((row) => `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`).join('');
}
