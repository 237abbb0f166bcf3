/**
 * Time conventions (design.md §1).
 *
 * Canonical time `t ∈ [0, 1]` runs from noise (t = 0) to data (t = 1); a plain `number` is a canonical
 * time. Every other convention is a branded number that cannot be passed where canonical time is
 * expected; one adapter per direction converts between them.
 *
 * | type            | symbol | meaning                                   | data end | noise end |
 * |-----------------|--------|-------------------------------------------|----------|-----------|
 * | `Time`          | t      | canonical                                 | 1        | 0         |
 * | `DiffusionTime` | s      | s = 1 − t (DDPM, score SDEs, EDM)         | 0        | 1         |
 * | `Sigma`         | σ̃      | σ̃ = σ/α (k-diffusion, EDM noise level)    | 0        | large     |
 * | `LogSnr`        | λ      | λ = log(α²/σ²) = −2 log σ̃                 | +∞       | −∞ / low  |
 * | `TrainStep`     | k      | index into a discrete table, larger=noisier | 0 side  | N − 1     |
 */

declare const brand: unique symbol;

/**
 * Canonical time t ∈ [0, 1] (t = 0 noise, t = 1 data). The brand is optional, so a plain number is a
 * canonical time, while the other conventions' brands are incompatible with it.
 */
export type Time = number & { readonly [brand]?: "Time" };
/** Diffusion time s = 1 − t (data at s = 0), as in DDPM, score SDEs and EDM. */
export type DiffusionTime = number & { readonly [brand]: "DiffusionTime" };
/** Scaled noise level σ̃ = σ/α ≥ 0 (k-diffusion / EDM's σ); σ̃ = 0 is clean data. */
export type Sigma = number & { readonly [brand]: "Sigma" };
/** Log signal-to-noise ratio λ = log(α²/σ²); larger is cleaner. */
export type LogSnr = number & { readonly [brand]: "LogSnr" };
/** Integer index into a discrete training table (diffusers' `timesteps`): larger index = noisier. */
export type TrainStep = number & { readonly [brand]: "TrainStep" };

function finite(fn: string, name: string, x: number): void {
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new RangeError(`${fn}: ${name} must be a finite number, got ${String(x)}`);
  }
}

/**
 * Validates a canonical time: finite and inside [0, 1].
 * Throws RangeError naming `fn` and `name` otherwise.
 */
export function checkTime(t: number, fn = "time", name = "t"): Time {
  finite(fn, name, t);
  if (t < 0 || t > 1) {
    throw new RangeError(`${fn}: ${name} = ${t} is outside [0, 1] (canonical time: 0 = noise, 1 = data)`);
  }
  return t as Time;
}

/** Brands a number as canonical time after checking it is in [0, 1]. */
export function time(t: number): Time {
  return checkTime(t, "time");
}

/** Brands a number as diffusion time s ∈ [0, 1] (s = 1 − t). */
export function diffusionTime(s: number): DiffusionTime {
  checkTime(s, "diffusionTime", "s");
  return s as DiffusionTime;
}

/** Brands a number as a scaled noise level σ̃ ≥ 0 (+∞ allowed: pure noise). */
export function sigmaTilde(value: number): Sigma {
  if (Number.isNaN(value) || value < 0) {
    throw new RangeError(`sigmaTilde: σ̃ must be ≥ 0, got ${value}`);
  }
  return value as Sigma;
}

/** Brands a number as a log-SNR λ (±∞ allowed). */
export function logSnr(value: number): LogSnr {
  if (Number.isNaN(value)) throw new RangeError("logSnr: λ is NaN");
  return value as LogSnr;
}

/** Brands a non-negative integer as a train step index. */
export function trainStep(k: number): TrainStep {
  if (!Number.isInteger(k) || k < 0) {
    throw new RangeError(`trainStep: k must be a non-negative integer, got ${k}`);
  }
  return k as TrainStep;
}

/** Canonical → diffusion time. s = 1 − t. */
export function timeToDiffusionTime(t: Time): DiffusionTime {
  checkTime(t, "timeToDiffusionTime");
  return (1 - t) as DiffusionTime;
}

/** Diffusion → canonical time. t = 1 − s. */
export function diffusionTimeToTime(s: DiffusionTime): Time {
  checkTime(s, "diffusionTimeToTime", "s");
  return (1 - s) as Time;
}

/** σ̃ → λ. λ = −2 log σ̃ (σ̃ = 0 ↦ +∞, σ̃ = ∞ ↦ −∞). */
export function sigmaToLogSnr(s: Sigma): LogSnr {
  if (Number.isNaN(s) || s < 0) throw new RangeError(`sigmaToLogSnr: σ̃ must be ≥ 0, got ${s}`);
  return (-2 * Math.log(s)) as LogSnr;
}

/** λ → σ̃. σ̃ = exp(−λ/2). */
export function logSnrToSigma(l: LogSnr): Sigma {
  if (Number.isNaN(l)) throw new RangeError("logSnrToSigma: λ is NaN");
  return Math.exp(-0.5 * l) as Sigma;
}

/**
 * Train step k of an N-step table → canonical time. t = 1 − (k + 1)/N.
 * Step N − 1 (the noisiest entry) is t = 0; the data end t = 1 lies one step past entry 0, so the
 * table's own first entry (k = 0, small but nonzero noise) is t = 1 − 1/N. Fractional k is allowed
 * (k-diffusion's continuous index); k ∈ [−1, N − 1].
 */
export function trainStepToTime(k: TrainStep, numTrainSteps: number): Time {
  checkSteps("trainStepToTime", numTrainSteps);
  if (!Number.isFinite(k) || k < -1 || k > numTrainSteps - 1) {
    throw new RangeError(`trainStepToTime: k = ${k} is outside [-1, ${numTrainSteps - 1}]`);
  }
  return (1 - (k + 1) / numTrainSteps) as Time;
}

/**
 * Canonical time → (fractional) train step. k = (1 − t)·N − 1, inverse of `trainStepToTime`.
 * Round the result yourself when an integer table index is needed.
 */
export function timeToTrainStep(t: Time, numTrainSteps: number): TrainStep {
  checkSteps("timeToTrainStep", numTrainSteps);
  checkTime(t, "timeToTrainStep");
  return ((1 - t) * numTrainSteps - 1) as TrainStep;
}

function checkSteps(fn: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`${fn}: numTrainSteps must be a positive integer, got ${n}`);
  }
}
