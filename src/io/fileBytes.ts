/**
 * Reading input files (Node only): whole-file bytes with errors that name the file and the fix, and
 * transparent gunzip (node:zlib) for gzip-compressed files such as MNIST's `*.gz`.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { writeFileAtomic } from "./atomic.js";
import { relabelErrors } from "./relabel.js";

/**
 * The bytes of the file at `path`. Throws an Error naming `fn`, the path and the cause: "readNpy:
 * cannot read x.npy: no such file — check the path" (ENOENT), "…: it is a directory", otherwise the
 * system message.
 */
export function readFileBytes(fn: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === "ENOENT"
        ? "no such file — check the path"
        : code === "EISDIR"
          ? "it is a directory — pass a file"
          : code === "EACCES"
            ? "permission denied"
            : err instanceof Error
              ? err.message
              : String(err);
    throw new Error(`${fn}: cannot read ${path}: ${why}`);
  }
}

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * `bytes` decompressed when they are gzip data (detected by the magic 1f 8b, whatever the file
 * name), else `bytes` unchanged. A corrupt or truncated gzip stream throws an Error naming `fn` and
 * `path`.
 */
export function gunzipIfNeeded(fn: string, path: string, bytes: Uint8Array): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${fn}: ${path} is gzip-compressed but cannot be decompressed (${cause}); the file is corrupt or truncated`,
    );
  }
}

/**
 * The file wrapper of a decoder: reads `path` (gunzipping gzip data), decodes it with `decode`, and
 * re-labels the codec's errors ("parseNpy: …" → "readNpy: …"). `fn` is the wrapper's name, `codec`
 * the decoder's.
 */
export function readDecoded<T>(fn: string, codec: string, path: string, decode: (bytes: Uint8Array) => T): T {
  const bytes = gunzipIfNeeded(fn, path, readFileBytes(fn, path));
  return relabelErrors(codec, fn, () => decode(bytes));
}

/**
 * The file wrapper of an encoder: encodes with `encode` (its errors re-labelled as `fn`'s, naming the
 * path) and writes the result atomically (temp file + rename: on failure nothing is left at `path`).
 */
export function writeEncoded(
  fn: string,
  codec: string,
  path: string,
  encode: () => string | Uint8Array,
  mkdir = false,
): void {
  const out = relabelErrors(codec, fn, encode, ` (writing ${path})`);
  writeFileAtomic(path, out, { mkdir });
}
