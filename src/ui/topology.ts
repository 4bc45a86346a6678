/**
 * @module ui/topology
 * The fleet as an SVG: entities in columns by tier (load balancers, services, pods, data stores,
 * hosts), relations as lines, each node coloured by health. Columns with many entities wrap into
 * sub-columns. Nodes are keyboard-focusable buttons that open the entity.
 */
import { h, s } from './dom.js';
import type { Entity, Health, TwinView } from './types.js';

const TIERS: readonly { readonly label: string; readonly kinds: readonly string[] }[] = [
  { label: 'Load balancers', kinds: ['load_balancer', 'network_link'] },
  { label: 'Services', kinds: ['service'] },
  { label: 'Pods & containers', kinds: ['pod', 'container'] },
  { label: 'Databases & queues', kinds: ['database', 'queue'] },
  { label: 'Hosts', kinds: ['host', 'vm', 'disk', 'cluster'] },
];

const ROWS_PER_COLUMN = 20;
const ROW_HEIGHT = 26;
const SUB_COLUMN_WIDTH = 130;
const TIER_GAP = 40;
const TOP = 34;

/** Builds the topology figure; `onSelect` is called with an entity id when a node is chosen. */
export function topologyView(twin: TwinView, onSelect: (entityId: string) => void): HTMLElement {
  const health = new Map<string, Health>(twin.states.map((st) => [st.entityId, st.health]));
  const placed = new Map<string, { x: number; y: number }>();
  const columns: { label: string; x: number; entities: Entity[]; subColumns: number }[] = [];
  let x = 20;
  for (const tier of TIERS) {
    const entities = twin.entities.filter((e) => tier.kinds.includes(e.kind)).sort((a, b) => a.name.localeCompare(b.name));
    if (entities.length === 0) continue;
    const subColumns = Math.ceil(entities.length / ROWS_PER_COLUMN);
    const rows = Math.ceil(entities.length / subColumns);
    entities.forEach((e, i) => {
      placed.set(e.id, { x: x + Math.floor(i / rows) * SUB_COLUMN_WIDTH, y: TOP + 16 + (i % rows) * ROW_HEIGHT });
    });
    columns.push({ label: tier.label, x, entities, subColumns });
    x += subColumns * SUB_COLUMN_WIDTH + TIER_GAP;
  }
  const others = twin.entities.filter((e) => !placed.has(e.id));
  if (others.length > 0) {
    for (const [i, e] of others.entries()) placed.set(e.id, { x, y: TOP + 16 + i * ROW_HEIGHT });
    columns.push({ label: 'Other', x, entities: others, subColumns: 1 });
    x += SUB_COLUMN_WIDTH + TIER_GAP;
  }
  const maxRows = Math.max(1, ...columns.map((c) => Math.ceil(c.entities.length / c.subColumns)));
  const width = Math.max(400, x);
  const height = TOP + 16 + maxRows * ROW_HEIGHT;

  const counts = { healthy: 0, degraded: 0, critical: 0, unknown: 0 };
  for (const e of twin.entities) counts[health.get(e.id) ?? 'unknown']++;

  const svg = s('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'group',
    'aria-label': 'Fleet topology',
    class: 'topology',
  });
  for (const c of columns) svg.append(s('text', { class: 'tier-label', x: c.x - 8, y: 18 }, c.label));
  const edges = s('g', { class: 'edges' });
  for (const r of twin.relations) {
    const a = placed.get(r.from);
    const b = placed.get(r.to);
    if (!a || !b) continue;
    // Edges within one column bow out to the left so they do not run through the nodes between.
    const bow = Math.abs(a.x - b.x) < 1 ? Math.min(60, 12 + Math.abs(a.y - b.y) / 4) : 0;
    const d = bow > 0 ? `M${a.x},${a.y} Q${a.x - bow},${(a.y + b.y) / 2} ${b.x},${b.y}` : `M${a.x},${a.y} L${b.x},${b.y}`;
    edges.append(s('path', { class: `edge edge-${r.kind}`, d }, s('title', {}, `${r.from} ${r.kind} ${r.to}`)));
  }
  svg.append(edges);
  for (const e of twin.entities) {
    const p = placed.get(e.id);
    if (!p) continue;
    const state = health.get(e.id) ?? 'unknown';
    const node = s(
      'g',
      {
        class: `node health-${state}`,
        transform: `translate(${p.x},${p.y})`,
        role: 'button',
        tabindex: 0,
        'aria-label': `${e.kind} ${e.name}: ${state}`,
        'data-testid': 'entity-node',
        'data-entity': e.id,
      },
      s('title', {}, `${e.name} (${e.kind}) — ${state}`),
      s('circle', { r: 7 }),
      s('text', { x: 11, y: 4 }, e.name.length > 15 ? `${e.name.slice(0, 14)}…` : e.name),
    );
    node.addEventListener('click', () => onSelect(e.id));
    node.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        onSelect(e.id);
      }
    });
    svg.append(node);
  }

  const legend = h(
    'p',
    { class: 'legend' },
    h('span', { class: 'dot health-healthy' }),
    ` ${counts.healthy} healthy `,
    h('span', { class: 'dot health-degraded' }),
    ` ${counts.degraded} degraded `,
    h('span', { class: 'dot health-critical' }),
    ` ${counts.critical} critical `,
    counts.unknown > 0 ? `· ${counts.unknown} unknown` : '',
  );
  return h('div', { class: 'topology-wrap' }, legend, h('div', { class: 'topology-scroll' }, svg));
}
