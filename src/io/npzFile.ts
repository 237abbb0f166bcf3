/**
 * `.npz` archives on disk (Node only): the format is in npz.ts (browser-safe); this file supplies
 * node:zlib's raw inflate for `np.savez_compressed` members.
 */
import { inflateRawSync } from "node:zlib";
import { readFileBytes } from "./fileBytes.js";
import type { NpyArray } from "./npy.js";
import { parseNpz } from "./npz.js";
import { relabelErrors } from "./relabel.js";

/**
 * Reads a NumPy `.npz` archive (from np.savez or np.savez_compressed): arrays by name, in archive
 * order (see `parseNpz`). Errors name the function, the file and the problem.
 */
export function readNpz(path: string): Record<string, NpyArray> {
  const bytes = readFileBytes("readNpz", path);
  const inflateRaw = (compressed: Uint8Array, size: number): Uint8Array => {
    try {
      // The declared size bounds the output (a member cannot inflate beyond what the archive says).
      return inflateRawSync(compressed, { maxOutputLength: Math.max(1, size) });
    } catch (err) {
      throw new Error(
        `parseNpz: ${path}: a member cannot be inflated (${err instanceof Error ? err.message : String(err)}); the file is corrupt`,
      );
    }
  };
  return relabelErrors("parseNpz", "readNpz", () => parseNpz(bytes, { inflateRaw, source: path }));
}
