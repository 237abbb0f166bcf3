/**
 * The names other tools give difflux's samplers, each resolved to a canonical sampler choice and, where
 * the name implies one, a grid:
 *   - diffusers scheduler classes with the configuration keys that choose the algorithm and the σ
 *     spacing (`DPMSolverMultistepScheduler:algorithm_type=sde-dpmsolver++,use_karras_sigmas=true`).
 *     They map to the native algorithm and spacing; `fromDiffusers` is the route that also reproduces
 *     diffusers' discrete timesteps and float32 arithmetic.
 *   - k-diffusion sampling functions (`sample_dpmpp_2m`; without the prefix as ComfyUI lists them,
 *     `dpmpp_2m_sde`), stepping in σ̃ as k-diffusion does; checked against k-diffusion's own runs.
 *   - common UI names (AUTOMATIC1111, ComfyUI): "DPM++ 2M Karras", "Euler a", "PLMS", ….
 * A UI name that folds to a canonical name ("Euler", "Heun", "LMS", "DDIM", "UniPC", "DPM2") is that
 * canonical sampler; docs/sampler-names.md (generated from this file) lists everything, with the names
 * that have no difflux equivalent.
 */
import type { Alias, AliasSource, Choice, ParamSpec, ParamValue, Resolution } from "./component.js";

type Params = Readonly<Record<string, ParamValue>>;

const choice = (name: string, params: Record<string, ParamValue | undefined> = {}): Choice => {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return { name, params: out };
};
const KARRAS = choice("karras");
const EXPONENTIAL = choice("exponential");

/** An alias without parameters of its own. */
function fixed(name: string, source: AliasSource, sampler: Choice, grid?: Choice, note?: string): Alias {
  return {
    name,
    source,
    params: {},
    resolve: () => (grid === undefined ? { choice: sampler } : { choice: sampler, grid }),
    ...(note === undefined ? {} : { note }),
  };
}

// ── diffusers ────────────────────────────────────────────────────────────────────────────────────────

const useKarras: ParamSpec = { type: "boolean", description: "Karras σ spacing (default false)" };
const useExponential: ParamSpec = { type: "boolean", description: "exponential σ spacing (default false)" };
const solverOrder = (dflt: number): ParamSpec => ({
  type: "integer",
  description: `solver order (default ${dflt})`,
});
const lowerOrderFinalParam: ParamSpec = {
  type: "boolean",
  description: "lower the order on the final steps (default true)",
};

/** The grid of diffusers' σ-spacing flags: Karras, exponential, or none (the caller's grid). */
function sigmaSpacing(p: Params): Choice | undefined {
  if (p.use_karras_sigmas === true) return KARRAS;
  if (p.use_exponential_sigmas === true) return EXPONENTIAL;
  return undefined;
}

function withGrid(sampler: Choice, grid: Choice | undefined): Omit<Resolution, "alias"> {
  return grid === undefined ? { choice: sampler } : { choice: sampler, grid };
}

/** diffusers' lower_order_final for DPMSolver/DEIS: lower only below 15 steps (true), or never. */
const below15 = (p: Params) => (p.lower_order_final === false ? false : 15);

const DIFFUSERS: readonly Alias[] = [
  {
    name: "DDIMScheduler",
    source: "diffusers",
    params: { eta: { type: "number", description: "DDIM's η (a step() argument; default 0)" } },
    resolve: (p) => ({ choice: choice("ddim", { eta: p.eta }) }),
  },
  {
    name: "DDPMScheduler",
    source: "diffusers",
    params: {
      variance_type: {
        type: "choice",
        values: ["fixed_small", "fixed_large"],
        description: "reverse variance (default fixed_small)",
      },
    },
    resolve: (p) => ({
      choice: choice("ddpm", {
        variance:
          p.variance_type === undefined
            ? undefined
            : p.variance_type === "fixed_large"
              ? "fixedLarge"
              : "fixedSmall",
      }),
    }),
  },
  {
    name: "PNDMScheduler",
    source: "diffusers",
    params: {
      skip_prk_steps: { type: "boolean", description: "PLMS only, no pseudo-RK4 warm-up (default false)" },
    },
    resolve: (p) => ({ choice: choice("pndm", { warmup: p.skip_prk_steps === true ? "heun" : undefined }) }),
  },
  {
    name: "EulerDiscreteScheduler",
    source: "diffusers",
    params: { use_karras_sigmas: useKarras, use_exponential_sigmas: useExponential },
    resolve: (p) => withGrid(choice("euler", { variable: "sigma" }), sigmaSpacing(p)),
  },
  fixed("EulerAncestralDiscreteScheduler", "diffusers", choice("euler-ancestral")),
  {
    name: "HeunDiscreteScheduler",
    source: "diffusers",
    params: { use_karras_sigmas: useKarras, use_exponential_sigmas: useExponential },
    resolve: (p) => withGrid(choice("heun", { variable: "sigma" }), sigmaSpacing(p)),
  },
  {
    name: "LMSDiscreteScheduler",
    source: "diffusers",
    params: { use_karras_sigmas: useKarras, use_exponential_sigmas: useExponential },
    resolve: (p) => withGrid(choice("lms", { variable: "sigma" }), sigmaSpacing(p)),
  },
  {
    name: "KDPM2DiscreteScheduler",
    source: "diffusers",
    params: { use_karras_sigmas: useKarras, use_exponential_sigmas: useExponential },
    resolve: (p) => withGrid(choice("dpm2"), sigmaSpacing(p)),
  },
  {
    name: "DPMSolverMultistepScheduler",
    source: "diffusers",
    params: {
      solver_order: solverOrder(2),
      algorithm_type: {
        type: "choice",
        values: ["dpmsolver++", "sde-dpmsolver++"],
        description: "data-prediction ODE or SDE solver (default dpmsolver++)",
      },
      solver_type: {
        type: "choice",
        values: ["midpoint", "heun"],
        description: "second-order coefficient (default midpoint)",
      },
      lower_order_final: lowerOrderFinalParam,
      use_karras_sigmas: useKarras,
      use_exponential_sigmas: useExponential,
    },
    resolve: (p) => {
      const order = p.solver_order as number | undefined;
      return withGrid(
        choice("dpm-solver", {
          order,
          solverType: p.solver_type === "heun" ? "taylor" : undefined,
          thirdOrder: order === 3 ? "halfTaylor" : undefined,
          eta: p.algorithm_type === "sde-dpmsolver++" ? 1 : undefined,
          lowerOrderFinal: below15(p),
        }),
        sigmaSpacing(p),
      );
    },
    note: "3rd order uses the peers' half Taylor coefficient (thirdOrder=halfTaylor)",
  },
  {
    name: "UniPCMultistepScheduler",
    source: "diffusers",
    params: {
      solver_order: solverOrder(2),
      solver_type: { type: "choice", values: ["bh1", "bh2"], description: "B(h) (default bh2)" },
      lower_order_final: lowerOrderFinalParam,
      use_karras_sigmas: useKarras,
      use_exponential_sigmas: useExponential,
    },
    resolve: (p) =>
      withGrid(
        choice("unipc", {
          order: p.solver_order,
          variant: p.solver_type,
          lowerOrderFinal: p.lower_order_final === false ? false : undefined,
        }),
        sigmaSpacing(p),
      ),
  },
  {
    name: "DEISMultistepScheduler",
    source: "diffusers",
    params: {
      solver_order: solverOrder(2),
      lower_order_final: lowerOrderFinalParam,
      use_karras_sigmas: useKarras,
      use_exponential_sigmas: useExponential,
    },
    resolve: (p) =>
      withGrid(choice("deis", { order: p.solver_order, lowerOrderFinal: below15(p) }), sigmaSpacing(p)),
  },
  {
    name: "FlowMatchEulerDiscreteScheduler",
    source: "diffusers",
    params: { shift: { type: "number", description: "timestep shift (default 1; SD3: 3)" } },
    resolve: (p) =>
      withGrid(
        choice("euler"),
        p.shift === undefined || p.shift === 1 ? undefined : choice("shift", { shift: p.shift }),
      ),
    note: "Euler in t on the model's path; shift ≠ 1 picks the shift grid",
  },
  fixed("EDMEulerScheduler", "diffusers", choice("euler", { variable: "sigma" }), KARRAS),
];

// ── k-diffusion ──────────────────────────────────────────────────────────────────────────────────────

/** k-diffusion's DPM-Solver++ multistep variants: no lowering of the order before the last step. */
const kMultistep = (params: Record<string, ParamValue | undefined>) =>
  choice("dpm-solver", { ...params, lowerOrderFinal: false });

const kEta: ParamSpec = { type: "number", description: "ancestral/SDE noise η (default 1)" };
const kSolverType: ParamSpec = {
  type: "choice",
  values: ["midpoint", "heun"],
  description: "second-order coefficient (default midpoint)",
};

/** The k-diffusion functions with difflux equivalents: [name without "sample_", alias body]. */
const K_FUNCTIONS: readonly (readonly [string, Omit<Alias, "name" | "source">])[] = [
  ["euler", { params: {}, resolve: () => ({ choice: choice("euler", { variable: "sigma" }) }) }],
  [
    "euler_ancestral",
    { params: { eta: kEta }, resolve: (p) => ({ choice: choice("euler-ancestral", { eta: p.eta }) }) },
  ],
  [
    "heun",
    {
      params: {
        s_churn: { type: "number", description: "S_churn ≥ 0 (default 0); > 0 is EDM's stochastic sampler" },
        s_tmin: { type: "number", description: "smallest σ̃ with churn (default 0)" },
        s_tmax: { type: "number", description: "largest σ̃ with churn (default ∞)" },
        s_noise: { type: "number", description: "S_noise (default 1)" },
      },
      resolve: (p) =>
        typeof p.s_churn === "number" && p.s_churn > 0
          ? {
              choice: choice("edm-stochastic", {
                sChurn: p.s_churn,
                sTmin: p.s_tmin,
                sTmax: p.s_tmax,
                sNoise: p.s_noise,
              }),
            }
          : { choice: choice("heun", { variable: "sigma" }) },
      note: "with s_churn > 0 it is EDM's stochastic sampler (edm-stochastic, in σ̃)",
      examples: ["sample_heun:s_churn=40,s_tmin=0.05,s_tmax=50,s_noise=1.003"],
    },
  ],
  ["dpm_2", { params: {}, resolve: () => ({ choice: choice("dpm2") }) }],
  [
    "lms",
    {
      params: { order: { type: "integer", description: "order (default 4)" } },
      resolve: (p) => ({ choice: choice("lms", { order: p.order, variable: "sigma" }) }),
    },
  ],
  [
    "dpmpp_2s_ancestral",
    {
      params: { eta: kEta },
      resolve: (p) => ({ choice: choice("dpm-solver-2s", { eta: p.eta ?? 1 }) }),
    },
  ],
  ["dpmpp_2m", { params: {}, resolve: () => ({ choice: kMultistep({}) }) }],
  [
    "dpmpp_2m_sde",
    {
      params: { eta: kEta, solver_type: kSolverType },
      resolve: (p) => ({
        choice: kMultistep({ solverType: p.solver_type === "heun" ? "taylor" : undefined, eta: p.eta ?? 1 }),
      }),
    },
  ],
  [
    "dpmpp_3m_sde",
    {
      params: { eta: kEta },
      resolve: (p) => ({
        choice: kMultistep({ order: 3, solverType: "taylor", thirdOrder: "halfTaylor", eta: p.eta ?? 1 }),
      }),
    },
  ],
];

/**
 * Names that are also canonical difflux names once folded (`dpm_2` = `dpm2`, `euler_ancestral`,
 * `heun`, `lms`, `euler`): without the `sample_` prefix they are the canonical sampler.
 */
const K_UNPREFIXED = new Set(["dpmpp_2s_ancestral", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_3m_sde"]);

const KDIFFUSION: readonly Alias[] = K_FUNCTIONS.flatMap(([name, body]) => [
  { name: `sample_${name}`, source: "k-diffusion" as const, ...body },
  ...(K_UNPREFIXED.has(name) ? [{ name, source: "k-diffusion" as const, ...body }] : []),
]);

// ── UIs (AUTOMATIC1111, ComfyUI) ─────────────────────────────────────────────────────────────────────

/** A UI sampler name and its "… Karras" / "… Exponential" scheduler variants. */
function withSchedules(
  name: string,
  sampler: Choice,
  schedules: readonly ("Karras" | "Exponential")[],
): Alias[] {
  return [
    fixed(name, "ui", sampler),
    ...schedules.map((s) => fixed(`${name} ${s}`, "ui", sampler, s === "Karras" ? KARRAS : EXPONENTIAL)),
  ];
}

const UI: readonly Alias[] = [
  ...withSchedules("Euler a", choice("euler-ancestral"), []),
  fixed("LMS Karras", "ui", choice("lms", { variable: "sigma" }), KARRAS),
  fixed("DPM2 Karras", "ui", choice("dpm2"), KARRAS),
  ...withSchedules("DPM++ 2S a", choice("dpm-solver-2s", { eta: 1 }), ["Karras"]),
  ...withSchedules("DPM++ 2M", kMultistep({}), ["Karras"]),
  ...withSchedules("DPM++ 2M SDE", kMultistep({ eta: 1 }), ["Karras", "Exponential"]),
  ...withSchedules("DPM++ 2M SDE Heun", kMultistep({ solverType: "taylor", eta: 1 }), [
    "Karras",
    "Exponential",
  ]),
  ...withSchedules(
    "DPM++ 3M SDE",
    kMultistep({ order: 3, solverType: "taylor", thirdOrder: "halfTaylor", eta: 1 }),
    ["Karras", "Exponential"],
  ),
  fixed(
    "PLMS",
    "ui",
    choice("pndm", { warmup: "heun" }),
    undefined,
    "LDM's PLMS: one pseudo improved-Euler step, then PLMS",
  ),
  fixed("uni_pc_bh2", "ui", choice("unipc", { variant: "bh2" })),
];

/** Every alias of the sampler registry, in docs order. */
export const SAMPLER_ALIASES: readonly Alias[] = [...DIFFUSERS, ...KDIFFUSION, ...UI];

/**
 * Names of other tools that fold to a canonical difflux name (they are that sampler; docs only):
 * [tool, name, canonical name, what differs].
 */
export const SAMPLER_NAMES_THAT_ARE_CANONICAL: readonly (readonly [
  source: AliasSource,
  name: string,
  canonical: string,
  note: string,
])[] = [
  ["ui", "Euler", "euler", "UIs step in σ̃ on diffusion models (sample_euler), in t on flow models"],
  ["ui", "Heun", "heun", "UIs step in σ̃ on diffusion models (sample_heun)"],
  ["ui", "LMS", "lms", "UIs step in σ̃ on diffusion models (sample_lms)"],
  ["ui", "DPM2", "dpm2", ""],
  ["ui", "DDIM", "ddim", ""],
  ["ui", "UniPC", "unipc", "UIs default to variant bh1 (unipc:variant=bh1)"],
  ["ui", "uni_pc", "unipc", "ComfyUI's uni_pc is variant bh1 (unipc:variant=bh1)"],
  ["ui", "ddpm", "ddpm", ""],
  ["ui", "deis", "deis", ""],
  ["k-diffusion", "euler", "euler", "k-diffusion's own sample_euler steps in σ̃"],
  ["k-diffusion", "euler_ancestral", "euler-ancestral", ""],
  ["k-diffusion", "heun", "heun", "k-diffusion's own sample_heun steps in σ̃"],
  ["k-diffusion", "dpm_2", "dpm2", ""],
  ["k-diffusion", "lms", "lms", "k-diffusion's own sample_lms steps in σ̃"],
];

/**
 * Names of other tools with no difflux equivalent, for the docs table (an unknown name gets the
 * registry's ordinary error).
 */
export const UNAVAILABLE_SAMPLER_NAMES: readonly (readonly [source: AliasSource, names: string])[] = [
  ["diffusers", "DPMSolverSinglestepScheduler, KDPM2AncestralDiscreteScheduler, LCMScheduler, TCDScheduler"],
  [
    "k-diffusion",
    "sample_dpm_2_ancestral, sample_dpm_fast, sample_dpm_adaptive, sample_dpmpp_sde, sample_lcm",
  ],
  ["ui", "DPM2 a, DPM fast, DPM adaptive, DPM++ SDE, Restart, LCM"],
];
