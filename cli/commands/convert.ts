/**
 * `difflux convert`: converts a saved prediction of one kind into another kind at one time of a
 * path (e.g. a noise prediction into the flow velocity), through the library's conversion hub. Reads
 * and writes .npy (any shape; float32 stays float32) or .csv (rows × columns, float64).
 */
import type { Command } from "commander";
import { KINDS, registry } from "difflux";
import { type CommandValues, defineCommand } from "../command.js";
import { UsageError, withContext } from "../errors.js";
import {
  choiceOption,
  componentOption,
  inputFileOption,
  numberOption,
  outputFileOption,
} from "../options.js";
import { formatNumber, printJson, say } from "../output.js";

const kinds = KINDS;
const ARRAYS = [".npy", ".csv"];

/** The options of `convert`. */
export const CONVERT_OPTIONS = {
  path: componentOption(registry.paths, {
    help: "the probability path (see Paths below)",
    required: true,
    example: "vp",
  }),
  t: numberOption({
    help: "canonical time in [0, 1] (0 = noise, 1 = data)",
    min: 0,
    max: 1,
    required: true,
    example: "0.5",
    value: "t",
  }),
  from: choiceOption(kinds, {
    help: `kind of the input prediction: ${kinds.join(", ")}`,
    required: true,
    example: "noise",
    value: "kind",
  }),
  to: choiceOption(kinds, {
    help: `kind to convert to: ${kinds.join(", ")}`,
    required: true,
    example: "velocity",
    value: "kind",
  }),
  xt: inputFileOption(ARRAYS, {
    help: "the noisy points xₜ (.npy of any shape, or .csv rows × columns)",
    required: true,
    example: "xt.npy",
  }),
  value: inputFileOption(ARRAYS, {
    help: "the prediction at xₜ, same shape as --xt",
    required: true,
    example: "noise.npy",
  }),
  out: outputFileOption(ARRAYS, {
    help: "where to write the result (same shape; float32 if both inputs are float32 .npy)",
    required: true,
    example: "velocity.npy",
  }),
  g2: numberOption({
    help: "g² of the generative SDE, needed when a kind is drift (0 = ODE)",
    min: 0,
    example: "1",
    value: "g2",
  }),
} as const;

type Values = CommandValues<typeof CONVERT_OPTIONS>;

/** The `convert` command (see the file header). */
export function convertCommand(): Command {
  return defineCommand({
    name: "convert",
    summary: "convert a saved prediction of one kind into another at time t of a path",
    description:
      "Convert a prediction of one kind (data, noise, score, velocity, v, drift) into another kind at time t of a path, e.g. an ε-prediction into the flow velocity. Arrays are .npy (any shape) or .csv (one point per row).",
    options: CONVERT_OPTIONS,
    notes: [
      ["Paths", registry.paths.help()],
      ["Kinds (xₜ = α·data + σ·noise)", registry.kinds.help()],
    ],
    examples: [
      [
        "turn an ε-prediction of a VP model into the flow velocity at t = 0.3",
        "difflux convert --path vp --t 0.3 --from noise --to velocity --xt xt.npy --value eps.npy --out u.npy",
      ],
      [
        "recover the denoised data from a rectified-flow velocity given as CSV, with a JSON summary",
        "difflux convert --path rectified-flow --t 0.5 --from velocity --to data --xt xt.csv --value u.csv --out x.csv --json",
      ],
      [
        "the drift of the generative SDE with g² = 1 from a score",
        "difflux convert --path edm --t 0.6 --from score --to drift --g2 1 --xt xt.npy --value s.npy --out f.npy",
      ],
    ],
    check: (o) => {
      if ((o.from === "drift" || o.to === "drift") && o.g2 === undefined) {
        throw new UsageError(
          "--g2: is required when --from or --to is drift — pass the generative SDE's g², e.g. --g2 1 (0 gives the ODE velocity)",
        );
      }
    },
    run: runConvert,
  });
}

async function runConvert(o: Values): Promise<void> {
  const lib = await import("difflux/node");
  const read = (flag: string, file: string) =>
    withContext(flag, () => (file.toLowerCase().endsWith(".csv") ? lib.readCsv(file) : lib.readNpy(file)));
  const xt = read("--xt", o.xt);
  const value = read("--value", o.value);
  if (xt.shape.join(",") !== value.shape.join(",")) {
    throw new UsageError(
      `--value: ${o.value} has shape [${value.shape.join(", ")}] but --xt ${o.xt} has shape [${xt.shape.join(", ")}] — pass the prediction made at these xₜ`,
    );
  }
  const csvOut = o.out.toLowerCase().endsWith(".csv");
  const float32 = !csvOut && xt.data instanceof Float32Array && value.data instanceof Float32Array;
  const asType = (a: Float32Array | Float64Array) =>
    float32 ? a : a instanceof Float64Array ? a : Float64Array.from(a);
  const pathName = registry.paths.format(o.path.choice);
  const path = registry.paths.build(o.path.choice, undefined);
  const slice = path.slice(o.t);
  const usesDrift = o.from === "drift" || o.to === "drift";
  const options = usesDrift ? { g2: o.g2! } : {};
  const [p, q] = withContext(`--t ${o.t}`, () =>
    lib.conversionCoefficients(o.from, o.to, slice.level, options),
  );
  const result = withContext(`--t ${o.t}`, () =>
    slice.convert(asType(value.data), o.from, o.to, asType(xt.data), options),
  );
  const header = "header" in value && value.header !== null ? { header: value.header } : {};
  withContext("--out", () =>
    csvOut
      ? lib.writeCsv(o.out, result, value.shape.length === 2 ? value.shape : [result.length, 1], header)
      : lib.writeNpy(o.out, result, value.shape),
  );

  const dtype = float32 ? "float32" : "float64";
  if (o.json) {
    printJson({
      command: "convert",
      path: pathName,
      t: o.t,
      from: o.from,
      to: o.to,
      ...(usesDrift ? { g2: o.g2 } : {}),
      level: slice.level,
      coefficients: { p, q },
      shape: value.shape,
      dtype,
      files: [o.out],
    });
    return;
  }
  say(
    `wrote ${o.out}: ${o.to} [${value.shape.join(" × ")}] ${dtype} = ${formatNumber(p)}·${o.from} + ${formatNumber(q)}·xₜ  (${pathName} at t = ${o.t}: α = ${formatNumber(slice.level.alpha)}, σ = ${formatNumber(slice.level.sigma)})`,
  );
}
