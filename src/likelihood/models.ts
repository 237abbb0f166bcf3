/**
 * Models re-expressed as another kind, keeping their Jacobian capabilities, and the Gaussian-mixture
 * oracle as a model with its closed-form divergence. A conversion value_to = P·value + Q·xₜ + c
 * (the slice's conversion map, path.ts) has Jacobian P·J + Q, so
 *   jvp_to(v) = P·(J·v) + Q·v,   divergence_to = tr(P·J) + tr(Q) = p·tr J + tr(Q)  (P = p·I).
 */
import type { Shape } from "../array.js";
import type { Kind } from "../convert/kernel.js";
import { type Mat, matVec, trace } from "../math/matrix.js";
import { type Conditioning, type Model, predict } from "../model/model.js";
import type { GaussianMixture } from "../oracle/mixture.js";
import type { GaussianPath } from "../path/path.js";
import type { JacobianModel } from "./divergence.js";

/** Options of `modelAsKind`. */
export interface ModelAsKindOptions {
  /** g²(t) of the new model when `kind` is "drift". */
  readonly g2?: (t: number) => number;
}

/**
 * The same model predicting `kind` instead: predict = convert(model.predict, model.kind → kind).
 * Keeps `jvp` (always) and `divergence` (only when P is a multiple of I, as on affine paths and
 * isotropic bridges; a dense bridge drops it, so the likelihood falls back to JVP or finite
 * differences). Throws where the conversion is singular, naming the time.
 */
export function modelAsKind(
  model: JacobianModel,
  kind: Kind,
  options: ModelAsKindOptions = {},
): JacobianModel {
  const fn = "modelAsKind";
  if (model === null || typeof model !== "object" || typeof model.predict !== "function") {
    throw new TypeError(`${fn}: model must be a Model { kind, path, predict }`);
  }
  if (model.kind === "drift" && kind === "drift") {
    throw new RangeError(
      `${fn}: the model already predicts drift; converting drift(g²) to drift(g²') is not supported — convert to velocity first`,
    );
  }
  if (kind === "drift" && typeof options.g2 !== "function") {
    throw new TypeError(`${fn}: kind "drift" needs options.g2, the g²(t) of the new model`);
  }
  const g2At = (t: number): number | undefined =>
    model.kind === "drift" ? model.g2(t) : kind === "drift" ? options.g2!(t) : undefined;
  const path = model.path;
  const mapAt = (t: number) => path.slice(t).conversion(model.kind, kind, g2At(t));
  // tr J gives the new divergence only when P is a multiple of I; that is structural (affine paths,
  // isotropic bridges), so one slice decides whether the capability is kept.
  const scalarConversion = mapAt((path.tMin + path.tMax) / 2).P.kind === "scalar";
  const applyRows = (m: Mat, v: Float64Array, d: number, out: Float64Array, add: boolean): void => {
    const row = new Float64Array(d);
    for (let o = 0; o < v.length; o += d) {
      matVec(m, v, row, o, 0, d);
      for (let j = 0; j < d; j++) out[o + j] = (add ? out[o + j]! : 0) + row[j]!;
    }
  };
  const base = {
    path,
    async predict(xt: Float64Array, t: number, shape: Shape, cond?: Conditioning): Promise<Float64Array> {
      const value = await predict(model, xt, t, shape, cond);
      const g2 = g2At(t);
      return path.slice(t).convert(value, model.kind, kind, xt, g2 === undefined ? {} : { g2 });
    },
    ...(typeof model.jvp === "function"
      ? {
          async jvp(
            xt: Float64Array,
            t: number,
            shape: Shape,
            tangent: Float64Array,
            cond?: Conditioning,
          ): Promise<Float64Array> {
            const jv = await model.jvp!(xt, t, shape, tangent, cond);
            const { P, Q } = mapAt(t);
            const out = new Float64Array(jv.length);
            applyRows(P, Float64Array.from(jv), shape.dim, out, false);
            applyRows(Q, tangent, shape.dim, out, true);
            return out;
          },
        }
      : {}),
    ...(typeof model.divergence === "function" && scalarConversion
      ? {
          async divergence(
            xt: Float64Array,
            t: number,
            shape: Shape,
            cond?: Conditioning,
          ): Promise<Float64Array> {
            const { P, Q } = mapAt(t);
            if (P.kind !== "scalar") {
              throw new RangeError(
                `${fn}(${model.kind} → ${kind}).divergence: the conversion at t = ${t} is matrix-valued, so tr J alone does not give the new divergence — use jvp or finite differences`,
              );
            }
            const div = await model.divergence!(xt, t, shape, cond);
            const trQ = trace(Q, shape.dim);
            return Float64Array.from(div, (v) => P.value * v + trQ);
          },
        }
      : {}),
  };
  if (kind === "drift") return { ...base, kind, g2: options.g2! };
  return { ...base, kind };
}

/**
 * The exact Gaussian-mixture oracle on `path` as a model of `kind` (default "data") with its
 * closed-form divergence tr ∂E[data | xₜ]/∂xₜ (oracle/mixture.ts), converted by `modelAsKind`.
 */
export function mixtureModel(
  mixture: GaussianMixture,
  path: GaussianPath,
  kind: Kind = "data",
  options: ModelAsKindOptions = {},
): JacobianModel {
  const on = mixture.on(path);
  const dataModel: JacobianModel = {
    ...on.denoiser,
    divergence: (xt: Float64Array, t: number, _shape: Shape) => on.posteriorMeanDivergence(t, xt),
  } as Model & JacobianModel;
  return kind === "data" ? dataModel : modelAsKind(dataModel, kind, options);
}
