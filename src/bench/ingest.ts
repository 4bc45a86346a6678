/**
 * @module bench/ingest
 * The telemetry-door benchmark: a real platform (SQLite in memory, points persisted as by default,
 * no simulator) behind the real HTTP API on 127.0.0.1, fed the same logical data through each door —
 * the JSON `POST /api/v1/ingest` (the baseline), OTLP/HTTP protobuf and OTLP/HTTP JSON on
 * `/v1/metrics`, Prometheus remote_write on `/api/v1/write` — over keep-alive HTTP, one request at a
 * time and with a few in flight.
 *
 * Every request carries `series` series × `points` points: 4 metrics per host entity
 * (`host.name`, `job` labels), seeded values rounded to 3 decimals, times inside the accepted window
 * of the engine's clock. Each door and mode writes its own hosts (so every series is new to the
 * engine and gets its detector and forecaster), first with one untimed request that creates them,
 * then `requests` timed ones. The timed requests run in 4 rounds, in door order then in reverse, so
 * the store growing during the benchmark weighs on every door alike. A warm-up on other hosts comes
 * first. Bodies are encoded before each round, outside the timed part.
 *
 * Figures per door and mode: points/s (points over the summed wall time of its requests), request
 * latency p50/p95/p99 (ms, send to last response byte), process CPU per point (µs; client and
 * server share the process, but the client only sends ready bodies), request body bytes per point,
 * and each as a ratio to the JSON door in the same mode. Accepted points are read from the engine
 * (`pointsIngested` before and after) and must equal the points sent; refusals reported by the
 * responses are counted with their first reasons.
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApi } from '../api/server.js';
import { createPlatform } from '../engine/platform.js';
import { HomeostatError, invalid } from '../errors.js';
import { ProtobufReader } from '../telemetry/protobuf-reader.js';
import { type BenchSeries, type DoorRequest, encodeDoorRequest, INGEST_DOORS, type IngestDoor } from './ingest-bodies.js';

/** Options of {@link runIngestBench}. */
export interface IngestBenchOptions {
  /** Series per request (4 per host entity). Default 2000. */
  readonly series?: number;
  /** Points per series per request. Default 10. */
  readonly points?: number;
  /** Timed requests per door and mode. Default 20. */
  readonly requests?: number;
  /** Requests in flight in the concurrent mode. Default 4. */
  readonly concurrency?: number;
  /** Seed of the values. Default 1. */
  readonly seed?: number;
  /** The policy table (YAML) the platform starts with. */
  readonly policyPath: string;
  /** Doors to run; the JSON baseline is always run. Default all four. */
  readonly doors?: readonly IngestDoor[];
  readonly onProgress?: (done: number, total: number) => void;
}

/** A figure of a door as a share of the JSON door's in the same mode (null when JSON's is 0). */
export interface IngestRatios {
  readonly points_per_s: number | null;
  readonly latency_p50: number | null;
  readonly latency_p95: number | null;
  readonly latency_p99: number | null;
  readonly cpu_us_per_point: number | null;
  readonly bytes_per_point: number | null;
}

/** Figures of one door in one mode. */
export interface IngestRunFigures {
  readonly door: IngestDoor;
  readonly mode: 'sequential' | 'concurrent';
  /** Requests in flight at once. */
  readonly concurrency: number;
  readonly requests: number;
  readonly points_sent: number;
  /** From the engine: `pointsIngested` after minus before. */
  readonly points_accepted: number;
  /** Refusals the responses reported (data points or samples). */
  readonly points_rejected: number;
  /** Requests answered with a status other than 200 (204 for remote_write). */
  readonly failed_requests: number;
  /** Up to 5 refusal or failure messages. */
  readonly rejections: readonly string[];
  /** Summed wall time of the timed requests, s. */
  readonly wall_s: number;
  readonly points_per_s: number;
  readonly latency_ms: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  /** Process CPU (user + system) while the requests ran, per point sent, µs. */
  readonly cpu_us_per_point: number;
  /** Request body bytes per point (headers not counted). */
  readonly bytes_per_point: number;
  readonly vs_json: IngestRatios;
}

/** The benchmark's result (OUT/ingest/metrics.json). */
export interface IngestBenchMetrics {
  readonly task: 'ingest';
  readonly series: number;
  readonly points_per_series: number;
  readonly points_per_request: number;
  readonly requests: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly entities: number;
  /** Spacing of a series' points, ms (fits every request in the accepted time window). */
  readonly step_ms: number;
  readonly persist_points: boolean;
  readonly runs: readonly IngestRunFigures[];
  /** True when every door accepted every point sent. */
  readonly all_accepted: boolean;
  readonly node: string;
  readonly wall_s: number;
}

const METRICS_PER_ENTITY = [
  { metric: 'cpu_utilization', level: 0.45, spread: 0.05 },
  { metric: 'memory_utilization', level: 0.6, spread: 0.02 },
  { metric: 'request_rate', level: 350, spread: 25 },
  { metric: 'latency_p99_ms', level: 120, spread: 15 },
] as const;
const WINDOW_START_MS = 100 * 60_000;
const WINDOW_SPAN_MS = 99 * 60_000;
const ENGINE_STEP_MS = 60_000;
const WARMUP_REQUESTS = 2;
const ROUNDS = 4;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_REASONS = 5;
const TOKEN = 'bench-ingest-token';

/** One door in one mode: its hosts, its requests so far, its measurements. */
interface Run {
  readonly door: IngestDoor;
  readonly mode: 'sequential' | 'concurrent';
  readonly concurrency: number;
  /** Digit naming its hosts (`ingest-r<tag>-h00017`), so host names have the same length for every door. */
  readonly tag: string;
  readonly pointsPerRequest: number;
  /** Requests of its timeline sent so far (the first creates the series). */
  next: number;
  timed: number;
  pointsSent: number;
  accepted: number;
  rejected: number;
  failed: number;
  wallMs: number;
  cpuUs: number;
  bytes: number;
  readonly latencies: number[];
  readonly reasons: string[];
}

/**
 * Runs the ingest benchmark and returns its figures. Fails with `invalid_argument` on a setting out
 * of range or a body over the server's 10 MiB limit.
 * @example await runIngestBench({ policyPath: 'policies/default.yaml', series: 200, requests: 10 })
 */
export async function runIngestBench(options: IngestBenchOptions): Promise<IngestBenchMetrics> {
  const seriesCount = options.series ?? 2000;
  const pointsPer = options.points ?? 10;
  const requests = options.requests ?? 20;
  const concurrency = options.concurrency ?? 4;
  const seed = options.seed ?? 1;
  const doors = INGEST_DOORS.filter((d) => d === 'json' || (options.doors ?? INGEST_DOORS).includes(d));
  checkInteger('series', seriesCount, 1, 100_000);
  checkInteger('points', pointsPer, 1, 10_000);
  checkInteger('requests', requests, 1, 100_000);
  checkInteger('concurrency', concurrency, 1, 8);
  if (!Number.isInteger(seed)) throw invalid(`ingest bench: seed must be an integer (got ${seed})`);
  const perSeries = (requests + 1) * pointsPer;
  const stepMs = Math.min(ENGINE_STEP_MS, Math.floor(WINDOW_SPAN_MS / Math.max(perSeries, WARMUP_REQUESTS * pointsPer)));
  if (stepMs < 1) {
    throw invalid(
      `ingest bench: (requests + 1) × points must be at most ${WINDOW_SPAN_MS} to fit the accepted time window (got ${perSeries})`,
    );
  }

  const started = performance.now();
  const platform = await createPlatform({ dbPath: ':memory:', policyText: readFileSync(options.policyPath, 'utf8') });
  const app = await createApi({
    store: platform.store,
    engine: platform.engine,
    tokens: [{ token: TOKEN, scopes: ['ingest'], name: 'bench' }],
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const base = platform.engine.status().now - WINDOW_START_MS;
    const batch = (tag: string, index: number): BenchSeries[] => makeBatch(seed, tag, index, seriesCount, pointsPer, base, stepMs);
    const send = (req: DoorRequest): Promise<HttpAnswer> => post(agent, port, req);

    const modes = [
      { mode: 'sequential' as const, concurrency: 1 },
      { mode: 'concurrent' as const, concurrency },
    ];
    const runs: Run[] = modes.flatMap((m, mi) =>
      doors.map((door, di) => ({
        door,
        ...m,
        tag: String(mi * doors.length + di),
        pointsPerRequest: seriesCount * pointsPer,
        next: 0,
        timed: 0,
        pointsSent: 0,
        accepted: 0,
        rejected: 0,
        failed: 0,
        wallMs: 0,
        cpuUs: 0,
        bytes: 0,
        latencies: [],
        reasons: [],
      })),
    );
    const total = doors.length * WARMUP_REQUESTS + runs.length * (requests + 1);
    let done = 0;
    const step = (): void => {
      done++;
      options.onProgress?.(done, total);
    };

    for (const [di, door] of doors.entries()) {
      for (let i = 0; i < WARMUP_REQUESTS; i++) {
        const response = await send(encodeChecked(door, batch(`w${di}`, i)));
        const refused = refusal(door, response);
        if (refused !== undefined)
          throw new HomeostatError('internal', `ingest bench: warm-up request to the ${door} door failed: ${refused.message}`);
        step();
      }
    }

    for (let round = 0; round < ROUNDS; round++) {
      const share = Math.floor(requests / ROUNDS) + (round < requests % ROUNDS ? 1 : 0);
      for (let k = 0; k < runs.length; k++) {
        const run = runs[round % 2 === 0 ? k : runs.length - 1 - k] as Run;
        if (run.next === 0) {
          const response = await send(encodeChecked(run.door, batch(run.tag, 0)));
          const refused = refusal(run.door, response);
          if (refused !== undefined)
            throw new HomeostatError(
              'internal',
              `ingest bench: series-creating request to the ${run.door} door failed: ${refused.message}`,
            );
          run.next = 1;
          step();
        }
        if (share > 0) await timedChunk(run, share, send, (i) => encodeChecked(run.door, batch(run.tag, i)), platform.engine, step);
      }
    }

    const figures = runs.map((r) => figuresOf(r));
    const withRatios = figures.map((f) => {
      const json = figures.find((g) => g.door === 'json' && g.mode === f.mode) as Omit<IngestRunFigures, 'vs_json'>;
      return { ...f, vs_json: ratios(f, json) };
    });
    return {
      task: 'ingest',
      series: seriesCount,
      points_per_series: pointsPer,
      points_per_request: seriesCount * pointsPer,
      requests,
      concurrency,
      seed,
      entities: Math.ceil(seriesCount / METRICS_PER_ENTITY.length),
      step_ms: stepMs,
      persist_points: true,
      runs: withRatios,
      all_accepted: withRatios.every((r) => r.points_accepted === r.points_sent && r.points_rejected === 0 && r.failed_requests === 0),
      node: process.version,
      wall_s: round2((performance.now() - started) / 1000),
    };
  } finally {
    agent.destroy();
    await app.close();
    await platform.close();
  }
}

/** Sends `count` requests of `run` (bodies encoded first), `run.concurrency` at a time, and adds up what it measured. */
async function timedChunk(
  run: Run,
  count: number,
  send: (req: DoorRequest) => Promise<HttpAnswer>,
  encode: (index: number) => DoorRequest,
  engine: { status(): { pointsIngested: number } },
  step: () => void,
): Promise<void> {
  const bodies: DoorRequest[] = [];
  for (let i = 0; i < count; i++) bodies.push(encode(run.next + i));
  run.next += count;
  let cursor = 0;
  const ingestedBefore = engine.status().pointsIngested;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const worker = async (): Promise<void> => {
    while (cursor < bodies.length) {
      const req = bodies[cursor++] as DoorRequest;
      const response = await send(req);
      run.latencies.push(response.ms);
      const refused = refusal(run.door, response);
      if (refused !== undefined) {
        if (refused.failed) run.failed++;
        run.rejected += refused.points;
        if (run.reasons.length < MAX_REASONS) run.reasons.push(refused.message);
      }
      step();
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.concurrency, bodies.length) }, worker));
  run.wallMs += performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);
  run.cpuUs += cpu.user + cpu.system;
  run.accepted += engine.status().pointsIngested - ingestedBefore;
  run.timed += count;
  run.pointsSent += count * run.pointsPerRequest;
  run.bytes += bodies.reduce((n, b) => n + b.body.length, 0);
}

/** A whole HTTP answer and how long it took, ms. */
interface HttpAnswer {
  readonly status: number;
  readonly body: Buffer;
  readonly ms: number;
}

/** POSTs one body over the keep-alive agent and reads the whole answer. */
function post(agent: Agent, port: number, req: DoorRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const r = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: req.path,
        agent,
        headers: { ...req.headers, authorization: `Bearer ${TOKEN}`, 'content-length': String(req.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** What a response refused: points counted by the door and its message; undefined when it accepted everything. */
function refusal(door: IngestDoor, res: HttpAnswer): { points: number; failed: boolean; message: string } | undefined {
  const ok = door === 'remote_write' ? res.status === 204 : res.status === 200;
  const text = (): string => res.body.toString('utf8').slice(0, 300);
  if (!ok) return { points: 0, failed: true, message: `${door}: HTTP ${res.status}: ${text()}` };
  if (door === 'json') {
    const r = JSON.parse(text()) as { rejected?: number; errors?: string[] };
    return r.rejected ? { points: r.rejected, failed: false, message: `json: ${r.errors?.join('; ')}` } : undefined;
  }
  if (door === 'otlp_json') {
    const r = JSON.parse(res.body.toString('utf8')) as { partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string } };
    const n = Number(r.partialSuccess?.rejectedDataPoints ?? 0);
    return n > 0 ? { points: n, failed: false, message: `otlp_json: ${r.partialSuccess?.errorMessage}` } : undefined;
  }
  if (door === 'otlp_protobuf' && res.body.length > 0) {
    let n = 0;
    let message = '';
    const r = new ProtobufReader(res.body);
    while (!r.done) {
      const t = r.tag();
      if (t.field !== 1) {
        r.skip(t.wireType);
        continue;
      }
      const p = r.message(t.wireType, 'ExportMetricsPartialSuccess');
      while (!p.done) {
        const pt = p.tag();
        if (pt.field === 1) n = p.int64(pt.wireType);
        else if (pt.field === 2) message = p.string(pt.wireType);
        else p.skip(pt.wireType);
      }
    }
    return n > 0 ? { points: n, failed: false, message: `otlp_protobuf: ${message}` } : undefined;
  }
  return undefined;
}

function encodeChecked(door: IngestDoor, series: readonly BenchSeries[]): DoorRequest {
  const req = encodeDoorRequest(door, series);
  if (req.body.length > MAX_BODY_BYTES) {
    throw invalid(
      `ingest bench: a ${door} request body is ${req.body.length} bytes, over the server's ${MAX_BODY_BYTES}-byte limit (lower --series or --points)`,
    );
  }
  return req;
}

/**
 * Request `index` of the timeline of hosts `ingest-r<tag>-hNNNNN`: `count` series (4 metrics per
 * host) × `pointsPer` points at `base + (index × pointsPer + j) × stepMs`. Values depend on the seed,
 * the series index and the point's place in the timeline only, so every door gets the same data.
 */
function makeBatch(
  seed: number,
  tag: string,
  index: number,
  count: number,
  pointsPer: number,
  base: number,
  stepMs: number,
): BenchSeries[] {
  const out: BenchSeries[] = [];
  const rng = mulberry32(seed * 1_000_003 + index);
  for (let i = 0; i < count; i++) {
    const m = METRICS_PER_ENTITY[i % METRICS_PER_ENTITY.length] as (typeof METRICS_PER_ENTITY)[number];
    const host = `ingest-r${tag}-h${String(Math.floor(i / METRICS_PER_ENTITY.length)).padStart(5, '0')}`;
    const points: [number, number][] = [];
    for (let j = 0; j < pointsPer; j++) {
      const n = index * pointsPer + j;
      const noise = rng() + rng() + rng() - 1.5;
      const daily = Math.sin((2 * Math.PI * n * stepMs) / 86_400_000 + i);
      points.push([base + n * stepMs, Math.round((m.level + m.spread * (daily + 2 * noise)) * 1000) / 1000]);
    }
    out.push({ metric: m.metric, labels: { 'host.name': host, job: 'node' }, points });
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function figuresOf(r: Run): Omit<IngestRunFigures, 'vs_json'> {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  return {
    door: r.door,
    mode: r.mode,
    concurrency: r.concurrency,
    requests: r.timed,
    points_sent: r.pointsSent,
    points_accepted: r.accepted,
    points_rejected: r.rejected,
    failed_requests: r.failed,
    rejections: r.reasons,
    wall_s: round3(r.wallMs / 1000),
    points_per_s: Math.round(r.pointsSent / (r.wallMs / 1000)),
    latency_ms: {
      p50: round2(quantile(sorted, 0.5)),
      p95: round2(quantile(sorted, 0.95)),
      p99: round2(quantile(sorted, 0.99)),
      max: round2(sorted[sorted.length - 1] ?? 0),
    },
    cpu_us_per_point: round3(r.cpuUs / r.pointsSent),
    bytes_per_point: round2(r.bytes / r.pointsSent),
  };
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function ratios(f: Omit<IngestRunFigures, 'vs_json'>, json: Omit<IngestRunFigures, 'vs_json'>): IngestRatios {
  const r = (a: number, b: number): number | null => (b > 0 ? round3(a / b) : null);
  return {
    points_per_s: r(f.points_per_s, json.points_per_s),
    latency_p50: r(f.latency_ms.p50, json.latency_ms.p50),
    latency_p95: r(f.latency_ms.p95, json.latency_ms.p95),
    latency_p99: r(f.latency_ms.p99, json.latency_ms.p99),
    cpu_us_per_point: r(f.cpu_us_per_point, json.cpu_us_per_point),
    bytes_per_point: r(f.bytes_per_point, json.bytes_per_point),
  };
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`ingest bench: ${name} must be an integer in [${min}, ${max}] (got ${value})`);
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Renders the metrics as the table the CLI prints. */
export function formatIngestTable(m: IngestBenchMetrics): string {
  const head = [
    'door',
    'mode',
    'points/s',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'cpu µs/pt',
    'bytes/pt',
    'accepted',
    'vs json: pts/s',
    'p95',
    'cpu',
    'bytes',
  ];
  const x = (v: number | null): string => (v === null ? 'n/a' : `×${v}`);
  const rows = m.runs.map((r) => [
    r.door,
    r.mode === 'concurrent' ? `concurrent ×${r.concurrency}` : 'sequential',
    String(r.points_per_s),
    String(r.latency_ms.p50),
    String(r.latency_ms.p95),
    String(r.latency_ms.p99),
    String(r.cpu_us_per_point),
    String(r.bytes_per_point),
    r.points_accepted === r.points_sent && r.points_rejected === 0 ? 'all' : `${r.points_accepted}/${r.points_sent}`,
    x(r.vs_json.points_per_s),
    x(r.vs_json.latency_p95),
    x(r.vs_json.cpu_us_per_point),
    x(r.vs_json.bytes_per_point),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const problems = m.runs.flatMap((r) => r.rejections.map((msg) => `  ${r.door} (${r.mode}): ${msg}`));
  return [
    `telemetry doors: ${m.requests} requests per door and mode of ${m.series} series × ${m.points_per_series} points (${m.points_per_request} points, ${m.entities} hosts), points persisted, concurrency ${m.concurrency}`,
    line(head),
    line(head.map((_, i) => '-'.repeat(widths[i] ?? 0))),
    ...rows.map(line),
    '',
    m.all_accepted ? 'every point sent was accepted' : `REFUSALS:\n${problems.join('\n')}`,
    `${m.wall_s} s wall (${m.node}); cpu is the process's (client and server), body encoding excluded`,
  ].join('\n');
}
