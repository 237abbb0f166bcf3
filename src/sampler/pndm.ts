/**
 * PNDM (Liu et al. 2022, "Pseudo numerical methods for diffusion models on manifolds", eq. 9–13):
 * classical RK4 / Adams–Bashforth weights applied to the noise prediction ε̂, with DDIM's transfer
 *   φ(x, ε, tᵢ → t') = DDIM's η = 0 update (in x̃ = x/α and σ̃ it is x̃' = x̃ + (σ̃' − σ̃)·ε, variable.ts)
 * as the "Euler step":
 *   pseudo-RK4 (PRK, the first 3 steps; stages at the canonical-time midpoint t_m):
 *     ε₁ = ε̂(x, t),  ε₂ = ε̂(φ(x, ε₁, t → t_m), t_m),  ε₃ = ε̂(φ(x, ε₂, t → t_m), t_m),
 *     ε₄ = ε̂(φ(x, ε₃, t → t'), t'),  x' = φ(x, (ε₁ + 2ε₂ + 2ε₃ + ε₄)/6, t → t')
 *   or, with warmup "heun" (diffusers' skip_prk_steps), one pseudo improved-Euler first step
 *     x' = φ(x, (ε₁ + ε̂(φ(x, ε₁, t → t'), t'))/2, t → t');
 *   pseudo linear multistep (PLMS) afterwards, on the first-stage ε̂ of every step:
 *     ε' = (55εᵢ − 59εᵢ₋₁ + 37εᵢ₋₂ − 9εᵢ₋₃)/24 (AB2/AB3 while fewer are known), x' = φ(x, ε', tᵢ → tᵢ₊₁).
 * The AB weights assume equal steps (PNDM's grids are uniform in the timestep). Order 2: the weights
 * average ε̂ uniformly in t while the transfer integrates it in σ̃, which agree to O(h²) per step.
 */
import { type Sampler, type SamplerState, defineSampler } from "./sampler.js";
import { type Frame, advance, frameAt } from "./variable.js";

/** Options of `pndm`. */
export interface PndmOptions {
  /** Warm-up: three pseudo-RK4 steps (default, the paper's PNDM) or one pseudo-Heun step. */
  readonly warmup?: "rk4" | "heun";
}

/** PNDM state: the first-stage ε̂ of every step so far (at most 4, most recent last). */
export interface PndmState extends SamplerState {
  readonly history: readonly Float64Array[];
}

const AB: readonly (readonly number[])[] = [
  [1],
  [3 / 2, -1 / 2],
  [23 / 12, -16 / 12, 5 / 12],
  [55 / 24, -59 / 24, 37 / 24, -9 / 24],
];

/** PNDM (file header). */
export function pndm(options: PndmOptions = {}): Sampler<PndmState> {
  const fn = "pndm";
  const warmup = options.warmup ?? "rk4";
  if (warmup !== "rk4" && warmup !== "heun")
    throw new RangeError(`${fn}: warmup must be "rk4" or "heun", got ${JSON.stringify(warmup)}`);
  return defineSampler<PndmState>(
    fn,
    { name: `pndm(${warmup})`, order: 2, stochastic: false },
    async (run) => {
      const { state } = run;
      const from = frameAt(run, "sigma", run.slice(run.from));
      const to = frameAt(run, "sigma", run.slice(run.to));
      const y = from.y(state.x);
      // DDIM's transfer φ(x, ε, tᵢ → target): x̃ + (σ̃_target − σ̃ᵢ)·ε.
      const transfer = (eps: Float64Array, target: Frame) => target.x(advance(y, from, target, [eps]));
      const eps = async (x: Float64Array, f: Frame) => (await run.predict(x, f.slice)).as("noise");
      const e1 = await eps(state.x, from);
      const history = [...state.history, e1].slice(-4);
      const k = run.from;
      const canStage = !run.toDataEnd;
      if (warmup === "rk4" && k < 3 && canStage) {
        // Pseudo-RK4 step.
        const mid = frameAt(run, "sigma", run.sliceAt(0.5 * (from.slice.t + to.slice.t)));
        const e2 = await eps(transfer(e1, mid), mid);
        const e3 = await eps(transfer(e2, mid), mid);
        const e4 = await eps(transfer(e3, to), to);
        const e = e1.map((v, i) => (v + 2 * e2[i]! + 2 * e3[i]! + e4[i]!) / 6);
        return run.finish(transfer(e, to), { history });
      }
      if (warmup === "heun" && k === 0 && canStage) {
        // Pseudo improved Euler step.
        const e2 = await eps(transfer(e1, to), to);
        return run.finish(
          transfer(
            e1.map((v, i) => (v + e2[i]!) / 2),
            to,
          ),
          { history },
        );
      }
      // Pseudo linear multistep.
      const w = AB[history.length - 1]!;
      const e = new Float64Array(e1.length);
      for (let j = 0; j < w.length; j++) {
        const h = history[history.length - 1 - j]!;
        for (let i = 0; i < e.length; i++) e[i]! += w[j]! * h[i]!;
      }
      return run.finish(transfer(e, to), { history });
    },
    (base) => ({ ...base, history: [] }),
  );
}
