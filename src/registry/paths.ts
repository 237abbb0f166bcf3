/**
 * Probability paths by name: each name is an affine path on a library schedule with its published
 * default parameters (src/schedule); nothing is computed here.
 */
import { type AffinePath, affinePath } from "../path/affine.js";
import { cosineSchedule } from "../schedule/cosine.js";
import { discreteSchedule } from "../schedule/discrete.js";
import { edmSchedule } from "../schedule/edm.js";
import { linearSchedule } from "../schedule/linear.js";
import { linearVpSchedule } from "../schedule/linearVp.js";
import { veSchedule } from "../schedule/ve.js";
import { subVpSchedule, vpSchedule } from "../schedule/vp.js";
import { type Entry, Registry } from "./component.js";

/** Every path entry, in help order. */
export const PATH_ENTRIES: readonly Entry<AffinePath, void>[] = [
  {
    name: "rectified-flow",
    synonyms: ["linear", "flow-matching"],
    summary: "xₜ = t·data + (1 − t)·noise (rectified flow / flow matching)",
    params: {},
    build: () => affinePath(linearSchedule()),
  },
  {
    name: "cosine",
    summary: "α = sin(πt/2), σ = cos(πt/2) (trigonometric interpolant)",
    params: {},
    build: () => affinePath(cosineSchedule()),
  },
  {
    name: "linear-vp",
    summary: "α = t, σ = √(1 − t²) (variance preserving)",
    params: {},
    build: () => affinePath(linearVpSchedule()),
  },
  {
    name: "vp",
    summary: "VP SDE, β ∈ [0.1, 20] (Song et al. 2021)",
    params: {},
    build: () => affinePath(vpSchedule()),
  },
  {
    name: "subvp",
    summary: "sub-VP SDE, β ∈ [0.1, 20] (Song et al. 2021)",
    params: {},
    build: () => affinePath(subVpSchedule()),
  },
  {
    name: "ve",
    summary: "VE SDE, σ ∈ [0.01, 50] (Song et al. 2021)",
    params: {},
    build: () => affinePath(veSchedule()),
  },
  {
    name: "edm",
    summary: "EDM, σ ∈ [0.002, 80], ρ = 7 (Karras et al. 2022)",
    params: {},
    build: () => affinePath(edmSchedule()),
  },
  {
    name: "ddpm",
    summary: "discrete DDPM, 1000 linear betas 1e-4 … 0.02 (Ho et al. 2020)",
    params: {},
    build: () => affinePath(discreteSchedule({ betaSchedule: "linear" })),
  },
  {
    name: "scaled-linear",
    summary: "discrete, 1000 scaled-linear betas 0.00085 … 0.012 (Stable Diffusion)",
    params: {},
    build: () =>
      affinePath(discreteSchedule({ betaSchedule: "scaled_linear", betaStart: 0.00085, betaEnd: 0.012 })),
  },
  {
    name: "squaredcos",
    summary: "discrete, 1000 squared-cosine betas (Nichol & Dhariwal 2021)",
    params: {},
    build: () => affinePath(discreteSchedule({ betaSchedule: "squaredcos_cap_v2" })),
  },
];

/** The path registry. */
export const pathRegistry = new Registry<AffinePath>("path", PATH_ENTRIES);
