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

/** Deepest nesting of `shifted` specs rebuilt (a real spec nests 1 or 2 deep). */
export const MAX_SCHEDULE_SPEC_DEPTH = 16;

/**
 * Rebuilds a schedule from its JSON `spec` (checkpoints, CLI). Custom schedules hold user functions
 * and cannot be rebuilt: they throw. A spec nesting `shifted` deeper than MAX_SCHEDULE_SPEC_DEPTH is
 * refused (RangeError) before it is descended, so a hostile spec cannot exhaust the stack.
 */
export function scheduleFromSpec(spec: ScheduleSpec): Schedule {
  return fromSpec(spec, 0);
}

function fromSpec(spec: ScheduleSpec, depth: number): Schedule {
  if (!spec || typeof spec !== "object")
    throw new TypeError("scheduleFromSpec: spec must be a ScheduleSpec object");
  if (depth > MAX_SCHEDULE_SPEC_DEPTH) {
    throw new RangeError(
      `scheduleFromSpec: spec nests more than ${MAX_SCHEDULE_SPEC_DEPTH} shifted schedules; flatten it (compose the shifts into one)`,
    );
  }
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
        fromSpec(spec.base, depth + 1),
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
