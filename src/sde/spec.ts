/**
 * Rebuilds a linear SDE from its JSON `spec` (checkpoints): the inverse of `sde.spec` for every SDE
 * whose coefficients are data; a `linearSde` spec (coefficient functions) cannot be rebuilt.
 */
import { brownianMotion } from "./brownianMotion.js";
import { criticallyDampedLangevin } from "./criticallyDampedLangevin.js";
import { linearTimeInvariantSde } from "./lti.js";
import { ornsteinUhlenbeck } from "./ornsteinUhlenbeck.js";
import type { LinearSde, SdeSpec } from "./sde.js";
import { timeScaledSde } from "./timeScaled.js";
import { variancePreservingSde } from "./variancePreserving.js";

/** Deepest nesting of `timeScaled` specs rebuilt (a real spec nests 1 or 2 deep). */
export const MAX_SDE_SPEC_DEPTH = 16;

/**
 * The SDE described by `spec` (throws for `linearSde`, whose F(t), u(t), L(t) are code, not data).
 * A spec nesting `timeScaled` deeper than MAX_SDE_SPEC_DEPTH is refused (RangeError) before it is
 * descended, so a hostile spec cannot exhaust the stack.
 */
export function sdeFromSpec(spec: SdeSpec): LinearSde {
  return fromSpec(spec, 0);
}

function fromSpec(spec: SdeSpec, depth: number): LinearSde {
  if (depth > MAX_SDE_SPEC_DEPTH) {
    throw new RangeError(
      `sdeFromSpec: spec nests more than ${MAX_SDE_SPEC_DEPTH} timeScaled SDEs; flatten it (multiply the gammas)`,
    );
  }
  switch (spec?.type) {
    case "brownianMotion":
      return brownianMotion(spec);
    case "ornsteinUhlenbeck":
      return ornsteinUhlenbeck(spec);
    case "variancePreserving":
      return variancePreservingSde(spec);
    case "timeScaled":
      return timeScaledSde(fromSpec(spec.base, depth + 1), spec.gamma);
    case "linearTimeInvariant":
      return linearTimeInvariantSde({ F: spec.F, L: spec.L, u: spec.u, dim: spec.dim });
    case "criticallyDampedLangevin":
      return criticallyDampedLangevin(spec);
    case "linearSde":
      throw new TypeError(
        `sdeFromSpec: spec "${spec.name}" is a time-varying linearSde whose coefficients are functions; rebuild it with linearSde({ F, u, L, dim }) in code`,
      );
    default:
      throw new TypeError(
        `sdeFromSpec: unknown spec type ${JSON.stringify((spec as { type?: unknown })?.type)}`,
      );
  }
}
