/**
 * Rebuilding a path from its JSON `spec` (checkpoints, CLI): the inverse of `path.spec` for affine
 * paths and for bridge paths whose SDE coefficients are data.
 */
import { gaussian } from "../math/gaussian.js";
import { scheduleFromSpec } from "../schedule/spec.js";
import type { ScheduleSpec } from "../schedule/schedule.js";
import type { SdeSpec } from "../sde/sde.js";
import { sdeFromSpec } from "../sde/spec.js";
import { affinePath } from "./affine.js";
import { bridgePath } from "./bridge/bridgePath.js";
import { DiffusionModelComponents } from "./bridge/components.js";
import type { GaussianPath } from "./path.js";

/** A matrix in JSON: number (c·I), number[] (diagonal) or number[][] (dense rows). */
export type MatJson = number | readonly number[] | readonly (readonly number[])[];

const copy = (m: MatJson): number | number[] | number[][] =>
  typeof m === "number"
    ? m
    : ((m as readonly (number | readonly number[])[]).map((r) => (typeof r === "number" ? r : [...r])) as
        | number[]
        | number[][]);

/** JSON description of a path (`path.spec`). */
export type PathSpec =
  | { readonly type: "affine"; readonly schedule: ScheduleSpec }
  | {
      readonly type: "bridge";
      readonly sde: SdeSpec;
      readonly t0: number;
      readonly t1: number;
      readonly priorMean: readonly number[];
      /** A variance (isotropic), variances (diagonal) or rows (dense), as `matToJson` writes them. */
      readonly priorCov: MatJson;
      readonly evidenceCov: MatJson;
    };

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
        new DiffusionModelComponents({
          linearSde: sdeFromSpec(spec.sde),
          t0: spec.t0,
          priorAtT0: gaussian({ mean: [...spec.priorMean], cov: copy(spec.priorCov) }),
          t1: spec.t1,
          evidenceCov: copy(spec.evidenceCov),
        }),
      );
    default:
      throw new TypeError(
        `pathFromSpec: unknown path type ${JSON.stringify((spec as { type?: unknown }).type)}; expected "affine" or "bridge"`,
      );
  }
}
