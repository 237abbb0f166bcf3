/**
 * The prediction kinds by name, with a line each for help texts; checked at compile time against the
 * library's `Kind` union (every kind, no other). Kinds take no parameters and have no synonyms
 * (design: one name per kind).
 */
import type { Kind } from "../convert/kernel.js";
import { type Entry, Registry } from "./component.js";

const KIND_SUMMARIES = {
  data: "the clean data (x₀-prediction, EDM denoiser)",
  noise: "ε, the noise in xₜ = α·data + σ·noise",
  score: "∇ₓ log pₜ(xₜ)",
  velocity: "dxₜ/dt of the probability-flow ODE (the flow)",
  v: "α·noise − σ·data (Salimans & Ho)",
  drift: "velocity + (g²/2)·score, the drift of the generative SDE",
} as const satisfies Record<Kind, string>;

/** Every kind entry, in the library's order. */
export const KIND_ENTRIES: readonly Entry<Kind, void>[] = (Object.keys(KIND_SUMMARIES) as Kind[]).map(
  (kind) => ({ name: kind, summary: KIND_SUMMARIES[kind], params: {}, build: () => kind }),
);

/** The kind registry. */
export const kindRegistry = new Registry<Kind>("kind", KIND_ENTRIES);
