/**
 * Loading the vendored 8×8 digits from data/digits.csv.gz (Node only). Parsing, scaling and the
 * split are in digits.ts (browser-safe).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FloatArray } from "../../array.js";
import type { Quantization } from "../../likelihood/bitsPerDim.js";
import { readDecoded } from "../../io/fileBytes.js";
import {
  DIGITS_IMAGE_SHAPE,
  DIGITS_PIXELS,
  type DigitsData,
  type DigitsScale,
  digitsQuantization,
  digitsSplitIndices,
  parseDigitsCsv,
  scaleDigits,
} from "./digits.js";

/**
 * The path of data/digits.csv.gz: the first `data/digits.csv.gz` found walking up from this module
 * (works from src/ under tsx and from dist/src/ after a build, as the package ships `data/`).
 */
export function digitsPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 8; up++) {
    const candidate = join(dir, "data", "digits.csv.gz");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    "digitsPath: data/digits.csv.gz not found above the difflux module; reinstall the package (it ships data/)",
  );
}

const cache = new Map<string, DigitsData>();

/** Options for `loadDigits`. */
export interface LoadDigitsOptions {
  /** "all" (default, 1,797 images in file order), "train" (1,437) or "heldout" (360); see `digitsSplitIndices`. */
  readonly split?: "train" | "heldout" | "all";
  /** Pixel scaling (default "raw", 0…16 as in the file); see `scaleDigits`. */
  readonly scale?: DigitsScale;
  /** Element type of the images (default "float64"). */
  readonly dtype?: "float32" | "float64";
  /** Take only the first n images of the split (default all). */
  readonly n?: number;
  /** Seed of the split permutation (default 0). */
  readonly splitSeed?: number;
  /** Read another copy of the file (default `digitsPath()`). */
  readonly path?: string;
}

/**
 * Loaded digits: images (n × 64, shape [n, 64]) with their labels, the image shape [8, 8] and the
 * quantization of the scale used (`digitsQuantization`).
 */
export interface LoadedDigits {
  readonly data: FloatArray;
  readonly shape: readonly [number, number];
  readonly labels: Uint8Array;
  readonly imageShape: readonly [number, number];
  readonly quantization: Quantization;
}

/**
 * Loads the 8×8 handwritten digits: 1,797 images × 64 pixels (raw values 0…16, row-major) and labels
 * 0…9, scaled and split as asked. The parsed file is cached per path. Errors name the function and
 * the file (missing, corrupt, wrong format) or the bad option.
 */
export function loadDigits(options: LoadDigitsOptions = {}): LoadedDigits {
  const fn = "loadDigits";
  const path = options.path ?? digitsPath();
  let raw = cache.get(path);
  if (raw === undefined) {
    raw = readDecoded(fn, "parseDigitsCsv", path, (bytes) =>
      parseDigitsCsv(new TextDecoder("utf-8").decode(bytes), path),
    );
    cache.set(path, raw);
  }
  const indices = digitsSplitIndices(options.split ?? "all", options.splitSeed ?? 0);
  const n = options.n ?? indices.length;
  if (!Number.isInteger(n) || n < 0 || n > indices.length) {
    throw new RangeError(
      `${fn}: n must be an integer in 0…${indices.length} for split '${options.split ?? "all"}', got ${n}`,
    );
  }
  const pixels = new Float64Array(n * DIGITS_PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i]!;
    pixels.set(raw.images.subarray(src * DIGITS_PIXELS, (src + 1) * DIGITS_PIXELS), i * DIGITS_PIXELS);
    labels[i] = raw.labels[src]!;
  }
  const out = options.dtype === "float32" ? new Float32Array(pixels.length) : new Float64Array(pixels.length);
  const scale = options.scale ?? "raw";
  scaleDigits(pixels, scale, out);
  return {
    data: out,
    shape: [n, DIGITS_PIXELS],
    labels,
    imageShape: DIGITS_IMAGE_SHAPE,
    quantization: digitsQuantization(scale),
  };
}
