/**
 * The demo's embedded configuration, full and --quick (kept apart from the pipeline so `demo --help`
 * states the same numbers without loading it).
 */

/** The demo's samplers (canonical registry names). */
export const DEMO_SAMPLERS = ["euler", "heun", "dpm-solver"] as const;

/** Training steps of the full and the quick demo. */
export const DEMO_STEPS = { full: 6000, quick: 300 } as const;

/** The configuration of a demo run (`steps` overrides the training steps). */
export function demoConfiguration(o: {
  readonly data: string;
  readonly quick: boolean;
  readonly steps?: number;
  readonly seed: number;
}) {
  const quick = o.quick;
  return {
    data: o.data,
    path: "rectified-flow",
    predict: "velocity" as const,
    steps: o.steps ?? (quick ? DEMO_STEPS.quick : DEMO_STEPS.full),
    batch: quick ? 128 : 512,
    width: quick ? 64 : 128,
    depth: quick ? 2 : 3,
    lr: quick ? 1e-3 : 2e-3,
    ema: quick ? 0.99 : 0.999,
    nfe: quick ? [4, 8] : [4, 8, 16, 32],
    samples: quick ? 300 : 2000,
    heldout: quick ? 300 : 2000,
    likelihoodPoints: quick ? 40 : 200,
    trajectories: quick ? 40 : 120,
    seed: o.seed,
  };
}
