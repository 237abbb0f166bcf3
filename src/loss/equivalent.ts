/**
 * Equivalent weights between kinds, and the weight a weighting gives the trained kind.
 *
 * At fixed xₜ every kind is affine in every other: value_B = p·value_A + q·xₜ (convert/kernel.ts). An
 * error δ on a prediction of kind A is therefore an error p·δ on the implied prediction of kind B, and
 *   ‖B̂ − B‖² = p²·‖Â − A‖²,   p = ∂value_B/∂value_A (the p of conversionCoefficients(A, B, level)).
 * So a loss "w·‖B̂ − B‖²" stated on B is, trained on A, the loss "w·p²·‖Â − A‖²". Examples: data → noise
 * p = −α/σ, so ‖ε̂ − ε‖² = SNR·‖x̂₀ − x₀‖²; v → data on a VP path p = −σ, so ‖x̂₀ − x₀‖² = σ²‖v̂ − v‖².
 * Factors compose (p_AC = p_AB·p_BC) and p_AA = 1.
 *
 * On any path the factor comes from the slice's conversion map (path.ts): λ = log(α²/σ²) when the
 * conditional xₜ | data ~ N(α·data + b, σ²·I) is isotropic, and p when the conversion's P is a multiple
 * of the identity; otherwise a λ-weighting cannot be evaluated there and `lossWeight` throws — weight
 * such paths per time (`timeWeighting`, `uniformWeighting`).
 */
import { conversionCoefficients } from "../convert/convert.js";
import { type Kind, checkKind } from "../convert/kernel.js";
import type { Mat } from "../math/matrix.js";
import type { PathSlice } from "../path/path.js";
import type { NoiseLevel } from "../schedule/schedule.js";
import type { Weighting } from "./weighting.js";

/**
 * The factor p² with ‖value_to error‖² = p²·‖value_from error‖² at `level` (file header); p from
 * conversionCoefficients(fromKind, toKind, level). equivalentWeight(A, A) = 1. `options.g2` is needed
 * for `drift`. Singular where the conversion is (e.g. data → noise at σ = 0): throws naming the pair.
 */
export function equivalentWeight(
  fromKind: Kind,
  toKind: Kind,
  level: NoiseLevel,
  options: { g2?: number } = {},
): number {
  checkKind("equivalentWeight", "fromKind", fromKind);
  checkKind("equivalentWeight", "toKind", toKind);
  try {
    const [p] = conversionCoefficients(fromKind, toKind, level, options);
    return p * p;
  } catch (e) {
    if (e instanceof RangeError)
      throw new RangeError(`equivalentWeight(${fromKind} → ${toKind}): ${e.message}`);
    throw e;
  }
}

/** The value c of c·I, or undefined when `m` is not a multiple of the identity. */
function multipleOfIdentity(m: Mat): number | undefined {
  if (m.kind === "scalar") return m.value;
  if (m.kind === "diagonal") {
    const c = m.values[0]!;
    return m.values.every((x) => x === c) ? c : undefined;
  }
  const d = m.dim;
  const c = m.values[0]!;
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) if (m.values[i * d + j] !== (i === j ? c : 0)) return undefined;
  return c;
}

/**
 * λ = log(α²/σ²) of a slice whose conditional is N(α·data + b, σ²·I): one (α, σ) for every coordinate
 * (file header). ±∞ at the ends. Throws for per-coordinate or matrix-valued conditionals.
 */
export function sliceLogSnr(fn: string, slice: PathSlice): number {
  const levels = slice.coordinates();
  if (levels === null || levels.size !== 1) {
    throw new TypeError(
      `${fn}: the slice at t = ${slice.t} has a matrix-valued conditional (A or Σ is not a multiple of I), so it has no scalar log-SNR; weight it per time with timeWeighting(t => …) or uniformWeighting()`,
    );
  }
  return 2 * (Math.log(Math.abs(levels.alpha[0]!)) - Math.log(levels.sigma[0]!));
}

/**
 * p² between kinds on a slice, or undefined where the conversion is singular. Bridge slices need a
 * conversion that is a multiple of the identity (else throws).
 */
function sliceFactor(
  fn: string,
  slice: PathSlice,
  from: Kind,
  to: Kind,
  g2: number | undefined,
): number | undefined {
  let p: number | undefined;
  try {
    p = multipleOfIdentity(slice.conversion(from, to, g2).P);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  if (p === undefined) {
    throw new TypeError(
      `${fn}: at t = ${slice.t} the ${from} → ${to} conversion is a matrix, so a weighting stated on ${to} has no scalar weight on ${from}; train ${to} directly or use timeWeighting(t => …)`,
    );
  }
  return p * p;
}

/**
 * The per-sample loss weight `weighting` gives a squared error on `kind` at `slice`:
 *   time weightings: w(t);   λ- and level-weightings: their form on `kind` when they state one
 *   (data/noise; noise/score), else form_B · equivalentWeight(kind, B) for a base kind B.
 * The base is chosen so that limits are exact at SNR = 0 and ∞: data first where λ < 0 and noise first
 * where λ ≥ 0, skipping a base whose conversion is singular or whose product is 0·∞.
 * Throws naming the weighting, kind and time when no base gives a value.
 */
export function lossWeight(
  weighting: Weighting,
  kind: Kind,
  slice: PathSlice,
  options: { g2?: number } = {},
): number {
  const fn = "lossWeight";
  checkKind(fn, "kind", kind);
  let forms: Partial<Record<Kind, () => number>>;
  let order: Kind[];
  switch (weighting?.type) {
    case "time":
      return weighting.weight(slice.t);
    case "logSnr": {
      const lambda = sliceLogSnr(fn, slice);
      forms = { data: () => weighting.data(lambda), noise: () => weighting.noise(lambda) };
      order = lambda < 0 ? ["data", "noise"] : ["noise", "data"];
      break;
    }
    case "level": {
      const level = slice.level;
      if (level === undefined) {
        throw new TypeError(
          `${fn}: the ${weighting.name} weighting needs an affine level (α, σ, α', σ'); the bridge slice at t = ${slice.t} has none — use timeWeighting(t => …)`,
        );
      }
      forms = { noise: () => weighting.noise(level), score: () => weighting.score(level) };
      order = ["noise", "score"];
      break;
    }
    default:
      throw new TypeError(
        `${fn}: weighting must be a Weighting (uniformWeighting(), minSnrWeighting({ gamma }), …), got ${JSON.stringify((weighting as { type?: unknown })?.type)}`,
      );
  }
  const direct = forms[kind];
  if (direct !== undefined) return direct();
  for (const base of order) {
    const factor = sliceFactor(fn, slice, kind, base, options.g2);
    if (factor === undefined) continue;
    const w = forms[base]!() * factor;
    if (!Number.isNaN(w)) return w;
  }
  throw new RangeError(
    `${fn}: the ${weighting.name} weighting has no value on ${kind} at t = ${slice.t} (every equivalent form is singular or 0·∞ there); restrict the time density to [path.tMin, path.tMax]`,
  );
}
