/**
 * The ODE integrator: known solutions forward and backward, tolerance behaviour, measured orders of
 * the fixed-grid schemes, dense output, NFE accounting, the sync and async drivers, per-row step
 * control (batch independence, block steps) and errors.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  type AsyncRhs,
  FIXED_SCHEME_ORDER,
  type FixedScheme,
  type SyncRhs,
  integrate,
  integrateSync,
} from "../../src/math/integrate.js";

const decay: AsyncRhs = (_t, y) => y.map((v) => -v);
/** y' = (cos t)·y, y(t) = y(t0)·exp(sin t − sin t0): time-dependent and non-autonomous. */
const cosGrowth: AsyncRhs = (t, y) => y.map((v) => Math.cos(t) * v);
const oscillator: AsyncRhs = (_t, y) => Float64Array.of(y[1]!, -y[0]!);

describe("integrate (adaptive Dormand–Prince 5(4))", () => {
  test("exponential decay is solved to within the requested tolerance", async () => {
    const r = await integrate(decay, Float64Array.of(1, 2), 0, 3, {
      solver: { kind: "adaptive", rtol: 1e-8, atol: 1e-10 },
    });
    const err = Math.max(Math.abs(r.y[0]! - Math.exp(-3)), Math.abs(r.y[1]! - 2 * Math.exp(-3)));
    assert.ok(err < 1e-8, `error ${err} exceeds 1e-8`);
  });

  test("backward integration (t1 < t0) undoes forward integration", async () => {
    const solver = { kind: "adaptive", rtol: 1e-10, atol: 1e-12 } as const;
    const back = await integrate(cosGrowth, Float64Array.of(1.5), 2, -1, { solver });
    const exact = 1.5 * Math.exp(Math.sin(-1) - Math.sin(2));
    assert.ok(Math.abs(back.y[0]! - exact) < 1e-9, `backward result ${back.y[0]} vs ${exact}`);
    const forth = await integrate(cosGrowth, back.y, -1, 2, { solver });
    assert.ok(Math.abs(forth.y[0]! - 1.5) < 1e-9, `round trip gives ${forth.y[0]}`);
  });

  test("the harmonic oscillator returns to its start after one period", async () => {
    const r = await integrate(oscillator, Float64Array.of(1, 0), 0, 2 * Math.PI, {
      solver: { kind: "adaptive", rtol: 1e-10, atol: 1e-12 },
    });
    assert.ok(Math.hypot(r.y[0]! - 1, r.y[1]!) < 1e-8, `end state ${r.y[0]}, ${r.y[1]}`);
  });

  test("tightening the tolerance reduces the error and costs more evaluations", async () => {
    const errs: number[] = [];
    const nfes: number[] = [];
    for (const tol of [1e-4, 1e-6, 1e-8, 1e-10]) {
      const r = await integrate(cosGrowth, Float64Array.of(1), 0, 5, {
        solver: { kind: "adaptive", rtol: tol, atol: tol },
      });
      errs.push(Math.abs(r.y[0]! - Math.exp(Math.sin(5))));
      nfes.push(r.nfe);
      assert.ok(errs.at(-1)! < 50 * tol, `tol ${tol}: error ${errs.at(-1)} is far above the tolerance`);
    }
    for (let i = 1; i < errs.length; i++) {
      assert.ok(errs[i]! < errs[i - 1]!, `errors ${errs.join(", ")} are not decreasing`);
      assert.ok(nfes[i]! > nfes[i - 1]!, `NFE ${nfes.join(", ")} are not increasing`);
    }
  });

  test("a per-component rtol: 0 makes that component's tolerance absolute", async () => {
    // y' = (cos t)·y for a small and a large component: a shared rtol lets the large one's error grow
    // with its size; rtol = 0 there holds it to atol.
    const y0 = Float64Array.of(1, 1e6);
    const exact = (c: number) => c * Math.exp(Math.sin(5));
    const shared = await integrate(cosGrowth, y0, 0, 5, {
      solver: { kind: "adaptive", rtol: 1e-4, atol: 1e-4 },
    });
    const absolute = await integrate(cosGrowth, y0, 0, 5, {
      solver: { kind: "adaptive", rtol: Float64Array.of(1e-4, 0), atol: 1e-4 },
    });
    const errShared = Math.abs(shared.y[1]! - exact(1e6));
    const errAbsolute = Math.abs(absolute.y[1]! - exact(1e6));
    assert.ok(errAbsolute < 1e-2, `absolute tolerance: error ${errAbsolute}`);
    assert.ok(errShared > 100 * errAbsolute, `relative tolerance: error ${errShared} vs ${errAbsolute}`);
    await assert.rejects(
      () =>
        integrate(cosGrowth, y0, 0, 5, {
          solver: { kind: "adaptive", rtol: Float64Array.of(1e-4, 0), atol: 0 },
        }),
      /solver\.atol must be positive where rtol is 0 \(component 1\)/,
    );
  });

  test("NFE is 2 (start and starting-step heuristic) plus 6 per attempted step", async () => {
    const r = await integrate(cosGrowth, Float64Array.of(1), 0, 5, {
      solver: { kind: "adaptive", rtol: 1e-7, atol: 1e-7 },
    });
    assert.equal(
      r.nfe,
      2 + 6 * (r.accepted + r.rejected),
      `nfe ${r.nfe}, ${r.accepted} accepted, ${r.rejected} rejected`,
    );
    const fixedStart = await integrate(cosGrowth, Float64Array.of(1), 0, 5, {
      solver: { kind: "adaptive", rtol: 1e-7, atol: 1e-7, initialStep: 2 },
    });
    assert.ok(fixedStart.rejected > 0, "an oversized first step must be rejected");
    assert.equal(
      fixedStart.nfe,
      1 + 6 * (fixedStart.accepted + fixedStart.rejected),
      "initialStep skips the heuristic",
    );
  });

  test("an async right-hand side gives the same result as a synchronous one", async () => {
    const solver = { kind: "adaptive", rtol: 1e-6, atol: 1e-9 } as const;
    const sync = await integrate(oscillator, Float64Array.of(0.3, -1), 0, 4, { solver });
    const asyncRhs: AsyncRhs = async (t, y) => {
      await new Promise((resolve) => setImmediate(resolve));
      return oscillator(t, y, Int32Array.of(0)) as Float64Array;
    };
    const async_ = await integrate(asyncRhs, Float64Array.of(0.3, -1), 0, 4, { solver });
    assert.deepEqual(Array.from(async_.y), Array.from(sync.y), "async and sync results differ");
    assert.equal(async_.nfe, sync.nfe, "async and sync NFE differ");
  });

  test("dense output at saveAt times is accurate, in the order given, in both directions", async () => {
    const times = [1.7, 0.2, 3, 0, 2.5];
    for (const [t0, t1] of [
      [0, 3],
      [3, 0],
    ] as const) {
      const r = await integrate(cosGrowth, Float64Array.of(Math.exp(Math.sin(t0))), t0, t1, {
        solver: { kind: "adaptive", rtol: 1e-9, atol: 1e-11 },
        saveAt: times,
      });
      times.forEach((t, i) => {
        const err = Math.abs(r.saved[i]![0]! - Math.exp(Math.sin(t)));
        assert.ok(err < 1e-7, `${t0}→${t1}: saveAt ${t}: error ${err}`);
      });
    }
  });

  test("integrateSync runs the same solve as integrate: identical result, NFE and steps", async () => {
    const solver = { kind: "adaptive", rtol: 1e-6, atol: 1e-8 } as const;
    const whole = await integrate(cosGrowth, Float64Array.of(1), 0, 4, { solver, saveAt: [1.5] });
    const sync = integrateSync(cosGrowth as SyncRhs, Float64Array.of(1), 0, 4, { solver, saveAt: [1.5] });
    assert.equal(sync.y[0], whole.y[0], "sync result differs from async");
    assert.equal(sync.saved[0]![0], whole.saved[0]![0], "sync dense output differs from async");
    assert.deepEqual([sync.nfe, sync.accepted, sync.rejected], [whole.nfe, whole.accepted, whole.rejected]);
  });

  test("onStep sees every accepted step, ending at t1", async () => {
    const seen: number[] = [];
    const r = await integrate(decay, Float64Array.of(1), 0, -2, {
      onStep: (info) => {
        seen.push(info.t);
      },
    });
    assert.equal(seen.length, r.accepted, "one call per accepted step");
    assert.equal(seen.at(-1), -2, "the last step ends exactly at t1");
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! < seen[i - 1]!, "backward steps decrease t");
  });

  test("a zero-length interval costs nothing", async () => {
    const r = await integrate(decay, Float64Array.of(4), 1, 1);
    assert.equal(r.nfe, 0, "no evaluations");
    assert.equal(r.y[0], 4, "state unchanged");
  });

  test("linear ODEs with random rates and spans are solved to tolerance (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        async (rate, t0, t1) => {
          const r = await integrate((_t, y) => y.map((v) => rate * v), Float64Array.of(1), t0, t1, {
            solver: { kind: "adaptive", rtol: 1e-9, atol: 1e-12 },
          });
          const exact = Math.exp(rate * (t1 - t0));
          assert.ok(
            Math.abs(r.y[0]! - exact) <= 1e-7 * exact,
            `rate ${rate}, [${t0}, ${t1}]: ${r.y[0]} vs ${exact}`,
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** Row r: y' = rate_r·cos(t)·y with y(t) = y(t0)·exp(rate_r·(sin t − sin t0)); rate_r = rates[r]. */
function cosRows(rates: readonly number[]): AsyncRhs {
  return (t, y, rows) => y.map((v, i) => rates[rows[i]!]! * Math.cos(t) * v);
}

describe("integrate (per-row step control)", () => {
  const perRow = { kind: "adaptive", rtol: 1e-8, atol: 1e-10, control: "perRow" } as const;

  test("a row's result is bit-identical whatever batch it is in", async () => {
    const rates = [0.3, 4, -2, 7, 0.01, -5];
    const y0 = Float64Array.from(rates, (_, r) => 1 + r / 10);
    const batch = await integrate(cosRows(rates), y0, 0, 3, { solver: perRow, rows: rates.length });
    for (let r = 0; r < rates.length; r++) {
      const alone = await integrate(cosRows([rates[r]!]), y0.subarray(r, r + 1), 0, 3, {
        solver: perRow,
        rows: 1,
      });
      assert.equal(batch.y[r], alone.y[0], `row ${r}: in the batch ${batch.y[r]}, alone ${alone.y[0]}`);
      assert.equal(batch.evaluations[r], alone.evaluations[0], `row ${r}: its own NFE depends on the batch`);
    }
  });

  test("batch independence holds for random batches, orders and intervals (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 1, maxLength: 7 }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        async (rates, t0, span) => {
          const y0 = Float64Array.from(rates, (_, r) => 0.5 + r);
          const rev = [...rates].reverse();
          const yRev = Float64Array.from(y0).reverse();
          const a = await integrate(cosRows(rates), y0, t0, t0 + span, {
            solver: perRow,
            rows: rates.length,
          });
          const b = await integrate(cosRows(rev), yRev, t0, t0 + span, { solver: perRow, rows: rev.length });
          for (let r = 0; r < rates.length; r++) {
            assert.equal(a.y[r], b.y[rates.length - 1 - r], `row ${r} changes when the batch is reversed`);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  test("each row meets the tolerance, and an easy row takes fewer evaluations than a hard one", async () => {
    const rates = [0.05, 6];
    const r = await integrate(cosRows(rates), Float64Array.of(1, 1), 0, 5, { solver: perRow, rows: 2 });
    rates.forEach((rate, i) => {
      const exact = Math.exp(rate * Math.sin(5));
      assert.ok(Math.abs(r.y[i]! - exact) < 1e-6 * exact, `row ${i}: ${r.y[i]} vs ${exact}`);
    });
    assert.ok(
      r.evaluations[0]! < r.evaluations[1]!,
      `easy row ${r.evaluations[0]} evaluations, hard row ${r.evaluations[1]}`,
    );
  });

  test("steps are block steps: |h| = |t1 − t0|·2⁻ᵏ starting at a multiple of |h|", async () => {
    const t0 = 0.25;
    const t1 = -1.5;
    const steps: { t: number; h: number }[] = [];
    await integrate(cosRows([3, -1]), Float64Array.of(1, 2), t0, t1, {
      solver: perRow,
      rows: 2,
      onStep: (info) => {
        steps.push({ t: info.t, h: info.h });
      },
    });
    assert.ok(steps.length > 4, `only ${steps.length} steps`);
    for (const { t, h } of steps) {
      const q = Math.abs(h) / Math.abs(t1 - t0);
      const k = Math.round(-Math.log2(q));
      assert.ok(Math.abs(q * 2 ** k - 1) < 1e-12, `step fraction ${q} is not a power of two`);
      const start = Math.abs(t - h - t0) / Math.abs(t1 - t0);
      assert.ok(Math.abs(start / q - Math.round(start / q)) < 1e-9, `a step of ${q} starts at ${start}`);
    }
  });

  test("identical rows share every right-hand-side call", async () => {
    const one = await integrate(cosGrowth, Float64Array.of(1), 0, 4, { solver: perRow, rows: 1 });
    const five = await integrate(cosGrowth, new Float64Array(5).fill(1), 0, 4, { solver: perRow, rows: 5 });
    assert.equal(five.nfe, one.nfe, "five identical rows cost more calls than one");
    assert.deepEqual(Array.from(five.evaluations), new Array(5).fill(one.nfe), "per-row evaluations");
  });

  test("a row whose right-hand side blows up fails alone with an underflow naming the row", async () => {
    const rhs: AsyncRhs = (t, y, rows) => y.map((v, i) => (rows[i] === 1 && t > 0.5 ? Number.NaN : v));
    await assert.rejects(
      () => integrate(rhs, Float64Array.of(1, 1, 1), 0, 1, { solver: perRow, rows: 3 }),
      /integrate: step size underflow at t = 0\.(5|49999)\d* \(h = [^)]*\) \(row 1\); the right-hand side is not finite just beyond it/,
    );
  });

  test("rows and a per-row initialStep are validated", async () => {
    await assert.rejects(
      () => integrate(decay, Float64Array.of(1, 2, 3), 0, 1, { rows: 2 }),
      /integrate: options\.rows must be a non-negative integer dividing y0's length 3, got 2/,
    );
    await assert.rejects(
      () =>
        integrate(decay, Float64Array.of(1, 2), 0, 1, {
          rows: 2,
          solver: { ...perRow, initialStep: Float64Array.of(0.1) },
        }),
      /solver\.initialStep must be a number or a Float64Array of one step per row \(2\)/,
    );
    await assert.rejects(
      () =>
        integrate(decay, Float64Array.of(1), 0, 1, {
          solver: { kind: "adaptive", control: "each" as never },
        }),
      /solver\.control must be "shared" or "perRow"/,
    );
  });
});

describe("integrate (fixed grid)", () => {
  test("every scheme converges at its order on y' = cos(t)·y", async () => {
    const exact = Math.exp(Math.sin(2));
    for (const scheme of Object.keys(FIXED_SCHEME_ORDER) as FixedScheme[]) {
      const err = async (steps: number) =>
        Math.abs(
          (await integrate(cosGrowth, Float64Array.of(1), 0, 2, { solver: { kind: "fixed", scheme, steps } }))
            .y[0]! - exact,
        );
      const coarse = scheme === "dopri5" ? 16 : scheme === "rk4" ? 8 : 64;
      const order = Math.log2((await err(coarse)) / (await err(2 * coarse)));
      const expected = FIXED_SCHEME_ORDER[scheme];
      assert.ok(
        Math.abs(order - expected) < 0.25,
        `${scheme}: measured order ${order.toFixed(3)}, expected ${expected}`,
      );
    }
  });

  test("NFE is steps × stages and an explicit grid equals the uniform one", async () => {
    const stages: Record<FixedScheme, number> = { euler: 1, heun: 2, midpoint: 2, rk4: 4, dopri5: 6 };
    for (const scheme of Object.keys(stages) as FixedScheme[]) {
      const r = await integrate(decay, Float64Array.of(1), 1, 0, {
        solver: { kind: "fixed", scheme, steps: 5 },
      });
      assert.equal(r.nfe, 5 * stages[scheme], `${scheme}: nfe ${r.nfe}`);
      const g = await integrate(decay, Float64Array.of(1), 1, 0, {
        solver: { kind: "fixed", scheme, grid: [1, 0.8, 0.6, 0.4, 0.2 + 1e-17, 0] },
      });
      assert.ok(Math.abs(g.y[0]! - r.y[0]!) < 1e-15, `${scheme}: grid ${g.y[0]} vs steps ${r.y[0]}`);
    }
  });

  test("backward RK4 on decay matches e^{t1 − t0} growth", async () => {
    const r = await integrate(decay, Float64Array.of(1), 1, 0, { solver: { kind: "fixed", steps: 100 } });
    assert.ok(Math.abs(r.y[0]! - Math.E) < 1e-9, `got ${r.y[0]}`);
  });

  test("saveAt on a fixed grid returns the nodes' states", async () => {
    const r = await integrate(decay, Float64Array.of(1), 0, 1, {
      solver: { kind: "fixed", steps: 4 },
      saveAt: [0.5, 0],
    });
    assert.ok(Math.abs(r.saved[0]![0]! - Math.exp(-0.5)) < 1e-4, `saved ${r.saved[0]![0]}`);
    assert.equal(r.saved[1]![0], 1, "t0 state saved");
  });
});

describe("integrate (errors)", () => {
  const ok = Float64Array.of(1);
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    [
      "y0 not a Float64Array",
      () => integrate(decay, [1] as unknown as Float64Array, 0, 1),
      /integrate: y0 must be a Float64Array/,
    ],
    ["non-finite y0", () => integrate(decay, Float64Array.of(Number.NaN), 0, 1), /integrate: y0\[0\] is NaN/],
    [
      "non-finite t1",
      () => integrate(decay, ok, 0, Number.POSITIVE_INFINITY),
      /integrate: t0 and t1 must be finite/,
    ],
    [
      "negative rtol",
      () => integrate(decay, ok, 0, 1, { solver: { kind: "adaptive", rtol: -1 } }),
      /solver\.rtol must be/,
    ],
    [
      "atol of wrong length",
      () => integrate(decay, ok, 0, 1, { solver: { kind: "adaptive", atol: new Float64Array(2) } }),
      /solver\.atol must be a number or a Float64Array of the state's length 1/,
    ],
    [
      "unknown solver kind",
      () => integrate(decay, ok, 0, 1, { solver: { kind: "magic" } as never }),
      /solver\.kind must be "adaptive" or "fixed"/,
    ],
    [
      "fixed without steps",
      () => integrate(decay, ok, 0, 1, { solver: { kind: "fixed" } }),
      /exactly one of steps/,
    ],
    [
      "unsorted grid",
      () => integrate(decay, ok, 0, 1, { solver: { kind: "fixed", grid: [0, 0.6, 0.5, 1] } }),
      /strictly increasing/,
    ],
    [
      "saveAt outside",
      () => integrate(decay, ok, 0, 1, { saveAt: [2] }),
      /saveAt time 2 lies outside \[0, 1\]/,
    ],
    [
      "wrong rhs length",
      () => integrate(() => new Float64Array(3), ok, 0, 1),
      /right-hand side returned length 3/,
    ],
    [
      "wrong rhs length inside an adaptive step",
      () =>
        integrate((t, y) => (t === 0 ? y.map(() => 1) : new Float64Array(2)), ok, 0, 1, {
          solver: { kind: "adaptive", initialStep: 0.1 },
        }),
      /integrate: the right-hand side returned length 2 at t = 0\.02\d*; it must return a Float64Array of the length of the state it is given \(1\)/,
    ],
    [
      "non-finite rhs at start",
      () => integrate(() => Float64Array.of(Number.NaN), ok, 0, 1),
      /right-hand side is NaN in component 0 at t = 0/,
    ],
    [
      "too many steps",
      () =>
        integrate(cosGrowth, ok, 0, 50, {
          solver: { kind: "adaptive", rtol: 1e-12, atol: 1e-14, maxSteps: 5 },
        }),
      /more than 5 steps.*raise solver\.maxSteps/,
    ],
  ];
  for (const [name, run, message] of cases) {
    test(`${name} is rejected with a message naming the argument`, async () => {
      await assert.rejects(run, message, `${name}: wrong or missing error`);
    });
  }

  test("a right-hand side that blows up ends in a step-size-underflow error, not a hang", async () => {
    const blowUp: AsyncRhs = (t, y) => (t > 0.5 ? Float64Array.of(Number.NaN) : y.map(() => 1));
    await assert.rejects(
      () => integrate(blowUp, Float64Array.of(0), 0, 1),
      /step size underflow at t = 0\.(5|49999)/,
      "expected underflow",
    );
  });
});
