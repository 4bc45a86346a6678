/**
 * @module registry/model-card
 * A model card (Mitchell et al., "Model Cards for Model Reporting", FAT* 2019) for one model
 * version, as Markdown, generated from the registry alone so it is always current: intended use,
 * kind and configuration, training data, offline and live metrics with calibration, known limits,
 * retraining, serving history. Pure: the same input gives the same text.
 */
import type { ModelAlias, ModelAliasEvent, ModelRecord, ModelVersion } from '../records/types.js';
import type { ClassificationMetrics, LiveMetrics, OutcomeMetrics, RegressionMetrics } from './live-metrics.js';
import { kindNotes } from './model-limits.js';
import { aliasStints, effectiveStage } from './registry.js';

/** When and why a model is retrained (given by whoever schedules training). */
export interface RetrainingPlan {
  /** E.g. `every 24 h`, or `none (configuration only)`. */
  readonly schedule: string;
  /** E.g. `drift on input features (PSI > 0.2)`, `live precision below 0.8 over 24 h`. */
  readonly triggers: readonly string[];
}

/** Everything a card is made of: registry data for one version. */
export interface ModelCardInput {
  readonly model: ModelRecord;
  readonly version: ModelVersion;
  readonly aliases: Partial<Record<ModelAlias, number>>;
  /** Serving history of the model, oldest first. */
  readonly history: readonly ModelAliasEvent[];
  /** The version the engine serves (champion, else the latest version). */
  readonly serving: number | undefined;
  /** Live metrics of this version. */
  readonly live: LiveMetrics;
  readonly retraining?: RetrainingPlan;
  /** When the card was generated (epoch ms). */
  readonly generatedAt: number;
}

/** Largest configuration shown in full; a longer one is cut with a note. */
const MAX_CONFIG_CHARS = 6_000;

/**
 * The model card of one version as Markdown.
 * @example writeFileSync('docs/models/anomaly-detector.md', modelCard(await registry.cardInput('anomaly-detector')));
 */
export function modelCard(input: ModelCardInput): string {
  const { model, version, live } = input;
  const notes = kindNotes(version.kind);
  const aliasesOfVersion = Object.entries(input.aliases)
    .filter(([, v]) => v === version.version)
    .map(([a]) => a);
  const out: string[] = [];
  out.push(`# Model card: ${model.name}, version ${version.version}`);
  out.push('');
  out.push(
    `Generated from the Homeostat model registry at ${iso(input.generatedAt)} (\`homeostat registry card ${model.name} --version ${version.version}\`).`,
  );
  out.push('');
  out.push('| | |');
  out.push('| --- | --- |');
  out.push(`| Model | \`${model.name}\`: ${escapeCell(model.description)} |`);
  out.push(`| Version | ${version.version} of ${escapeCell(version.kind)} (state shape v${version.specVersion}) |`);
  out.push(
    `| Stage | ${effectiveStage(version, input.aliases)}${aliasesOfVersion.length > 0 ? ` (alias ${aliasesOfVersion.join(', ')})` : ''} |`,
  );
  out.push(`| Served now | ${servingText(input)} |`);
  out.push(`| Registered | ${iso(version.createdAt)} |`);
  if (version.description) out.push(`| Description | ${escapeCell(version.description)} |`);
  out.push('');

  out.push('## Intended use');
  out.push('');
  out.push(notes.use);
  out.push('');

  out.push('## Kind and configuration');
  out.push('');
  out.push(`Kind \`${version.kind}\`${notes.source ? ` (${notes.source})` : ''}. Configuration of this version:`);
  out.push('');
  const config = JSON.stringify(version.config ?? null, null, 2);
  out.push('```json');
  out.push(config.length > MAX_CONFIG_CHARS ? `${config.slice(0, MAX_CONFIG_CHARS)}\n…` : config);
  out.push('```');
  if (config.length > MAX_CONFIG_CHARS)
    out.push(`\n(cut at ${MAX_CONFIG_CHARS} of ${config.length} characters; the registry API has it whole)`);
  out.push('');

  out.push('## Training data');
  out.push('');
  out.push(...trainingLines(version));
  out.push('');

  out.push('## Offline metrics');
  out.push('');
  const offline = Object.entries(version.metrics);
  if (offline.length === 0) out.push('None recorded: this version was not validated offline before it was registered.');
  else {
    out.push('| metric | value |');
    out.push('| --- | ---: |');
    for (const [k, v] of offline) out.push(`| ${escapeCell(k)} | ${num(v)} |`);
  }
  out.push('');

  out.push('## Live metrics');
  out.push('');
  out.push(...liveLines(live, notes.outcome));
  out.push('');

  out.push('## Known limits');
  out.push('');
  if (notes.limits.length === 0) out.push('None documented for this kind.');
  for (const limit of notes.limits) out.push(`- ${limit}`);
  out.push('');

  out.push('## Retraining');
  out.push('');
  if (input.retraining === undefined) out.push('No retraining schedule given.');
  else {
    out.push(`Schedule: ${input.retraining.schedule}.`);
    out.push('');
    if (input.retraining.triggers.length === 0) out.push('Triggers: none.');
    else {
      out.push('Triggers:');
      out.push('');
      for (const t of input.retraining.triggers) out.push(`- ${t}`);
    }
  }
  out.push('');

  out.push('## Serving history');
  out.push('');
  out.push(...historyLines(input));
  return `${out.join('\n')}\n`;
}

function servingText(input: ModelCardInput): string {
  if (input.serving === undefined) return 'no version';
  const how = input.aliases.champion === undefined ? 'the latest version; no champion promoted yet' : 'champion';
  return `version ${input.serving} (${how})${input.serving === input.version.version ? ': this version' : ''}`;
}

function trainingLines(version: ModelVersion): string[] {
  const l = version.lineage;
  if (l === undefined) {
    return [
      'No lineage recorded: the engine recorded this version at start from its configuration. Its parameters are the configuration above; a streaming model then learns online from the telemetry it serves, so there is no fixed training set.',
    ];
  }
  const rows: [string, string][] = [
    ['Trained by', l.trainedBy],
    ['Trained at', iso(l.trainedAt)],
    ['Code version', l.codeVersion],
  ];
  if (l.trigger !== undefined) rows.push(['Trigger', l.trigger]);
  if (l.dataWindow !== undefined) rows.push(['Data window', `${iso(l.dataWindow.fromMs)} to ${iso(l.dataWindow.toMs)}`]);
  if (l.dataFingerprint !== undefined) rows.push(['Data fingerprint (SHA-256)', `\`${l.dataFingerprint}\``]);
  if (l.featureSet !== undefined)
    rows.push(['Features', l.featureSet.length === 0 ? 'none' : l.featureSet.map((f) => `\`${f}\``).join(', ')]);
  if (l.parameters !== undefined) rows.push(['Parameters', `\`${JSON.stringify(l.parameters)}\``]);
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${escapeCell(v)} |`)];
}

function liveLines(live: LiveMetrics, outcome: string): string[] {
  const lines: string[] = [`An outcome of this model is ${outcome}.`, ''];
  if (live.overall.n === 0) {
    lines.push(`No outcomes recorded for this version up to ${iso(live.at)}: live metrics appear as labels and actuals arrive.`);
    return lines;
  }
  const windowText = `last ${duration(live.windowMs)}`;
  const parts: [string, OutcomeMetrics][] = [
    ['all', live.overall],
    [windowText, live.recent],
    ['before', live.earlier],
  ];
  const c = live.overall.classification;
  if (c !== undefined) {
    lines.push('| outcomes | n | accuracy | mean confidence | ECE | Brier |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const [label, m] of parts) lines.push(classRow(label, m.classification));
    lines.push('');
    if (c.bins.length > 0) {
      lines.push(`Calibration (reliability, all ${c.withConfidence} outcomes with a confidence; 10 equal-width bins):`);
      lines.push('');
      lines.push('| confidence | n | mean confidence | share correct | gap |');
      lines.push('| --- | ---: | ---: | ---: | ---: |');
      for (const b of c.bins) {
        lines.push(
          `| ${b.lower.toFixed(1)}–${b.upper.toFixed(1)} | ${b.n} | ${num(b.meanConfidence)} | ${num(b.accuracy)} | ${signed(b.accuracy - b.meanConfidence)} |`,
        );
      }
      lines.push('');
    }
  }
  if (live.overall.regression !== undefined) {
    lines.push('| outcomes | n | MAE | mean relative error | interval coverage |');
    lines.push('| --- | ---: | ---: | ---: | ---: |');
    for (const [label, m] of parts) lines.push(regressionRow(label, m.regression));
    lines.push('');
  }
  if (live.trend.length === 0) lines.push(`Trend: not enough outcomes on both sides of the ${windowText} window.`);
  for (const t of live.trend) {
    const z = t.z === null ? 'both sides constant' : `z = ${t.z.toFixed(2)}`;
    lines.push(`Trend of ${t.metric}: ${t.direction}, ${num(t.earlier)} before → ${num(t.recent)} in the ${windowText} (${z}).`);
  }
  lines.push('');
  lines.push(`Computed at ${iso(live.at)}.`);
  return lines;
}

function classRow(label: string, m: ClassificationMetrics | undefined): string {
  if (m === undefined) return `| ${label} | 0 | – | – | – | – |`;
  return `| ${label} | ${m.n} | ${num(m.accuracy)} | ${opt(m.meanConfidence)} | ${opt(m.ece)} | ${opt(m.brier)} |`;
}

function regressionRow(label: string, m: RegressionMetrics | undefined): string {
  if (m === undefined) return `| ${label} | 0 | – | – | – |`;
  return `| ${label} | ${m.n} | ${num(m.mae)} | ${opt(m.meanRelError)} | ${opt(m.coverage)} |`;
}

function historyLines(input: ModelCardInput): string[] {
  const stints = aliasStints(input.history);
  if (stints.length === 0) {
    return [
      input.serving === undefined
        ? 'No version has been registered as served.'
        : `No alias has been set: the engine has served its latest version (now ${input.serving}) since it was registered.`,
    ];
  }
  const lines = ['| alias | version | from | to | by | reason |', '| --- | ---: | --- | --- | --- | --- |'];
  for (const s of stints) {
    const mark = s.version === input.version.version ? `**${s.version}**` : String(s.version);
    lines.push(
      `| ${s.alias} | ${mark} | ${iso(s.fromMs)} | ${s.toMs === undefined ? 'now' : iso(s.toMs)} | ${escapeCell(s.by)} | ${escapeCell(s.reason)} |`,
    );
  }
  return lines;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function num(x: number): string {
  return x.toFixed(3);
}

function opt(x: number | undefined): string {
  return x === undefined ? '–' : num(x);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}

function duration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${Math.round(ms / 60_000)} min`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
