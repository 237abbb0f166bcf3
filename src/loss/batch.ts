/**
 * One minibatch of a regression objective on any path (the backend-free core of training):
 *   L(θ) = E_{t~π} E_{(data, noise)~coupling} [ w(t) · ‖model_θ(xₜ, t) − target_kind‖² ],
 * whose minimizer is model*(x, t) = E[target_kind | xₜ = x] — the exact denoiser of that kind
 * (Vincent 2011; Lipman et al. 2023, Thm 2; Albergo & Vanden-Eijnden 2023 for interpolants).
 *
 * Draw order from `rng` (fixed, so a batch is reproducible from the generator's state):
 *   1. noise: n·dim standard normals, row-major (row i's noise does not depend on n);
 *   2. times: n draws from `proposal ?? timeDensity`;
 *   3. pairing: whatever the coupling draws (Sinkhorn: one uniform per row; others nothing);
 *   4. latent z (interpolants with γ ≢ 0 only): n·dim standard normals.
 * Row i then has xₜ = path's sample(data_i, noise_{pairing[i]}) and target = that kind's exact target;
 * on an affine path target = a·data + b·noise with (a, b) = basisOf(kind, level), on a bridge path the
 * slice's `targets`, on an interpolant `interpolantTarget`. Weight:
 *   weight_i = lossWeight(weighting, kind, slice_i) · π_target(t_i)/π_proposal(t_i)  (the ratio only
 *   with a proposal; it keeps the objective unbiased: E_proposal[w·π/q·ℓ] = E_π[w·ℓ]).
 * Interpolants are weighted on their effective affine level (α, √(β² + γ²)), which is exact for
 * independent pairing.
 */
import { type FloatArray, checkFinite, checkFloatArray, like } from "../array.js";
import type { Coupling } from "../coupling/coupling.js";
import { independentCoupling } from "../coupling/coupling.js";
import {
  type InterpolantKind,
  type StochasticInterpolant,
  interpolantTarget,
  interpolate,
} from "../coupling/interpolant.js";
import { type Kind, checkG2, checkKind } from "../convert/kernel.js";
import type { GaussianPath, PathSlice } from "../path/path.js";
import { Rng } from "../random/rng.js";
import { type TimeDensity, checkDensity, importanceWeight } from "./density.js";
import { lossWeight } from "./equivalent.js";
import { type TrainingPath, checkTrainingPath, gaussianPathOf, isInterpolant } from "./trainingPath.js";
import { type Weighting, uniformWeighting } from "./weighting.js";

/** Options of `trainingBatch`. */
export interface TrainingBatchOptions {
  /** The kind the model predicts (interpolants: "velocity", "score" or "data"). */
  readonly kind: Kind;
  /** π(t), the objective's time density. */
  readonly timeDensity: TimeDensity;
  /** The generator every draw comes from (file header: draw order). */
  readonly rng: Rng;
  /** Row length; required unless the path fixes it (bridge paths). */
  readonly dim?: number;
  /** Draw times from this density instead and correct the weight by π_target/π_proposal. */
  readonly proposal?: TimeDensity;
  /** How noise rows are paired with data rows (default independent). */
  readonly coupling?: Coupling;
  /** Loss weighting (default uniform on the trained kind). */
  readonly weighting?: Weighting;
  /** g² of the generative SDE, constant or per time; required for kind "drift". */
  readonly g2?: number | ((t: number) => number);
}

/** One training minibatch, batch-major, in the data's float type. */
export interface TrainingBatch<A extends FloatArray> {
  /** Canonical time per row (length n). */
  readonly t: A;
  /** The noise row paired with each data row (n × dim), after the coupling. */
  readonly noise: A;
  /** The model input xₜ (n × dim). */
  readonly xt: A;
  /** The regression target of `kind` (n × dim). */
  readonly target: A;
  /** Per-row loss weight (length n). */
  readonly weight: A;
  /** pairing[i] = the index of the drawn noise row given to data row i. */
  readonly pairing: Int32Array;
  /** The interpolant latent z (n × dim), null for Gaussian paths and γ ≡ 0. */
  readonly latent: A | null;
}

const INTERPOLANT_KINDS: readonly InterpolantKind[] = ["velocity", "score", "data"];

function rowDim(fn: string, path: TrainingPath, data: FloatArray, dim: number | undefined): number {
  const fixed = isInterpolant(path) ? undefined : path.dim;
  const d = dim ?? fixed;
  if (d === undefined) {
    throw new TypeError(
      `${fn}: options.dim is required on the path "${path.name}" (it accepts any dimension); pass the data's row length`,
    );
  }
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${fn}: dim must be a positive integer, got ${d}`);
  if (fixed !== undefined && d !== fixed) {
    throw new RangeError(
      `${fn}: dim = ${d} but the path "${path.name}" has dimension ${fixed}; pass dim = ${fixed} or data of that dimension`,
    );
  }
  if (data.length === 0 || data.length % d !== 0) {
    throw new RangeError(
      `${fn}: data has length ${data.length}, which is not a positive multiple of dim = ${d}; pass rows of dim numbers (batch-major)`,
    );
  }
  return d;
}

function checkPairing(fn: string, coupling: Coupling, pairing: unknown, n: number): Int32Array {
  if (!(pairing instanceof Int32Array) || pairing.length !== n) {
    throw new TypeError(
      `${fn}: the coupling ${coupling.name} must return an Int32Array of ${n} source indices`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!(pairing[i]! >= 0 && pairing[i]! < n)) {
      throw new RangeError(
        `${fn}: the coupling ${coupling.name} paired data row ${i} with source row ${pairing[i]}, outside [0, ${n})`,
      );
    }
  }
  return pairing;
}

/**
 * The slice at each time, built once per distinct time (discrete-time objectives repeat times, and a
 * bridge slice costs an ODE solve and matrix square roots) and in one batched call when the path has it.
 */
function slicesAt(path: GaussianPath, times: Float64Array): PathSlice[] {
  const distinct = [...new Set(times)];
  const built = path.slices(distinct);
  const byTime = new Map(distinct.map((t, k) => [t, built[k]!]));
  return Array.from(times, (t) => byTime.get(t)!);
}

/**
 * A training minibatch `{ t, noise, xt, target, weight, pairing, latent }` for `data` (n × dim rows,
 * Float32Array or Float64Array; every output has its type) on `path` (file header for the law,
 * the draw order and the weight). Errors name the argument and the fix: unknown kind, shapes,
 * times outside [0, 1], targets or weights that are not finite at a sampled time.
 */
export function trainingBatch<A extends FloatArray>(
  path: TrainingPath,
  data: A,
  options: TrainingBatchOptions,
): TrainingBatch<A> {
  const fn = "trainingBatch";
  checkTrainingPath(fn, path);
  checkFloatArray(fn, "data", data);
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `${fn}: options must be { kind, timeDensity, rng, dim?, coupling?, weighting?, proposal?, g2? }`,
    );
  }
  const { kind, timeDensity, proposal, rng } = options;
  const coupling = options.coupling ?? independentCoupling();
  const weighting = options.weighting ?? uniformWeighting();
  if (isInterpolant(path)) {
    if (!INTERPOLANT_KINDS.includes(kind as InterpolantKind)) {
      throw new TypeError(
        `${fn}: kind must be ${INTERPOLANT_KINDS.map((k) => `"${k}"`).join(", ")} on the stochastic interpolant "${path.name}", got ${JSON.stringify(kind)}`,
      );
    }
  } else {
    checkKind(fn, "options.kind", kind);
  }
  const g2Of = (t: number): number | undefined => {
    if (options.g2 === undefined) return undefined;
    return checkG2(fn, typeof options.g2 === "function" ? options.g2(t) : options.g2);
  };
  if (kind === "drift" && options.g2 === undefined) checkG2(fn, undefined);
  checkDensity(fn, "options.timeDensity", timeDensity);
  if (proposal !== undefined) checkDensity(fn, "options.proposal", proposal);
  if (!(rng instanceof Rng))
    throw new TypeError(`${fn}: options.rng must be an Rng (new Rng(seed)); randomness is an argument`);
  if (typeof coupling?.pair !== "function")
    throw new TypeError(
      `${fn}: options.coupling must be a Coupling (independentCoupling(), exactOtCoupling(), …)`,
    );
  const dim = rowDim(fn, path, data, options.dim);
  const gaussian = gaussianPathOf(fn, path);
  checkFinite(fn, "data", data);
  const n = data.length / dim;

  // 1. Noise.
  const drawn = rng.fillNormal(like(data));
  // 2. Times.
  const times = (proposal ?? timeDensity).sample(rng, n, path);
  for (let i = 0; i < n; i++) {
    if (!(times[i]! >= 0 && times[i]! <= 1)) {
      throw new RangeError(
        `${fn}: the time density ${(proposal ?? timeDensity).name} returned t = ${times[i]} outside [0, 1]`,
      );
    }
  }
  // 3. Pairing (cost against the prior samples x at t = 0).
  const source = isInterpolant(path) ? drawn : path.prior.sample(drawn, dim);
  const pairing = checkPairing(fn, coupling, coupling.pair(data, source, dim, rng), n);
  const noise = like(data);
  for (let i = 0; i < n; i++) noise.set(drawn.subarray(pairing[i]! * dim, (pairing[i]! + 1) * dim), i * dim);
  // 4. Latent.
  const latent = isInterpolant(path) && path.latent === "gaussian" ? rng.fillNormal(like(data)) : null;

  const t = like(data, n);
  const xt = like(data);
  const target = like(data);
  const weight = like(data, n);
  const slices = isInterpolant(path) ? null : slicesAt(path, times);
  const row = <B extends FloatArray>(a: B, i: number): B => a.subarray(i * dim, (i + 1) * dim) as B;
  for (let i = 0; i < n; i++) {
    const ti = times[i]!;
    const d = row(data, i);
    const e = row(noise, i);
    const xRow = row(xt, i);
    const yRow = row(target, i);
    const g2 = g2Of(ti);
    let weightSlice: PathSlice;
    if (slices === null) {
      const ip = path as StochasticInterpolant;
      const c = ip.at(ti);
      const z = latent === null ? null : row(latent, i);
      interpolate(c, d, e, z, xRow);
      interpolantTarget(kind as InterpolantKind, c, d, e, z, yRow);
      weightSlice = ip.path.slice(ti);
    } else {
      const slice = slices[i]!;
      slice.sample(d, e, xRow);
      slice.target(kind, d, e, g2 === undefined ? { out: yRow } : { g2, out: yRow });
      weightSlice = slice;
    }
    for (let j = 0; j < dim; j++) {
      if (!Number.isFinite(yRow[j]!)) {
        throw new RangeError(
          `${fn}: the ${kind} target is ${yRow[j]} at t = ${ti} (row ${i}); it is singular there — restrict the time density to [path.tMin, path.tMax] = [${gaussian.tMin}, ${gaussian.tMax}], e.g. uniformTime({ lo, hi })`,
        );
      }
    }
    let w = lossWeight(weighting, kind, weightSlice, g2 === undefined ? {} : { g2 });
    if (proposal !== undefined) w *= importanceWeight(timeDensity, proposal, ti, path);
    if (!(w >= 0) || !Number.isFinite(w)) {
      throw new RangeError(
        `${fn}: the ${weighting.name} weight on ${kind} is ${w} at t = ${ti} (row ${i})${proposal === undefined ? "" : ` after the importance ratio ${timeDensity.name}/${proposal.name}`}; restrict the time density to where it is finite`,
      );
    }
    t[i] = ti;
    weight[i] = w;
  }
  return { t, noise, xt, target, weight, pairing, latent };
}
