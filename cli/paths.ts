/**
 * Probability paths by the names the command line accepts. Each name picks a library schedule with
 * its published default parameters; nothing is computed here.
 */
import type { AffinePath, Schedule } from "../src/index.js";

/** The public API, loaded when a path is built (so `--help` and parse errors stay fast). */
type Library = typeof import("../src/index.js");

interface NamedPath {
  readonly description: string;
  readonly schedule: (lib: Library) => Schedule;
}

const PATHS = {
  "rectified-flow": {
    description: "xₜ = t·data + (1 − t)·noise (rectified flow / flow matching)",
    schedule: (lib) => lib.linearSchedule(),
  },
  linear: { description: "same as rectified-flow", schedule: (lib) => lib.linearSchedule() },
  cosine: {
    description: "α = sin(πt/2), σ = cos(πt/2) (trigonometric interpolant)",
    schedule: (lib) => lib.cosineSchedule(),
  },
  "linear-vp": {
    description: "α = t, σ = √(1 − t²) (variance preserving)",
    schedule: (lib) => lib.linearVpSchedule(),
  },
  vp: { description: "VP SDE, β ∈ [0.1, 20] (Song et al. 2021)", schedule: (lib) => lib.vpSchedule() },
  subvp: {
    description: "sub-VP SDE, β ∈ [0.1, 20] (Song et al. 2021)",
    schedule: (lib) => lib.subVpSchedule(),
  },
  ve: { description: "VE SDE, σ ∈ [0.01, 50] (Song et al. 2021)", schedule: (lib) => lib.veSchedule() },
  edm: {
    description: "EDM, σ ∈ [0.002, 80], ρ = 7 (Karras et al. 2022)",
    schedule: (lib) => lib.edmSchedule(),
  },
  ddpm: {
    description: "discrete DDPM, 1000 linear betas 1e-4 … 0.02 (Ho et al. 2020)",
    schedule: (lib) => lib.discreteSchedule({ betaSchedule: "linear" }),
  },
  "scaled-linear": {
    description: "discrete, 1000 scaled-linear betas 0.00085 … 0.012 (Stable Diffusion)",
    schedule: (lib) =>
      lib.discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }),
  },
  squaredcos: {
    description: "discrete, 1000 squared-cosine betas (Nichol & Dhariwal 2021)",
    schedule: (lib) => lib.discreteSchedule({ betaSchedule: "squaredcos_cap_v2" }),
  },
} as const satisfies Record<string, NamedPath>;

/** A path name accepted by `--path`. */
export type PathName = keyof typeof PATHS;

/** Every path name, in help order. */
export const PATH_NAMES = Object.keys(PATHS) as PathName[];

/** The affine path of a name (see PATH_NAMES). */
export async function pathByName(name: PathName): Promise<AffinePath> {
  const lib = await import("../src/index.js");
  return lib.affinePath(PATHS[name].schedule(lib));
}

/** One help line per path name: "  vp             VP SDE, β ∈ [0.1, 20] (Song et al. 2021)". */
export function pathHelp(): string {
  const width = Math.max(...PATH_NAMES.map((n) => n.length));
  return PATH_NAMES.map((n) => `  ${n.padEnd(width)}  ${PATHS[n].description}`).join("\n");
}
