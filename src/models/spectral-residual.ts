/**
 * @module models/spectral-residual
 * Streaming spectral-residual detector for one series (`detector/spectral-residual`).
 *
 * Algorithm (Ren et al., KDD 2019, §3.2): the newest point `x_n` and the `fftSize − extendPoints − 1`
 * points learned before it form a window of `W = fftSize − extendPoints` points. The window is
 * extended by `extendPoints` copies of an estimated point, `x̂ = x_{n−m} + m·ḡ` with ḡ the mean
 * slope from each of the `m = slopePoints` points before `x_{n−1}` to `x_{n−1}`, so that the newest
 * point does not sit on the edge of the transform. As in the authors' reference code
 * (microsoft/anomalydetector, `predict_next` on `values[-m-2:-1]`) the estimate leaves the newest
 * point out: with it, a spike would set the extension to a plateau above itself and hide. Then, on
 * the `fftSize` points (a power of two, radix-2 FFT): `A = |FFT(x)|`, `L = log A`, `R = L − h_q ∗ L`
 * (the spectral residual: the log-amplitude minus its average over `q = averagePoints`
 * frequencies), and the saliency map `S = |IFFT(exp(R + i·phase))|`. The average is centered and
 * circular by default (bins k − ⌊q/2⌋ … k + ⌊q/2⌋, Hou & Zhang's local filter; it keeps the
 * spectrum Hermitian, so only N/2 + 1 bins need a log and an exp) or trailing (bins k − q + 1 … k,
 * as the reference code). The DC bin takes part in the average, so the window's level relative to
 * its variation damps the low frequencies (dropping DC measured worse). The defaults (fftSize 64,
 * q 31, z 40, centered) were chosen on the first halves of the AIOps 2018 KPIs, where a wide q
 * (closer to a phase-only transform) beat the paper's q = 3 (first-half point F1 0.30 vs 0.20).
 *
 * Score: the saliency of the newest point against the saliencies of the `z = scoreWindow` points
 * before it in the same map: `scoring: 'ratio'` (the paper's) gives `raw = max(0, (S_n − S̄) / S̄)`
 * with S̄ their mean; `scoring: 'robust'` gives `raw = max(0, (S_n − median) / (1.4826·MAD))` of
 * those saliencies. The mean (or scale) is floored at 1e-6 of S_n, so a perfect spike after a
 * noise-free window scores about 1e6 rather than 0. Spectral bins with amplitude below 1e-12 of
 * the largest are dropped from the inverse transform (the reference's EPS rule, made relative), so
 * the score does not depend on the series' unit: scaling a window by c > 0 leaves it unchanged.
 * `expected` is the median of the window's learned points (a robust local level).
 *
 * Cost: one forward and one inverse complex FFT of `fftSize` points per `score` (O(N log N),
 * scratch buffers allocated once; about 180k points/s of score + learn on one core here at 64);
 * `learn` is O(1) (a ring buffer). State: the last `fftSize − extendPoints − 1` finite values in
 * time order, ≈ 1.2 KB of JSON at the default 64.
 *
 * Works for: spikes, dips and short bursts that break the local shape of a series — the saliency
 * map singles out what the smooth part of the spectrum does not explain — without a baseline to
 * learn (the window is the model), so it scores after `W − 1` points and follows level changes at
 * once. Fails on: anomalies longer than about a quarter of the window (they become "the shape"),
 * slow drifts and level shifts after their first few points, noise-only windows (the saliency is
 * nearly scale-free, so the largest noise wiggle always stands out somewhat: thresholds must come
 * from data), and series whose anomalies are only in the size of a change, not its shape. On the
 * KPIs it scores well below a robust z-score point-wise.
 *
 * Reference: H. Ren, B. Xu, Y. Wang, C. Yi, C. Huang, X. Kou, T. Xing, M. Yang, J. Tong, Q. Zhang,
 * "Time-Series Anomaly Detection Service at Microsoft", KDD 2019; X. Hou, L. Zhang, "Saliency
 * Detection: A Spectral Residual Approach", CVPR 2007.
 */
import { describe, invalid } from '../errors.js';
import type { Attribution } from '../records/types.js';
import type { Point } from '../telemetry/types.js';
import { openState, parseConfig, type ConfigRules } from './config.js';
import type { Detector, DetectorScore, ModelSpec } from './contract.js';

/** How the newest point's saliency is compared with the saliencies before it. */
export type SaliencyScoring = 'ratio' | 'robust';

/** How the log-amplitude spectrum is averaged: over the q bins up to k, or the q bins around k. */
export type SpectrumAveraging = 'trailing' | 'centered';

/** Configuration of {@link SpectralResidual}. */
export interface SpectralResidualConfig {
  /** Transform length, a power of two in [32, 1024]; the window is `fftSize − extendPoints` points. Default 64. */
  readonly fftSize: number;
  /** Copies of the estimated next point appended to the window (κ). Default 5. */
  readonly extendPoints: number;
  /** Previous points whose mean slope to the newest estimates the next point (m). Default 5. */
  readonly slopePoints: number;
  /** Width of the average of the log-amplitude spectrum (q; odd when centered). Default 31 (the paper's 3 measured worse on KPI). */
  readonly averagePoints: number;
  /** 'centered' (circular, odd q; default) or 'trailing' (the reference code's) average of the log-amplitude. */
  readonly averaging: SpectrumAveraging;
  /** Saliencies before the newest point that it is compared with (z; the paper's 21). Default 40. */
  readonly scoreWindow: number;
  /** 'ratio' (paper: (S − mean)/mean) or 'robust' (robust z of the saliency). Default 'ratio'. */
  readonly scoring: SaliencyScoring;
}

/** Saved state of {@link SpectralResidual}: plain JSON numbers. */
export interface SpectralResidualState {
  readonly version: 1;
  /** Finite points learned. */
  readonly n: number;
  /** The last `fftSize − extendPoints − 1` finite values learned (fewer while warming up), oldest first. */
  readonly window: readonly number[];
}

const KIND = 'detector/spectral-residual';
const VERSION = 1;
/** Amplitudes below this share of the largest are treated as zero. */
const EPS_REL = 1e-12;
/** Floor of the saliency mean (or scale) relative to the newest saliency: a perfect spike after a noise-free window scores 1e6, not 0 or ∞. */
const SALIENCY_FLOOR = 1e-6;
/** 1/Φ⁻¹(3/4): turns a MAD into a σ for normal data. */
const MAD_TO_SIGMA = 1.4826;

const DEFAULTS: SpectralResidualConfig = {
  fftSize: 64,
  extendPoints: 5,
  slopePoints: 5,
  averagePoints: 31,
  averaging: 'centered',
  scoreWindow: 40,
  scoring: 'ratio',
};

const RULES: ConfigRules<SpectralResidualConfig> = {
  fftSize: { type: 'number', integer: true, min: 32, max: 1024 },
  extendPoints: { type: 'number', integer: true, min: 1 },
  slopePoints: { type: 'number', integer: true, min: 1 },
  averagePoints: { type: 'number', integer: true, min: 1 },
  averaging: { type: 'oneOf', values: ['trailing', 'centered'] },
  scoreWindow: { type: 'number', integer: true, min: 2 },
  scoring: { type: 'oneOf', values: ['ratio', 'robust'] },
};

/** Checks the combinations the per-key rules cannot see. */
function checkCombination(c: SpectralResidualConfig): SpectralResidualConfig {
  if ((c.fftSize & (c.fftSize - 1)) !== 0) {
    throw invalid(`${KIND}: fftSize must be a power of two in [32, 1024] (got ${c.fftSize})`);
  }
  const history = c.fftSize - c.extendPoints - 1;
  if (history < c.scoreWindow || history < c.slopePoints + 1) {
    throw invalid(
      `${KIND}: fftSize − extendPoints − 1 (the points learned in the window) must be ≥ scoreWindow and > slopePoints ` +
        `(got ${c.fftSize} − ${c.extendPoints} − 1 = ${history}, scoreWindow ${c.scoreWindow}, slopePoints ${c.slopePoints})`,
    );
  }
  if (c.averaging === 'centered' && c.averagePoints % 2 === 0) {
    throw invalid(`${KIND}: averagePoints must be odd with a centered average, so that it is symmetric (got ${c.averagePoints})`);
  }
  if (c.averagePoints > c.fftSize) {
    throw invalid(`${KIND}: averagePoints must be ≤ fftSize (got ${c.averagePoints} > ${c.fftSize})`);
  }
  return c;
}

/**
 * Streaming spectral-residual detector for one series. `score` is pure (it runs the transform on
 * scratch buffers); `learn` pushes the value into a ring buffer in O(1). Non-finite values are
 * ignored by `learn` and unscored by `score`; time is not used (the series is taken as regular),
 * so gaps and out-of-order points never throw.
 * @example
 * const d = spectralResidualSpec.create(spectralResidualSpec.defaults);
 * for (const p of points) { const s = d.score(p); d.learn(p); }
 */
export class SpectralResidual implements Detector {
  readonly #c: SpectralResidualConfig;
  /** Learned values kept: fftSize − extendPoints − 1. */
  readonly #history: number;
  readonly #ring: Float64Array;
  #head = 0;
  #n = 0;
  readonly #re: Float64Array;
  readonly #im: Float64Array;
  readonly #amp: Float64Array;
  readonly #logAmp: Float64Array;
  readonly #gain: Float64Array;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;
  readonly #bitReverse: Uint32Array;
  readonly #scratch: Float64Array;

  constructor(config: SpectralResidualConfig, state?: SpectralResidualState) {
    this.#c = { ...config };
    const size = config.fftSize;
    this.#history = size - config.extendPoints - 1;
    this.#ring = new Float64Array(this.#history);
    this.#re = new Float64Array(size);
    this.#im = new Float64Array(size);
    this.#amp = new Float64Array(size);
    this.#logAmp = new Float64Array(size);
    this.#gain = new Float64Array(size);
    this.#cos = new Float64Array(size / 2);
    this.#sin = new Float64Array(size / 2);
    for (let k = 0; k < size / 2; k++) {
      this.#cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.#sin[k] = -Math.sin((2 * Math.PI * k) / size);
    }
    this.#bitReverse = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.#bitReverse[i] = r;
    }
    this.#scratch = new Float64Array(Math.max(this.#history, config.scoreWindow));
    if (state) {
      this.#n = state.n;
      const w = state.window;
      for (let i = 0; i < w.length; i++) this.#ring[i] = (w[i] as number) + 0;
      this.#head = w.length % this.#history;
    }
  }

  /** Finite points learned so far. */
  get count(): number {
    return this.#n;
  }

  /** Scores `p` against the saliency of the window before it; undefined while the window is not full or for a non-finite value. */
  score(p: Point): DetectorScore | undefined {
    const x = p.v;
    if (this.#n < this.#history || !Number.isFinite(x)) return undefined;
    const h = this.#history;
    const re = this.#re;
    for (let i = 0; i < h; i++) re[i] = this.#ring[(this.#head + i) % h] as number;
    re[h] = x;
    const expected = this.#median(h);
    const saliency = this.#saliency();
    const z = this.#c.scoreWindow;
    let raw: number;
    if (this.#c.scoring === 'ratio') {
      let sum = 0;
      for (let i = h - z; i < h; i++) sum += saliency[i] as number;
      const newest = saliency[h] as number;
      const mean = Math.max(sum / z, SALIENCY_FLOOR * newest);
      raw = mean > 0 ? Math.max(0, (newest - mean) / mean) : 0;
    } else {
      const s = this.#scratch;
      let sum = 0;
      for (let i = 0; i < z; i++) {
        s[i] = saliency[h - z + i] as number;
        sum += s[i] as number;
      }
      const med = quickMedian(s, z);
      for (let i = 0; i < z; i++) s[i] = Math.abs((s[i] as number) - med);
      const newest = saliency[h] as number;
      const scale = Math.max(MAD_TO_SIGMA * quickMedian(s, z), (SALIENCY_FLOOR * sum) / z, SALIENCY_FLOOR * newest);
      raw = scale > 0 ? Math.max(0, (newest - med) / scale) : 0;
    }
    const contributors: Attribution[] = [{ name: 'spectral-residual', weight: x >= expected ? raw : -raw, expected, actual: x }];
    return { raw, expected, actual: x, contributors };
  }

  /** Learns `p` (test-then-train: call after `score`). Non-finite values are ignored. */
  learn(p: Point): void {
    const x = p.v;
    if (!Number.isFinite(x)) return;
    this.#ring[this.#head] = x + 0; // + 0 turns −0 into 0, which is what JSON gives back.
    this.#head = (this.#head + 1) % this.#history;
    this.#n++;
  }

  /** JSON state that restores this detector exactly through {@link spectralResidualSpec}.create. */
  state(): SpectralResidualState {
    const h = this.#history;
    const kept = Math.min(this.#n, h);
    const window: number[] = [];
    const start = this.#n < h ? 0 : this.#head;
    for (let i = 0; i < kept; i++) window.push(this.#ring[(start + i) % h] as number);
    return { version: VERSION, n: this.#n, window };
  }

  /** Median of re[0 .. count) (the learned part of the window), via the scratch buffer. */
  #median(count: number): number {
    const s = this.#scratch;
    for (let i = 0; i < count; i++) s[i] = this.#re[i] as number;
    return quickMedian(s, count);
  }

  /**
   * Extends re[0 .. history] by the estimated points, runs FFT → spectral residual → IFFT, and
   * returns the saliency map in `re` (|IFFT| per point). Overwrites re, im and logAmp.
   */
  #saliency(): Float64Array {
    const size = this.#c.fftSize;
    const re = this.#re;
    const im = this.#im;
    const last = this.#history;
    const m = this.#c.slopePoints;
    const prev = re[last - 1] as number;
    let slopes = 0;
    for (let i = 1; i <= m; i++) slopes += (prev - (re[last - 1 - i] as number)) / i;
    const estimate = (re[last - m] as number) + slopes;
    for (let i = last + 1; i < size; i++) re[i] = estimate;
    im.fill(0);
    this.#fft(false);
    const amp = this.#amp;
    const logAmp = this.#logAmp;
    const gain = this.#gain;
    const centered = this.#c.averaging === 'centered';
    // A centered average keeps the residual spectrum Hermitian: compute bins 0 … N/2 and mirror.
    const top = centered ? size >> 1 : size - 1;
    let maxAmp = 0;
    for (let k = 0; k <= top; k++) {
      const r = re[k] as number;
      const i = im[k] as number;
      const a = Math.sqrt(r * r + i * i);
      amp[k] = a;
      if (a > maxAmp) maxAmp = a;
    }
    const floor = maxAmp * EPS_REL;
    for (let k = 0; k <= top; k++) {
      const a = amp[k] as number;
      logAmp[k] = a > floor ? Math.log(a) : Number.NEGATIVE_INFINITY;
    }
    for (let k = top + 1; k < size; k++) logAmp[k] = logAmp[size - k] as number;
    const q = this.#c.averagePoints;
    const from = centered ? -((q - 1) >> 1) : 1 - q;
    const to = centered ? q >> 1 : 0;
    // Sliding sum of the finite log-amplitudes over bins k + from … k + to (mod N when centered).
    let sum = 0;
    let count = 0;
    const add = (j: number, sign: 1 | -1): void => {
      if (!centered && (j < 0 || j >= size)) return;
      const v = logAmp[(j + size) % size] as number;
      if (v === Number.NEGATIVE_INFINITY) return;
      sum += sign * v;
      count += sign;
    };
    for (let j = from; j <= to; j++) add(j, 1);
    for (let k = 0; k <= top; k++) {
      if (k > 0) {
        add(k + to, 1);
        add(k - 1 + from, -1);
      }
      const l = logAmp[k] as number;
      gain[k] = l === Number.NEGATIVE_INFINITY || count === 0 ? 0 : Math.exp(l - sum / count) / (amp[k] as number);
    }
    for (let k = 0; k < size; k++) {
      const g = (k <= top ? gain[k] : gain[size - k]) as number;
      re[k] = (re[k] as number) * g;
      im[k] = (im[k] as number) * g;
    }
    this.#fft(true);
    for (let t = last - this.#c.scoreWindow; t <= last; t++) {
      const r = re[t] as number;
      const i = im[t] as number;
      re[t] = Math.sqrt(r * r + i * i) / size;
    }
    return re;
  }

  /** In-place iterative radix-2 FFT of (re, im); `inverse` without the 1/N factor. */
  #fft(inverse: boolean): void {
    const size = this.#c.fftSize;
    const re = this.#re;
    const im = this.#im;
    const rev = this.#bitReverse;
    for (let i = 0; i < size; i++) {
      const j = rev[i] as number;
      if (j > i) {
        const tr = re[i] as number;
        re[i] = re[j] as number;
        re[j] = tr;
        const ti = im[i] as number;
        im[i] = im[j] as number;
        im[j] = ti;
      }
    }
    const sign = inverse ? -1 : 1;
    for (let len = 2; len <= size; len <<= 1) {
      const half = len >> 1;
      const step = size / len;
      for (let start = 0; start < size; start += len) {
        for (let k = 0; k < half; k++) {
          const wr = this.#cos[k * step] as number;
          const wi = sign * (this.#sin[k * step] as number);
          const a = start + k;
          const b = a + half;
          const br = re[b] as number;
          const bi = im[b] as number;
          const tr = br * wr - bi * wi;
          const ti = br * wi + bi * wr;
          re[b] = (re[a] as number) - tr;
          im[b] = (im[a] as number) - ti;
          re[a] = (re[a] as number) + tr;
          im[a] = (im[a] as number) + ti;
        }
      }
    }
  }
}

/** Median of a[0 .. n) by quickselect; reorders a. Mean of the two middle values for even n. */
function quickMedian(a: Float64Array, n: number): number {
  const hi = select(a, n, n >> 1);
  if (n & 1) return hi;
  let lo = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n >> 1; i++) if ((a[i] as number) > lo) lo = a[i] as number;
  return (lo + hi) / 2;
}

/** The k-th smallest of a[0 .. n) (Hoare quickselect); afterwards a[0 .. k) ≤ a[k]. */
function select(a: Float64Array, n: number, k: number): number {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1] as number;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

/** Spec of the spectral-residual detector: kind `detector/spectral-residual`, state version 1. */
export const spectralResidualSpec: ModelSpec<SpectralResidualConfig, SpectralResidual> = {
  kind: KIND,
  version: VERSION,
  description:
    'Spectral residual (Ren et al., KDD 2019) over a sliding window: saliency of the newest point against the saliencies before it.',
  defaults: DEFAULTS,
  parse: (input) => checkCombination(parseConfig(KIND, DEFAULTS, input, RULES)),
  create(config, state) {
    checkCombination(config);
    if (state === undefined) return new SpectralResidual(config);
    const s = openState(KIND, VERSION, state);
    const n = s.number('n');
    const history = config.fftSize - config.extendPoints - 1;
    const window = s.numbers('window', history);
    if (!Number.isInteger(n) || n < 0 || window.length !== Math.min(n, history)) {
      throw invalid(
        `${KIND}: state needs an integer n ≥ 0 and min(n, ${history}) window values for this config ` +
          `(got n ${describe(n)}, ${window.length} values); was it saved with another fftSize or extendPoints?`,
      );
    }
    return new SpectralResidual(config, { version: VERSION, n, window });
  },
};
