/**
 * The Dormand–Prince 5(4) method and difflux's one adaptive step controller: every adaptive ODE solve
 * (sampling with `dopri`, the likelihood, the bridge moment equations) runs `dopriSolve`, through the
 * synchronous or the asynchronous driver of math/integrate.ts.
 *
 * Tableau: seven stages with FSAL (the 7th stage is f at the new point, reused as the next step's first):
 *   kᵢ = f(t + cᵢh, y + h·Σⱼ aᵢⱼkⱼ),   y₁ = y + h·Σᵢ bᵢkᵢ (order 5, local extrapolation),
 *   error estimate h·Σᵢ eᵢkᵢ with e = b − b̂ (b̂ the embedded order-4 weights),
 *   dense output y(t + θh) = y + h·Σᵢ kᵢ·(Pᵢ₀θ + Pᵢ₁θ² + Pᵢ₂θ³ + Pᵢ₃θ⁴) (order 4).
 *
 * Step control: err = RMS over the components of h·Σᵢ eᵢkᵢ / (atolⱼ + rtolⱼ·max(|yⱼ|, |y₁ⱼ|)); a step is
 * accepted when err ≤ 1, and the next |h| is |h|·min(maxFactor, max(minFactor, safety·err^(−1/5)))
 * (maxFactor = 1 right after a rejection). The first step is the starting-step heuristic: with
 * d₀ = ‖y₀‖, d₁ = ‖f₀‖ in the same scaled norm, h₀ = 0.01·d₀/d₁ (10⁻⁶ if d₀ or d₁ < 10⁻⁵), one explicit
 * Euler probe d₂ = ‖f(t₀ + h₀, y₀ + h₀f₀) − f₀‖/h₀, h₁ = (0.01/max(d₁, d₂))^(1/5), h = min(100·h₀, h₁).
 * Non-finite values: f at the start must be finite (an error otherwise); later a non-finite stage
 * makes err NaN, which rejects the step and shrinks h by minFactor, so the solver backs away from
 * where the field blows up; if h then underflows, the error says the field was not finite there.
 *
 * A batch of `rows` rows (the state is rows × width) is stepped in one of two ways:
 *   "shared"  one error norm over the whole state, one step sequence for every row (any step sizes);
 *   "perRow"  each row its own error norm and step sequence, so a row's result does not depend on the
 *             other rows in the batch. Steps are block steps: |h| = |t₁ − t₀|·2⁻ᵏ, starting at a
 *             multiple of |h| from t₀ (the controller's proposal rounded down to the largest such
 *             step). Rows at the same time proposing the same step share one right-hand-side call, so
 *             the batch stays vectorized; the earliest rows are advanced first so rows meet again.
 * Sources: Dormand & Prince (1980), J. Comp. Appl. Math. 6(1), Table 2; Hairer, Nørsett & Wanner, Solving
 * Ordinary Differential Equations I, §II.4 (step control, starting step); dense output: Shampine (1986),
 * Math. Comp. 46(173); block steps: Makino (1991), Publ. Astron. Soc. Japan 43, 859.
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

/** How the steps of a batch are chosen (file header). */
export type StepControl = "shared" | "perRow";

/** Validated settings of `dopriSolve` (math/integrate.ts resolves them from an `AdaptiveSolver`). */
export interface DopriSettings {
  /** One relative tolerance, or one per component of the whole state. */
  readonly rtol: number | Float64Array;
  /** One absolute tolerance, or one per component of the whole state. */
  readonly atol: number | Float64Array;
  /** Most attempted steps of one controller (a row under "perRow", the batch under "shared"). */
  readonly maxSteps: number;
  /** First |h|: one for every row or one per row; undefined: the starting-step heuristic. */
  readonly initialStep: number | Float64Array | undefined;
  /** Largest |h|. */
  readonly maxStep: number;
  readonly safety: number;
  readonly minFactor: number;
  readonly maxFactor: number;
  readonly control: StepControl;
}

/** What `onStep` receives after every accepted step. */
export interface StepInfo {
  /** Time at the end of the step. */
  readonly t: number;
  /** The rows that took the step (all rows under "shared" and on fixed grids). */
  readonly rows: Int32Array;
  /** Their state at `t`, rows.length × width (do not modify). */
  readonly y: Float64Array;
  /** Signed size of the step just taken. */
  readonly h: number;
  /** Right-hand-side calls so far. */
  readonly nfe: number;
}

/**
 * What a solve asks of its driver: f at (t, y) for `rows` (y holds those rows, rows.length × width;
 * the answer has the same layout), or to report an accepted step.
 */
export type OdeRequest =
  | {
      readonly kind: "evaluate";
      readonly t: number;
      readonly y: Float64Array;
      readonly rows: Int32Array;
    }
  | { readonly kind: "accepted"; readonly info: StepInfo };

/** The end of a solve. */
export interface OdeOutcome {
  /** y(t₁). */
  readonly y: Float64Array;
  /** The state at each `saveAt` time, in the order given. */
  readonly saved: readonly Float64Array[];
  /** Right-hand-side calls (each evaluates some rows at one time). */
  readonly nfe: number;
  /** Accepted steps: the most of any row. */
  readonly accepted: number;
  /** Rejected steps: the most of any row (0 on a fixed grid). */
  readonly rejected: number;
  /** Right-hand-side evaluations of each row (its own NFE). */
  readonly evaluations: Int32Array;
  /** Signed step size each row would take next (to continue a solve on another interval). */
  readonly h: Float64Array;
}

/** A solve as a generator: yields requests, receives each evaluation's result, returns the outcome. */
export type OdeSolve = Generator<OdeRequest, OdeOutcome, Float64Array | undefined>;

/** Finest block step, as a fraction of |t₁ − t₀| (positions stay exact multiples of it). */
const FINEST_BLOCK = 2 ** -50;

/**
 * The right-hand side's answer, checked to be a Float64Array of `length` (throws naming `fn`).
 */
export function received(fn: string, f: unknown, length: number, t: number): Float64Array {
  if (!(f instanceof Float64Array) || f.length !== length) {
    throw new RangeError(
      `${fn}: the right-hand side returned ${f instanceof Float64Array ? `length ${f.length}` : String(f)} at t = ${t}; it must return a Float64Array of the length of the state it is given (${length})`,
    );
  }
  return f;
}

/** y + h·Σⱼ wⱼ·kⱼ (one Runge–Kutta stage or update; zero weights skipped) as a new array. */
export function combine(
  y: Float64Array,
  k: readonly Float64Array[],
  w: readonly number[],
  h: number,
): Float64Array {
  const out = Float64Array.from(y);
  for (let j = 0; j < w.length; j++) {
    const hw = h * w[j]!;
    if (hw === 0) continue;
    const kj = k[j]!;
    for (let i = 0; i < out.length; i++) out[i]! += hw * kj[i]!;
  }
  return out;
}

/**
 * Integrates y' = f(t, y) from (t0, y0) to t1 (either direction) with Dormand–Prince 5(4) under the
 * step control of the file header. `y0` holds `rows` rows; `saveAt` times (between t0 and t1, any
 * order) are filled from each step's dense output. Throws a RangeError naming `fn` on a non-finite f
 * at the start, a wrongly shaped evaluation, step-size underflow or more than `maxSteps` attempts.
 */
export function* dopriSolve(
  fn: string,
  y0: Float64Array,
  t0: number,
  t1: number,
  rows: number,
  s: DopriSettings,
  saveAt: readonly number[],
): OdeSolve {
  const perRow = s.control === "perRow";
  const width = rows === 0 ? 0 : y0.length / rows;
  // A controller ("unit") steps one row under "perRow", every row under "shared".
  const units = perRow ? rows : rows === 0 ? 0 : 1;
  const uw = perRow ? width : y0.length;
  const allRows = Int32Array.from({ length: rows }, (_, i) => i);
  const span = t1 - t0;
  const length = Math.abs(span);
  const dir = span >= 0 ? 1 : -1;
  /** Time at position q ∈ [0, 1] along [t0, t1] (exactly t1 at 1). */
  const timeAt = (q: number): number => (q === 1 ? t1 : t0 + span * q);
  const atolAt =
    typeof s.atol === "number" ? () => s.atol as number : (i: number) => (s.atol as Float64Array)[i]!;
  const rtolAt =
    typeof s.rtol === "number" ? () => s.rtol as number : (i: number) => (s.rtol as Float64Array)[i]!;
  /** A step fraction the controller may take from position q: a block step under "perRow". */
  const allowed = (desired: number, q: number): number => {
    const d = Math.min(desired, s.maxStep / length);
    if (!perRow) return d;
    // The largest power of two ≤ d (below FINEST_BLOCK: underflow), then aligned with q. The slack
    // keeps a bound computed as span/2ᵏ in floating point (e.g. maxStep) from losing a level.
    let b = 1;
    while (!(b <= d * (1 + 1e-12)) && b >= FINEST_BLOCK) b /= 2;
    while (q % b !== 0) b /= 2;
    return b;
  };

  const y = Float64Array.from(y0);
  const f = new Float64Array(y.length);
  const position = new Float64Array(units);
  const fraction = new Float64Array(units);
  const lastRejected = new Uint8Array(units);
  const nonFinite = new Uint8Array(units);
  const acceptedOf = new Int32Array(units);
  const rejectedOf = new Int32Array(units);
  const evaluations = new Int32Array(rows);
  let nfe = 0;
  const rowsOf = (group: Int32Array): Int32Array => (perRow ? group : allRows);
  function* evaluate(
    t: number,
    ys: Float64Array,
    group: Int32Array,
  ): Generator<OdeRequest, Float64Array, Float64Array | undefined> {
    const r = rowsOf(group);
    const out = received(fn, yield { kind: "evaluate", t, y: ys, rows: r }, ys.length, t);
    nfe++;
    for (let i = 0; i < r.length; i++) evaluations[r[i]!]!++;
    return out;
  }
  const gather = (from: Float64Array, group: Int32Array): Float64Array => {
    const out = new Float64Array(group.length * uw);
    for (let g = 0; g < group.length; g++)
      out.set(from.subarray(group[g]! * uw, (group[g]! + 1) * uw), g * uw);
    return out;
  };

  // Output times, per controller in the order they are reached.
  const order = saveAt.map((_, i) => i).sort((i, j) => dir * (saveAt[i]! - saveAt[j]!));
  const saved = saveAt.map(() => new Float64Array(y.length));
  const nextSave = new Int32Array(units);
  const emit = (u: number, tLimit: number, at: (t: number, out: Float64Array) => void): void => {
    while (nextSave[u]! < order.length && dir * (saveAt[order[nextSave[u]!]!]! - tLimit) <= 0) {
      const i = order[nextSave[u]!++]!;
      at(saveAt[i]!, saved[i]!.subarray(u * uw, (u + 1) * uw));
    }
  };
  const finish = (): OdeOutcome => {
    for (let u = 0; u < units; u++) emit(u, t1, (_, out) => out.set(y.subarray(u * uw, (u + 1) * uw)));
    const h = new Float64Array(rows);
    for (let u = 0; u < units; u++) {
      if (perRow) h[u] = dir * fraction[u]! * length;
      else h.fill(dir * fraction[u]! * length);
    }
    let accepted = 0;
    let rejected = 0;
    for (let u = 0; u < units; u++) {
      accepted = Math.max(accepted, acceptedOf[u]!);
      rejected = Math.max(rejected, rejectedOf[u]!);
    }
    return { y, saved, nfe, accepted, rejected, evaluations, h };
  };
  for (let u = 0; u < units; u++) emit(u, t0, (_, out) => out.set(y0.subarray(u * uw, (u + 1) * uw)));
  if (length === 0 || units === 0) return finish();

  // f at the start, every row in one call; it must be finite.
  const everyUnit = Int32Array.from({ length: units }, (_, u) => u);
  f.set(yield* evaluate(t0, y, everyUnit));
  for (let i = 0; i < f.length; i++) {
    if (!Number.isFinite(f[i]!)) {
      throw new RangeError(
        `${fn}: the right-hand side is ${f[i]} in component ${i} at t = ${t0}; it must be finite`,
      );
    }
  }

  // The first step of each controller.
  if (s.initialStep !== undefined) {
    for (let u = 0; u < units; u++) {
      const h = typeof s.initialStep === "number" ? s.initialStep : s.initialStep[u]!;
      fraction[u] = allowed(Math.min(h, length) / length, 0);
    }
  } else {
    // Starting step (Hairer, Nørsett & Wanner, §II.4): norms per controller, one Euler probe.
    const rms = (u: number, term: (i: number) => number): number => {
      let acc = 0;
      for (let i = u * uw; i < (u + 1) * uw; i++) acc += term(i) ** 2;
      return Math.sqrt(acc / Math.max(uw, 1));
    };
    const scale = (i: number): number => atolAt(i) + rtolAt(i) * Math.abs(y[i]!);
    const d1 = new Float64Array(units);
    const probe = new Float64Array(units);
    for (let u = 0; u < units; u++) {
      const d0 = rms(u, (i) => y[i]! / scale(i));
      d1[u] = rms(u, (i) => f[i]! / scale(i));
      const h0 = d0 < 1e-5 || d1[u]! < 1e-5 ? 1e-6 : (0.01 * d0) / d1[u]!;
      probe[u] = allowed(Math.min(h0, length) / length, 0);
    }
    for (const group of groupsOf(everyUnit, probe)) {
      const q = probe[group[0]!]!;
      const h0 = q * length;
      const ys = gather(y, group);
      const fs = gather(f, group);
      const f1 = yield* evaluate(timeAt(q), combine(ys, [fs], [dir], h0), group);
      for (let g = 0; g < group.length; g++) {
        const u = group[g]!;
        let acc = 0;
        for (let c = 0; c < uw; c++) acc += ((f1[g * uw + c]! - fs[g * uw + c]!) / scale(u * uw + c)) ** 2;
        const d2 = Math.sqrt(acc / Math.max(uw, 1)) / h0;
        const m = Math.max(d1[u]!, d2);
        // A non-finite probe leaves h₀: the step controller then backs off on its own.
        const h1 = !Number.isFinite(m)
          ? h0
          : m <= 1e-15
            ? Math.max(1e-6, h0 * 1e-3)
            : (0.01 / m) ** (1 / DOPRI_ORDER);
        fraction[u] = allowed(Math.min(100 * h0, h1, length) / length, 0);
      }
    }
  }

  // Steps: the controllers furthest behind first, grouped by the step they propose.
  for (;;) {
    let behind = Number.POSITIVE_INFINITY;
    for (let u = 0; u < units; u++) if (position[u]! < 1 && position[u]! < behind) behind = position[u]!;
    if (behind === Number.POSITIVE_INFINITY) break;
    const members: number[] = [];
    for (let u = 0; u < units; u++) if (position[u] === behind) members.push(u);
    for (const group of groupsOf(Int32Array.from(members), fraction)) {
      const u0 = group[0]!;
      let q = fraction[u0]!;
      const p = behind;
      // Land exactly on t1 when the proposed step (almost) reaches it (block steps always do).
      const last = perRow ? p + q === 1 : q * 1.01 >= 1 - p;
      if (last && !perRow) q = 1 - p;
      const t = timeAt(p);
      const pNew = last ? 1 : p + q;
      const tNew = timeAt(pNew);
      const h = tNew - t;
      for (let g = 0; g < group.length; g++) {
        const u = group[g]!;
        const rowText = perRow && rows > 1 ? ` (row ${u})` : "";
        if (acceptedOf[u]! + rejectedOf[u]! >= s.maxSteps) {
          throw new RangeError(
            `${fn}: more than ${s.maxSteps} steps; the ODE is stiff or the tolerances are too tight (at t = ${t} on the way from ${t0} to ${t1}${rowText}) — loosen the tolerances (rtol, atol) or raise solver.maxSteps`,
          );
        }
        const resolved = Math.abs(h) > 1e-14 * Math.max(1, Math.abs(t));
        if (perRow ? !(q >= FINEST_BLOCK && resolved) : !last && !resolved) {
          throw new RangeError(
            `${fn}: step size underflow at t = ${t} (h = ${h})${rowText}; ${nonFinite[u] ? "the right-hand side is not finite just beyond it" : "the right-hand side is singular or non-smooth there"} — stop short of that time or loosen rtol/atol`,
          );
        }
      }
      const ys = gather(y, group);
      const k: Float64Array[] = [gather(f, group)];
      for (let st = 1; st < 6; st++) {
        // A non-finite stage is allowed: it makes the error estimate NaN, which rejects the step.
        const ts = DOPRI_C[st] === 1 ? tNew : t + DOPRI_C[st]! * h;
        k.push(yield* evaluate(ts, combine(ys, k, DOPRI_A[st]!, h), group));
      }
      const yNew = combine(ys, k, DOPRI_B, h);
      k.push(yield* evaluate(tNew, yNew, group));
      const took: number[] = [];
      for (let g = 0; g < group.length; g++) {
        const u = group[g]!;
        let acc = 0;
        for (let c = 0; c < uw; c++) {
          const i = g * uw + c;
          let e = 0;
          for (let j = 0; j < 7; j++) e += DOPRI_E[j]! * k[j]![i]!;
          const at = u * uw + c;
          const sc = atolAt(at) + rtolAt(at) * Math.max(Math.abs(ys[i]!), Math.abs(yNew[i]!));
          acc += ((h * e) / sc) ** 2;
        }
        const err = Math.sqrt(acc / Math.max(uw, 1));
        const accepted = err <= 1; // false for NaN: a non-finite stage rejects the step
        const growth = accepted && !lastRejected[u] ? s.maxFactor : 1;
        const factor = Number.isFinite(err)
          ? Math.min(growth, Math.max(s.minFactor, s.safety * err ** (-1 / DOPRI_ORDER)))
          : s.minFactor;
        if (!accepted) {
          rejectedOf[u]!++;
          lastRejected[u] = 1;
          nonFinite[u] = Number.isNaN(err) || err === Number.POSITIVE_INFINITY ? 1 : 0;
          fraction[u] = allowed(q * factor, p);
          continue;
        }
        acceptedOf[u]!++;
        lastRejected[u] = 0;
        nonFinite[u] = 0;
        position[u] = pNew;
        fraction[u] = allowed(q * factor, pNew);
        const at = g * uw;
        y.set(yNew.subarray(at, at + uw), u * uw);
        f.set(k[6]!.subarray(at, at + uw), u * uw);
        const ku = k.map((kj) => kj.subarray(at, at + uw));
        const yu = ys.subarray(at, at + uw);
        emit(u, tNew, (tq, out) => {
          if (tq === tNew) out.set(yNew.subarray(at, at + uw));
          else dopriInterpolate(yu, ku, h, (tq - t) / h, out);
        });
        took.push(g);
      }
      if (took.length > 0) {
        const stepped = Int32Array.from(took, (g) => group[g]!);
        const info: StepInfo = {
          t: tNew,
          rows: rowsOf(stepped),
          y: took.length === group.length ? yNew : gather(yNew, Int32Array.from(took)),
          h,
          nfe,
        };
        yield { kind: "accepted", info };
      }
    }
  }
  return finish();
}

/** `units` split into groups of equal `key[u]` (first-seen order, largest key first). */
function groupsOf(units: Int32Array, key: Float64Array): Int32Array[] {
  const byKey = new Map<number, number[]>();
  for (const u of units) {
    const list = byKey.get(key[u]!);
    if (list === undefined) byKey.set(key[u]!, [u]);
    else list.push(u);
  }
  return [...byKey.entries()].sort((a, b) => b[0] - a[0]).map(([, list]) => Int32Array.from(list));
}
