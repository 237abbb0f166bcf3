/**
 * `difflux sample`: draws samples from a trained model (a checkpoint, or an ONNX model run by ONNX
 * Runtime) with any sampler and time grid — a checkpoint optionally on another path than the one it
 * was trained on (the library's `retime`), an ONNX model optionally with the sampler, grid and path of
 * a diffusers scheduler config — for a class (`--class`) with classifier-free guidance (`--guidance`,
 * `--guidance-interval`, `--guidance-rescale`), and writes them as .npy or .csv, or as a PNG image
 * grid for image-shaped samples, with optional plots of the samples and of their trajectories.
 */
import type { Command } from "commander";
import { KINDS, registry } from "difflux";
import { type CommandValues, defineCommand } from "../command.js";
import { RunFailedError, UsageError } from "../errors.js";
import {
  choiceOption,
  componentOption,
  flagOption,
  inputFileOption,
  numberListOption,
  numberOption,
  outputFileOption,
  textOption,
} from "../options.js";
import { formatNumber, printJson, say } from "../output.js";
import { applySamplerGrid, SAMPLER_NAMES_NOTE } from "./shared.js";
import { flagOf } from "../options.js";

/** Kinds an ONNX model may predict (drift needs its g², which the command line does not take). */
const MODEL_KINDS = KINDS.filter((k): k is Exclude<typeof k, "drift"> => k !== "drift");

/** The `--time-input` names (cli/run/onnx.ts maps them to the library's conventions). */
const TIME_INPUT_NAMES = ["time", "diffusion-time", "train-step", "sigma", "log-snr"] as const;

/** The options of `sample`. */
export const SAMPLE_OPTIONS = {
  ckpt: textOption({
    help: "checkpoint directory written by difflux train (or --onnx)",
    value: "dir",
    example: "runs/moons",
  }),
  onnx: inputFileOption([".onnx"], {
    help: "an ONNX model run by ONNX Runtime (onnxruntime-node), instead of --ckpt",
    example: "models/fashion-unet/unet.onnx",
  }),
  kind: choiceOption(MODEL_KINDS, {
    help: `with --onnx: what the model predicts: ${MODEL_KINDS.join(", ")}`,
    value: "kind",
    example: "noise",
  }),
  timeInput: choiceOption(TIME_INPUT_NAMES, {
    help: `with --onnx: the model's time input: ${TIME_INPUT_NAMES.join(", ")} (canonical t, 1 − t, diffusers' table index, σ/α, log-SNR)`,
    value: "convention",
    example: "train-step",
  }),
  trainSteps: numberOption({
    help: "with --time-input train-step: the length N of the training table (index k = (1 − t)·N − 1)",
    integer: true,
    min: 1,
    default: 1000,
  }),
  timeScale: numberOption({
    help: "with --onnx: multiply the time input by this (e.g. 1000 for a model fed 1000·t)",
    above: 0,
    default: 1,
  }),
  inputs: textOption({
    help: "with --onnx: names of the sample, time and (optional) class-label inputs (default: the model's inputs in order)",
    value: "names",
    example: "sample,timestep,class_labels",
  }),
  nullLabel: numberOption({
    help: 'with --onnx: the label the model takes for "no class" (the unconditional branch of guidance)',
    integer: true,
    min: -1,
    default: -1,
  }),
  schedulerConfig: inputFileOption([".json"], {
    help: "with --onnx: build the sampler, grid and path from a diffusers scheduler_config.json (with its _class_name), for --steps inference steps",
    example: "scheduler_config.json",
  }),
  out: outputFileOption([".npy", ".csv", ".png"], {
    help: "where to write the samples: .npy, .csv, or .png (an image grid, for image-shaped samples)",
    required: true,
    example: "samples.npy",
  }),
  sampler: componentOption(registry.samplers, { help: "the sampler (see Samplers below)", default: "heun" }),
  steps: numberOption({
    help: "number of grid steps (the NFE depends on the sampler)",
    integer: true,
    min: 1,
    max: 100000,
    default: 20,
  }),
  grid: componentOption(registry.grids, { help: "the time grid (see Grids below)", default: "uniform" }),
  path: componentOption(registry.paths, {
    help: `sample on this path instead of the training path (with --onnx: the path the model was trained on): ${registry.paths.names.join(", ")}`,
    example: "cosine",
  }),
  class: numberOption({
    help: "sample this class of a class-conditional model (labels 0 … C−1)",
    integer: true,
    min: 0,
    example: "3",
  }),
  guidance: numberOption({
    help: "classifier-free guidance scale s with --class (1 = the conditional model, 0 = unconditional)",
    min: 0,
    example: "4",
    value: "s",
  }),
  guidanceInterval: numberListOption({
    help: "apply guidance only for noise levels σ/α in (lo, hi] (Kynkäänniemi et al. 2024), s = 1 outside",
    min: 0,
    value: "lo,hi",
    example: "0.28,5.42",
  }),
  guidanceRescale: numberOption({
    help: "guidance rescale φ ∈ [0, 1] (Lin et al. 2023), computed in v",
    min: 0,
    max: 1,
    example: "0.7",
    value: "phi",
  }),
  n: numberOption({ help: "number of samples", integer: true, min: 1, max: 10_000_000, default: 1000 }),
  seed: numberOption({
    help: "seed of the initial noise and of stochastic samplers",
    integer: true,
    min: 0,
    default: 0,
  }),
  plot: outputFileOption([".png", ".svg"], {
    help: "plot the samples (2-D: over the training data; images: a grid)",
    example: "samples.png",
  }),
  trajectories: outputFileOption([".png", ".svg"], {
    help: "plot the paths of the first 100 samples (first two coordinates)",
    example: "paths.png",
  }),
  ema: flagOption("use the raw weights instead of their EMA", true),
} as const;

type Values = CommandValues<typeof SAMPLE_OPTIONS>;

/** The options that only an ONNX model takes. */
const ONNX_ONLY = [
  "kind",
  "timeInput",
  "trainSteps",
  "timeScale",
  "inputs",
  "nullLabel",
  "schedulerConfig",
] as const;

/** The `sample` command (see the file header). */
export function sampleCommand(): Command {
  return defineCommand({
    name: "sample",
    summary: "draw samples from a trained model with any sampler, grid and path",
    description:
      "Draw samples from a trained model: a checkpoint of difflux train (--ckpt), or an ONNX model (--onnx, run by onnxruntime-node; say what it predicts, its time input and path, or give its diffusers scheduler config). Any sampler runs on any grid; --path samples a checkpoint on another path than the training one (the prediction is retimed exactly, matching log-SNR). A class-conditional model samples --class K, with classifier-free guidance --guidance S. Sample i depends only on --seed and i. Writes .npy or .csv (n × dim, in the model's data space), or a .png image grid for image-shaped samples.",
    options: SAMPLE_OPTIONS,
    notes: [
      ["Samplers (NAME or NAME:param=value)", `${registry.samplers.help()}\n${SAMPLER_NAMES_NOTE}`],
      ["Grids", registry.grids.help()],
    ],
    examples: [
      [
        "1000 samples with Heun on 20 steps",
        "difflux sample --ckpt runs/moons --out samples.npy --plot samples.png",
      ],
      [
        "DPM-Solver++(3M) on a Karras grid, 10 steps, as CSV",
        "difflux sample --ckpt runs/vp --sampler dpm-solver:order=3 --grid karras --steps 10 --out s.csv",
      ],
      [
        "the same sampler and grid by its UI name",
        'difflux sample --ckpt runs/vp --sampler "DPM++ 2M Karras" --steps 10 --out s.npy',
      ],
      [
        "a rectified-flow model sampled on the cosine path, with trajectories",
        "difflux sample --ckpt runs/moons --path cosine --out s.npy --trajectories paths.png",
      ],
      [
        "digit 3 of a class-conditional model with guidance scale 3",
        "difflux sample --ckpt runs/digits --class 3 --guidance 3 --n 64 --out threes.png",
      ],
      [
        "an ONNX image model (ε on the DDPM table, class 10 = none) with guidance, as an image grid",
        "difflux sample --onnx models/fashion-unet/unet.onnx --kind noise --time-input train-step --path ddpm --null-label 10 --class 3 --guidance 4 --sampler dpm-solver --steps 20 --n 16 --out grid.png",
      ],
      [
        "the same model with diffusers' DDIM scheduler config",
        "difflux sample --onnx models/fashion-unet/unet.onnx --scheduler-config models/fashion-unet/scheduler_config.json --null-label 10 --class 3 --guidance 2 --steps 20 --n 16 --out grid.png",
      ],
    ],
    check: (o, given) => {
      applySamplerGrid(o, given);
      const files = [o.out, o.plot, o.trajectories].filter((f) => f !== undefined);
      if (new Set(files).size !== files.length)
        throw new UsageError("--out, --plot and --trajectories must be different files");
      if (o.ckpt !== undefined) {
        const stray = ONNX_ONLY.filter((k) => given.has(k));
        if (stray.length > 0)
          throw new UsageError(
            `${stray.map((k) => flagOf(k)).join(", ")} describe an ONNX model; with --ckpt drop them (the checkpoint records its kind and path)`,
          );
      }
      if (o.schedulerConfig !== undefined) {
        const clash = (["sampler", "grid", "path", "kind", "timeInput"] as const).filter((k) => given.has(k));
        if (clash.length > 0)
          throw new UsageError(
            `--scheduler-config sets the sampler, grid, path, kind and time input; drop ${clash.map((k) => flagOf(k)).join(", ")}`,
          );
      }
      if (o.guidanceInterval !== undefined) {
        const [lo, hi] = o.guidanceInterval;
        if (o.guidanceInterval.length !== 2 || !(lo! < hi!))
          throw new UsageError(
            `--guidance-interval must be two noise levels lo,hi with lo < hi (e.g. 0.28,5.42), got ${o.guidanceInterval.join(",")}`,
          );
      }
    },
    run: runSample,
  });
}

/**
 * Rules between options that one option alone breaks, checked when the command runs (--print-config
 * prints any option on its own): one model source, guidance with a class.
 */
function checkPartners(o: Values): void {
  if ((o.ckpt === undefined) === (o.onnx === undefined))
    throw new UsageError("give the model as exactly one of --ckpt (a training run) or --onnx (an ONNX file)");
  const guided = [o.guidance, o.guidanceInterval, o.guidanceRescale].some((v) => v !== undefined);
  if (guided && o.class === undefined)
    throw new UsageError("--guidance needs --class (guidance pushes towards a class)");
  if ((o.guidanceInterval !== undefined || o.guidanceRescale !== undefined) && o.guidance === undefined)
    throw new UsageError("--guidance-interval and --guidance-rescale need --guidance");
}

/** The model to sample: a checkpoint's network or an ONNX model, with what the command needs of it. */
async function loadModel(o: Values) {
  checkPartners(o);
  const lib = await import("difflux/node");
  if (o.onnx !== undefined) {
    const { loadCliOnnx } = await import("../run/onnx.js");
    const m = await loadCliOnnx({
      file: o.onnx,
      ...(o.kind === undefined ? {} : { kind: o.kind as (typeof MODEL_KINDS)[number] }),
      ...(o.timeInput === undefined ? {} : { timeInput: o.timeInput as (typeof TIME_INPUT_NAMES)[number] }),
      timeScale: o.timeScale,
      trainSteps: o.trainSteps,
      ...(o.path === undefined ? {} : { path: registry.paths.build(o.path.choice, undefined) }),
      ...(o.inputs === undefined ? {} : { inputs: o.inputs }),
      nullLabel: o.nullLabel,
      ...(o.schedulerConfig === undefined ? {} : { schedulerConfig: o.schedulerConfig }),
      steps: o.steps,
    });
    if (o.class !== undefined && !m.labelled)
      throw new UsageError(`--class: ${o.onnx} takes no class labels (give its label input with --inputs)`);
    return {
      model: m.model,
      dim: m.dim,
      shape: m.sampleShape,
      data: null,
      source: { onnx: o.onnx },
      scheduler: m.scheduler,
      pathName: m.scheduler === null ? registry.paths.format(o.path!.choice) : `the ${m.scheduler.name} path`,
      toData: (x: Float64Array) => x,
      dispose: () => {},
    };
  }
  const { loadTrainedModel } = await import("../run/model.js");
  const trained = await loadTrainedModel(o.ckpt!, o.ema);
  if (o.class !== undefined) {
    if (trained.classes === null)
      throw new UsageError(
        `--class: ${o.ckpt} is unconditional (trained without --labels); drop --class or train with --labels`,
      );
    if (o.class >= trained.classes)
      throw new UsageError(`--class: ${o.ckpt} knows classes 0 … ${trained.classes - 1}, got ${o.class}`);
  }
  if (o.guidance !== undefined && o.guidance !== 1 && trained.labelDropout === 0)
    throw new UsageError(
      `--guidance: ${o.ckpt} was trained with --label-dropout 0, so it never learned the unconditional branch guidance needs — train with --label-dropout 0.1, or drop --guidance`,
    );
  const info =
    trained.data !== null && lib.isDatasetName(trained.data) ? lib.datasetInfo(trained.data) : null;
  return {
    model:
      o.path === undefined
        ? trained.model
        : lib.retime(trained.model, registry.paths.build(o.path.choice, undefined)),
    dim: trained.dim,
    shape: info?.imageShape ?? [trained.dim],
    data: trained.data,
    source: { ckpt: o.ckpt, step: trained.step, ema: trained.ema },
    scheduler: null,
    pathName: o.path === undefined ? "the training path" : registry.paths.format(o.path.choice),
    toData: trained.toData,
    dispose: () => trained.model.dispose(),
  };
}

async function runSample(o: Values): Promise<void> {
  const lib = await import("difflux/node");
  const { drawSamples } = await import("../run/sampling.js");
  const { samplePlots } = await import("../run/figures.js");
  const { writeFilesAtomic } = await import("../outputFiles.js");
  const loaded = await loadModel(o);
  const guided =
    o.guidance === undefined
      ? loaded.model
      : lib.classifierFreeGuidance(loaded.model, {
          scale: o.guidance,
          ...(o.guidanceInterval === undefined
            ? {}
            : { interval: { by: "sigma", min: o.guidanceInterval[0]!, max: o.guidanceInterval[1]! } }),
          ...(o.guidanceRescale === undefined ? {} : { rescale: { phi: o.guidanceRescale, kind: "v" } }),
        });
  const sampler = loaded.scheduler?.name ?? registry.samplers.format(o.sampler.choice);
  const grid = loaded.scheduler === null ? registry.grids.format(o.grid.choice) : "scheduler";
  const r = await drawSamples(guided, {
    sampler: o.sampler.choice,
    grid: o.grid.choice,
    steps: o.steps,
    n: o.n,
    dim: loaded.dim,
    seed: o.seed,
    trajectories: o.trajectories === undefined ? 0 : 100,
    ...(o.class === undefined ? {} : { condition: { labels: new Int32Array(o.n).fill(o.class) } }),
    ...(loaded.scheduler === null ? {} : { built: loaded.scheduler }),
    // The network generates standardised rows when it was trained on them: back to data units.
    toData: loaded.toData,
  });
  loaded.dispose();
  const bad = r.x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new RunFailedError(
      `sampling: sample ${Math.floor(bad / loaded.dim)} (and maybe others) is not finite (${r.x[bad]}), so nothing was written — the model is broken or the sampler unstable on it; try another --sampler or more --steps, or retrain`,
    );
  }
  const conditioned =
    o.class === undefined
      ? ""
      : `, class ${o.class}${o.guidance === undefined ? "" : `, guidance ${o.guidance}`}`;
  const title = `${sampler}, ${grid} grid, ${o.steps} steps (${r.nfe} NFE) on ${loaded.pathName}${conditioned}`;
  const figures = await samplePlots({
    samples: r.x,
    dim: loaded.dim,
    states: r.states,
    data: loaded.data,
    title,
    plot: o.plot,
    trajectories: o.trajectories,
  });
  const lower = o.out.toLowerCase();
  const bytes = lower.endsWith(".csv")
    ? lib.formatCsv(r.x, [o.n, loaded.dim])
    : lower.endsWith(".png")
      ? await (await import("../run/images.js")).imageGridPng(r.x, o.n, loaded.shape)
      : lib.encodeNpy(r.x, [o.n, loaded.dim]);
  const files = [{ path: o.out, data: bytes }, ...figures];
  writeFilesAtomic(files);
  if (o.json) {
    printJson({
      command: "sample",
      ...loaded.source,
      sampler,
      grid,
      steps: o.steps,
      nfe: r.nfe,
      path: loaded.scheduler === null && o.path !== undefined ? registry.paths.format(o.path.choice) : null,
      class: o.class ?? null,
      guidance: o.guidance ?? null,
      n: o.n,
      dim: loaded.dim,
      seed: o.seed,
      seconds: r.seconds,
      files: files.map((f) => f.path),
    });
    return;
  }
  say(`sampled ${o.n} × ${loaded.dim} with ${title} in ${formatNumber(r.seconds)} s`);
  say(`wrote ${files.map((f) => f.path).join(", ")}`);
}
