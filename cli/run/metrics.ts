/**
 * The distribution metrics of `demo` and `eval`: sliced W₂ (random projections from a seeded stream)
 * and the unbiased RBF MMD² (median-heuristic bandwidth) between two point sets, and their spread over
 * seeds next to the data-vs-data floor: the same metrics between two independent data sets of the
 * same size, which is what a perfect sampler would score.
 */
import type { FloatArray } from "difflux";

type Library = typeof import("difflux/node");

/** Mean, sample standard deviation (null for one seed) and the per-seed values of a metric. */
export interface Spread {
  readonly mean: number;
  readonly sd: number | null;
  readonly values: readonly number[];
}

/** The spread of `values` (one per seed). */
export function spreadOf(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, sd, values };
}

/** The two metrics between two point sets. */
export interface Distances {
  readonly slicedW2: number;
  readonly mmd2: number;
}

/** Stream of the projection directions (seed, stream) — the demo's, kept so its numbers stay the same. */
const DIRECTIONS_STREAM = 7;

/** Sliced W₂ (directions from `seed`) and MMD² (with `bandwidth`) between `x` and `y`. */
export function distances(
  lib: Library,
  x: FloatArray,
  y: FloatArray,
  dim: number,
  seed: number,
  bandwidth: number,
): Distances {
  return {
    slicedW2: lib.slicedWasserstein(x, y, dim, { rng: new lib.Rng(seed, DIRECTIONS_STREAM) }),
    mmd2: lib.mmdRbf(x, y, dim, { bandwidth }).mmd2,
  };
}

/** The spread of each metric over a list of per-seed results. */
export function spreads(results: readonly Distances[]): { slicedW2: Spread; mmd2: Spread } {
  return { slicedW2: spreadOf(results.map((r) => r.slicedW2)), mmd2: spreadOf(results.map((r) => r.mmd2)) };
}

/** Rows `rows` of the batch-major `data` (dim columns). */
export function takeRows(data: FloatArray, dim: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let j = 0; j < dim; j++) out[i * dim + j] = data[r * dim + j]!;
  }
  return out;
}

/** The options and result of `compareToData`. */
export interface Comparison {
  /** Points per set in every comparison. */
  readonly m: number;
  readonly seeds: readonly number[];
  /** Samples vs data and data vs data (the floor), per metric, over the seeds. */
  readonly samples: { readonly slicedW2: Spread; readonly mmd2: Spread };
  readonly floor: { readonly slicedW2: Spread; readonly mmd2: Spread };
}

/**
 * Samples vs data next to the data-vs-data floor, over `seeds`: for each seed the data rows are
 * shuffled and split into two disjoint sets A and B of m = min(n, ⌊N/2⌋) rows; the floor compares A
 * with B, the samples (m of them, drawn with the same seed) are compared with B, with the same
 * projections and the bandwidth of (A, B). Equal sizes make the two directly comparable.
 */
export function compareToData(
  lib: Library,
  samples: FloatArray,
  data: FloatArray,
  dim: number,
  seeds: readonly number[],
): Comparison {
  const n = samples.length / dim;
  const N = data.length / dim;
  const m = Math.min(n, Math.floor(N / 2));
  if (m < 2) {
    throw new RangeError(
      `compareToData: needs at least 4 data points and 2 samples (got ${N} and ${n}) — pass more data`,
    );
  }
  const floor: Distances[] = [];
  const vs: Distances[] = [];
  for (const seed of seeds) {
    const rng = new lib.Rng(seed, 11);
    const order = rng.permutation(N);
    const a = takeRows(data, dim, order.subarray(0, m));
    const b = takeRows(data, dim, order.subarray(m, 2 * m));
    const s = m === n ? samples : takeRows(samples, dim, rng.permutation(n).subarray(0, m));
    const bandwidth = lib.medianBandwidth(a, b, dim);
    floor.push(distances(lib, a, b, dim, seed, bandwidth));
    vs.push(distances(lib, s, b, dim, seed, bandwidth));
  }
  return { m, seeds, samples: spreads(vs), floor: spreads(floor) };
}
