/**
 * The affine Gaussian path of a schedule: xₜ = α(t)·data + σ(t)·noise, in any dimension. Every
 * conversion is the hub's scalar formula (convert/kernel.ts); the per-coordinate view is one (α, σ).
 */
import { type FloatArray, checkFloatArray, checkSameLength, outFor } from "../array.js";
import { basisOf, conversionCoefficients, convert } from "../convert/convert.js";
import { dataAndNoiseToXt } from "../convert/data.js";
import { type ConvertOptions, type Kind, affineCombine, checkG2 } from "../convert/kernel.js";
import { scalarMat } from "../math/matrix.js";
import type { NoiseLevel, Schedule, ScheduleSpec } from "../schedule/schedule.js";
import type { LogSnr, Time } from "../time.js";
import type { ConversionMap, CoordinateLevels, GaussianPath, PathSlice, Prior, Targets } from "./path.js";

/** A GaussianPath built from a schedule (the affine family), exposing the schedule. */
export interface AffinePath extends GaussianPath {
  readonly schedule: Schedule;
  readonly spec: { readonly type: "affine"; readonly schedule: ScheduleSpec };
  slice(t: number): AffineSlice;
  slices(times: ArrayLike<number>): AffineSlice[];
}

/** A slice of an affine path: its NoiseLevel plus the PathSlice operations. */
export interface AffineSlice extends PathSlice {
  readonly level: NoiseLevel;
}

/** The prior N(0, σ0²·I) of an affine path (any dimension). */
function isotropicPrior(sigma0: number): Prior {
  return {
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
}

/**
 * The affine path of `schedule` (any dimension). slice(t).conditional = N(α·data, σ²·I);
 * the prior is N(0, σ(0)²·I) (exact when α(0) = 0; for VP/discrete schedules α(0) ≈ 0 and the
 * α(0)·data term is neglected, as every sampler does when it starts from σ(0)·noise). On VE/EDM
 * (σ(1) = σmin > 0) the data end is the level (α(1), σ = 0) beyond t = 1.
 */
export function affinePath(schedule: Schedule): AffinePath {
  if (!schedule || typeof schedule.at !== "function")
    throw new TypeError("affinePath: schedule must be a Schedule");
  const one = schedule.at(1);
  const dataEnd =
    one.sigma === 0
      ? affineSlice(one)
      : affineSlice({ t: 1, alpha: one.alpha, sigma: 0, dAlpha: one.dAlpha, dSigma: one.dSigma });
  const slice = (t: number): AffineSlice => affineSlice(schedule.at(t));
  return {
    name: schedule.name,
    dim: undefined,
    tMin: schedule.tMin,
    tMax: schedule.tMax,
    schedule,
    prior: isotropicPrior(schedule.at(0).sigma),
    spec: { type: "affine", schedule: schedule.spec },
    slice,
    slices: (times) => Array.from(times, slice),
    logSnr: (t: Time) => schedule.logSnr(t) as LogSnr,
    timeAtLogSnr: (lambda: LogSnr) => schedule.timeAtLogSnr(lambda),
    g2: (t: Time) => scalarMat(schedule.sde(t).g2),
    dataEnd,
    trainSteps: schedule.trainSteps,
  };
}

/** The PathSlice of one NoiseLevel (also used for levels that are not on a schedule's grid). */
export function affineSlice(level: NoiseLevel): AffineSlice {
  let coordinates: CoordinateLevels | undefined;
  return {
    t: level.t,
    level,
    conditional: { A: scalarMat(level.alpha), b: null, cov: scalarMat(level.sigma * level.sigma) },
    coordinates(): CoordinateLevels {
      coordinates ??= {
        t: level.t,
        size: 1,
        alpha: Float64Array.of(level.alpha),
        sigma: Float64Array.of(level.sigma),
        offset: null,
      };
      return coordinates;
    },
    conversion(from: Kind, to: Kind, g2?: number): ConversionMap {
      const [p, q] = conversionCoefficients(from, to, level, g2 === undefined ? {} : { g2 });
      return { P: scalarMat(p), Q: scalarMat(q), c: null };
    },
    convert<A extends FloatArray>(value: A, from: Kind, to: Kind, xt: A, options?: ConvertOptions<A>): A {
      return convert(value, from, to, xt, level, options);
    },
    sample<A extends FloatArray>(data: A, noise: A, out?: A): A {
      return dataAndNoiseToXt(data, noise, level, out);
    },
    target<A extends FloatArray>(kind: Kind, data: A, noise: A, options: { g2?: number; out?: A } = {}): A {
      // value = a·data + b·noise in the (data, noise) basis.
      const [a, b] = basisOf(kind, level, options.g2);
      return affineCombine("target", data, noise, a, b, options.out);
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
