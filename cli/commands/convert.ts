/**
 * `difflux convert`: converts a saved prediction of one kind into another kind at one time of a
 * path (e.g. a noise prediction into the flow velocity), through the library's conversion hub.
 * The library and zod are loaded when the command runs, so `--help` and parse errors are fast.
 */
import type { Command } from "commander";
import { defineCommand } from "../command.js";
import { UsageError, withContext } from "../errors.js";
import { KIND_NAMES, kindHelp } from "../kinds.js";
import { formatNumber, printJson, say } from "../output.js";
import { PATH_NAMES, pathByName, pathHelp } from "../paths.js";

/** The `convert` command (see the file header). */
export function convertCommand(): Command {
  return defineCommand({
    name: "convert",
    summary: "convert a saved prediction of one kind into another at time t of a path",
    description:
      "Convert a prediction of one kind (data, noise, score, velocity, v, drift) into another kind at time t of a path, e.g. an ε-prediction into the flow velocity. All options except --g2 are required.",
    options: (cmd) =>
      cmd
        .option("--path <name>", "the probability path (see Paths below)")
        .option("--t <t>", "canonical time in [0, 1] (0 = noise, 1 = data)")
        .option("--from <kind>", `kind of the input prediction: ${KIND_NAMES.join(", ")}`)
        .option("--to <kind>", `kind to convert to: ${KIND_NAMES.join(", ")}`)
        .option("--xt <file.npy>", "the noisy points xₜ (batch × dim, or any shape)")
        .option("--value <file.npy>", "the prediction at xₜ, same shape as --xt")
        .option("--out <file.npy>", "where to write the result (same shape; float32 if both inputs are)")
        .option("--g2 <g2>", "g² of the generative SDE, needed when a kind is drift (0 = ODE)"),
    notes: [
      ["Paths", pathHelp()],
      ["Kinds (xₜ = α·data + σ·noise)", kindHelp()],
    ],
    examples: [
      [
        "turn an ε-prediction of a VP model into the flow velocity at t = 0.3",
        "difflux convert --path vp --t 0.3 --from noise --to velocity --xt xt.npy --value eps.npy --out u.npy",
      ],
      [
        "recover the denoised data from a rectified-flow velocity, with a JSON summary",
        "difflux convert --path rectified-flow --t 0.5 --from velocity --to data --xt xt.npy --value u.npy --out x.npy --json",
      ],
      [
        "the drift of the generative SDE with g² = 1 from a score",
        "difflux convert --path edm --t 0.6 --from score --to drift --g2 1 --xt xt.npy --value s.npy --out f.npy",
      ],
    ],
    action: runConvert,
  });
}

async function runConvert(values: Record<string, unknown>): Promise<void> {
  const opt = await import("../options.js");
  const o = opt.parseOptions(
    opt.z.object({
      path: opt.choiceOption(PATH_NAMES, "rectified-flow"),
      t: opt.numberOption({ min: 0, max: 1, example: "0.5" }),
      from: opt.choiceOption(KIND_NAMES, "noise"),
      to: opt.choiceOption(KIND_NAMES, "velocity"),
      xt: opt.inputFileOption([".npy"], "xt.npy"),
      value: opt.inputFileOption([".npy"], "noise.npy"),
      out: opt.outputFileOption([".npy"], "velocity.npy"),
      g2: opt.numberOption({ min: 0, example: "1" }).optional(),
      json: opt.flagOption,
    }),
    values,
  );
  const usesDrift = o.from === "drift" || o.to === "drift";
  if (usesDrift && o.g2 === undefined) {
    throw new UsageError(
      "--g2: is required when --from or --to is drift — pass the generative SDE's g², e.g. --g2 1 (0 gives the ODE velocity)",
    );
  }
  const lib = await import("../../src/node.js");
  const xt = withContext("--xt", () => lib.readNpy(o.xt));
  const value = withContext("--value", () => lib.readNpy(o.value));
  if (xt.shape.join(",") !== value.shape.join(",")) {
    throw new UsageError(
      `--value: ${o.value} has shape [${value.shape.join(", ")}] but --xt ${o.xt} has shape [${xt.shape.join(", ")}] — pass the prediction made at these xₜ`,
    );
  }
  const float32 = xt.data instanceof Float32Array && value.data instanceof Float32Array;
  const asType = (a: Float32Array | Float64Array) =>
    float32 ? a : a instanceof Float64Array ? a : Float64Array.from(a);
  const path = await pathByName(o.path);
  const slice = path.slice(o.t);
  const options = usesDrift ? { g2: o.g2! } : {};
  const [p, q] = withContext(`--t ${o.t}`, () =>
    lib.conversionCoefficients(o.from, o.to, slice.level, options),
  );
  const result = withContext(`--t ${o.t}`, () =>
    slice.convert(asType(value.data), o.from, o.to, asType(xt.data), options),
  );
  withContext("--out", () => lib.writeNpy(o.out, result, value.shape));

  const dtype = float32 ? "float32" : "float64";
  if (o.json) {
    printJson({
      command: "convert",
      path: o.path,
      schedule: path.schedule.name,
      t: o.t,
      from: o.from,
      to: o.to,
      ...(usesDrift ? { g2: o.g2 } : {}),
      level: slice.level,
      coefficients: { p, q },
      shape: value.shape,
      dtype,
      out: o.out,
    });
    return;
  }
  say(
    `wrote ${o.out}: ${o.to} [${value.shape.join(" × ")}] ${dtype} = ${formatNumber(p)}·${o.from} + ${formatNumber(q)}·xₜ  (${o.path} at t = ${o.t}: α = ${formatNumber(slice.level.alpha)}, σ = ${formatNumber(slice.level.sigma)})`,
  );
}
