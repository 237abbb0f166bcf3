/**
 * Named building blocks with optional numeric parameters, as options spell them:
 * `NAME` or `NAME:key=value,key=value` (e.g. `--weighting min-snr:gamma=5`,
 * `--time-density logit-normal:mean=0,std=1`, `--coupling sinkhorn:reg=0.05`). Each table lists the
 * names, what they are and which parameters they take; the library builds them and checks the values.
 */
import { UsageError } from "./errors.js";

/** One named component: a description and the parameter names it accepts. */
export interface ComponentInfo {
  readonly description: string;
  readonly params: readonly string[];
}

/** A parsed component: its name and the parameters given. */
export interface ComponentChoice<N extends string = string> {
  readonly name: N;
  readonly params: Readonly<Record<string, number>>;
}

/**
 * Parses `text` against `table` for the option `flag`; throws a UsageError naming the unknown name,
 * the unknown parameter or the malformed value, with the accepted ones.
 */
export function parseComponent<N extends string>(
  flag: string,
  text: string,
  table: Readonly<Record<N, ComponentInfo>>,
): ComponentChoice<N> {
  const [name, rest] = text.includes(":")
    ? [text.slice(0, text.indexOf(":")), text.slice(text.indexOf(":") + 1)]
    : [text, ""];
  const names = Object.keys(table) as N[];
  if (!names.includes(name as N)) {
    throw new UsageError(`${flag}: must be one of ${names.join(", ")}; got ${JSON.stringify(name)}`);
  }
  const info = table[name as N];
  const params: Record<string, number> = {};
  for (const part of rest === "" ? [] : rest.split(",")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part.trim() : part.slice(0, eq).trim();
    const value = eq < 0 ? Number.NaN : Number(part.slice(eq + 1));
    if (!info.params.includes(key)) {
      throw new UsageError(
        info.params.length === 0
          ? `${flag}: ${name} takes no parameters; got ${JSON.stringify(part)}`
          : `${flag}: ${name} takes ${info.params.join(", ")}; got ${JSON.stringify(key)} — e.g. ${flag} ${name}:${info.params[0]}=1`,
      );
    }
    if (eq < 0 || part.slice(eq + 1).trim() === "" || !Number.isFinite(value)) {
      throw new UsageError(
        `${flag}: ${name}:${key} needs a number, got ${JSON.stringify(part)} — e.g. ${flag} ${name}:${key}=1`,
      );
    }
    params[key] = value;
  }
  return { name: name as N, params };
}

/** Help lines for a table: "  min-snr (gamma)   min(SNR, γ) …". */
export function componentHelp(table: Readonly<Record<string, ComponentInfo>>): string {
  const heads = Object.entries(table).map(([n, i]) =>
    i.params.length > 0 ? `${n}:${i.params.map((p) => `${p}=…`).join(",")}` : n,
  );
  const width = Math.max(...heads.map((h) => h.length));
  return Object.values<ComponentInfo>(table)
    .map((i, k) => `  ${heads[k]!.padEnd(width)}  ${i.description}`)
    .join("\n");
}

/** Loss weightings of the trained kind's error (library: loss/weighting.ts). */
export const WEIGHTINGS = {
  uniform: { description: "w = 1 on the trained kind", params: [] },
  snr: { description: "SNR on the data error (= the plain ε-loss, Ho et al. 2020)", params: [] },
  "truncated-snr": { description: "max(SNR, 1) (Salimans & Ho 2022)", params: [] },
  "min-snr": { description: "min(SNR, γ), default γ = 5 (Hang et al. 2023)", params: ["gamma"] },
  "soft-min-snr": { description: "soft min(SNR, γ), default γ = 4 (k-diffusion)", params: ["gamma"] },
  edm: { description: "EDM λ(σ), default σ_data = 0.5 (Karras et al. 2022)", params: ["sigmaData"] },
  "sd3-sigma-sqrt": { description: "SD3 sigma_sqrt weighting (Esser et al. 2024)", params: [] },
  "sd3-cosmap": { description: "SD3 cosmap weighting (Esser et al. 2024)", params: [] },
  likelihood: { description: "g² on the score error (Song et al. 2021, likelihood training)", params: [] },
  adaptive: {
    description:
      "learned per-time-bin weights ∝ 1/(bin mean loss), default 32 bins, lr 1 (EDM2, Karras et al. 2024)",
    params: ["bins", "lr"],
  },
} as const satisfies Record<string, ComponentInfo>;

/** Densities of the training time t (library: loss/density.ts). */
export const TIME_DENSITIES = {
  uniform: { description: "t ~ U[lo, hi], default [0, 1]", params: ["lo", "hi"] },
  stratified: { description: "uniform, one t per stratum of the batch", params: [] },
  "logit-normal": { description: "SD3 logit-normal, default mean 0, std 1", params: ["mean", "std"] },
  "log-normal-sigma": {
    description: "EDM log σ ~ N(pMean, pStd²), default −1.2, 1.2",
    params: ["pMean", "pStd"],
  },
  "log-uniform-sigma": {
    description: "log σ uniform on [sigmaMin, sigmaMax]",
    params: ["sigmaMin", "sigmaMax"],
  },
  mode: { description: "SD3 mode sampling, default scale 1.29", params: ["scale"] },
  cosmap: { description: "SD3 cosmap", params: [] },
} as const satisfies Record<string, ComponentInfo>;

/** Minibatch couplings of data and noise (library: coupling/coupling.ts). */
export const COUPLINGS = {
  independent: { description: "independent pairs (plain flow matching)", params: [] },
  "exact-ot": {
    description: "exact optimal-transport pairing per batch (OT-CFM, Tong et al. 2023)",
    params: [],
  },
  sinkhorn: {
    description: "entropic OT pairing, default reg = 0.05",
    params: ["reg", "tol", "maxIterations"],
  },
} as const satisfies Record<string, ComponentInfo>;

/** Samplers (library: sampler/*.ts); stochastic ones draw fresh noise from the seed. */
export const SAMPLERS = {
  euler: { description: "Euler on the probability-flow ODE (1st order)", params: [] },
  heun: { description: "Heun, EDM's deterministic sampler (2nd order)", params: [] },
  midpoint: { description: "explicit midpoint RK2 (2nd order)", params: [] },
  rk4: { description: "classical Runge–Kutta (4th order)", params: [] },
  dopri: { description: "adaptive Dormand–Prince 5(4), error control rtol/atol", params: ["rtol", "atol"] },
  ddim: { description: "DDIM; eta = 0 deterministic, 1 ≈ DDPM", params: ["eta"] },
  ddpm: { description: "DDPM ancestral sampling (stochastic)", params: [] },
  "dpm-solver": {
    description: "multistep DPM-Solver++, order 1–3 (default 2); eta > 0: SDE variant",
    params: ["order", "eta"],
  },
  "dpm-solver-2s": { description: "single-step DPM-Solver++(2S); eta > 0: ancestral", params: ["eta"] },
  deis: { description: "DEIS multistep exponential integrator, order 1–3 (default 2)", params: ["order"] },
  unipc: { description: "UniPC predictor–corrector multistep, order 1–3 (default 2)", params: ["order"] },
  lms: { description: "linear multistep (Adams–Bashforth), order 1–6 (default 4)", params: ["order"] },
  "euler-ancestral": { description: "Euler ancestral (stochastic), eta default 1", params: ["eta"] },
  "edm-stochastic": {
    description: "EDM stochastic sampler with churn",
    params: ["sChurn", "sTmin", "sTmax", "sNoise"],
  },
  "euler-maruyama": { description: "Euler–Maruyama on the reverse SDE (stochastic)", params: [] },
} as const satisfies Record<string, ComponentInfo>;

/** Time grids of the sampler (library: sampler/grid.ts). */
export const GRIDS = {
  uniform: { description: "uniform in canonical time t", params: [] },
  quadratic: { description: "quadratic in t (denser near the data)", params: [] },
  karras: { description: "Karras et al. σ-spacing, default ρ = 7", params: ["rho"] },
  "log-snr": { description: "uniform in log-SNR", params: [] },
  exponential: { description: "uniform in log σ", params: [] },
  polyexponential: { description: "polyexponential in σ, default ρ = 1", params: ["rho"] },
} as const satisfies Record<string, ComponentInfo>;
