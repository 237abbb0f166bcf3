/**
 * Probability paths by the names the command line accepts. Each name picks a library schedule with
 * its published default parameters; nothing is computed here.
 */
import {
  type AffinePath,
  affinePath,
  cosineSchedule,
  discreteSchedule,
  edmSchedule,
  linearSchedule,
  linearVpSchedule,
  type Schedule,
  subVpSchedule,
  veSchedule,
  vpSchedule,
} from "../src/index.js";

interface NamedPath {
  readonly description: string;
  readonly schedule: () => Schedule;
}

const PATHS = {
  "rectified-flow": {
    description: "xₜ = t·data + (1 − t)·noise (rectified flow / flow matching)",
    schedule: () => linearSchedule(),
  },
  linear: { description: "same as rectified-flow", schedule: () => linearSchedule() },
  cosine: {
    description: "α = sin(πt/2), σ = cos(πt/2) (trigonometric interpolant)",
    schedule: () => cosineSchedule(),
  },
  "linear-vp": {
    description: "α = t, σ = √(1 − t²) (variance preserving)",
    schedule: () => linearVpSchedule(),
  },
  vp: { description: "VP SDE, β ∈ [0.1, 20] (Song et al. 2021)", schedule: () => vpSchedule() },
  subvp: { description: "sub-VP SDE, β ∈ [0.1, 20] (Song et al. 2021)", schedule: () => subVpSchedule() },
  ve: { description: "VE SDE, σ ∈ [0.01, 50] (Song et al. 2021)", schedule: () => veSchedule() },
  edm: { description: "EDM, σ ∈ [0.002, 80], ρ = 7 (Karras et al. 2022)", schedule: () => edmSchedule() },
  ddpm: {
    description: "discrete DDPM, 1000 linear betas 1e-4 … 0.02 (Ho et al. 2020)",
    schedule: () => discreteSchedule({ betaSchedule: "linear" }),
  },
  "scaled-linear": {
    description: "discrete, 1000 scaled-linear betas 0.00085 … 0.012 (Stable Diffusion)",
    schedule: () => discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 }),
  },
  squaredcos: {
    description: "discrete, 1000 squared-cosine betas (Nichol & Dhariwal 2021)",
    schedule: () => discreteSchedule({ betaSchedule: "squaredcos_cap_v2" }),
  },
} as const satisfies Record<string, NamedPath>;

/** A path name accepted by `--path`. */
export type PathName = keyof typeof PATHS;

/** Every path name, in help order. */
export const PATH_NAMES = Object.keys(PATHS) as PathName[];

/** The affine path of a name (see PATH_NAMES). */
export function pathByName(name: PathName): AffinePath {
  return affinePath(PATHS[name].schedule());
}

/** One help line per path name: "  vp             VP SDE, β ∈ [0.1, 20] (Song et al. 2021)". */
export function pathHelp(): string {
  const width = Math.max(...PATH_NAMES.map((n) => n.length));
  return PATH_NAMES.map((n) => `  ${n.padEnd(width)}  ${PATHS[n].description}`).join("\n");
}
