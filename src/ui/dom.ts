/**
 * @module ui/dom
 * Tiny element builders for HTML and SVG, and formatting helpers. Text is always set as text,
 * never as HTML, so API data cannot inject markup.
 */

type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;
type Child = Node | string | number | null | undefined | false;

const SVG_NS = 'http://www.w3.org/2000/svg';

function fill(el: Element, attrs: Attrs, children: readonly Child[]): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
}

/** Creates an HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  fill(el, attrs, children);
  return el;
}

/** Creates an SVG element with attributes and children. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  fill(el, attrs, children);
  return el;
}

/** A link to a dashboard route (`#<route>`), with an optional accessible label. */
export function routeLink(route: string, text: string, label?: string): HTMLAnchorElement {
  return h('a', { href: `#${route}`, 'aria-label': label }, text);
}

/** A duration in ms as `40 s`, `12 min`, `3.5 h` or `2.1 d`. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${Number((ms / 3_600_000).toPrecision(2))} h`;
  return `${Number((ms / 86_400_000).toPrecision(2))} d`;
}

/** `2024-05-01 06:00 UTC` for an epoch-ms time (engine time may be simulated, so UTC, no locale). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `06:00` for an epoch-ms time (UTC). */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** `82%` for a probability. */
export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

/** A compact number: 3 significant digits, k/M suffixes. */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a === 0) return '0';
  if (a < 0.01) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** A coloured badge for a status or severity word. */
export function badge(word: string, label?: string): HTMLSpanElement {
  return h('span', { class: `badge badge-${word}` }, label ?? word.replace(/_/g, ' '));
}

/** A horizontal bar showing a probability, with an accessible label. */
export function confidenceBar(p: number, what: string): HTMLSpanElement {
  const bar = h('span', {
    class: 'bar',
    role: 'meter',
    'aria-valuemin': 0,
    'aria-valuemax': 100,
    'aria-valuenow': Math.round(p * 100),
    'aria-label': `${what}: ${percent(p)}`,
  });
  bar.append(h('span', { class: 'bar-fill', style: `width:${Math.max(0, Math.min(1, p)) * 100}%` }));
  return bar;
}
