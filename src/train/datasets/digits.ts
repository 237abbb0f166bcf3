/**
 * The 8×8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", test set, 1,797
 * images, CC BY 4.0; see data/README.md): parsing, pixel scaling and the train / held-out split.
 * Browser-safe; the Node loader that reads the vendored data/digits.csv.gz is digitsFile.ts.
 */
import type { FloatArray } from "../../array.js";
import { parseCsv } from "../../io/csv.js";
import { relabelErrors } from "../../io/relabel.js";
import type { Quantization } from "../../likelihood/bitsPerDim.js";
import { Rng } from "../../random/rng.js";

/** Number of images in the dataset. */
export const DIGITS_COUNT = 1797;
/** Pixels per image (8 × 8, row-major). */
export const DIGITS_PIXELS = 64;
/** Image shape [height, width]. */
export const DIGITS_IMAGE_SHAPE: readonly [number, number] = [8, 8];
/** Largest raw pixel value (a count of "on" pixels in a 4×4 block). */
export const DIGITS_MAX = 16;
/** Images in the held-out split (≈ 20 %); the other 1,437 are the training split. */
export const DIGITS_HELDOUT = 360;

/** Raw digits: images × 64 pixels with integer values 0…16, and labels 0…9. */
export interface DigitsData {
  readonly images: Float64Array;
  readonly labels: Uint8Array;
}

/**
 * Parses the digits CSV (one image per line: 64 pixels then the label, comma-separated, no header),
 * checking 65 columns, pixels that are integers in 0…16 and labels in 0…9. Errors name the
 * function, the source, the line and the column.
 */
export function parseDigitsCsv(text: string, source?: string): DigitsData {
  const fn = "parseDigitsCsv";
  const table = relabelErrors("parseCsv", fn, () =>
    parseCsv(text, { delimiter: ",", header: false, source }),
  );
  const at = source === undefined ? `${fn}: ` : `${fn}: ${source}: `;
  const [rows, cols] = table.shape;
  if (cols !== DIGITS_PIXELS + 1) {
    throw new Error(
      `${at}expected ${DIGITS_PIXELS + 1} columns (64 pixels and a label), got ${cols}; is this the digits file?`,
    );
  }
  const images = new Float64Array(rows * DIGITS_PIXELS);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c <= DIGITS_PIXELS; c++) {
      const v = table.data[r * cols + c]!;
      const max = c < DIGITS_PIXELS ? DIGITS_MAX : 9;
      if (!(Number.isInteger(v) && v >= 0 && v <= max)) {
        throw new Error(
          `${at}row ${r + 1}, column ${c + 1}: ${v} is not an integer in 0…${max}; the file is corrupt`,
        );
      }
      if (c < DIGITS_PIXELS) images[r * DIGITS_PIXELS + c] = v;
      else labels[r] = v;
    }
  }
  return { images, labels };
}

/**
 * How raw pixels v ∈ {0…16} are mapped: "raw" v, "unit" v/16 ∈ [0, 1], "symmetric" v/8 − 1 ∈ [−1, 1]
 * (the usual range for diffusion models on images).
 */
export type DigitsScale = "raw" | "unit" | "symmetric";

/** The affine map of a scale: x = a·v + b. */
function scaleCoefficients(fn: string, scale: DigitsScale): [number, number] {
  switch (scale) {
    case "raw":
      return [1, 0];
    case "unit":
      return [1 / DIGITS_MAX, 0];
    case "symmetric":
      return [2 / DIGITS_MAX, -1];
    default:
      throw new RangeError(`${fn}: scale must be "raw", "unit" or "symmetric", got ${String(scale)}`);
  }
}

/**
 * Scales raw pixels: x = a·v + b with (a, b) = (1, 0) raw, (1/16, 0) unit, (1/8, −1) symmetric.
 * Writes into `out` (default: a new Float64Array) and returns it.
 */
export function scaleDigits<A extends FloatArray = Float64Array>(
  pixels: FloatArray,
  scale: DigitsScale,
  out?: A,
): A {
  const [a, b] = scaleCoefficients("scaleDigits", scale);
  const o = (out ?? new Float64Array(pixels.length)) as A;
  for (let k = 0; k < pixels.length; k++) o[k] = a * pixels[k]! + b;
  return o;
}

/**
 * The quantization of scaled digits: 17 levels whose bins are centred on the scaled values a·v + b,
 *   levels 17, range [b − a/2, b + (16 + ½)·a]   (bin width Δ = a),
 * so `quantize` maps a scaled pixel back to its raw value v and `dequantize` with { kind: "none" } to
 * the pixel; raw [−½, 16½], unit [−1/32, 1 + 1/32], symmetric [−1 − 1/16, 1 + 1/16] (the layout of
 * 8-bit images in [−1, 1] in Ho et al. 2020, with 17 levels). For bits/dim of digits (bitsPerDim.ts).
 */
export function digitsQuantization(scale: DigitsScale): Quantization {
  const [a, b] = scaleCoefficients("digitsQuantization", scale);
  return { levels: DIGITS_MAX + 1, range: [b - a / 2, b + (DIGITS_MAX + 0.5) * a] };
}

/**
 * The inverse of `scaleDigits`: raw pixel values v = (x − b)/a (not rounded or clipped, so model
 * samples map back to the 0…16 range they approximate).
 */
export function unscaleDigits(values: FloatArray, scale: DigitsScale): Float64Array {
  const [a, b] = scaleCoefficients("unscaleDigits", scale);
  return Float64Array.from(values, (x) => (x - b) / a);
}

/**
 * Image indices of a split: a permutation of 0…1796 drawn from `new Rng(splitSeed)`; "heldout" is
 * its first 360 entries, "train" the remaining 1,437 (in permutation order, so the first n of a
 * split are a random subset). The default split seed 0 is fixed so held-out images never leak into
 * training whatever the training seed.
 */
export function digitsSplitIndices(split: "train" | "heldout" | "all", splitSeed = 0): Int32Array {
  const perm = new Rng(splitSeed).permutation(DIGITS_COUNT);
  if (split === "all") return Int32Array.from({ length: DIGITS_COUNT }, (_, i) => i);
  if (split === "heldout") return perm.slice(0, DIGITS_HELDOUT);
  if (split === "train") return perm.slice(DIGITS_HELDOUT);
  throw new RangeError(`digitsSplitIndices: split must be "train", "heldout" or "all", got ${String(split)}`);
}
