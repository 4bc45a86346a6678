/**
 * @module telemetry/types
 * The Prometheus data model as Homeostat uses it: a series is a metric name plus sorted labels,
 * a point is an epoch-millisecond time and a number.
 */

/** Label set of a series (Prometheus data model). Keys and values are strings. */
export type Labels = Readonly<Record<string, string>>;

/** Identity of a series: metric name plus labels; its id is {@link seriesId}. */
export interface SeriesKey {
  readonly metric: string;
  readonly labels: Labels;
}

/** One observation. `t` is epoch milliseconds. */
export interface Point {
  readonly t: number;
  readonly v: number;
}

/** A series as stored: its key, stable id and the entity it describes. */
export interface SeriesRecord extends SeriesKey {
  readonly id: string;
  readonly entityId: string;
}

/** A batch of points for one series, as ingested. */
export interface SeriesBatch {
  readonly series: SeriesRecord;
  readonly points: readonly Point[];
}
