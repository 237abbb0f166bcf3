/**
 * IDX (MNIST / Fashion-MNIST) files on disk (Node only). The format itself is in idx.ts (browser-safe).
 */
import type { FloatArray } from "../array.js";
import { readDecoded, writeEncoded } from "./fileBytes.js";
import { type EncodeIdxOptions, encodeIdx, type IdxArray, type ParseIdxOptions, parseIdx } from "./idx.js";

/**
 * Reads an IDX file such as `train-images-idx3-ubyte` or `train-images-idx3-ubyte.gz` (gzip data is
 * recognised by its magic bytes and decompressed with node:zlib). See `parseIdx` for dtypes and
 * checks; errors name the function, the file and the problem.
 */
export function readIdx(path: string, options: Omit<ParseIdxOptions, "source"> = {}): IdxArray {
  return readDecoded("readIdx", "parseIdx", path, (bytes) => parseIdx(bytes, { ...options, source: path }));
}

/**
 * Writes `data` as an IDX file (see `encodeIdx`), atomically (temp file + rename: on failure nothing
 * is left at `path`). Not compressed, whatever the file name.
 */
export function writeIdx(
  path: string,
  data: FloatArray,
  shape: readonly number[] = [data.length],
  options: EncodeIdxOptions & { readonly mkdir?: boolean } = {},
): void {
  writeEncoded("writeIdx", "encodeIdx", path, () => encodeIdx(data, shape, options), options.mkdir);
}
