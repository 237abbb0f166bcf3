/**
 * An MLP's weights from a PyTorch `state_dict` saved as safetensors (`safetensors.torch.save_file(
 * net.state_dict(), path)`, in F32, F64, F16 or BF16), as the parameters `networkModel` takes.
 *
 * The PyTorch network must compute what `mlpFeatures` / `mlpForward` compute (train/mlp.ts):
 *   input row  [xₜ, sin(ω₀·c·t), …, sin(ω_{h−1}·c·t), cos(ω₀·c·t), …, cos(ω_{h−1}·c·t)],
 *              ωₖ = maxPeriod^(−k/h), h = timeEmbedding.dim/2, c = timeEmbedding.scale, t canonical time;
 *              a class-conditional config (`classes` = C) appends one-hot(y) of C + 1 entries (the last
 *              for "no label"), i.e. an nn.Embedding(C + 1, width) added after the first Linear;
 *   layers     Linear → φ → Linear → φ → … → Linear (depth + 1 Linear layers, nn.Linear's
 *              y = x·Wᵀ + b, weight [out, in], bias [out]).
 * Layer names (`layers` option), for layer l = 0 … depth:
 *   "layers"      `layers.{l}.weight`, `layers.{l}.bias` (difflux's own names; an nn.ModuleList `layers`)
 *   "sequential"  `{2l}.weight`, `{2l}.bias` (nn.Sequential(Linear, act, Linear, act, …, Linear): the
 *                 activations take the odd indices)
 *   string[]      explicit module names, one per Linear (e.g. ["fc1", "fc2", "out"])
 * and `prefix` is put before each (e.g. "net." for a Sequential held as `self.net`, "model." …).
 * The first layer's weight may be [width, dim + timeEmbedding.dim (+ C + 1)] (as PyTorch stores it) or already
 * padded to featureWidth columns; padding columns are set to 0.
 */
import type { NdArray } from "../io/ndarray.js";
import { type MlpConfig, checkMlpConfig, featureWidth, mlpParamSpecs, realFeatures } from "./mlp.js";
import { type DType, type HostTensor, zerosTensor } from "./tensor.js";

/** Options of `mlpParamsFromStateDict`. */
export interface StateDictOptions {
  /** Names of the Linear modules (file header); default "layers". */
  readonly layers?: "layers" | "sequential" | readonly string[];
  /** Put before every name, e.g. "net." (default ""). */
  readonly prefix?: string;
  /** Element type of the parameters (default float32; float64 keeps F64 weights exact). */
  readonly dtype?: DType;
}

/**
 * The MLP parameters (in `mlpParamSpecs` order) from a state_dict's tensors (e.g.
 * `decodeSafetensors(bytes).tensors`). Throws a RangeError naming the missing tensor (and listing the
 * names the file has) or the tensor whose shape does not fit `config`. Tensors the MLP does not use
 * are ignored.
 */
export function mlpParamsFromStateDict(
  tensors: Readonly<Record<string, NdArray>>,
  config: MlpConfig,
  options: StateDictOptions = {},
): HostTensor[] {
  const fn = "mlpParamsFromStateDict";
  checkMlpConfig(config);
  const layers = config.depth + 1;
  const layout = options.layers ?? "layers";
  const prefix = options.prefix ?? "";
  let names: readonly string[];
  if (layout === "layers") names = Array.from({ length: layers }, (_, l) => `layers.${l}`);
  else if (layout === "sequential") names = Array.from({ length: layers }, (_, l) => `${2 * l}`);
  else if (Array.isArray(layout)) {
    if (layout.length !== layers) {
      throw new RangeError(
        `${fn}: options.layers names ${layout.length} modules but the config has depth + 1 = ${layers} Linear layers`,
      );
    }
    names = layout;
  } else {
    throw new TypeError(`${fn}: options.layers must be "layers", "sequential" or an array of module names`);
  }
  const dtype = options.dtype ?? "float32";
  const real = realFeatures(config);
  const padded = featureWidth(config);
  return mlpParamSpecs(config).map(({ shape }, i) => {
    const l = Math.floor(i / 2);
    const key = `${prefix}${names[l]}.${i % 2 === 0 ? "weight" : "bias"}`;
    const source = tensors[key];
    if (source === undefined || !Object.hasOwn(tensors, key)) {
      const have = Object.keys(tensors);
      throw new RangeError(
        `${fn}: the state_dict has no tensor "${key}" (it has ${have.slice(0, 12).join(", ")}${have.length > 12 ? ", …" : ""}); set options.layers / options.prefix to its module names`,
      );
    }
    const out = zerosTensor(shape, dtype);
    const firstWeight = i === 0;
    const cols = shape.length === 2 ? shape[1]! : 1;
    const fits =
      source.shape.length === shape.length &&
      source.shape[0] === shape[0] &&
      (shape.length === 1 || source.shape[1] === cols || (firstWeight && source.shape[1] === real));
    if (!fits) {
      const want = firstWeight
        ? `[${shape[0]}, ${real}] (or padded [${shape[0]}, ${padded}])`
        : `[${shape.join(", ")}]`;
      throw new RangeError(
        `${fn}: tensor "${key}" has shape [${source.shape.join(", ")}] but the config needs ${want}; check dim, width, depth and timeEmbedding.dim`,
      );
    }
    const sourceCols = shape.length === 2 ? source.shape[1]! : 1;
    const used = firstWeight ? real : sourceCols;
    for (let r = 0; r < shape[0]!; r++) {
      for (let c = 0; c < used; c++) out.data[r * cols + c] = source.data[r * sourceCols + c]!;
    }
    return out;
  });
}
