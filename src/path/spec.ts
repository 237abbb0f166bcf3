/**
 * Rebuilding a path from its JSON `spec` (checkpoints, CLI): the inverse of `path.spec` for affine
 * paths and for bridge paths whose SDE coefficients are data.
 */
import { gaussian } from "../math/gaussian.js";
import { scheduleFromSpec } from "../schedule/spec.js";
import { sdeFromSpec } from "../sde/spec.js";
import { affinePath } from "./affine.js";
import { Bridge } from "./bridge/bridge.js";
import { bridgePath } from "./bridge/bridgePath.js";
import type { GaussianPath, MatJson, PathSpec } from "./path.js";

const copy = (m: MatJson): number | number[] | number[][] =>
  typeof m === "number"
    ? m
    : ((m as readonly (number | readonly number[])[]).map((r) => (typeof r === "number" ? r : [...r])) as
        | number[]
        | number[][]);

/**
 * The path described by `spec`. Throws a TypeError naming the problem for an unknown type, a custom
 * schedule or a time-varying SDE given as code.
 */
export function pathFromSpec(spec: PathSpec): GaussianPath {
  if (spec === null || typeof spec !== "object")
    throw new TypeError("pathFromSpec: spec must be a path spec object");
  switch (spec.type) {
    case "affine":
      return affinePath(scheduleFromSpec(spec.schedule));
    case "bridge":
      return bridgePath(
        new Bridge(
          {
            sde: sdeFromSpec(spec.sde),
            t0: spec.t0,
            prior: gaussian({ mean: [...spec.priorMean], cov: copy(spec.priorCov) }),
            t1: spec.t1,
            evidenceCov: copy(spec.evidenceCov),
          },
          "pathFromSpec",
        ),
      );
    default:
      throw new TypeError(
        `pathFromSpec: unknown path type ${JSON.stringify((spec as { type?: unknown }).type)}; expected "affine" or "bridge"`,
      );
  }
}
