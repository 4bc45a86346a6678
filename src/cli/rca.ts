/**
 * @module cli/rca
 * `homeostat rca --case DIR [--out FILE.json]`: ranks the root-cause candidates of one case folder
 * (see rca/case-dir) with the default metric ranker, prints the best hypotheses with their
 * calibrated confidence and evidence, and writes every hypothesis as JSON.
 */
import { writeFileSync } from 'node:fs';
import { invalid } from '../errors.js';
import { readCaseDir } from '../rca/case-dir.js';
import type { CaseRanking, RcaCase } from '../rca/case-types.js';
import { createMetricRanker, METRIC_RANKER_MODEL } from '../rca/metric-ranker.js';
import { type FlagSpec, helpText, parseArgs } from './args.js';

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'case',
    type: 'string',
    description:
      'case folder (required): normal.csv + anomalous.csv; metrics.csv + anomaly start; or a PetShop issue (metrics.csv with its 4 header rows + target.json); optional graph.csv (from,to edges or an adjacency matrix)',
  },
  {
    name: 'anomaly-start',
    type: 'string',
    description: 'incident start for metrics.csv (ISO 8601 or epoch s/ms); overrides anomaly.json and target.json',
  },
  { name: 'out', type: 'string', description: 'write every ranked hypothesis as JSON to this file' },
  { name: 'top', type: 'number', description: 'hypotheses to print', defaultText: '5' },
];

/** Help of `rca`. */
export const RCA_HELP = helpText(
  'homeostat rca --case DIR [--anomaly-start TIME] [--out FILE.json]',
  "Ranks which candidate (service, node) most likely caused the incident in a case folder: robust\ndeviation of each metric from the normal rows, the call graph when there is one, and a top-1\nconfidence calibrated on labelled dev cases. Columns are <candidate>_<kind> or <candidate>/<kind>/...\nA PetShop issue folder (<scenario>/<train|test>/issue_N, as in the datasets) is read as the benchmark\nreads it: start = target.json target.timestamp, graph = the scenario's graph.csv two levels up.",
  FLAGS,
);

/** JSON written by `homeostat rca --out`. */
export interface RcaReport {
  readonly case: string;
  readonly model: { readonly kind: string; readonly version: string };
  readonly anomalous: boolean;
  /** The labelled root cause(s) when the case folder names them (a PetShop issue's target.json), and the best rank one got. */
  readonly truth?: { readonly causes: readonly string[]; readonly rank: number | null };
  readonly hypotheses: readonly {
    readonly rank: number;
    readonly candidate: string;
    readonly confidence: number;
    readonly score: number;
    readonly evidence: readonly string[];
  }[];
}

/** Builds the JSON report of one ranking. */
export function rcaReport(c: RcaCase, ranking: CaseRanking): RcaReport {
  return {
    case: c.id,
    model: METRIC_RANKER_MODEL,
    anomalous: ranking.anomalous,
    ...(c.truth !== undefined && c.truth.length > 0 ? { truth: { causes: c.truth, rank: truthRank(c.truth, ranking) } } : {}),
    hypotheses: ranking.ranked.map((h, i) => ({
      rank: i + 1,
      candidate: h.candidate,
      confidence: h.confidence,
      score: h.score,
      evidence: h.evidence,
    })),
  };
}

/** 1-based rank of the best-ranked true cause, or null when none is ranked. */
function truthRank(truth: readonly string[], ranking: CaseRanking): number | null {
  const at = ranking.ranked.findIndex((h) => truth.includes(h.candidate));
  return at < 0 ? null : at + 1;
}

/** Runs `homeostat rca`. */
export async function rcaCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS, 'homeostat rca');
  if (args.help) {
    process.stdout.write(RCA_HELP);
    return 0;
  }
  if (args.positional.length > 0) throw invalid(`homeostat rca: unexpected argument ${args.positional[0]} (see homeostat rca --help)`);
  const dir = args.flags.case as string | undefined;
  if (dir === undefined) throw invalid('homeostat rca: --case is required (a folder with normal.csv + anomalous.csv, or metrics.csv)');
  const top = (args.flags.top as number | undefined) ?? 5;
  if (!Number.isInteger(top) || top < 1) throw invalid(`homeostat rca: --top must be an integer >= 1 (got ${top})`);
  const anomalyStart = args.flags['anomaly-start'] as string | undefined;
  const c = readCaseDir(dir, anomalyStart === undefined ? {} : { anomalyStart });
  const ranking = createMetricRanker()(c);
  const lines = [
    `homeostat rca: ${c.id}: ${c.metrics.length} metrics of ${c.candidates.length} candidates, ${c.anomalyStart} normal and ${c.t.length - c.anomalyStart} incident rows${c.graph === undefined ? '' : `, call graph of ${c.graph.length} edges`}`,
    ranking.anomalous
      ? 'ranked root-cause hypotheses (confidence = probability the candidate is the root cause):'
      : 'no metric deviates beyond the threshold: nothing is blamed (closest candidates below)',
  ];
  for (const [i, h] of ranking.ranked.slice(0, top).entries()) {
    lines.push(
      `${String(i + 1).padStart(2)}. ${h.candidate}  confidence ${h.confidence.toFixed(3)}  (score ${Number(h.score.toPrecision(4))})`,
    );
    for (const e of h.evidence) lines.push(`      - ${e}`);
  }
  const report = rcaReport(c, ranking);
  if (report.truth !== undefined) {
    const { causes, rank } = report.truth;
    lines.push(`labelled root cause: ${causes.join(', ')}, ${rank === null ? 'not ranked' : `ranked ${rank} of ${ranking.ranked.length}`}`);
  }
  const out = args.flags.out as string | undefined;
  if (out !== undefined) {
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    lines.push(`wrote ${out}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
