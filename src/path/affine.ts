/**
 * The affine Gaussian path of a schedule: xₜ = α(t)·data + σ(t)·noise, in any dimension.
 */
import { type FloatArray, checkFloatArray, checkSameLength, outFor } from "../array.js";
import { basisOf, convert } from "../convert/convert.js";
import { dataAndNoiseToXt } from "../convert/data.js";
import { type ConvertOptions, type Kind, affineCombine, checkG2 } from "../convert/kernel.js";
import { scalarMat } from "../math/matrix.js";
import type { NoiseLevel, Schedule, ScheduleSpec } from "../schedule/schedule.js";
import type { GaussianPath, PathSlice, Prior, Targets } from "./path.js";

/** A GaussianPath built from a schedule (the affine family), exposing the schedule. */
export interface AffinePath extends GaussianPath {
  readonly kind: "affine";
  readonly schedule: Schedule;
  readonly spec: { readonly type: "affine"; readonly schedule: ScheduleSpec };
  slice(t: number): AffineSlice;
}

/** A slice of an affine path: its NoiseLevel plus the PathSlice operations. */
export interface AffineSlice extends PathSlice {
  readonly level: NoiseLevel;
}

/**
 * The affine path of `schedule` (any dimension). slice(t).conditional = N(α·data, σ²·I);
 * the prior is N(0, σ(0)²·I) (exact when α(0) = 0; for VP/discrete schedules α(0) ≈ 0 and the
 * α(0)·data term is neglected, as every sampler does when it starts from σ(0)·noise).
 */
export function affinePath(schedule: Schedule): AffinePath {
  if (!schedule || typeof schedule.at !== "function")
    throw new TypeError("affinePath: schedule must be a Schedule");
  const level0 = schedule.at(0);
  const sigma0 = level0.sigma;
  const prior: Prior = {
    dim: undefined,
    sample<A extends FloatArray>(noise: A, _dim: number, out?: A): A {
      checkFloatArray("prior.sample", "noise", noise);
      const o = outFor("prior.sample", noise, out);
      for (let i = 0; i < noise.length; i++) o[i] = sigma0 * noise[i]!;
      return o;
    },
    logProb(x: FloatArray, dim: number): Float64Array {
      checkFloatArray("prior.logProb", "x", x);
      if (!Number.isInteger(dim) || dim < 1)
        throw new RangeError(`prior.logProb: dim must be a positive integer, got ${dim}`);
      if (x.length % dim !== 0)
        throw new RangeError(`prior.logProb: x has length ${x.length}, not a multiple of dim = ${dim}`);
      const n = x.length / dim;
      const out = new Float64Array(n);
      const c = -0.5 * dim * Math.log(2 * Math.PI * sigma0 * sigma0);
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (let j = 0; j < dim; j++) q += x[i * dim + j]! ** 2;
        out[i] = c - (0.5 * q) / (sigma0 * sigma0);
      }
      return out;
    },
  };
  return {
    kind: "affine",
    name: schedule.name,
    dim: undefined,
    tMin: schedule.tMin,
    tMax: schedule.tMax,
    schedule,
    prior,
    spec: { type: "affine", schedule: schedule.spec },
    slice: (t: number) => affineSlice(schedule.at(t)),
  };
}

/** The PathSlice of one NoiseLevel (also used for levels that are not on a schedule's grid). */
export function affineSlice(level: NoiseLevel): AffineSlice {
  return {
    t: level.t,
    level,
    conditional: { A: scalarMat(level.alpha), b: null, cov: scalarMat(level.sigma * level.sigma) },
    convert<A extends FloatArray>(value: A, from: Kind, to: Kind, xt: A, options?: ConvertOptions<A>): A {
      return convert(value, from, to, xt, level, options);
    },
    sample<A extends FloatArray>(data: A, noise: A, out?: A): A {
      return dataAndNoiseToXt(data, noise, level, out);
    },
    targets<A extends FloatArray>(data: A, noise: A, options: { g2?: number } = {}): Targets<A> {
      checkFloatArray("targets", "data", data);
      checkFloatArray("targets", "noise", noise);
      checkSameLength("targets", "data", data, "noise", noise);
      const xt = dataAndNoiseToXt(data, noise, level);
      // Every kind is a·data + b·noise in the (data, noise) basis: the hub's one kernel.
      const of = (kind: Kind): A => {
        const [a, b] = basisOf(kind, level, options.g2);
        return affineCombine("targets", data, noise, a, b);
      };
      const base = {
        xt,
        data: of("data"),
        noise: of("noise"),
        score: of("score"),
        velocity: of("velocity"),
        v: of("v"),
      };
      if (options.g2 === undefined) return base;
      checkG2("targets", options.g2);
      return { ...base, drift: of("drift") };
    },
  };
}
