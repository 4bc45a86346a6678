/**
 * @module models/xgboost/native
 * A thin binding to the XGBoost C API (Debian's `libxgboost0`, XGBoost 1.7) through the `koffi`
 * FFI, used to TRAIN gradient-boosted trees; serving needs no native library (see trees.ts, which
 * evaluates the JSON model this returns).
 *
 * Algorithm: XGBoost's exact/hist greedy tree boosting of a second-order expansion of the loss
 * (objective `binary:logistic`), trained single-threaded (`nthread` 1) with a fixed `seed`, so the
 * same data and parameters give the same trees bit for bit. Works for tabular data up to a few
 * million rows × tens of columns in memory. Fails when `libxgboost.so.0` is not installed (a
 * HomeostatError 'unavailable' says how to install it) or on a platform koffi does not support.
 *
 * Reference: T. Chen & C. Guestrin, "XGBoost: A Scalable Tree Boosting System", KDD 2016; the C API
 * in xgboost/include/xgboost/c_api.h (1.7).
 */
import koffi from 'koffi';
import { describe, HomeostatError, invalid } from '../../errors.js';
import type { XgbModelJson } from './trees.js';

/** The library loaded by default (Debian/Ubuntu package `libxgboost0`). */
export const XGBOOST_LIBRARY = 'libxgboost.so.0';

/** A dense training matrix: `rows × cols` row-major float32 features, a 0/1 label, optional weights. */
export interface XgbMatrix {
  /** rows × cols, row-major (row i at i·cols). NaN is "missing". */
  readonly x: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** One label per row (0/1 for `binary:logistic`). */
  readonly label: ArrayLike<number>;
  /** One non-negative weight per row. Default 1 for every row. */
  readonly weight?: ArrayLike<number>;
}

/** Training parameters (XGBoost names in brackets). */
export interface XgbParams {
  /** Tree depth at most [max_depth], ≥ 1. */
  readonly maxDepth: number;
  /** Learning rate [eta], in (0, 1]. */
  readonly eta: number;
  /** Boosting rounds (trees), ≥ 1. */
  readonly rounds: number;
  /** Minimum hessian (weighted) in a child [min_child_weight], ≥ 0. */
  readonly minChildWeight: number;
  /** Row subsample per tree [subsample], in (0, 1]. Default 1. */
  readonly subsample?: number;
  /** L2 penalty on leaf weights [lambda], ≥ 0. Default 1. */
  readonly lambda?: number;
  /** Initial prediction, a probability [base_score], in (0, 1). Default 0.5; the base rate saves rounds. */
  readonly baseScore?: number;
  /** Weight of positive rows [scale_pos_weight], > 0. Default 1. */
  readonly scalePosWeight?: number;
  /** Random seed [seed]: same seed, same trees. */
  readonly seed: number;
  /** Threads [nthread]: must be 1 (determinism, and other work shares the cores). */
  readonly nthread: 1;
  /** Tree method [tree_method]. Default 'hist'. */
  readonly treeMethod?: 'hist' | 'exact' | 'approx';
}

/** Options of {@link trainXgboost} and {@link loadXgboost}. */
export interface XgbNativeOptions {
  /** Shared library name or path. Default {@link XGBOOST_LIBRARY}. */
  readonly library?: string;
}

/** Margins and contributions computed by XGBoost itself (for checking the TypeScript evaluator). */
export interface XgbNativePredictions {
  /** Raw margin per row (option_mask 1). */
  readonly margin: Float32Array;
  /** Probability per row (option_mask 0). */
  readonly probability: Float32Array;
  /** TreeSHAP per row: cols feature contributions then the bias, (cols + 1) per row (option_mask 4). */
  readonly contributions: Float32Array;
}

/** A trained model: the parsed JSON trees and, for tests, XGBoost's own predictions on given rows. */
export interface XgbTrained {
  readonly model: XgbModelJson;
  /** XGBoost's predictions on `predictOn` (empty when none was given). */
  readonly native: XgbNativePredictions;
}

type Fn = (...args: unknown[]) => unknown;

interface XgbApi {
  readonly version: string;
  readonly lastError: () => string;
  readonly dmatrixFromMat: Fn;
  readonly setFloatInfo: Fn;
  readonly dmatrixFree: Fn;
  readonly boosterCreate: Fn;
  readonly boosterSetParam: Fn;
  readonly boosterUpdate: Fn;
  readonly boosterSaveModel: Fn;
  readonly boosterPredict: Fn;
  readonly boosterFree: Fn;
}

const loaded = new Map<string, XgbApi>();

/**
 * Loads the XGBoost library once per name (lazily, on first use) and binds the functions used here.
 * @returns the XGBoost version, e.g. "1.7.4".
 * @throws HomeostatError 'unavailable' when the library cannot be loaded, saying how to install it.
 */
export function loadXgboost(options: XgbNativeOptions = {}): string {
  return api(options.library ?? XGBOOST_LIBRARY).version;
}

/**
 * Whether the XGBoost library loads (for tests and commands that can run without it).
 * @example if (!xgboostAvailable()) console.warn('apt-get install libxgboost0')
 */
export function xgboostAvailable(options: XgbNativeOptions = {}): boolean {
  try {
    loadXgboost(options);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether tests that train with XGBoost run here: the library loads, or `HOMEOSTAT_XGBOOST_REQUIRED=1`
 * (CI) makes a missing library a failure instead of a skip. Prints a notice when they are skipped.
 */
export function xgboostTestsEnabled(where: string): boolean {
  const required = process.env.HOMEOSTAT_XGBOOST_REQUIRED === '1';
  const available = xgboostAvailable();
  if (!available && !required) {
    process.stderr.write(
      `${where}: XGBoost tests skipped: libxgboost0 is not installed (apt-get install libxgboost0); CI sets HOMEOSTAT_XGBOOST_REQUIRED=1\n`,
    );
  }
  return available || required;
}

function api(library: string): XgbApi {
  const cached = loaded.get(library);
  if (cached) return cached;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(library);
  } catch (cause) {
    throw new HomeostatError(
      'unavailable',
      `XGBoost is not installed: could not load ${describe(library)} (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Install it with `apt-get install libxgboost0` (Debian/Ubuntu, XGBoost 1.7), or build libxgboost.so and pass its path as `library`.',
      { cause },
    );
  }
  const DMatrix = koffi.pointer('XgbDMatrix', koffi.opaque());
  const Booster = koffi.pointer('XgbBooster', koffi.opaque());
  const version = lib.func('void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)');
  const parts: number[][] = [[0], [0], [0]];
  version(parts[0], parts[1], parts[2]);
  const bound: XgbApi = {
    version: parts.map((p) => p[0]).join('.'),
    lastError: lib.func('const char *XGBGetLastError()') as () => string,
    dmatrixFromMat: lib.func('XGDMatrixCreateFromMat', 'int', [
      'float *',
      'uint64_t',
      'uint64_t',
      'float',
      koffi.out(koffi.pointer(DMatrix)),
    ]),
    setFloatInfo: lib.func('XGDMatrixSetFloatInfo', 'int', [DMatrix, 'const char *', 'float *', 'uint64_t']),
    dmatrixFree: lib.func('XGDMatrixFree', 'int', [DMatrix]),
    boosterCreate: lib.func('XGBoosterCreate', 'int', [koffi.pointer(DMatrix), 'uint64_t', koffi.out(koffi.pointer(Booster))]),
    boosterSetParam: lib.func('XGBoosterSetParam', 'int', [Booster, 'const char *', 'const char *']),
    boosterUpdate: lib.func('XGBoosterUpdateOneIter', 'int', [Booster, 'int', DMatrix]),
    boosterSaveModel: lib.func('XGBoosterSaveModelToBuffer', 'int', [
      Booster,
      'const char *',
      koffi.out(koffi.pointer('uint64_t')),
      koffi.out(koffi.pointer('void *')),
    ]),
    boosterPredict: lib.func('XGBoosterPredict', 'int', [
      Booster,
      DMatrix,
      'int',
      'uint32_t',
      'int',
      koffi.out(koffi.pointer('uint64_t')),
      koffi.out(koffi.pointer('void *')),
    ]),
    boosterFree: lib.func('XGBoosterFree', 'int', [Booster]),
  };
  loaded.set(library, bound);
  return bound;
}

function check(x: XgbApi, what: string, rc: unknown): void {
  if (rc !== 0) throw new HomeostatError('internal', `XGBoost ${what} failed: ${x.lastError()}`);
}

function checkMatrix(where: string, m: XgbMatrix): void {
  if (!Number.isInteger(m.rows) || m.rows < 1 || !Number.isInteger(m.cols) || m.cols < 1)
    throw invalid(`${where}: rows and cols must be positive integers (got ${describe(m.rows)} × ${describe(m.cols)})`);
  if (m.x.length !== m.rows * m.cols) throw invalid(`${where}: x must hold rows × cols = ${m.rows * m.cols} values (got ${m.x.length})`);
  if (m.label.length !== m.rows) throw invalid(`${where}: label must hold ${m.rows} values (got ${m.label.length})`);
  if (m.weight && m.weight.length !== m.rows) throw invalid(`${where}: weight must hold ${m.rows} values (got ${m.weight.length})`);
}

function checkParams(p: XgbParams): void {
  const rules: [string, number | undefined, (v: number) => boolean, string][] = [
    ['maxDepth', p.maxDepth, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'],
    ['eta', p.eta, (v) => v > 0 && v <= 1, 'in (0, 1]'],
    ['rounds', p.rounds, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'],
    ['minChildWeight', p.minChildWeight, (v) => v >= 0, '≥ 0'],
    ['subsample', p.subsample, (v) => v > 0 && v <= 1, 'in (0, 1]'],
    ['lambda', p.lambda, (v) => v >= 0, '≥ 0'],
    ['baseScore', p.baseScore, (v) => v > 0 && v < 1, 'in (0, 1)'],
    ['scalePosWeight', p.scalePosWeight, (v) => v > 0, '> 0'],
    ['seed', p.seed, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0'],
    ['nthread', p.nthread, (v) => v === 1, '1'],
  ];
  for (const [name, v, ok, expected] of rules) {
    if (v !== undefined && !(typeof v === 'number' && ok(v)))
      throw invalid(`trainXgboost: ${name} must be ${expected} (got ${describe(v)})`);
  }
}

function createMatrix(x: XgbApi, m: Pick<XgbMatrix, 'x' | 'rows' | 'cols'>): unknown {
  const out: unknown[] = [null];
  check(x, 'XGDMatrixCreateFromMat', x.dmatrixFromMat(m.x, m.rows, m.cols, Number.NaN, out));
  return out[0];
}

/**
 * Trains `binary:logistic` boosted trees on `matrix` and returns the model as parsed JSON
 * (XGBoosterSaveModelToBuffer with format json). Deterministic for a given seed (nthread 1).
 * @param predictOn rows (row-major, `cols` each) to predict with XGBoost itself, for checks.
 * @throws HomeostatError 'unavailable' when libxgboost is missing (install: `apt-get install libxgboost0`);
 *   'invalid_argument' on bad shapes or parameters; 'internal' when XGBoost reports an error.
 * @example const model = trainXgboost({ x, rows, cols, label }, { maxDepth: 4, eta: 0.1, rounds: 100, minChildWeight: 1, seed: 0, nthread: 1 })
 */
export function trainXgboost(matrix: XgbMatrix, params: XgbParams, options: XgbNativeOptions = {}): XgbModelJson {
  return trainXgboostChecked(matrix, params, options).model;
}

/**
 * Like {@link trainXgboost}, and also returns XGBoost's own margins, probabilities and TreeSHAP
 * contributions on `predictOn` (row-major, `matrix.cols` per row) — used to check trees.ts.
 * @throws as {@link trainXgboost}; 'invalid_argument' when predictOn's length is not a multiple of cols.
 */
export function trainXgboostChecked(
  matrix: XgbMatrix,
  params: XgbParams,
  options: XgbNativeOptions = {},
  predictOn?: Float32Array,
): XgbTrained {
  checkMatrix('trainXgboost', matrix);
  checkParams(params);
  if (predictOn && predictOn.length % matrix.cols !== 0)
    throw invalid(`trainXgboost: predictOn must hold a multiple of ${matrix.cols} values (got ${predictOn.length})`);
  const x = api(options.library ?? XGBOOST_LIBRARY);
  const handles: { dmats: unknown[]; booster: unknown } = { dmats: [], booster: null };
  try {
    const train = createMatrix(x, matrix);
    handles.dmats.push(train);
    check(x, 'XGDMatrixSetFloatInfo(label)', x.setFloatInfo(train, 'label', Float32Array.from(matrix.label), matrix.rows));
    if (matrix.weight)
      check(x, 'XGDMatrixSetFloatInfo(weight)', x.setFloatInfo(train, 'weight', Float32Array.from(matrix.weight), matrix.rows));
    const out: unknown[] = [null];
    check(x, 'XGBoosterCreate', x.boosterCreate([train], 1, out));
    handles.booster = out[0];
    const settings: [string, string][] = [
      ['objective', 'binary:logistic'],
      ['base_score', String(params.baseScore ?? 0.5)],
      ['tree_method', params.treeMethod ?? 'hist'],
      ['max_depth', String(params.maxDepth)],
      ['eta', String(params.eta)],
      ['min_child_weight', String(params.minChildWeight)],
      ['subsample', String(params.subsample ?? 1)],
      ['lambda', String(params.lambda ?? 1)],
      ['scale_pos_weight', String(params.scalePosWeight ?? 1)],
      ['seed', String(params.seed)],
      ['nthread', String(params.nthread)],
      ['verbosity', '0'],
    ];
    for (const [k, v] of settings) check(x, `XGBoosterSetParam(${k})`, x.boosterSetParam(handles.booster, k, v));
    for (let i = 0; i < params.rounds; i++) check(x, 'XGBoosterUpdateOneIter', x.boosterUpdate(handles.booster, i, train));
    const len: bigint[] | number[] = [0];
    const ptr: unknown[] = [null];
    check(x, 'XGBoosterSaveModelToBuffer', x.boosterSaveModel(handles.booster, '{"format": "json"}', len, ptr));
    const text = koffi.decode(ptr[0], 'char', Number(len[0])) as string;
    const model = JSON.parse(text) as XgbModelJson;
    let native: XgbNativePredictions = {
      margin: new Float32Array(0),
      probability: new Float32Array(0),
      contributions: new Float32Array(0),
    };
    if (predictOn && predictOn.length > 0) {
      const rows = predictOn.length / matrix.cols;
      const dm = createMatrix(x, { x: predictOn, rows, cols: matrix.cols });
      handles.dmats.push(dm);
      const predict = (mask: number, per: number): Float32Array => {
        const n: number[] = [0];
        const p: unknown[] = [null];
        check(x, 'XGBoosterPredict', x.boosterPredict(handles.booster, dm, mask, 0, 0, n, p));
        if (Number(n[0]) !== rows * per)
          throw new HomeostatError('internal', `XGBoosterPredict: expected ${rows * per} values (got ${n[0]})`);
        return Float32Array.from(koffi.decode(p[0], 'float', rows * per) as number[]);
      };
      native = { margin: predict(1, 1), probability: predict(0, 1), contributions: predict(4, matrix.cols + 1) };
    }
    return { model, native };
  } finally {
    if (handles.booster !== null) x.boosterFree(handles.booster);
    for (const d of handles.dmats) x.dmatrixFree(d);
  }
}
