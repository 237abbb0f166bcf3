/**
 * Seeded 2-D toy distributions for training and evaluating generative models (browser-safe).
 *
 * Scales follow the FFJORD toy sets (Grathwohl et al. 2019, `toy_data.py`), which torchcfm and most
 * flow-matching papers reuse, so numbers (sliced W₂, MMD) are comparable in magnitude; this is an
 * independent implementation. Per-sample streams: sample i of a split uses its own Philox stream
 * (`new Rng(seed, stream)`, see `toyStream`), so it is the same whatever n is and wherever the batch
 * starts (design.md §1).
 *
 * | name            | definition (z ~ N(0, I₂), u ~ U[0, 1))                                        | extent   |
 * | moons           | 2·(m + 0.1·z) + (−1, −0.2); m = (cos θ, sin θ) or (1 − cos θ, ½ − sin θ), θ = πu | ≈ [−3, 5]×[−1.5, 2] |
 * | checkerboard    | x₁ ~ U[−2, 2), x₂ = U[0,1) − 2b + (⌊x₁⌋ mod 2), b ∈ {0, 1}; then ×2            | [−4, 4]² |
 * | eight-gaussians | (4·(cos kπ/4, sin kπ/4) + 0.5·z)/√2, k ∈ {0…7}: std 0.354, radius 2.83          | ≈ ±3.9   |
 * | swiss-roll      | (t cos t, t sin t)/5 + z/5, t = 1.5π(1 + 2u): sklearn's make_swiss_roll(noise=1) | ≈ ±3     |
 * | rings           | r·(cos θ, sin θ) + 0.08·z, r ∈ {0.75, 1.5, 2.25, 3}, θ ~ U[0, 2π)               | ≈ ±3.3   |
 * | gmm             | Σₖ wₖ N(μₖ, 0.3² I), w = (0.5, 0.3, 0.2), μ = (−2, 0), (2, 1), (0, −2.5)          | ≈ [−3, 3] |
 *
 * Differences from FFJORD, all so that sample i is independent of n: rings and the moon halves pick
 * their ring / half at random per sample (FFJORD splits n evenly and spaces angles evenly).
 */
import { type FloatArray, checkAllocation } from "../../array.js";
import { Rng } from "../../random/rng.js";

/** Names of the 2-D toy distributions. */
export type ToyName = "moons" | "checkerboard" | "eight-gaussians" | "swiss-roll" | "rings" | "gmm";

/** Which part of an unlimited generator: training samples or held-out samples (disjoint streams). */
export type Split = "train" | "heldout";

/**
 * The 3-component 2-D Gaussian mixture of the reference fixtures (shared/reference/README.md):
 * weights (0.5, 0.3, 0.2), means (−2, 0), (2, 1), (0, −2.5), isotropic standard deviation 0.3.
 */
export const REFERENCE_GMM = {
  weights: [0.5, 0.3, 0.2],
  means: [
    [-2, 0],
    [2, 1],
    [0, -2.5],
  ],
  std: 0.3,
} as const;

/** Writes one point drawn from `rng` at out[o], out[o + 1]. */
type DrawPoint = (rng: Rng, out: FloatArray, o: number) => void;

function drawMoons(rng: Rng, out: FloatArray, o: number): void {
  const upper = rng.uniform() < 0.5;
  const theta = Math.PI * rng.uniform();
  const mx = upper ? Math.cos(theta) : 1 - Math.cos(theta);
  const my = upper ? Math.sin(theta) : 0.5 - Math.sin(theta);
  out[o] = 2 * (mx + 0.1 * rng.normal()) - 1;
  out[o + 1] = 2 * (my + 0.1 * rng.normal()) - 0.2;
}

function drawCheckerboard(rng: Rng, out: FloatArray, o: number): void {
  const x1 = 4 * rng.uniform() - 2;
  const x2 = rng.uniform() - 2 * (rng.uniform() < 0.5 ? 0 : 1);
  // ⌊x₁⌋ mod 2 as a non-negative remainder (Python's %): ⌊x₁⌋ ∈ {−2, −1, 0, 1}.
  const shift = ((Math.floor(x1) % 2) + 2) % 2;
  out[o] = 2 * x1;
  out[o + 1] = 2 * (x2 + shift);
}

function drawEightGaussians(rng: Rng, out: FloatArray, o: number): void {
  const angle = (Math.PI / 4) * Math.floor(8 * rng.uniform());
  out[o] = (4 * Math.cos(angle) + 0.5 * rng.normal()) / Math.SQRT2;
  out[o + 1] = (4 * Math.sin(angle) + 0.5 * rng.normal()) / Math.SQRT2;
}

function drawSwissRoll(rng: Rng, out: FloatArray, o: number): void {
  const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
  out[o] = (t * Math.cos(t) + rng.normal()) / 5;
  out[o + 1] = (t * Math.sin(t) + rng.normal()) / 5;
}

function drawRings(rng: Rng, out: FloatArray, o: number): void {
  const radius = 0.75 * (1 + Math.floor(4 * rng.uniform()));
  const theta = 2 * Math.PI * rng.uniform();
  out[o] = radius * Math.cos(theta) + 0.08 * rng.normal();
  out[o + 1] = radius * Math.sin(theta) + 0.08 * rng.normal();
}

function drawGmm(rng: Rng, out: FloatArray, o: number): void {
  // Component k by inverse CDF of one uniform, then μₖ + s·z (the draw order of the oracle's
  // mixture sampler, src/oracle/mixture.ts).
  const { weights: w, means, std } = REFERENCE_GMM;
  let u = rng.uniform();
  let k = 0;
  while (k < w.length - 1 && u >= w[k]!) u -= w[k++]!;
  out[o] = means[k]![0] + std * rng.normal();
  out[o + 1] = means[k]![1] + std * rng.normal();
}

const TOYS: Readonly<Record<ToyName, { readonly draw: DrawPoint; readonly description: string }>> = {
  moons: {
    draw: drawMoons,
    description: "two interleaving half circles, noise 0.1 before ×2 (FFJORD scale)",
  },
  checkerboard: { draw: drawCheckerboard, description: "uniform on 8 alternating 2×2 squares of [−4, 4]²" },
  "eight-gaussians": {
    draw: drawEightGaussians,
    description: "8 Gaussians (std 0.354) on a circle of radius 2.83",
  },
  "swiss-roll": {
    draw: drawSwissRoll,
    description: "2-D swiss roll t(cos t, sin t)/5, t ∈ [1.5π, 4.5π], noise 0.2",
  },
  rings: { draw: drawRings, description: "4 concentric rings, radii 0.75–3, noise 0.08" },
  gmm: { draw: drawGmm, description: "the reference 3-component Gaussian mixture (std 0.3)" },
};

/** The toy names, in a fixed order. */
export const TOY_NAMES: readonly ToyName[] = Object.keys(TOYS) as ToyName[];

/** A one-line description of a toy (its shape and scale), for help texts. */
export function toyDescription(name: ToyName): string {
  return toyEntry("toyDescription", name).description;
}

function toyEntry(fn: string, name: string) {
  if (!Object.hasOwn(TOYS, name)) {
    throw new RangeError(`${fn}: unknown toy '${name}'; use one of ${TOY_NAMES.join(", ")}`);
  }
  return TOYS[name as ToyName];
}

/** First stream of the held-out split: 2⁵², far beyond any training index. */
export const HELDOUT_STREAM_OFFSET = 2 ** 52;

/**
 * The Philox stream of sample `index` of a split: index for "train", 2⁵² + index for "heldout", so
 * the two splits never share a stream.
 */
export function toyStream(split: Split, index: number): number {
  if (split !== "train" && split !== "heldout")
    throw new RangeError(`toyStream: split must be "train" or "heldout", got ${String(split)}`);
  return split === "train" ? index : HELDOUT_STREAM_OFFSET + index;
}

/** Options for `sampleToy`. */
export interface ToyOptions {
  /** The seed (a non-negative safe integer). */
  readonly seed: number;
  /** Default "train". */
  readonly split?: Split;
  /** Index of the first sample (default 0): samples first … first + n − 1 are returned. */
  readonly first?: number;
  /** Element type of the result (default "float64"). */
  readonly dtype?: "float32" | "float64";
}

/**
 * n points (n × 2, batch-major) of a toy distribution (see the file header for each definition).
 * Sample i is drawn from `new Rng(seed, toyStream(split, first + i))` alone, so it does not depend on
 * n, on `first` or on the other samples. Throws a RangeError naming an unknown toy (and listing the
 * known ones) or a bad n / first / seed.
 */
export function sampleToy(name: ToyName, n: number, options: ToyOptions): FloatArray {
  const fn = "sampleToy";
  const { draw } = toyEntry(fn, name);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`${fn}: n must be a non-negative integer, got ${n}`);
  const first = options.first ?? 0;
  if (!Number.isSafeInteger(first) || first < 0)
    throw new RangeError(`${fn}: first must be a non-negative integer, got ${first}`);
  const split = options.split ?? "train";
  checkAllocation(fn, "n", 2 * n);
  const out = options.dtype === "float32" ? new Float32Array(2 * n) : new Float64Array(2 * n);
  for (let i = 0; i < n; i++) draw(new Rng(options.seed, toyStream(split, first + i)), out, 2 * i);
  return out;
}
