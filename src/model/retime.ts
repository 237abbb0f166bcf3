/**
 * Serving a model trained on one affine path under another (Kingma et al. 2021, §3.3: the diffusion
 * loss is invariant to the schedule between its log-SNR end points; Karras et al. 2022, §4: any
 * schedule is a reparameterization of time and scale).
 */
import type { Shape } from "../array.js";
import { type Kind, affineCombine, checkKind, pairCoefficients } from "../convert/kernel.js";
import { basisOf } from "../convert/convert.js";
import { type Conditioning, type Model, predict } from "./model.js";
import { type NoiseLevel, levelLogSnr } from "../schedule/schedule.js";
import type { AffinePath } from "../path/affine.js";
import type { GaussianPath } from "../path/path.js";

function asAffine(fn: string, name: string, path: GaussianPath): AffinePath {
  if (path?.kind !== "affine" || !("schedule" in path)) {
    throw new TypeError(
      `${fn}: ${name} must be an affine path (affinePath(schedule)); bridge paths cannot be retimed by log-SNR`,
    );
  }
  return path as AffinePath;
}

/**
 * The level of `from` matching `level` of another path by equal log-SNR, and the scale r = α_from/α_to
 * (= σ_from/σ_to) that maps x on the other path to x on `from`: x_from = r·x_to.
 * Throws when the log-SNR lies outside `from`'s range.
 */
export function matchLevel(from: AffinePath, level: NoiseLevel): { level: NoiseLevel; scale: number } {
  const t = from.schedule.timeAtLogSnr(levelLogSnr(level));
  const matched = from.schedule.at(t);
  const scale = level.alpha > 0 ? matched.alpha / level.alpha : matched.sigma / level.sigma;
  return { level: matched, scale };
}

/**
 * Retimes `model` (trained on an affine path) onto `toPath`: at time t of the new path with level
 * (α, σ), it queries the model at the time t' of equal log-SNR λ on its own path with x' = r·x
 * (r = α'/α), then converts the prediction exactly to kind `kind` (default: the model's kind) at the
 * new level. Every kind works (flow-matching libraries retime velocity only). Drift models are not
 * retimed (their g² is path-specific).
 * value_new = p·value' + q·x' with (p, q) from the (data, noise) basis (convert/kernel.ts).
 */
export function retime(
  model: Model,
  toPath: GaussianPath,
  options: { kind?: Exclude<Kind, "drift"> } = {},
): Model {
  const fromPath = asAffine("retime", "model.path", model.path);
  const target = asAffine("retime", "toPath", toPath);
  if (model.kind === "drift")
    throw new TypeError(
      "retime: drift models depend on their path's g²; retime a velocity or score model instead",
    );
  const kind = options.kind ?? model.kind;
  checkKind("retime", "options.kind", kind);
  return {
    kind,
    path: target,
    async predict(xt: Float64Array, t: number, shape: Shape, cond?: Conditioning): Promise<Float64Array> {
      const level = target.schedule.at(t);
      const { level: matched, scale } = matchLevel(fromPath, level);
      const xFrom = new Float64Array(xt.length);
      for (let i = 0; i < xt.length; i++) xFrom[i] = scale * xt[i]!;
      const value = await predict(model, xFrom, matched.t, shape, cond);
      const [p, q] = pairCoefficients(
        "retime",
        model.kind,
        kind,
        basisOf(model.kind, matched),
        basisOf(kind, level),
        matched,
      );
      return affineCombine("retime", value, xFrom, p, q);
    },
  };
}
