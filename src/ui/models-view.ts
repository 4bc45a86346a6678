/**
 * @module ui/models-view
 * The model pages: every registered model with the version served and its live accuracy
 * (`#/models`), one model with its live calibration, lineage, versions, serving history and
 * learning timeline (`#/models/<name>`), and its model card (`#/models/<name>/card`). Reads the
 * MLflow-shaped registry routes (`/api/2.0/mlflow/…`, Homeostat's extras in `homeostat`), the
 * `learn` decisions (retraining runs and drift alarms carry the model's name as subject) and
 * `GET /api/v1/models/:name/card`.
 */
import { getJson, getMlflow, getText, seg } from './api.js';
import { badge, compact, confidenceBar, formatTime, h, percent, routeLink } from './dom.js';
import type { Decision, LiveMetrics, LiveTrend, OutcomeMetrics, RegisteredModel, RegistryVersion, ServingStint } from './types.js';
import type { Page } from './views.js';

/** `learn` decisions read for the timelines (newest first). */
const LEARN_DECISIONS = 500;
/** Entries of a model's learning timeline. */
const TIMELINE_ROWS = 50;

const modelRoute = (name: string) => `/models/${encodeURIComponent(name)}`;

/**
 * Page data without the time live metrics were computed at (it moves with every poll), so the
 * page is redrawn only when a figure changed.
 */
function steady(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    return key === 'at' && 'windowMs' in this ? undefined : v;
  });
}

/** The served version's body among a model's latest versions per stage. */
function servedVersion(m: RegisteredModel): RegistryVersion | undefined {
  return m.latest_versions.find((v) => v.homeostat.serving) ?? m.latest_versions.find((v) => Number(v.version) === m.homeostat.serving);
}

/** What a `learn` decision about a model was: a drift alarm, or a retraining run that promoted or kept the champion. */
type LearnEventKind = 'drift' | 'promoted' | 'kept' | 'learned';

function learnKind(d: Decision): LearnEventKind {
  const out = (d.output ?? {}) as { drift?: unknown; promoted?: unknown };
  if (d.model.kind.startsWith('drift/') || out.drift === true) return 'drift';
  if (out.promoted === true) return 'promoted';
  if (out.promoted === false) return 'kept';
  return 'learned';
}

const LEARN_LABEL: Readonly<Record<LearnEventKind, string>> = {
  drift: 'drift',
  promoted: 'retrained, promoted',
  kept: 'retrained, champion kept',
  learned: 'learned',
};
const LEARN_BADGE: Readonly<Record<LearnEventKind, string>> = { drift: 'critical', promoted: 'verified', kept: 'proposed', learned: 'low' };

function learnBadge(d: Decision): HTMLSpanElement {
  const kind = learnKind(d);
  return badge(LEARN_BADGE[kind], LEARN_LABEL[kind]);
}

function explanationOf(d: Decision): string {
  return typeof d.explanation === 'string' ? d.explanation : d.explanation.map((a) => a.name).join(', ');
}

// ---------- the list ----------

/** Every registered model: the version served, its live metrics and trend, and its latest learning event. */
export async function loadModels(): Promise<Page> {
  const [{ registered_models: models }, { decisions }] = await Promise.all([
    getMlflow<{ registered_models: RegisteredModel[] }>('/registered-models/search?max_results=1000'),
    getJson<{ decisions: Decision[] }>(`/decisions?kind=learn&limit=${LEARN_DECISIONS}`),
  ]);
  const names = new Set(models.map((m) => m.name));
  const learning = decisions.filter((d) => names.has(d.subject));
  return { data: steady({ models, learning }), render: () => modelsPage(models, learning) };
}

function modelsPage(models: readonly RegisteredModel[], learning: readonly Decision[]): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'models-h', 'data-testid': 'models-view' },
    h('h2', { id: 'models-h', tabindex: -1 }, 'Models'),
    h(
      'p',
      { class: 'muted' },
      'The version each model serves, and its live accuracy from outcomes (operators’ labels, actuals as they arrive). ',
      'Accuracy of an alerting model is the precision of what it raised. ECE: expected calibration error, 10 bins.',
    ),
    models.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'no-models' }, 'No model is registered yet.')
      : modelTable(models, learning),
  );
}

function modelTable(models: readonly RegisteredModel[], learning: readonly Decision[]): HTMLElement {
  const body = h('tbody');
  for (const m of models) {
    const served = servedVersion(m);
    const live = served?.homeostat.live;
    const latest = learning.find((d) => d.subject === m.name);
    body.append(
      h(
        'tr',
        { 'data-testid': 'model-row', 'data-model': m.name },
        h('td', {}, routeLink(modelRoute(m.name), m.name)),
        h('td', { class: 'mono' }, m.homeostat.kind),
        h(
          'td',
          { 'data-testid': 'model-serving' },
          m.homeostat.serving === null ? '—' : `v${m.homeostat.serving} `,
          served ? badge(served.homeostat.stage) : null,
          m.homeostat.challenger !== null ? h('span', { class: 'muted' }, ` challenger v${m.homeostat.challenger}`) : null,
        ),
        ...liveCells(live?.overall),
        h('td', {}, live ? trendText(live.trend) : '—'),
        h(
          'td',
          {},
          ...(latest
            ? [learnBadge(latest), ' ', h('span', { class: 'muted' }, formatTime(latest.at))]
            : [h('span', { class: 'muted' }, 'none yet')]),
        ),
      ),
    );
  }
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[
            'Model',
            'Kind',
            'Serving',
            'Outcomes',
            'Accuracy',
            'Mean confidence',
            'ECE',
            'Brier',
            'MAE',
            'Coverage',
            'Trend',
            'Latest learning',
          ].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    ),
  );
}

const num = (v: number | undefined) => (v === undefined ? '—' : compact(v));
const pct = (v: number | undefined) => (v === undefined ? '—' : percent(v));

/** Cells: outcomes, accuracy, mean confidence, ECE, Brier, MAE, coverage. */
function liveCells(m: OutcomeMetrics | undefined): HTMLTableCellElement[] {
  const c = m?.classification;
  const r = m?.regression;
  return [
    h('td', { 'data-testid': 'live-n' }, m === undefined || m.n === 0 ? h('span', { class: 'muted' }, 'none yet') : String(m.n)),
    h('td', { 'data-testid': 'live-accuracy' }, pct(c?.accuracy)),
    h('td', {}, pct(c?.meanConfidence)),
    h('td', {}, c?.ece === undefined ? '—' : c.ece.toFixed(3)),
    h('td', {}, c?.brier === undefined ? '—' : c.brier.toFixed(3)),
    h('td', {}, num(r?.mae)),
    h('td', {}, pct(r?.coverage)),
  ];
}

function trendText(trend: readonly LiveTrend[]): HTMLElement | string {
  if (trend.length === 0) return h('span', { class: 'muted' }, 'not enough outcomes');
  return h(
    'span',
    {},
    ...trend.flatMap((t, i) => {
      const show = t.metric === 'accuracy' ? percent : compact;
      const arrow = t.direction === 'improving' ? '↗' : t.direction === 'worsening' ? '↘' : '→';
      return [
        i > 0 ? h('br') : null,
        h(
          'span',
          { class: `trend trend-${t.direction}`, 'data-testid': 'live-trend', title: t.z === null ? 'z: n/a' : `z = ${t.z.toFixed(1)}` },
          `${t.metric} ${show(t.earlier)} ${arrow} ${show(t.recent)} (${t.direction})`,
        ),
      ];
    }),
  );
}

// ---------- one model ----------

/** One model: live metrics and calibration of the served version, its lineage, the versions, the serving history and the learning timeline. */
export async function loadModel(name: string): Promise<Page> {
  const q = `name=${encodeURIComponent(name)}`;
  const filter = encodeURIComponent(`name = '${name.replace(/'/g, "''")}'`);
  const [{ registered_model: model }, { model_versions: versions }, { decisions }] = await Promise.all([
    getMlflow<{ registered_model: RegisteredModel }>(`/registered-models/get?${q}`),
    getMlflow<{ model_versions: RegistryVersion[] }>(`/model-versions/search?filter=${filter}&order_by=version_number%20DESC`),
    getJson<{ decisions: Decision[] }>(`/decisions?kind=learn&subject=${seg(name)}&limit=${TIMELINE_ROWS}`),
  ]);
  return { data: steady({ model, versions, decisions }), render: () => modelPage(model, versions, decisions) };
}

function modelPage(model: RegisteredModel, versions: readonly RegistryVersion[], decisions: readonly Decision[]): HTMLElement {
  const served = versions.find((v) => v.homeostat.serving) ?? servedVersion(model);
  const live = served?.homeostat.live;
  return h(
    'article',
    { class: 'detail', 'data-testid': 'model-detail', 'aria-labelledby': 'model-h' },
    h('p', {}, routeLink('/models', '← Models')),
    h('h2', { id: 'model-h', tabindex: -1 }, model.name, ' ', h('span', { class: 'muted kind mono' }, model.homeostat.kind)),
    h(
      'p',
      { class: 'meta' },
      ...(served ? [`serving v${served.version} `, badge(served.homeostat.stage)] : ['no version served']),
      model.homeostat.challenger !== null ? ` · challenger v${model.homeostat.challenger}` : '',
      ` · ${versions.length} version${versions.length === 1 ? '' : 's'} · `,
      routeLink(`${modelRoute(model.name)}/card`, 'model card'),
    ),
    model.description ? h('p', {}, model.description) : null,
    h(
      'section',
      { 'aria-labelledby': 'live-h' },
      h('h3', { id: 'live-h' }, served ? `Live accuracy of v${served.version}` : 'Live accuracy'),
      live ? liveSection(live) : h('p', { class: 'muted' }, 'No version is served.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'cal-h' },
      h('h3', { id: 'cal-h' }, 'Live calibration'),
      live ? reliabilityTable(live) : h('p', { class: 'muted' }, 'No version is served.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'lin-h' },
      h('h3', { id: 'lin-h' }, served ? `Lineage of v${served.version}` : 'Lineage'),
      served ? lineage(served) : h('p', { class: 'muted' }, 'No version is served.'),
    ),
    h('section', { 'aria-labelledby': 'ver-h' }, h('h3', { id: 'ver-h' }, 'Versions'), versionTable(versions)),
    h(
      'section',
      { 'aria-labelledby': 'hist-h' },
      h('h3', { id: 'hist-h' }, 'Serving history'),
      historyTable(model.homeostat.serving_history),
    ),
    h(
      'section',
      { 'aria-labelledby': 'learn-h' },
      h('h3', { id: 'learn-h' }, 'Learning timeline'),
      learningTimeline(decisions, model.homeostat.serving_history),
    ),
  );
}

function liveSection(live: LiveMetrics): HTMLElement {
  const hours = Math.round(live.windowMs / 3_600_000);
  const rows: [string, OutcomeMetrics][] = [
    ['all outcomes', live.overall],
    [`last ${hours} h`, live.recent],
    ['before that', live.earlier],
  ];
  return h(
    'div',
    {},
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['', 'Outcomes', 'Accuracy', 'Mean confidence', 'ECE', 'Brier', 'MAE', 'Coverage'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map(([label, m]) => h('tr', { 'data-testid': 'live-row' }, h('th', { scope: 'row' }, label), ...liveCells(m))),
      ),
    ),
    h('p', {}, 'Trend: ', trendText(live.trend)),
  );
}

/** The served version's reliability table: per confidence bin, the share of outcomes that were right. */
function reliabilityTable(live: LiveMetrics): HTMLElement {
  const bins = live.overall.classification?.bins ?? [];
  if (bins.length === 0) {
    return h(
      'p',
      { class: 'muted', 'data-testid': 'no-calibration' },
      'No labelled outcome with a confidence yet: calibration appears as labels arrive.',
    );
  }
  const body = h('tbody');
  for (const b of bins) {
    const gap = b.accuracy - b.meanConfidence;
    body.append(
      h(
        'tr',
        { 'data-testid': 'reliability-row' },
        h('td', {}, `${percent(b.lower)}–${percent(b.upper)}`),
        h('td', {}, String(b.n)),
        h('td', {}, confidenceBar(b.meanConfidence, 'mean confidence'), ` ${percent(b.meanConfidence)}`),
        h('td', {}, confidenceBar(b.accuracy, 'observed accuracy'), ` ${percent(b.accuracy)}`),
        h('td', { class: Math.abs(gap) > 0.1 ? 'gap-large' : '' }, `${gap >= 0 ? '+' : ''}${Math.round(gap * 100)} pt`),
      ),
    );
  }
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Confidence bin', 'Outcomes', 'Mean confidence', 'Observed accuracy', 'Gap'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    body,
  );
}

function lineage(v: RegistryVersion): HTMLElement {
  const l = v.homeostat.lineage;
  const offline = Object.entries(v.homeostat.metrics);
  const metrics = offline.length === 0 ? 'none recorded' : offline.map(([k, x]) => `${k} ${compact(x)}`).join(', ');
  if (l === null) {
    return h(
      'div',
      { 'data-testid': 'lineage' },
      h('p', { class: 'muted' }, `No lineage recorded: the engine recorded v${v.version} at start from its configuration.`),
      h('p', {}, `Offline metrics: ${metrics}.`),
    );
  }
  const rows: [string, string][] = [
    ['trained by', l.trainedBy],
    ['trained at', formatTime(l.trainedAt)],
    ['trigger', l.trigger ?? '—'],
    ['data window', l.dataWindow ? `${formatTime(l.dataWindow.fromMs)} → ${formatTime(l.dataWindow.toMs)}` : '—'],
    ['data fingerprint', l.dataFingerprint ? l.dataFingerprint.slice(0, 16) : '—'],
    ['features', l.featureSet && l.featureSet.length > 0 ? l.featureSet.join(', ') : '—'],
    ['parameters', l.parameters ? JSON.stringify(l.parameters) : '—'],
    ['code version', l.codeVersion],
    ['offline metrics', metrics],
  ];
  return h('dl', { class: 'facts', 'data-testid': 'lineage' }, ...rows.flatMap(([k, x]) => [h('dt', {}, k), h('dd', {}, x)]));
}

function versionTable(versions: readonly RegistryVersion[]): HTMLElement {
  const body = h('tbody');
  for (const v of versions) {
    const c = v.homeostat.live.overall.classification;
    const r = v.homeostat.live.overall.regression;
    const offline = Object.entries(v.homeostat.metrics)
      .map(([k, x]) => `${k} ${compact(x)}`)
      .join(', ');
    body.append(
      h(
        'tr',
        { 'data-testid': 'version-row' },
        h('td', {}, `v${v.version}`, v.homeostat.serving ? h('strong', {}, ' (served)') : ''),
        h('td', {}, badge(v.homeostat.stage)),
        h('td', {}, formatTime(v.creation_timestamp)),
        h('td', {}, v.homeostat.lineage?.trainedBy ?? v.user_id),
        h('td', {}, v.homeostat.lineage?.trigger ?? '—'),
        h('td', {}, offline || '—'),
        h(
          'td',
          {},
          v.homeostat.live.overall.n === 0
            ? '—'
            : `${v.homeostat.live.overall.n}${c ? ` · accuracy ${percent(c.accuracy)}` : ''}${r ? ` · MAE ${compact(r.mae)}` : ''}`,
        ),
      ),
    );
  }
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Version', 'Stage', 'Registered', 'Trained by', 'Trigger', 'Offline metrics', 'Live'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    body,
  );
}

function historyTable(history: readonly ServingStint[]): HTMLElement {
  if (history.length === 0) return h('p', { class: 'muted' }, 'No alias was ever set: the latest version is served.');
  const body = h('tbody');
  for (const s of [...history].reverse()) {
    body.append(
      h(
        'tr',
        { 'data-testid': 'serving-row' },
        h('td', {}, badge(s.alias)),
        h('td', {}, `v${s.version}`),
        h('td', {}, formatTime(s.fromMs)),
        h('td', {}, s.toMs === undefined ? h('strong', {}, 'now') : formatTime(s.toMs)),
        h('td', {}, s.by),
        h('td', {}, s.reason),
      ),
    );
  }
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...['Alias', 'Version', 'From', 'Until', 'By', 'Why'].map((c) => h('th', { scope: 'col' }, c)))),
    body,
  );
}

/** Retraining runs and drift alarms (decision log) merged with alias changes (serving history), newest first. */
function learningTimeline(decisions: readonly Decision[], history: readonly ServingStint[]): HTMLElement {
  const entries: { at: number; node: HTMLElement }[] = [];
  for (const d of decisions) {
    entries.push({
      at: d.at,
      node: h('li', { 'data-testid': 'learn-entry' }, h('time', {}, formatTime(d.at)), ' ', learnBadge(d), ' ', explanationOf(d)),
    });
  }
  for (const s of history) {
    entries.push({
      at: s.fromMs,
      node: h(
        'li',
        { 'data-testid': 'learn-entry' },
        h('time', {}, formatTime(s.fromMs)),
        ' ',
        badge(s.alias),
        ` v${s.version} became ${s.alias} (by ${s.by}): ${s.reason}`,
      ),
    });
  }
  if (entries.length === 0) return h('p', { class: 'muted' }, 'No retraining, drift or promotion yet.');
  entries.sort((a, b) => b.at - a.at);
  return h('ol', { class: 'timeline' }, ...entries.slice(0, TIMELINE_ROWS).map((e) => e.node));
}

// ---------- the model card ----------

/** A model's card (Markdown, generated by the registry), shown as preformatted text. */
export async function loadModelCard(name: string): Promise<Page> {
  const card = await getText(`/models/${seg(name)}/card`);
  // The card states when it was generated: leave those times out of the redraw check.
  const data = card.replace(/(at|up to) \d{4}-\d\d-\d\dT[0-9:.]+Z/g, '$1 …');
  return {
    data,
    render: () =>
      h(
        'article',
        { class: 'detail', 'data-testid': 'model-card', 'aria-labelledby': 'card-h' },
        h('p', {}, routeLink(modelRoute(name), `← ${name}`)),
        h('h2', { id: 'card-h', tabindex: -1 }, `Model card: ${name}`),
        h(
          'p',
          { class: 'muted' },
          'As Markdown from ',
          h('a', { href: `/api/v1/models/${seg(name)}/card` }, `/api/v1/models/${name}/card`),
          ' (also ',
          h('code', {}, `homeostat registry card ${name}`),
          ').',
        ),
        h('pre', { class: 'markdown' }, card),
      ),
  };
}
