/**
 * Samplers: pick a sampler (its numeric parameters, such as a stochastic sampler's noise level, become
 * inputs), a grid and the number of steps; animate the trajectories of 64 samples on the oracle; plot
 * the error against NFE of several samplers against the exact probability-flow solution from the same
 * initial noise (RK4 on 512 steps).
 */
import { type Sampler, type SamplerState, registry, sample } from "difflux";
import { PALETTE, dots, heatMap, lineChart } from "../plot.js";
import {
  AFFINE_PATHS,
  PLANE,
  breathe,
  byId,
  fillSelect,
  gmm2,
  gridPoints,
  showLatency,
  showProblem,
  pathByName,
} from "../common.js";

const N = 64;
const COMPARED = ["euler", "heun", "dpm-solver", "unipc", "deis"];
const NFE_STEPS = [4, 8, 16, 32];

/** The sampler named in the picker with the parameters typed into its inputs. */
function chosenSampler(): { name: string; sampler: Sampler } {
  const name = byId<HTMLSelectElement>("samplers-sampler").value;
  const params: Record<string, number> = {};
  for (const input of byId("samplers-params").querySelectorAll("input")) {
    if (input.value !== "") params[input.name] = Number(input.value);
  }
  return { name, sampler: registry.samplers.build({ name, params }, undefined) };
}

/** σ(t₀)·z with z from a fixed stream: the same start for every sampler. */
function initialNoise(path: ReturnType<typeof pathByName>): Float64Array {
  const t0 = path.tMin;
  const sigma = path.slice(t0 as never).level?.sigma ?? 1;
  const z = new Float64Array(N * 2);
  // A fixed low-discrepancy set of normal draws (Box–Muller on a lattice) keeps the view deterministic.
  for (let i = 0; i < N; i++) {
    const u1 = (i + 0.5) / N;
    const u2 = ((i * 0.618034) % 1) + 1e-9;
    const r = Math.sqrt(-2 * Math.log(u1));
    z[2 * i] = sigma * r * Math.cos(2 * Math.PI * u2);
    z[2 * i + 1] = sigma * r * Math.sin(2 * Math.PI * u2);
  }
  return z;
}

const DENSITY_RES = 80;
let density: Float64Array | undefined;

/**
 * Animates `states` (one batch per grid node) over about a second: the trajectories grow node by node
 * on the data density, the current points in red. Stops when `generation` moves on.
 */
function drawTrajectories(states: readonly Float64Array[], title: string, generation: number): void {
  const n = DENSITY_RES;
  density ??= Float64Array.from(gmm2.logProb(gridPoints(PLANE, n, n)), Math.exp);
  const frames = states.length;
  const began = performance.now();
  const frameAt = (k: number) => {
    const frame = heatMap(byId("samplers-traj"), density!, n, n, PLANE, {
      title,
      xLabel: "x₁",
      yLabel: "x₂",
      barLabel: "data density",
    });
    const { ctx } = frame;
    ctx.strokeStyle = "rgba(255,255,255,0.7)";
    ctx.lineWidth = 1;
    frame.clip(() => {
      for (let i = 0; i < N; i++) {
        ctx.beginPath();
        for (let j = 0; j <= k; j++) {
          const X = frame.px(states[j]![2 * i]!);
          const Y = frame.py(states[j]![2 * i + 1]!);
          if (j === 0) ctx.moveTo(X, Y);
          else ctx.lineTo(X, Y);
        }
        ctx.stroke();
      }
    });
    dots(frame, states[k]!, "#ff4040", 4);
  };
  const tick = () => {
    if (currentGeneration !== generation) return;
    const k = Math.min(frames - 1, Math.floor(((performance.now() - began) / 1000) * frames));
    frameAt(k);
    if (k < frames - 1) requestAnimationFrame(tick);
  };
  frameAt(0);
  requestAnimationFrame(tick);
}

let currentGeneration = 0;

export function setupSamplers(): { update: () => Promise<void>; cancel: () => void } {
  const samplerSelect = fillSelect("samplers-sampler", registry.samplers.names, "dpm-solver");
  const gridSelect = fillSelect("samplers-grid", registry.grids.names, "uniform");
  const pathSelect = fillSelect("samplers-path", AFFINE_PATHS, "cosine");
  const stepsInput = byId<HTMLInputElement>("samplers-steps");
  let generation = 0;
  const paramInputs = () => {
    const entry = registry.samplers.entry(samplerSelect.value)!;
    const box = byId("samplers-params");
    box.replaceChildren();
    for (const [key, spec] of Object.entries(entry.params)) {
      if (spec.type !== "number" && spec.type !== "integer") continue;
      const label = document.createElement("label");
      label.textContent = `${key} `;
      label.title = spec.description;
      const input = document.createElement("input");
      input.type = "number";
      input.name = key;
      input.step = "any";
      input.placeholder = spec.description;
      input.addEventListener("change", () => void update());
      label.append(input);
      box.append(label);
    }
  };
  const update = async () => {
    const my = ++generation;
    currentGeneration = my;
    const start = performance.now();
    byId("samplers-problem").textContent = "";
    try {
      const path = pathByName(pathSelect.value, 2);
      const model = gmm2.denoiser(path);
      const steps = Math.max(1, Math.min(200, Math.round(Number(stepsInput.value))));
      const grid = registry.grids.build(gridSelect.value, { path, steps });
      const { sampler } = chosenSampler();
      const x0 = initialNoise(path);
      const states: Float64Array[] = [];
      const result = await sample(model, {
        sampler,
        grid,
        x: x0,
        batch: N,
        seed: 11,
        dim: 2,
        onStep: (s: SamplerState) => void states.push(Float64Array.from(s.x)),
      });
      showLatency("samplers-latency", performance.now() - start);
      drawTrajectories(
        states,
        `trajectories: ${samplerSelect.value}, ${steps} steps, ${result.nfe} model evaluations`,
        my,
      );
      const out = byId("samplers-values");
      out.dataset.nfe = String(result.nfe);
      out.textContent = `${result.nfe} model evaluations; first sample (${result.x[0]!.toFixed(4)}, ${result.x[1]!.toFixed(4)})`;
      out.dataset.x0 = String(result.x[0]);
      // Error against NFE for several samplers (each against RK4 on 512 steps from the same start).
      await breathe();
      if (my !== generation) return;
      const exactGrid = registry.grids.build(gridSelect.value, { path, steps: 512 });
      const exact = (
        await sample(model, {
          sampler: registry.samplers.build("rk4", undefined),
          grid: exactGrid,
          x: x0,
          batch: N,
          dim: 2,
        })
      ).x;
      const names = [...new Set([...COMPARED, samplerSelect.value])];
      const series = [];
      for (const [k, name] of names.entries()) {
        const nfes: number[] = [];
        const errors: number[] = [];
        for (const s of NFE_STEPS) {
          if (my !== generation) return;
          byId("samplers-progress").textContent = `error against NFE: ${name}, ${s} steps…`;
          await breathe();
          const smp =
            name === samplerSelect.value ? chosenSampler().sampler : registry.samplers.build(name, undefined);
          const r = await sample(model, {
            sampler: smp,
            grid: registry.grids.build(gridSelect.value, { path, steps: s }),
            x: x0,
            batch: N,
            seed: 11,
            dim: 2,
          });
          let sum = 0;
          for (let i = 0; i < r.x.length; i++) sum += (r.x[i]! - exact[i]!) ** 2;
          nfes.push(r.nfe);
          errors.push(Math.sqrt(sum / N));
        }
        series.push({ label: name, x: nfes, y: errors, color: PALETTE[k % PALETTE.length]!, points: true });
      }
      lineChart(byId("samplers-error"), series, {
        title: "RMS error against the exact probability-flow solution",
        xLabel: "model evaluations (NFE)",
        yLabel: "RMS error",
        logX: true,
        logY: true,
      });
      byId("samplers-progress").textContent = "error against NFE: done";
    } catch (err) {
      showProblem("samplers-problem", err);
    }
  };
  samplerSelect.addEventListener("change", () => {
    paramInputs();
    void update();
  });
  for (const el of [gridSelect, pathSelect, stepsInput]) el.addEventListener("change", () => void update());
  paramInputs();
  return {
    update,
    cancel: () => {
      generation++;
      currentGeneration = generation;
    },
  };
}
