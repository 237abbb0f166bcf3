/**
 * The exact class-conditional Gaussian mixture, composed from `gaussianMixture` (oracle/mixture.ts):
 * component k has class cₖ; the class prior is πc = Σ_{k: cₖ = c} wₖ and
 *   p(x | c) = Σ_{k: cₖ = c} (wₖ/πc)·N(μₖ, Cₖ),   p(x) = Σ_c πc·p(x | c) = Σₖ wₖ N(μₖ, Cₖ).
 * On a Gaussian path every time marginal keeps this structure, so the conditional and unconditional
 * denoisers, scores and the guided score are exact:
 *   ∇ log [p_t(x|c)^s · p_t(x)^{1−s}] = s·∇log p_t(x|c) + (1 − s)·∇log p_t(x)
 * (Ho & Salimans 2022, §3.2). It is the reference for classifier-free guidance (src/guidance/cfg.ts).
 */
import { type FloatArray, type Shape, checkShape } from "../array.js";
import { type Conditioning, type Model, checkConditioning } from "../model/model.js";
import { type GaussianMixture, type GaussianMixtureOptions, gaussianMixture } from "../oracle/mixture.js";
import type { GaussianPath } from "../path/path.js";

/** Options of `classConditionalMixture`: a mixture plus one class label (integer ≥ 0) per component. */
export interface ClassConditionalMixtureOptions extends GaussianMixtureOptions {
  readonly classes: readonly number[];
}

/** The class-conditional mixture (file header). */
export interface ClassConditionalMixture {
  /** p(x) = Σₖ wₖ N(μₖ, Cₖ), all components. */
  readonly mixture: GaussianMixture;
  /** p(x | c) for c = 0 … (number of classes − 1); undefined for a label with no component. */
  readonly byClass: readonly (GaussianMixture | undefined)[];
  /** πc per class. */
  readonly classWeights: Float64Array;
  /**
   * A `data`-kind Model on `path`: row i returns E[data | xₜ, c = labels[i]], or E[data | xₜ] for
   * label −1 (and when called without conditioning).
   */
  denoiser(path: GaussianPath): Model;
  /** s·∇log p_t(x|c) + (1 − s)·∇log p_t(x) per row, for one class c. */
  guidedScore(path: GaussianPath, t: number, x: FloatArray, label: number, scale: number): Float64Array;
}

/** Builds the class-conditional mixture (file header); throws naming the option that is wrong. */
export function classConditionalMixture(options: ClassConditionalMixtureOptions): ClassConditionalMixture {
  const fn = "classConditionalMixture";
  const mixture = gaussianMixture(options);
  const { classes } = options;
  if (!Array.isArray(classes) || classes.length !== options.weights.length) {
    throw new RangeError(
      `${fn}: classes must give one label per component (${options.weights.length}), got ${Array.isArray(classes) ? classes.length : typeof classes}`,
    );
  }
  classes.forEach((c, k) => {
    if (!Number.isInteger(c) || c < 0)
      throw new RangeError(`${fn}: classes[${k}] = ${c}; labels are integers ≥ 0`);
  });
  const count = Math.max(...classes) + 1;
  const covs = options.covariances;
  const byClass: (GaussianMixture | undefined)[] = [];
  const classWeights = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    const ks = classes.flatMap((label, k) => (label === c ? [k] : []));
    if (ks.length === 0) {
      byClass.push(undefined);
      continue;
    }
    for (const k of ks) classWeights[c]! += mixture.weights[k]!;
    if (!(classWeights[c]! > 0)) throw new RangeError(`${fn}: class ${c} has total weight 0`);
    byClass.push(
      gaussianMixture({
        weights: ks.map((k) => options.weights[k]!),
        means: ks.map((k) => options.means[k]!),
        covariances: typeof covs === "number" ? covs : ks.map((k) => covs[k]!),
      }),
    );
  }
  const classOf = (label: number, where: string): GaussianMixture => {
    if (label === -1) return mixture;
    const m = byClass[label];
    if (m === undefined) {
      throw new RangeError(`${where}: label ${label} has no component (classes are 0 … ${count - 1}, or −1)`);
    }
    return m;
  };

  const denoiser = (path: GaussianPath): Model => {
    const full = mixture.on(path);
    const parts = byClass.map((m) => m?.on(path));
    return {
      kind: "data",
      path,
      predict(xt: Float64Array, t: number, shape: Shape, cond?: Conditioning): Float64Array {
        const where = `${fn}.denoiser`;
        checkShape(where, "xt", xt, shape);
        checkConditioning(where, cond, shape.batch);
        const labels = cond?.labels;
        if (labels === undefined) return full.posteriorMean(t, xt);
        const { batch, dim } = shape;
        const out = new Float64Array(batch * dim);
        // Rows grouped by label: one oracle call per label present.
        for (const label of new Set(labels)) {
          classOf(label, where);
          const rows = [...labels.keys()].filter((i) => labels[i] === label);
          const x = new Float64Array(rows.length * dim);
          rows.forEach((i, r) => {
            x.set(xt.subarray(i * dim, (i + 1) * dim), r * dim);
          });
          const on = label === -1 ? full : parts[label]!;
          const mean = on.posteriorMean(t, x);
          rows.forEach((i, r) => {
            out.set(mean.subarray(r * dim, (r + 1) * dim), i * dim);
          });
        }
        return out;
      },
    };
  };

  const guidedScore = (path: GaussianPath, t: number, x: FloatArray, label: number, scale: number) => {
    const c = classOf(label, `${fn}.guidedScore`).on(path).score(t, x);
    const u = mixture.on(path).score(t, x);
    const out = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) out[i] = scale * c[i]! + (1 - scale) * u[i]!;
    return out;
  };

  return { mixture, byClass, classWeights, denoiser, guidedScore };
}
