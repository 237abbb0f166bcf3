/**
 * Serving a model trained on one path with scalar levels (an affine path) under another (Kingma et al. 2021, §3.3: the diffusion
 * loss is invariant to the schedule between its log-SNR end points; Karras et al. 2022, §4: any
 * schedule is a reparameterization of time and scale).
 */
import type { Shape } from "../array.js";
import { type Kind, affineCombine, checkKind, pairCoefficients } from "../convert/kernel.js";
import { basisOf } from "../convert/convert.js";
import { type Conditioning, type Model, predict } from "./model.js";
import { type NoiseLevel, levelLogSnr } from "../schedule/schedule.js";
import type { GaussianPath } from "../path/path.js";

/** The scalar level of `path` at t, or a TypeError naming `name` (bridge slices have matrix levels). */
function levelOf(fn: string, name: string, path: GaussianPath, t: number): NoiseLevel {
  const level = path.slice(t).level;
  if (level === undefined) {
    throw new TypeError(
      `${fn}: ${name} has no scalar level at t = ${t} (a bridge path); only paths with scalar levels (affine paths) can be retimed by log-SNR`,
    );
  }
  return level;
}

/**
 * The level of `from` matching `level` of another path by equal log-SNR, and the scale r = α_from/α_to
 * (= σ_from/σ_to) that maps x on the other path to x on `from`: x_from = r·x_to.
 * Throws when the log-SNR lies outside `from`'s range, or when `from` has no scalar levels.
 */
export function matchLevel(from: GaussianPath, level: NoiseLevel): { level: NoiseLevel; scale: number } {
  const t = from.timeAtLogSnr(levelLogSnr(level));
  const matched = levelOf("matchLevel", "the path", from, t);
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
  const fromPath = model.path;
  const target = toPath;
  for (const [name, path] of [
    ["model.path", fromPath],
    ["toPath", target],
  ] as const) {
    if (path === null || typeof path !== "object" || typeof path.slice !== "function") {
      throw new TypeError(`retime: ${name} must be a GaussianPath`);
    }
    levelOf("retime", name, path, path.tMax);
  }
  if (model.kind === "drift")
    throw new TypeError(
      "retime: drift models depend on their path's g²; retime a velocity or score model instead",
    );
  const kind = options.kind ?? model.kind;
  checkKind("retime", "options.kind", kind);
  return {
    kind,
    path: target,
    ...(model.precision === undefined ? {} : { precision: model.precision }),
    async predict(xt: Float64Array, t: number, shape: Shape, cond?: Conditioning): Promise<Float64Array> {
      const level = levelOf("retime", "toPath", target, t);
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
