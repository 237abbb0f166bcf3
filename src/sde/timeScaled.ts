/**
 * Time scaling x̃(t) = x(γt) of a linear SDE: F̃(t) = γF(γt), ũ(t) = γu(γt), L̃(t) = √γ·L(γt)
 * (Λ̃ = γΛ(γt)), and p(x̃_t | x̃_s) = p(x_{γt} | x_{γs}). Maps [0, 1] onto the base SDE's [0, γ].
 */
import { scale } from "../math/matrix.js";
import { type LinearSde, checkParam } from "./sde.js";

/** The SDE of x̃(t) = x(γt) for γ > 0 (file header); transitions reuse the base SDE's, same solver. */
export function timeScaledSde(sde: LinearSde, gamma: number): LinearSde {
  const fn = "timeScaledSde";
  if (sde === null || typeof sde !== "object" || typeof sde.transition !== "function") {
    throw new TypeError(`${fn}: sde must be a LinearSde (e.g. ornsteinUhlenbeck({ ... }))`);
  }
  checkParam(fn, "gamma", gamma, (x) => x > 0, "a finite number > 0");
  const scaled = (times: readonly number[]): number[] => times.map((t) => gamma * t);
  return {
    name: `timeScaled(${sde.name}, ${gamma})`,
    dim: sde.dim,
    spec: { type: "timeScaled", base: sde.spec, gamma },
    solver: sde.solver,
    params: (t) => {
      const p = sde.params(gamma * t);
      return {
        F: scale(p.F, gamma),
        u: p.u.map((x) => gamma * x),
        L: scale(p.L, Math.sqrt(gamma)),
        Lambda: scale(p.Lambda, gamma),
      };
    },
    transition: (s, t) => sde.transition(gamma * s, gamma * t),
    transitionsFrom: (s, times) => sde.transitionsFrom(gamma * s, scaled(times)),
    transitionsTo: (times, t) => sde.transitionsTo(scaled(times), gamma * t),
  };
}
