/**
 * Views: at a chosen t, the oracle's prediction of each of the six kinds (data, noise, score,
 * velocity, v, drift with a chosen g²) as a vector field over the plane, drawn on the marginal
 * density pₜ, and the conversion between two kinds as its formula with the coefficients at t.
 */
import { KINDS, type Kind } from "difflux";
import { arrows, heatMap } from "../plot.js";
import {
  AFFINE_PATHS,
  PLANE,
  byId,
  fillSelect,
  gmm2,
  gridPoints,
  matrixEntry,
  numberOf,
  pathByName,
  showLatency,
  showProblem,
} from "../common.js";

/** Each kind in terms of the clean data and xₜ on an affine path (α' = dα/dt, σ' = dσ/dt). */
export const KIND_FORMULA: Record<Kind, string> = {
  data: "data",
  noise: "ε = (xₜ − α·data)/σ",
  score: "∇log pₜ = −(xₜ − α·data)/σ²",
  velocity: "u = α'·data + σ'·ε",
  v: "v = α·ε − σ·data",
  drift: "drift = u + (g²/2)·∇log pₜ",
};

/** What the arrow of each kind shows at xₜ. */
const ARROW: Record<Kind, string> = {
  data: "data − xₜ (towards the denoised point)",
  noise: "ε",
  score: "∇ₓ log pₜ",
  velocity: "velocity (probability-flow ODE)",
  v: "v (Salimans–Ho)",
  drift: "drift of the generative SDE",
};

export function setupKinds(): () => void {
  const pathSelect = fillSelect("kinds-path", AFFINE_PATHS, "rectified-flow");
  const from = fillSelect("kinds-from", KINDS, "data");
  const to = fillSelect("kinds-to", KINDS, "velocity");
  const tInput = byId<HTMLInputElement>("kinds-t");
  const g2Input = byId<HTMLInputElement>("kinds-g2");
  const update = () => {
    const start = performance.now();
    byId("kinds-problem").textContent = "";
    const t = numberOf("kinds-t");
    const g2 = numberOf("kinds-g2");
    byId("kinds-t-value").textContent = t.toFixed(2);
    try {
      const path = pathByName(pathSelect.value, 2);
      const slice = path.slice(t as never);
      const on = gmm2.on(path);
      // Background density on a fine grid; arrows on a coarse one.
      const n = 90;
      const fine = gridPoints(PLANE, n, n);
      const logp = on.logProb(t, fine);
      const density = Float64Array.from(logp, Math.exp);
      const points = gridPoints(PLANE, 15, 15);
      const data = on.posteriorMean(t, points);
      for (const kind of KINDS) {
        const canvas = byId<HTMLCanvasElement>(`kinds-${kind}`);
        const frame = heatMap(canvas, density, n, n, PLANE, {
          title: `${kind}: ${ARROW[kind]}`,
          xLabel: "x₁",
          yLabel: "x₂",
          barLabel: "pₜ(x)",
        });
        let field: Float64Array;
        if (kind === "data") field = data.map((d, i) => d - points[i]!);
        else
          field = slice.convert(
            data,
            "data",
            kind,
            points,
            kind === "drift" ? { g2 } : undefined,
          ) as Float64Array;
        arrows(frame, points, field, "#fff");
      }
      // The conversion from → to at t as a formula with its coefficients: to = P·from + Q·xₜ.
      const a = from.value as Kind;
      const b = to.value as Kind;
      const map = slice.conversion(a, b, a === "drift" || b === "drift" ? g2 : undefined);
      const P = matrixEntry(map.P);
      const Q = matrixEntry(map.Q);
      const level = slice.level!;
      const out = byId("kinds-formula");
      out.dataset.p = String(P);
      out.dataset.q = String(Q);
      out.textContent =
        `${b} = ${P.toPrecision(6)} · ${a} ${Q < 0 ? "−" : "+"} ${Math.abs(Q).toPrecision(6)} · xₜ   at t = ${t.toFixed(2)}` +
        `\n  where ${KIND_FORMULA[a]},  ${KIND_FORMULA[b]}` +
        `\n  α = ${level.alpha.toPrecision(4)}, σ = ${level.sigma.toPrecision(4)}, α' = ${level.dAlpha.toPrecision(4)}, σ' = ${level.dSigma.toPrecision(4)}${a === "drift" || b === "drift" ? `, g² = ${g2}` : ""}`;
    } catch (err) {
      showProblem("kinds-problem", err);
    }
    showLatency("kinds-latency", performance.now() - start);
  };
  for (const el of [pathSelect, from, to, g2Input]) el.addEventListener("change", update);
  tInput.addEventListener("input", update);
  return update;
}
