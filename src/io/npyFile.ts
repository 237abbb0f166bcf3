/**
 * `.npy` files on disk (Node only). The format itself is in npy.ts (browser-safe).
 */
import type { FloatArray } from "../array.js";
import { readDecoded, writeEncoded } from "./fileBytes.js";
import { type EncodeNpyOptions, encodeNpy, type NpyArray, parseNpy } from "./npy.js";

/**
 * Reads a NumPy `.npy` file (gzip-compressed ones too) — see `parseNpy` for dtypes and checks.
 * Errors name the function, the file and the problem, e.g. "readNpy: a.npy: the array is in Fortran
 * (column-major) order; … re-save it with np.save(f, np.ascontiguousarray(a))".
 */
export function readNpy(path: string): NpyArray {
  return readDecoded("readNpy", "parseNpy", path, (bytes) => parseNpy(bytes, path));
}

/**
 * Writes `data` (shape defaults to `[data.length]`) as a `.npy` file byte-identical to `np.save`,
 * atomically (temp file + rename: on failure nothing is left at `path`). See `encodeNpy`.
 */
export function writeNpy(
  path: string,
  data: FloatArray,
  shape: readonly number[] = [data.length],
  options: EncodeNpyOptions & { readonly mkdir?: boolean } = {},
): void {
  writeEncoded("writeNpy", "encodeNpy", path, () => encodeNpy(data, shape, options), options.mkdir);
}
