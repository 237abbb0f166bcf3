import { cosineSchedule } from "./cosine.js";
import { discreteSchedule } from "./discrete.js";
import { edmSchedule } from "./edm.js";
import { linearSchedule } from "./linear.js";
import { linearVpSchedule } from "./linearVp.js";
import { polynomialSchedule } from "./polynomial.js";
import type { Schedule, ScheduleSpec } from "./schedule.js";
import { shiftedSchedule } from "./shifted.js";
import { subVpSchedule, vpSchedule } from "./vp.js";
import { veSchedule } from "./ve.js";

/**
 * Rebuilds a schedule from its JSON `spec` (checkpoints, CLI). Custom schedules hold user functions
 * and cannot be rebuilt: they throw.
 */
export function scheduleFromSpec(spec: ScheduleSpec): Schedule {
  if (!spec || typeof spec !== "object")
    throw new TypeError("scheduleFromSpec: spec must be a ScheduleSpec object");
  switch (spec.family) {
    case "linear":
      return linearSchedule({ sigmaMin: spec.sigmaMin });
    case "cosine":
      return cosineSchedule();
    case "polynomial":
      return polynomialSchedule({ n: spec.n });
    case "linearVp":
      return linearVpSchedule();
    case "vp":
      return vpSchedule(spec);
    case "subVp":
      return subVpSchedule(spec);
    case "ve":
      return veSchedule(spec);
    case "edm":
      return edmSchedule(spec);
    case "discrete":
      return discreteSchedule({ alphasCumprod: spec.alphasCumprod });
    case "shifted":
      return shiftedSchedule(
        scheduleFromSpec(spec.base),
        spec.exponent === 1 ? { shift: spec.shift } : { mu: Math.log(spec.shift), exponent: spec.exponent },
      );
    case "custom":
      throw new TypeError(
        `scheduleFromSpec: custom schedule "${spec.name}" holds functions; rebuild it with customSchedule`,
      );
    default:
      throw new TypeError(
        `scheduleFromSpec: unknown family ${JSON.stringify((spec as { family: unknown }).family)}`,
      );
  }
}
