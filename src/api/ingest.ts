/**
 * @module api/ingest
 * The JSON ingest body: its TypeBox schema (for the OpenAPI document) and a hand-written parser
 * that checks the same shape and names the field, what was expected and what was received —
 * clearer than a generic schema validator on the `{t, v} | [t, v]` point union.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { IngestSeries } from '../engine/handle.js';
import { describe, HomeostatError } from '../errors.js';
import type { Point } from '../telemetry/types.js';

const METRIC_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const PointObject = Type.Object(
  { t: Type.Number({ description: 'epoch milliseconds' }), v: Type.Number() },
  { additionalProperties: false },
);
const PointPair = Type.Tuple([Type.Number({ description: 'epoch milliseconds' }), Type.Number()]);

/** Schema of one series in an ingest body. */
export const IngestSeriesSchema = Type.Object(
  {
    metric: Type.String({ minLength: 1, pattern: METRIC_PATTERN.source, description: 'Prometheus metric name' }),
    labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'label name → value; default {}' })),
    entity: Type.Optional(Type.String({ minLength: 1, description: 'entity id; derived from labels if absent' })),
    points: Type.Array(Type.Union([PointObject, PointPair]), { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** Schema of the body of `POST /api/v1/ingest`. */
export const IngestBodySchema = Type.Object({ series: Type.Array(IngestSeriesSchema, { minItems: 1 }) }, { additionalProperties: false });

/** The ingest body as sent. */
export type IngestBody = Static<typeof IngestBodySchema>;

const LABEL_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;
const MAX_ERRORS = 10;

/**
 * Parses and normalises an ingest body (`[t, v]` pairs become `{t, v}`, labels default to `{}`).
 * Throws `invalid_argument` listing up to 10 problems, each with its path, e.g.
 * `series[0].points[2].v must be a finite number (got "abc")`.
 */
export function parseIngestBody(body: unknown): IngestSeries[] {
  const errors: string[] = [];
  const fail = (msg: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(msg);
  };
  if (!isRecord(body)) {
    throw new HomeostatError(
      'invalid_argument',
      `body must be a JSON object like {"series":[{"metric":"cpu","labels":{},"points":[[1700000000000,0.5]]}]} (got ${describe(body)})`,
    );
  }
  for (const key of Object.keys(body)) if (key !== 'series') fail(`body has unknown field ${JSON.stringify(key)} (expected only series)`);
  const raw = body.series;
  if (!Array.isArray(raw) || raw.length === 0) {
    fail(`body.series must be a non-empty array of series (got ${describe(raw)})`);
    throw new HomeostatError('invalid_argument', errors.join('; '));
  }
  const out: IngestSeries[] = [];
  for (const [i, s] of (raw as unknown[]).entries()) {
    const at = `series[${i}]`;
    if (!isRecord(s)) {
      fail(`${at} must be an object with metric, labels and points (got ${describe(s)})`);
      continue;
    }
    for (const key of Object.keys(s)) {
      if (!['metric', 'labels', 'entity', 'points'].includes(key))
        fail(`${at} has unknown field ${JSON.stringify(key)} (expected metric, labels, entity, points)`);
    }
    const metric = s.metric;
    if (typeof metric !== 'string' || !METRIC_PATTERN.test(metric)) {
      fail(`${at}.metric must be a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]* (got ${describe(metric)})`);
    }
    const labels: Record<string, string> = {};
    if (s.labels !== undefined) {
      if (!isRecord(s.labels)) fail(`${at}.labels must be an object of string values (got ${describe(s.labels)})`);
      else {
        for (const [k, v] of Object.entries(s.labels)) {
          if (!LABEL_PATTERN.test(k)) fail(`${at}.labels has invalid name ${JSON.stringify(k)} (expected [a-zA-Z_][a-zA-Z0-9_.]*)`);
          else if (typeof v !== 'string') fail(`${at}.labels.${k} must be a string (got ${describe(v)})`);
          else labels[k] = v;
        }
      }
    }
    if (s.entity !== undefined && (typeof s.entity !== 'string' || s.entity === '')) {
      fail(`${at}.entity must be a non-empty string (got ${describe(s.entity)})`);
    }
    const points = parsePoints(s.points, `${at}.points`, fail);
    if (typeof metric === 'string' && points) {
      out.push({ metric, labels, points, ...(typeof s.entity === 'string' ? { entity: s.entity } : {}) });
    }
  }
  if (errors.length > 0) throw new HomeostatError('invalid_argument', errors.join('; '));
  return out;
}

function parsePoints(raw: unknown, at: string, fail: (msg: string) => void): Point[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    fail(`${at} must be a non-empty array of {t, v} objects or [t, v] pairs (got ${describe(raw)})`);
    return undefined;
  }
  const points: Point[] = [];
  for (const [j, p] of (raw as unknown[]).entries()) {
    const parsed = parsePoint(p, `${at}[${j}]`);
    if (typeof parsed === 'string') fail(parsed);
    else points.push(parsed);
  }
  return points.length === raw.length ? points : undefined;
}

/** One point, or the sentence saying what is wrong with it. */
function parsePoint(p: unknown, here: string): Point | string {
  if (Array.isArray(p)) {
    if (p.length !== 2) return `${here} must be a [t, v] pair (got an array of ${p.length})`;
    const [t, v] = p as [unknown, unknown];
    if (!isTime(t)) return `${here}[0] must be a time in epoch milliseconds (got ${describe(t)})`;
    if (!isValue(v)) return `${here}[1] must be a finite number (got ${describe(v)})`;
    return { t: t as number, v: v as number };
  }
  if (isRecord(p)) {
    const extra = Object.keys(p).filter((k) => k !== 't' && k !== 'v');
    if (extra.length > 0) return `${here} has unknown field ${JSON.stringify(extra[0])} (expected only t, v)`;
    if (!isTime(p.t)) return `${here}.t must be a time in epoch milliseconds (got ${describe(p.t)})`;
    if (!isValue(p.v)) return `${here}.v must be a finite number (got ${describe(p.v)})`;
    return { t: p.t as number, v: p.v as number };
  }
  return `${here} must be {t, v} or [t, v] (got ${describe(p)})`;
}

function isTime(t: unknown): boolean {
  return typeof t === 'number' && Number.isFinite(t) && t >= 0;
}

function isValue(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
