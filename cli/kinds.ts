/**
 * The prediction kinds as the command line lists them, checked at compile time against the
 * library's `Kind` union (every kind, no other), so help text needs no library load.
 */
import type { Kind } from "../src/index.js";

const KIND_HELP = {
  data: "the clean data (x₀-prediction, EDM denoiser)",
  noise: "ε, the noise in xₜ = α·data + σ·noise",
  score: "∇ₓ log pₜ(xₜ)",
  velocity: "dxₜ/dt of the probability-flow ODE (the flow)",
  v: "α·noise − σ·data (Salimans & Ho)",
  drift: "velocity + (g²/2)·score, the drift of the generative SDE",
} as const satisfies Record<Kind, string>;

/** Every kind, in the library's order. */
export const KIND_NAMES = Object.keys(KIND_HELP) as Kind[];

/** One help line per kind. */
export function kindHelp(): string {
  return KIND_NAMES.map((k) => `  ${k.padEnd(8)}  ${KIND_HELP[k]}`).join("\n");
}
