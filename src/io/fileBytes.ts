/**
 * Reading input files (Node only): whole-file bytes with errors that name the file and the fix, and
 * transparent gunzip (node:zlib) for gzip-compressed files such as MNIST's `*.gz`.
 *
 * Every read is bounded (`INPUT_LIMITS`): only regular files are read (a device such as /dev/zero, a
 * pipe or a socket is refused before a byte is read, also behind a symlink), a file larger than
 * `maxBytes` is refused, and gzip data may inflate to at most
 * min(maxInflatedBytes, max(ratioFloorBytes, maxRatio × compressed size)) bytes.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { writeFileAtomic } from "./atomic.js";
import { relabelErrors } from "./relabel.js";

/** Bounds on what one input file may cost (see `INPUT_LIMITS`). */
export interface InputLimits {
  /** Largest file read, in bytes. */
  readonly maxBytes: number;
  /** Largest result of decompressing gzip data, in bytes. */
  readonly maxInflatedBytes: number;
  /** Largest inflated / compressed size ratio, applied above `ratioFloorBytes`. */
  readonly maxRatio: number;
  /** Inflated sizes up to this many bytes are allowed whatever the ratio. */
  readonly ratioFloorBytes: number;
}

/**
 * The default input bounds: files up to 2 GiB − 1 (Node's largest single read); gzip data inflating to
 * at most 1 GiB and at most 100 × its compressed size once beyond 64 MiB. Real data sets stay far
 * inside (MNIST's images inflate 4.8×); a gzip bomb stops at the bound with a clear error instead of
 * taking the machine's memory. Decompress a genuine file with a higher ratio yourself (`gunzip f.gz`).
 */
export const INPUT_LIMITS: InputLimits = Object.freeze({
  maxBytes: 2 ** 31 - 1,
  maxInflatedBytes: 2 ** 30,
  maxRatio: 100,
  ratioFloorBytes: 64 * 2 ** 20,
});

const CHUNK = 1 << 16;

function fileKind(st: {
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): string {
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a pipe (FIFO)";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function openError(fn: string, path: string, err: unknown): Error {
  const code = (err as { code?: string }).code;
  const why =
    code === "ENOENT"
      ? "no such file — check the path"
      : code === "EISDIR"
        ? "it is a directory — pass a file"
        : code === "EACCES"
          ? "permission denied"
          : code === "ENXIO"
            ? "it is a socket or a device without a reader — pass a regular file"
            : err instanceof Error
              ? err.message
              : String(err);
  return new Error(`${fn}: cannot read ${path}: ${why}`);
}

/**
 * The bytes of the regular file at `path` (a symlink is followed to its target). Throws an Error
 * naming `fn`, the path and the cause: "readNpy: cannot read x.npy: no such file — check the path"
 * (ENOENT), "…: it is a directory", "…: it is a character device, not a regular file", a file larger
 * than `limits.maxBytes`, otherwise the system message. Non-regular files are refused before any byte
 * is read (opened non-blocking, so a pipe without a writer cannot hang the call).
 */
export function readFileBytes(fn: string, path: string, limits: InputLimits = INPUT_LIMITS): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw openError(fn, path, err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new Error(`${fn}: cannot read ${path}: it is a directory — pass a file`);
    if (!st.isFile()) {
      throw new Error(
        `${fn}: cannot read ${path}: it is ${fileKind(st)}, not a regular file — copy the data into a file and pass that`,
      );
    }
    const tooLarge = (): Error =>
      new RangeError(
        `${fn}: cannot read ${path}: it is larger than the input limit of ${limits.maxBytes} bytes; split the data into smaller files`,
      );
    if (st.size > limits.maxBytes) throw tooLarge();
    // Read to the end, never more than maxBytes + 1 bytes (a file may be longer than fstat says:
    // growing, or a kernel file of size 0).
    const chunks: Uint8Array[] = [];
    let total = 0;
    let want = st.size > 0 ? st.size : CHUNK;
    for (;;) {
      const room = limits.maxBytes + 1 - total;
      const buf = Buffer.allocUnsafeSlow(Math.min(want, room));
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, null);
        if (n === 0) break;
        got += n;
      }
      if (got > 0) chunks.push(got === buf.length ? buf : buf.subarray(0, got));
      total += got;
      if (total > limits.maxBytes) throw tooLarge();
      if (got < buf.length) break;
      want = CHUNK;
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(`${fn}: `)) throw err;
    throw openError(fn, path, err);
  } finally {
    closeSync(fd);
  }
}

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The largest inflated size allowed for `compressed` bytes of gzip data:
 * min(maxInflatedBytes, max(ratioFloorBytes, maxRatio × compressed)).
 */
export function inflateLimit(compressed: number, limits: InputLimits = INPUT_LIMITS): number {
  return Math.min(limits.maxInflatedBytes, Math.max(limits.ratioFloorBytes, limits.maxRatio * compressed));
}

/**
 * `bytes` decompressed when they are gzip data (detected by the magic 1f 8b, whatever the file
 * name), else `bytes` unchanged. Decompression stops at `inflateLimit(bytes.length)` bytes with a
 * RangeError naming `fn`, `path`, the bound and the fix (a gzip bomb never inflates further). A corrupt
 * or truncated gzip stream throws an Error naming `fn` and `path`.
 */
export function gunzipIfNeeded(
  fn: string,
  path: string,
  bytes: Uint8Array,
  limits: InputLimits = INPUT_LIMITS,
): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const limit = inflateLimit(bytes.length, limits);
  try {
    return gunzipSync(bytes, { maxOutputLength: limit, chunkSize: CHUNK });
  } catch (err) {
    if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      const why =
        limit < limits.maxInflatedBytes
          ? `over ${limits.maxRatio} × its ${bytes.length} compressed bytes`
          : "the input limit";
      throw new RangeError(
        `${fn}: ${path} is gzip-compressed and inflates to more than ${limit} bytes, ${why}; it is a decompression bomb or very redundant data — if it is genuine, decompress it yourself (gunzip) and pass the result`,
      );
    }
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${fn}: ${path} is gzip-compressed but cannot be decompressed (${cause}); the file is corrupt or truncated`,
    );
  }
}

/**
 * The file wrapper of a decoder: reads `path` (gunzipping gzip data, both bounded by `INPUT_LIMITS`),
 * decodes it with `decode`, and re-labels the codec's errors ("parseNpy: …" → "readNpy: …"). `fn` is
 * the wrapper's name, `codec` the decoder's.
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
