/**
 * @module ui/views
 * The dashboard's pages. Each `load…` function fetches what its page needs and returns the data
 * (so the caller can skip redrawing when nothing changed) and a `render` that builds the page.
 */
import { getJson, seg } from './api.js';
import { lineChart } from './chart.js';
import { badge, compact, confidenceBar, duration, formatTime, h, percent, routeLink } from './dom.js';
import { topologyView } from './topology.js';
import type {
  Anomaly,
  Decision,
  EngineStatus,
  EntityDetail,
  Forecast,
  Incident,
  IncidentDetail,
  Point,
  Prediction,
  SeriesRecord,
  SimilarIncidents,
  TwinView,
} from './types.js';

/** A page's fetched data and how to draw it. */
export interface Page {
  readonly data: unknown;
  render(): HTMLElement;
}

/** Navigates to a hash route. */
export function go(route: string): void {
  location.hash = route;
}

const link = routeLink;
const entityLink = (id: string) => link(`/entities/${encodeURIComponent(id)}`, id);

// ---------- fleet overview ----------

/** The overview: the incidents list, then the topology with health. */
export async function loadHome(): Promise<Page> {
  const [twin, { incidents }] = await Promise.all([getJson<TwinView>('/twin'), getJson<{ incidents: Incident[] }>('/incidents?limit=50')]);
  return {
    data: { twin, incidents },
    render: () =>
      h(
        'div',
        { class: 'home' },
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'incidents-h' },
          h('h2', { id: 'incidents-h' }, 'Incidents'),
          incidentList(incidents),
        ),
        riskPanel(twin),
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'fleet-h' },
          h('h2', { id: 'fleet-h' }, 'Fleet'),
          topologyView(twin, (id) => go(`/entities/${encodeURIComponent(id)}`)),
        ),
      ),
  };
}

/** Entities shown in the risk panel, riskiest first. */
const RISK_ROWS = 8;

/** The riskiest entities by the failure-risk model's latest probability (from the twin's live state). */
function riskPanel(twin: TwinView): HTMLElement {
  const risky = twin.states
    .filter((st) => (st.failureRisk ?? 0) > 0)
    .sort((a, b) => (b.failureRisk ?? 0) - (a.failureRisk ?? 0))
    .slice(0, RISK_ROWS);
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'risk-h' },
    h('h2', { id: 'risk-h' }, 'Failure risk, next 6 h'),
    risky.length === 0
      ? h('p', {}, 'No entity has a failure risk above zero.')
      : h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'entity'), h('th', {}, 'risk'), h('th', {}, 'health'))),
          h(
            'tbody',
            {},
            ...risky.map((st) =>
              h(
                'tr',
                { 'data-testid': 'risk-row' },
                h('td', {}, entityLink(st.entityId)),
                h('td', {}, percent(st.failureRisk ?? 0)),
                h('td', {}, badge(st.health)),
              ),
            ),
          ),
        ),
  );
}

function incidentList(incidents: readonly Incident[]): HTMLElement {
  if (incidents.length === 0) return h('p', { class: 'muted', 'data-testid': 'no-incidents' }, 'No incidents yet. The engine is watching.');
  const list = h('ul', { class: 'incident-list', 'data-testid': 'incident-list' });
  for (const inc of incidents) {
    const top = inc.hypotheses[0];
    list.append(
      h(
        'li',
        {},
        h(
          'a',
          {
            class: 'incident-row',
            href: `#/incidents/${encodeURIComponent(inc.id)}`,
            'data-testid': 'incident-row',
            'data-incident': inc.id,
          },
          h('span', { class: 'cell-status' }, badge(inc.status)),
          h('span', { class: 'cell-severity' }, badge(inc.severity)),
          h('span', { class: 'cell-title' }, inc.title),
          h('span', { class: 'cell-time' }, formatTime(inc.openedAt)),
          h(
            'span',
            { class: 'cell-cause' },
            top ? `${top.entityId} · ${top.faultKind.replace(/_/g, ' ')} · ${percent(top.confidence)}` : 'no root cause yet',
          ),
        ),
      ),
    );
  }
  return list;
}

// ---------- charts shared by detail pages ----------

interface ChartData {
  readonly series: SeriesRecord;
  readonly points: readonly Point[];
  readonly anomalies: readonly Anomaly[];
  readonly forecast?: Forecast;
}

async function loadCharts(
  series: readonly SeriesRecord[],
  anomalies: readonly Anomaly[],
  demand: readonly Prediction[],
  window?: { from: number; to: number },
): Promise<ChartData[]> {
  const query = window ? `?from=${Math.floor(window.from)}&to=${Math.ceil(window.to)}` : '';
  const latestDemand = new Map<string, Prediction>();
  for (const p of demand) {
    if (!p.seriesId || !p.forecast) continue;
    const seen = latestDemand.get(p.seriesId);
    if (!seen || seen.at < p.at) latestDemand.set(p.seriesId, p);
  }
  return Promise.all(
    series.map(async (sr) => {
      const { points } = await getJson<{ points: Point[] }>(`/series/${seg(sr.id)}/points${query}`);
      const forecast = latestDemand.get(sr.id)?.forecast;
      return { series: sr, points, anomalies: anomalies.filter((a) => a.seriesId === sr.id), ...(forecast ? { forecast } : {}) };
    }),
  );
}

function chartGrid(charts: readonly ChartData[], highlight?: { from: number; to: number }): HTMLElement {
  if (charts.length === 0) return h('p', { class: 'muted' }, 'No series recorded for these entities.');
  const grid = h('div', { class: 'chart-grid' });
  for (const c of charts) {
    grid.append(
      lineChart({
        title: `${c.series.entityId} · ${c.series.metric}`,
        points: c.points,
        anomalies: c.anomalies,
        ...(c.forecast ? { forecast: c.forecast } : {}),
        ...(highlight ? { highlight } : {}),
      }),
    );
  }
  return grid;
}

// ---------- incident detail ----------

const MAX_INCIDENT_CHARTS = 8;

/** Similar past incidents shown on an incident's page. */
const SIMILAR_K = 5;

/** One incident: root cause, similar past incidents, signals, decision trail, actions and timeline. */
export async function loadIncident(id: string, status: EngineStatus): Promise<Page> {
  const [detail, similar] = await Promise.all([
    getJson<IncidentDetail>(`/incidents/${seg(id)}`),
    getJson<SimilarIncidents>(`/incidents/${seg(id)}/similar?k=${SIMILAR_K}`),
  ]);
  const inc = detail.incident;
  const end = inc.resolvedAt ?? status.now;
  const window = { from: inc.openedAt - 2 * 3_600_000, to: Math.min(status.now, end + 3_600_000) + 1 };
  const perEntity = await Promise.all(
    inc.entities.map(async (e) => {
      const [{ series }, { predictions }] = await Promise.all([
        getJson<{ series: SeriesRecord[] }>(`/series?entity=${seg(e)}`),
        getJson<{ predictions: Prediction[] }>(`/predictions?entity=${seg(e)}&kind=demand&limit=50`),
      ]);
      return { series, predictions };
    }),
  );
  const anomalous = new Set(detail.anomalies.map((a) => a.seriesId));
  const allSeries = perEntity.flatMap((p) => p.series);
  const chosen = [...allSeries.filter((sr) => anomalous.has(sr.id)), ...allSeries.filter((sr) => !anomalous.has(sr.id))].slice(
    0,
    MAX_INCIDENT_CHARTS,
  );
  const charts = await loadCharts(
    chosen,
    detail.anomalies,
    perEntity.flatMap((p) => p.predictions),
    window,
  );
  return { data: { detail, charts, similar }, render: () => incidentPage(detail, charts, similar, { from: inc.openedAt, to: end }) };
}

function incidentPage(
  detail: IncidentDetail,
  charts: readonly ChartData[],
  similar: SimilarIncidents,
  span: { from: number; to: number },
): HTMLElement {
  const inc = detail.incident;
  return h(
    'article',
    { class: 'detail', 'data-testid': 'incident-detail', 'aria-labelledby': 'incident-h' },
    h('p', {}, link('/', '← Fleet and incidents')),
    h('h2', { id: 'incident-h', tabindex: -1 }, inc.title),
    h(
      'p',
      { class: 'meta' },
      badge(inc.status),
      ' ',
      badge(inc.severity),
      ` opened ${formatTime(inc.openedAt)}`,
      inc.resolvedAt !== undefined ? ` · ended ${formatTime(inc.resolvedAt)}` : '',
      ' · entities: ',
      ...inc.entities.flatMap((e, i) => (i === 0 ? [entityLink(e)] : [', ', entityLink(e)])),
    ),
    inc.resolution ? h('p', { class: 'resolution' }, inc.resolution) : null,
    h('section', { 'aria-labelledby': 'rc-h' }, h('h3', { id: 'rc-h' }, 'Root cause'), hypotheses(inc)),
    similarSection(similar),
    h('section', { 'aria-labelledby': 'sig-h' }, h('h3', { id: 'sig-h' }, 'Signals'), chartGrid(charts, span)),
    h('section', { 'aria-labelledby': 'dec-h' }, h('h3', { id: 'dec-h' }, 'Decision trail'), decisionTable(detail.decisions)),
    h('section', { 'aria-labelledby': 'act-h' }, h('h3', { id: 'act-h' }, 'Actions'), actionTable(detail)),
    h('section', { 'aria-labelledby': 'tl-h' }, h('h3', { id: 'tl-h' }, 'Timeline'), timeline(detail)),
  );
}

function hypotheses(inc: Incident): HTMLElement {
  if (inc.hypotheses.length === 0) return h('p', { class: 'muted' }, 'Root-cause analysis has not ranked any hypothesis yet.');
  const list = h('ol', { class: 'hypotheses' });
  for (const hy of inc.hypotheses) {
    list.append(
      h(
        'li',
        { class: 'hypothesis', 'data-testid': 'hypothesis' },
        h(
          'div',
          { class: 'hypothesis-head' },
          entityLink(hy.entityId),
          ` ${hy.faultKind.replace(/_/g, ' ')} `,
          confidenceBar(hy.confidence, 'confidence'),
          ` ${percent(hy.confidence)}`,
        ),
        hy.evidence.length > 0 ? h('ul', { class: 'evidence' }, ...hy.evidence.map((e) => h('li', {}, e))) : null,
        hy.path.length > 1 ? h('p', { class: 'path muted' }, `path: ${hy.path.join(' → ')}`) : null,
      ),
    );
  }
  return list;
}

/** Similar closed incidents from the knowledge base, and how the actions taken on them fared. */
function similarSection(similar: SimilarIncidents): HTMLElement {
  const looked = similar.features.length > 0 ? similar.features.join(', ') : 'no features yet (no root cause, no anomaly)';
  const body: Node[] = [
    h('p', { class: 'muted' }, 'Looked for: ', h('span', { class: 'mono', 'data-testid': 'similar-features' }, looked)),
  ];
  if (similar.similar.length === 0) {
    body.push(h('p', { class: 'muted', 'data-testid': 'no-similar' }, 'No similar past incident in the knowledge base yet.'));
  } else {
    const rows = h('tbody');
    for (const s of similar.similar) {
      const rc = s.rootCause;
      rows.append(
        h(
          'tr',
          { 'data-testid': 'similar-row' },
          h('td', {}, confidenceBar(s.similarity, 'similarity'), ` ${percent(s.similarity)}`),
          h(
            'td',
            {},
            link(`/incidents/${encodeURIComponent(s.incidentId)}`, s.title),
            h('br'),
            h('span', { class: 'muted' }, formatTime(s.closedAt)),
          ),
          h('td', {}, badge(s.status)),
          h('td', {}, rc ? `${rc.entityId} · ${rc.faultKind.replace(/_/g, ' ')}${rc.confirmed ? ' (confirmed)' : ''}` : '—'),
          h('td', { class: 'mono' }, s.shared.join(', ')),
          h(
            'td',
            {},
            ...(s.actions.length === 0
              ? ['—']
              : s.actions.flatMap((a, i) => [
                  i > 0 ? ', ' : '',
                  `${a.kind.replace(/_/g, ' ')} `,
                  badge(a.result === 'worked' ? 'verified' : a.result === 'failed' ? 'failed' : 'unknown', a.result),
                ])),
          ),
        ),
      );
    }
    body.push(
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...['Similarity', 'Incident', 'Status', 'Root cause', 'Shared features', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        rows,
      ),
    );
    body.push(h('h4', {}, 'What fixed them'), actionStats(similar));
  }
  return h(
    'section',
    { 'aria-labelledby': 'sim-h', 'data-testid': 'similar-incidents' },
    h('h3', { id: 'sim-h' }, 'Similar past incidents'),
    ...body,
  );
}

function actionStats(similar: SimilarIncidents): HTMLElement {
  if (similar.actions.length === 0) return h('p', { class: 'muted' }, 'No action with a known result was taken on them.');
  const rows = h('tbody');
  for (const a of similar.actions) {
    rows.append(
      h(
        'tr',
        { 'data-testid': 'similar-action-row' },
        h('td', {}, a.kind.replace(/_/g, ' ')),
        h('td', {}, `${a.successes} of ${a.attempts}`),
        h('td', {}, confidenceBar(a.successRate, 'success rate'), ` ${percent(a.successRate)}`),
        h('td', {}, `${percent(a.interval.lower)}–${percent(a.interval.upper)}`),
        h('td', {}, a.medianVerifyMs !== undefined ? duration(a.medianVerifyMs) : '—'),
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
        ...['Action', 'Worked', 'Success rate', '95 % interval (Wilson)', 'Median time to verified'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    rows,
  );
}

function explanationText(d: Decision): string {
  if (typeof d.explanation === 'string') return d.explanation;
  return d.explanation
    .slice(0, 3)
    .map((a) => `${a.name} (${a.weight.toFixed(2)})`)
    .join(', ');
}

function decisionTable(decisions: readonly Decision[]): HTMLElement {
  if (decisions.length === 0) return h('p', { class: 'muted' }, 'No decisions recorded.');
  const body = h('tbody');
  for (const d of decisions) {
    body.append(
      h(
        'tr',
        { 'data-testid': 'decision-row' },
        h('td', {}, formatTime(d.at)),
        h('td', {}, badge(d.kind)),
        h('td', { class: 'mono' }, `${d.model.kind}@${d.model.version}`),
        h('td', {}, percent(d.confidence)),
        h('td', {}, explanationText(d)),
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
        h('th', { scope: 'col' }, 'Time'),
        h('th', { scope: 'col' }, 'Kind'),
        h('th', { scope: 'col' }, 'Model'),
        h('th', { scope: 'col' }, 'Confidence'),
        h('th', { scope: 'col' }, 'Explanation'),
      ),
    ),
    body,
  );
}

function actionTable(detail: IncidentDetail): HTMLElement {
  if (detail.actions.length === 0) {
    const escalated = detail.incident.status === 'escalated';
    return h('p', { class: 'muted' }, escalated ? 'No action taken: escalated to a person.' : 'No action taken yet.');
  }
  const body = h('tbody');
  for (const a of detail.actions) {
    body.append(
      h(
        'tr',
        { 'data-testid': 'action-row' },
        h('td', {}, a.kind.replace(/_/g, ' ')),
        h('td', {}, entityLink(a.target)),
        h('td', {}, badge(a.status), a.dryRun ? ' dry run' : ''),
        h('td', {}, a.policy),
        h('td', {}, a.reason),
        h('td', {}, a.outcome ? `${a.outcome.ok ? '✓' : '✗'} ${a.outcome.message}` : '—'),
      ),
    );
  }
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...['Action', 'Target', 'Status', 'Policy', 'Reason', 'Outcome'].map((c) => h('th', { scope: 'col' }, c)))),
    body,
  );
}

function timeline(detail: IncidentDetail): HTMLElement {
  const list = h('ol', { class: 'timeline' });
  for (const e of detail.timeline) {
    list.append(
      h('li', { class: `tl-${e.kind}`, 'data-testid': 'timeline-entry' }, h('time', {}, formatTime(e.at)), ' ', badge(e.kind), ' ', e.text),
    );
  }
  return list;
}

// ---------- entity detail ----------

/** One entity: state, relations, predictions, a chart per series and recent anomalies. */
export async function loadEntity(id: string): Promise<Page> {
  const detail = await getJson<EntityDetail>(`/twin/entities/${seg(id)}`);
  const [{ anomalies }, { predictions }] = await Promise.all([
    getJson<{ anomalies: Anomaly[] }>(`/anomalies?entity=${seg(id)}&limit=500`),
    getJson<{ predictions: Prediction[] }>(`/predictions?entity=${seg(id)}&kind=demand&limit=50`),
  ]);
  const charts = await loadCharts(detail.series, anomalies, predictions);
  return { data: { detail, anomalies, charts }, render: () => entityPage(detail, charts) };
}

function entityPage(detail: EntityDetail, charts: readonly ChartData[]): HTMLElement {
  const e = detail.entity;
  const st = detail.state;
  const risk = detail.predictions.find((p) => p.kind === 'failure_risk');
  const headroom = st?.headroom
    ? Object.entries(st.headroom)
        .map(([k, v]) => `${k} ${percent(v)}`)
        .join(', ')
    : '';
  return h(
    'article',
    { class: 'detail', 'data-testid': 'entity-detail', 'aria-labelledby': 'entity-h' },
    h('p', {}, link('/', '← Fleet and incidents')),
    h('h2', { id: 'entity-h', tabindex: -1 }, e.name, ' ', h('span', { class: 'muted kind' }, e.kind.replace(/_/g, ' '))),
    h(
      'p',
      { class: 'meta' },
      badge(st?.health ?? 'unknown'),
      ` ${st?.openAnomalies.length ?? 0} open anomalies`,
      st?.failureRisk !== undefined ? ` · failure risk ${percent(st.failureRisk)}` : '',
      headroom ? ` · headroom ${headroom}` : '',
    ),
    risk ? h('p', { class: 'resolution' }, `${risk.summary} (risk ${percent(risk.value)}, ${formatTime(risk.at)})`) : null,
    h(
      'section',
      { 'aria-labelledby': 'rel-h' },
      h('h3', { id: 'rel-h' }, 'Relations'),
      detail.relations.out.length + detail.relations.in.length === 0
        ? h('p', { class: 'muted' }, 'No relations.')
        : h(
            'ul',
            { class: 'relations' },
            ...detail.relations.out.map((r) => h('li', {}, `${r.kind.replace(/_/g, ' ')} `, entityLink(r.to))),
            ...detail.relations.in.map((r) => h('li', {}, entityLink(r.from), ` ${r.kind.replace(/_/g, ' ')} this`)),
          ),
    ),
    capacitySection(detail.predictions),
    h('section', { 'aria-labelledby': 'sig-h' }, h('h3', { id: 'sig-h' }, 'Signals'), chartGrid(charts)),
    h('section', { 'aria-labelledby': 'an-h' }, h('h3', { id: 'an-h' }, 'Recent anomalies'), anomalyTable(detail.anomalies)),
  );
}

/** The capacity model's latest plan per resource: headroom, saturation, recommendation. Null when there is none. */
function capacitySection(predictions: readonly Prediction[]): HTMLElement | null {
  const latest = new Map<string, Prediction>();
  for (const p of predictions) {
    if (p.kind !== 'demand' || p.capacity === undefined || p.metric === undefined) continue;
    const prev = latest.get(p.metric);
    if (prev === undefined || p.at > prev.at) latest.set(p.metric, p);
  }
  if (latest.size === 0) return null;
  const body = h('tbody');
  for (const [metric, p] of [...latest].sort(([a], [b]) => a.localeCompare(b))) {
    const c = p.capacity;
    if (c === undefined) continue;
    const r = c.recommendation;
    body.append(
      h(
        'tr',
        { 'data-testid': 'capacity-row' },
        h('td', {}, metric),
        h('td', {}, `${compact(c.peakMean)} (≤ ${compact(c.peakUpper)}) at ${formatTime(c.peakAt)}`),
        h('td', {}, percent(c.headroom)),
        h('td', {}, percent(c.saturationProbability)),
        h('td', {}, c.timeToSaturationMs !== undefined ? `${compact(c.timeToSaturationMs / 3600_000)} h` : '—'),
        h(
          'td',
          { title: r.reason },
          r.action === 'scale_out' ? `scale out by ${r.by} (${percent(r.confidence)})` : `none (${percent(r.confidence)})`,
        ),
      ),
    );
  }
  return h(
    'section',
    { 'aria-labelledby': 'cap-h' },
    h('h3', { id: 'cap-h' }, 'Capacity, next 24 h'),
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Resource', 'Peak forecast', 'Headroom', 'P(saturation)', 'Saturates in', 'Recommendation'].map((c) =>
            h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      body,
    ),
  );
}

function anomalyTable(anomalies: readonly Anomaly[]): HTMLElement {
  if (anomalies.length === 0) return h('p', { class: 'muted' }, 'No anomalies.');
  const body = h('tbody');
  for (const a of anomalies.slice(0, 20)) {
    body.append(
      h(
        'tr',
        { 'data-testid': 'anomaly-row' },
        h('td', {}, formatTime(a.at)),
        h('td', {}, a.metric),
        h('td', {}, `${compact(a.actual)} (expected ${compact(a.expected)})`),
        h('td', {}, percent(a.confidence)),
        h('td', {}, badge(a.status)),
        h('td', {}, a.explanation),
      ),
    );
  }
  return h(
    'table',
    {},
    h(
      'thead',
      {},
      h('tr', {}, ...['Time', 'Metric', 'Value', 'Confidence', 'Status', 'Explanation'].map((c) => h('th', { scope: 'col' }, c))),
    ),
    body,
  );
}
