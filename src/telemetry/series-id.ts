/**
 * @module telemetry/series-id
 * Stable series ids: FNV-1a 64-bit over the metric name and the labels sorted by key.
 */
import type { Labels, SeriesKey } from './types.js';

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/**
 * Canonical text of a series key, `metric{a="1",b="2"}` with labels sorted by key.
 * @example canonicalSeries({ metric: 'cpu', labels: { host: 'h1' } }) // 'cpu{host="h1"}'
 */
export function canonicalSeries(key: SeriesKey): string {
  const names = Object.keys(key.labels).sort();
  const body = names.map((n) => `${n}=${JSON.stringify(key.labels[n])}`).join(',');
  return `${key.metric}{${body}}`;
}

/**
 * Stable 16-hex-digit id of a series (FNV-1a 64 of its canonical text). Same key, same id,
 * on every machine and in every version.
 * @example seriesId({ metric: 'cpu', labels: { host: 'h1' } }).length // 16
 */
export function seriesId(key: SeriesKey): string {
  let h = FNV_OFFSET;
  const text = canonicalSeries(key);
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * FNV_PRIME) & MASK_64;
  }
  return h.toString(16).padStart(16, '0');
}

/** Returns labels with keys sorted, as a plain frozen object. */
export function sortLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k] as string;
  return Object.freeze(out);
}
