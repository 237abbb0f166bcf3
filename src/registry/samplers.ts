/**
 * The samplers by name: every sampler of src/sampler with its JSON-expressible options as parameters
 * (the constructors' own option names and defaults), plus the names other tools use for them
 * (samplerNames.ts). `dpm-solver:order=3,eta=1` builds `dpmSolverMultistep({ order: 3, eta: 1 })`.
 */
import { annealedLangevin } from "../sampler/annealedLangevin.js";
import { ddim } from "../sampler/ddim.js";
import { ddpm, type DdpmVariance } from "../sampler/ddpm.js";
import { deis } from "../sampler/deis.js";
import { dopri } from "../sampler/dopri.js";
import { dpmSolverMultistep } from "../sampler/dpmSolverMultistep.js";
import { dpmSolverSinglestep } from "../sampler/dpmSolverSinglestep.js";
import { edmStochastic } from "../sampler/edmStochastic.js";
import { euler } from "../sampler/euler.js";
import { eulerAncestral } from "../sampler/eulerAncestral.js";
import { eulerMaruyama } from "../sampler/eulerMaruyama.js";
import { heun } from "../sampler/heun.js";
import { lms } from "../sampler/lms.js";
import { pndm } from "../sampler/pndm.js";
import { predictorCorrector } from "../sampler/predictorCorrector.js";
import { dpm2, midpoint, rk2 } from "../sampler/rk2.js";
import { rk4 } from "../sampler/rk4.js";
import type { Sampler } from "../sampler/sampler.js";
import { unipc } from "../sampler/unipc.js";
import type { OdeVariable, StagePlacement } from "../sampler/variable.js";
import { type Entry, lowerOrderFinalOf, type ParamSpec, type ParamValue, Registry } from "./component.js";
import { SAMPLER_ALIASES } from "./samplerNames.js";

type Params = Readonly<Record<string, ParamValue>>;

const variable: ParamSpec = {
  type: "choice",
  values: ["t", "sigma"],
  description: "integration variable: canonical time t, or σ̃ = σ/α (k-diffusion's and EDM's)",
};
const order = (max: number, dflt: number): ParamSpec => ({
  type: "integer",
  description: `largest order, 1–${max} (default ${dflt})`,
});
const eta: ParamSpec = { type: "number", description: "noise scale η ≥ 0 (0: deterministic)" };
const lowerOrderFinal: ParamSpec = {
  type: "booleanOrInteger",
  description:
    "lower the order on the final steps: true, false, or n = only when there are fewer than n steps",
};

const num = (p: Params, k: string) => p[k] as number | undefined;
const str = <S extends string>(p: Params, k: string) => p[k] as S | undefined;
const bool = (p: Params, k: string) => p[k] as boolean | undefined;

/** Every sampler entry, in help order. */
export const SAMPLER_ENTRIES: readonly Entry<Sampler, void>[] = [
  {
    name: "euler",
    summary: "Euler on the probability-flow ODE (1st order)",
    params: { variable },
    build: (p) => euler({ variable: str<OdeVariable>(p, "variable") }),
  },
  {
    name: "heun",
    summary: "Heun, EDM's deterministic sampler (2nd order)",
    params: { variable },
    build: (p) => heun({ variable: str<OdeVariable>(p, "variable") }),
  },
  {
    name: "midpoint",
    summary: "explicit midpoint RK2 (2nd order)",
    params: {
      variable,
      stage: { type: "choice", values: ["linear", "logSnr"], description: "stage placement" },
    },
    build: (p) =>
      midpoint({ variable: str<OdeVariable>(p, "variable"), stage: str<StagePlacement>(p, "stage") }),
  },
  {
    name: "rk2",
    summary: "RK(α) two-stage method; alpha = ½ midpoint, ⅔ Ralston, 1 Heun (2nd order)",
    params: {
      alpha: { type: "number", description: "stage fraction α ∈ (0, 1] (default ½)" },
      variable,
      stage: { type: "choice", values: ["linear", "logSnr"], description: "stage placement" },
    },
    build: (p) =>
      rk2({
        alpha: num(p, "alpha") ?? 0.5,
        variable: str<OdeVariable>(p, "variable"),
        stage: str<StagePlacement>(p, "stage"),
      }),
  },
  {
    name: "dpm2",
    summary: "k-diffusion's DPM-2: midpoint in σ̃ with the stage at the geometric mean (2nd order)",
    params: {},
    build: () => dpm2(),
  },
  { name: "rk4", summary: "classical Runge–Kutta (4th order)", params: {}, build: () => rk4() },
  {
    name: "dopri",
    synonyms: ["dopri5"],
    summary: "adaptive Dormand–Prince 5(4), error control rtol/atol",
    params: {
      rtol: { type: "number", description: "relative tolerance (default 1e-5)" },
      atol: { type: "number", description: "absolute tolerance (default 1e-5)" },
      maxSteps: { type: "integer", description: "attempted steps per grid interval (default 10000)" },
      maxStep: { type: "number", description: "largest step size (default the grid interval)" },
    },
    build: (p) =>
      dopri({
        rtol: num(p, "rtol"),
        atol: num(p, "atol"),
        maxSteps: num(p, "maxSteps"),
        maxStep: num(p, "maxStep"),
      }),
  },
  {
    name: "lms",
    summary: "linear multistep (Adams–Bashforth), order 1–6 (default 4)",
    params: { order: order(6, 4), variable },
    build: (p) => lms({ order: num(p, "order"), variable: str<OdeVariable>(p, "variable") }),
  },
  {
    name: "deis",
    summary: "DEIS multistep exponential integrator, order 1–3 (default 2)",
    params: { order: order(3, 2), lowerOrderFinal },
    build: (p) => deis({ order: num(p, "order"), lowerOrderFinal: lowerOrderFinalOf(p.lowerOrderFinal) }),
  },
  {
    name: "pndm",
    summary: "PNDM: pseudo-RK4 warm-up, then pseudo linear multistep on ε̂",
    params: {
      warmup: { type: "choice", values: ["rk4", "heun"], description: "warm-up steps (default rk4)" },
    },
    build: (p) => pndm({ warmup: str<"rk4" | "heun">(p, "warmup") }),
  },
  {
    name: "ddim",
    summary: "DDIM; eta = 0 deterministic, 1 ≈ DDPM",
    params: { eta },
    build: (p) => ddim({ eta: num(p, "eta") }),
  },
  {
    name: "ddpm",
    summary: "DDPM ancestral sampling (stochastic)",
    params: {
      variance: {
        type: "choice",
        values: ["fixedSmall", "fixedLarge"],
        description: "reverse-process variance (default fixedSmall)",
      },
    },
    build: (p) => ddpm({ variance: str<DdpmVariance>(p, "variance") }),
  },
  {
    name: "euler-ancestral",
    summary: "Euler ancestral (stochastic), eta default 1",
    params: { eta },
    build: (p) => eulerAncestral({ eta: num(p, "eta") }),
  },
  {
    name: "dpm-solver",
    synonyms: ["dpmSolverMultistep"],
    summary: "multistep DPM-Solver++, order 1–3 (default 2); eta > 0: SDE variant",
    params: {
      order: order(3, 2),
      solverType: {
        type: "choice",
        values: ["midpoint", "taylor"],
        description: "second-order coefficient (default midpoint)",
      },
      thirdOrder: {
        type: "choice",
        values: ["taylor", "halfTaylor"],
        description: "third-order coefficient (default taylor; halfTaylor is the peers')",
      },
      eta,
      lowerOrderFinal,
    },
    build: (p) =>
      dpmSolverMultistep({
        order: num(p, "order"),
        solverType: str<"midpoint" | "taylor">(p, "solverType"),
        thirdOrder: str<"taylor" | "halfTaylor">(p, "thirdOrder"),
        eta: num(p, "eta"),
        lowerOrderFinal: lowerOrderFinalOf(p.lowerOrderFinal),
      }),
  },
  {
    name: "dpm-solver-2s",
    synonyms: ["dpmSolverSinglestep"],
    summary: "single-step DPM-Solver++(2S); eta > 0: ancestral",
    params: { eta, r: { type: "number", description: "stage position in log-SNR, (0, 1) (default ½)" } },
    build: (p) => dpmSolverSinglestep({ eta: num(p, "eta"), r: num(p, "r") }),
  },
  {
    name: "unipc",
    summary: "UniPC predictor–corrector multistep, order 1–3 (default 2)",
    params: {
      order: order(3, 2),
      variant: { type: "choice", values: ["bh1", "bh2"], description: "B(h) (default bh2)" },
      corrector: { type: "boolean", description: "apply the UniC corrector (default true)" },
      lowerOrderFinal,
    },
    build: (p) =>
      unipc({
        order: num(p, "order"),
        variant: str<"bh1" | "bh2">(p, "variant"),
        corrector: bool(p, "corrector"),
        lowerOrderFinal: lowerOrderFinalOf(p.lowerOrderFinal),
      }),
  },
  {
    name: "edm-stochastic",
    summary: "EDM's stochastic Heun sampler with churn",
    params: {
      sChurn: { type: "number", description: "S_churn ≥ 0 (default 0: deterministic Heun)" },
      sTmin: { type: "number", description: "smallest σ̃ that gets churn (default 0)" },
      sTmax: { type: "number", description: "largest σ̃ that gets churn (default ∞)" },
      sNoise: { type: "number", description: "noise inflation S_noise (default 1)" },
      variable: { ...variable, description: "variable of the Heun step (default sigma)" },
    },
    build: (p) =>
      edmStochastic({
        sChurn: num(p, "sChurn"),
        sTmin: num(p, "sTmin"),
        sTmax: num(p, "sTmax"),
        sNoise: num(p, "sNoise"),
        variable: str<OdeVariable>(p, "variable"),
      }),
  },
  {
    name: "euler-maruyama",
    summary: "Euler–Maruyama on the reverse SDE (stochastic)",
    params: {},
    build: () => eulerMaruyama(),
  },
  {
    name: "predictor-corrector",
    summary: "reverse-SDE Euler–Maruyama predictor with Langevin corrector steps (Song et al. 2021)",
    params: {
      snr: { type: "number", description: "corrector signal-to-noise ratio r (default 0.16)" },
      steps: { type: "integer", description: "corrector steps per node (default 1)" },
    },
    build: (p) => predictorCorrector({ snr: num(p, "snr"), steps: num(p, "steps") }),
  },
  {
    name: "annealed-langevin",
    summary: "annealed Langevin dynamics (NCSN, Song & Ermon 2019)",
    params: {
      steps: { type: "integer", description: "Langevin steps per level (default 100)" },
      stepSize: { type: "number", description: "base step size ε (default 2e-5)" },
    },
    build: (p) => annealedLangevin({ steps: num(p, "steps"), stepSize: num(p, "stepSize") }),
  },
];

/**
 * The sampler registry: canonical names (`dpm-solver`), the library functions' names as synonyms
 * (`dpmSolverMultistep`), and the names of diffusers, k-diffusion and common UIs (samplerNames.ts),
 * which also pick a grid where the name implies one ("DPM++ 2M Karras").
 */
export const samplerRegistry = new Registry<Sampler>("sampler", SAMPLER_ENTRIES, SAMPLER_ALIASES);
