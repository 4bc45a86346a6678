/**
 * @module telemetry/metrics
 * Well-known metric names: the vocabulary the simulator emits and that root-cause analysis and
 * failure features understand. Real telemetry may use other names; these are mapped or ignored.
 * Utilisations are shares in [0, 1]; latencies in milliseconds; rates per second.
 */

/** Well-known metric names, by meaning. */
export const METRICS = {
  cpu: 'cpu_utilization',
  memory: 'memory_utilization',
  disk: 'disk_utilization',
  requestRate: 'request_rate',
  latencyP50: 'latency_p50_ms',
  latencyP99: 'latency_p99_ms',
  errorRate: 'error_rate',
  saturation: 'saturation',
  restarts: 'restarts',
  replicas: 'replicas',
  eccErrors: 'hw_ecc_errors',
  temperature: 'hw_temperature_c',
  packetLoss: 'network_packet_loss',
  connections: 'db_connections_utilization',
  queueDepth: 'queue_depth',
  up: 'up',
} as const;

/** A well-known metric name. */
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Metrics that measure use of a bounded resource (capacity signals, forecast for headroom). */
export const CAPACITY_METRICS: readonly MetricName[] = [METRICS.cpu, METRICS.memory, METRICS.disk, METRICS.saturation, METRICS.connections];
