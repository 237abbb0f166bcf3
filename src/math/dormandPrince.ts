/**
 * The Dormand–Prince 5(4) tableau, in one place for every solver that uses it (the synchronous moment
 * ODE solver sde/ode.ts and the async integrator math/integrate.ts).
 *
 * Seven stages with FSAL (the 7th stage is f at the new point, reused as the next step's first):
 *   kᵢ = f(t + cᵢh, y + h·Σⱼ aᵢⱼkⱼ),   y₁ = y + h·Σᵢ bᵢkᵢ (order 5, local extrapolation),
 *   error estimate h·Σᵢ eᵢkᵢ with e = b − b̂ (b̂ the embedded order-4 weights),
 *   dense output y(t + θh) = y + h·Σᵢ kᵢ·(Pᵢ₀θ + Pᵢ₁θ² + Pᵢ₂θ³ + Pᵢ₃θ⁴) (order 4).
 * Source: Dormand & Prince (1980), J. Comp. Appl. Math. 6(1), Table 2; dense output: Shampine (1986),
 * Math. Comp. 46(173) (the coefficients scipy's RK45 uses).
 */

/** Nodes cᵢ of the six stages of one step (the 7th, FSAL stage is at c = 1). */
export const DOPRI_C: readonly number[] = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1];

/** Coupling coefficients aᵢⱼ (row i lists j < i). */
export const DOPRI_A: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];

/** Fifth-order weights bᵢ (the 7th weight is 0, so the new point needs only the six stages). */
export const DOPRI_B: readonly number[] = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];

/** Error weights eᵢ = bᵢ − b̂ᵢ over the seven stages (the 7th is f at the new point, FSAL). */
export const DOPRI_E: readonly number[] = [
  -71 / 57600,
  0,
  71 / 16695,
  -71 / 1920,
  17253 / 339200,
  -22 / 525,
  1 / 40,
];

/** Dense-output polynomial coefficients Pᵢ = [Pᵢ₀, Pᵢ₁, Pᵢ₂, Pᵢ₃] per stage (seven stages). */
export const DOPRI_P: readonly (readonly number[])[] = [
  [1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
  [0, 0, 0, 0],
  [0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
  [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
  [0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632],
  [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
  [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
];

/** Order of the solution the step keeps (5) and of the embedded estimate (4). */
export const DOPRI_ORDER = 5;

/**
 * Dense output inside one accepted step: y(t + θh) = y + h·Σᵢ kᵢ·(Pᵢ₀θ + Pᵢ₁θ² + Pᵢ₂θ³ + Pᵢ₃θ⁴),
 * θ ∈ [0, 1], from the step's start `y`, signed step `h` and seven stages `k` (k[6] = f at the end).
 * Writes into `out` (length y.length) and returns it. Order 4, continuous across steps.
 */
export function dopriInterpolate(
  y: Float64Array,
  k: readonly Float64Array[],
  h: number,
  theta: number,
  out: Float64Array = new Float64Array(y.length),
): Float64Array {
  out.set(y);
  const th2 = theta * theta;
  const th3 = th2 * theta;
  const th4 = th3 * theta;
  for (let j = 0; j < 7; j++) {
    const p = DOPRI_P[j]!;
    const w = h * (p[0]! * theta + p[1]! * th2 + p[2]! * th3 + p[3]! * th4);
    if (w === 0) continue;
    const kj = k[j]!;
    for (let i = 0; i < out.length; i++) out[i]! += w * kj[i]!;
  }
  return out;
}
