/**
 * A WebAssembly SIMD path for the conversion kernel out[i] = p·value[i] + q·xₜ[i] (kernel.ts).
 *
 * The module is assembled here, at load time, in the text format (math/wasm.ts; no toolchain, no
 * binary file): `combine_f32(vPtr, xPtr, oPtr, n, p, q)` and `combine_f64(…)` compute exactly as the
 * JS loops do, and `combine_f32_fast` is the explicit float32 fast path. The JS side either copies
 * chunks of value and xₜ into the module's own memory, runs a chunk and copies the result out, or —
 * when value, xₜ and out all live in one arena (`SimdKernel.arena`) — runs in place with no copy.
 *
 * Precision: the exact functions equal the JS loops bit for bit. Those compute p·v + q·x in float64
 * (a mul, a mul, an add; no FMA) and round once to float32 on store; combine_f32 does the same —
 * load two floats at a time (v128.load64_zero), promote them to f64x2, f64x2.mul / f64x2.add with
 * splatted p and q, f32x4.demote_f64x2_zero, and merge two such pairs into one store. The fast path rounds p and q to float32 and computes in float32 (f32x4),
 * three roundings in all, so |out − (p·v + q·x)| ≤ γ₃·(|p·v| + |q·x|), γ₃ = 3u/(1 − 3u), u = 2⁻²⁴
 * (Higham 2002, §3.1), away from overflow and subnormals; its JS loop (fastCombine32 in kernel.ts)
 * gives the same bits. (NaN payloads are not specified by either JS or wasm; a NaN stays a NaN.)
 *
 * Browser-safe: no Node imports; compiled synchronously (the module is under 1 KB, below the 4 KB
 * cap Chrome has put on synchronous compilation on the main thread).
 */
import type { FloatArray } from "../array.js";
import {
  type FunctionBuilder,
  globalWasm,
  ModuleBuilder,
  type WasmApi,
  type WasmMemory,
  type WasmModule,
} from "../math/wasm.js";

/** The WebAssembly API the kernel is compiled with (math/wasm.ts; tests pass stand-ins). */
export type { WasmApi };

/** Byte lanes of i8x16.shuffle: the low two floats of a, then the low two floats of b. */
const MERGE_LOW_HALVES = "0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23";

/** Parameters of every function: byte addresses of value, xₜ, out; the element count; p; q. */
const [V, X, O, N, P, Q] = [0, 1, 2, 3, 4, 5];

/**
 * A combine function: the vector loop over whole vectors (`perVector` elements of `bytes` each, body
 * given the local with the byte offset), then the scalar tail one element at a time.
 */
function combineFunction(
  f: FunctionBuilder,
  perVector: number,
  bytes: number,
  vector: (i: number) => void,
  scalar: (i: number) => void,
): void {
  const [i, end] = [f.local("i32"), f.local("i32")];
  // end = (n rounded down to whole vectors) in bytes
  f.wat`local.get ${N} i32.const ${-perVector} i32.and i32.const ${Math.log2(bytes)} i32.shl local.set ${end}`;
  f.forRange(i, 0, { local: end }, perVector * bytes, () => vector(i));
  f.wat`local.get ${N} i32.const ${Math.log2(bytes)} i32.shl local.set ${end}`;
  // the tail continues from where the vector loop stopped
  f.wat`block loop
          local.get ${i} local.get ${end} i32.ge_s br_if 1`;
  scalar(i);
  f.wat`  local.get ${i} i32.const ${bytes} i32.add local.set ${i} br 0
        end end`;
}

/**
 * out = p·v + q·x in the arithmetic of the element type itself: f64x2 for Float64Array (exact), f32x4
 * for the float32 fast path (p and q are f32 parameters then).
 */
function combineInType(f: FunctionBuilder, vector: "f64x2" | "f32x4", scalar: "f64" | "f32"): void {
  const bytes = scalar === "f64" ? 8 : 4;
  const [splat, vmul, vadd] = [`${vector}.splat`, `${vector}.mul`, `${vector}.add`];
  const [load, mul, add, store] = [`${scalar}.load`, `${scalar}.mul`, `${scalar}.add`, `${scalar}.store`];
  const [pp, qq] = [f.local("v128"), f.local("v128")];
  f.wat`local.get ${P} ${splat} local.set ${pp} local.get ${Q} ${splat} local.set ${qq}`;
  combineFunction(
    f,
    16 / bytes,
    bytes,
    (i) => {
      f.wat`local.get ${O} local.get ${i} i32.add
            local.get ${V} local.get ${i} i32.add v128.load local.get ${pp} ${vmul}
            local.get ${X} local.get ${i} i32.add v128.load local.get ${qq} ${vmul}
            ${vadd} v128.store`;
    },
    (i) => {
      f.wat`local.get ${O} local.get ${i} i32.add
            local.get ${V} local.get ${i} i32.add ${load} local.get ${P} ${mul}
            local.get ${X} local.get ${i} i32.add ${load} local.get ${Q} ${mul}
            ${add} ${store}`;
    },
  );
}

/** The module's bytes: imports env.memory; exports combine_f32, combine_f64 and combine_f32_fast. */
export function simdModuleBytes(): Uint8Array {
  const mod = new ModuleBuilder({ initial: 0 });
  const exact = ["i32", "i32", "i32", "i32", "f64", "f64"] as const;
  mod.func("combine_f32", exact, [], (f) => {
    const [pp, qq, v, x, o] = [
      f.local("v128"),
      f.local("v128"),
      f.local("i32"),
      f.local("i32"),
      f.local("i32"),
    ];
    f.wat`local.get ${P} f64x2.splat local.set ${pp} local.get ${Q} f64x2.splat local.set ${qq}`;
    /** p·(two floats of value at byte `at`, as f64x2) + q·(the same of xₜ), demoted: two floats in the low half. */
    const pair = (at: number) =>
      f.wat`local.get ${v} v128.load64_zero offset=${at} f64x2.promote_low_f32x4 local.get ${pp} f64x2.mul
            local.get ${x} v128.load64_zero offset=${at} f64x2.promote_low_f32x4 local.get ${qq} f64x2.mul
            f64x2.add f32x4.demote_f64x2_zero`;
    // 8 floats per iteration: four pairs, merged two by two into two stores.
    combineFunction(
      f,
      8,
      4,
      (i) => {
        f.wat`local.get ${V} local.get ${i} i32.add local.set ${v}
              local.get ${X} local.get ${i} i32.add local.set ${x}
              local.get ${O} local.get ${i} i32.add local.tee ${o}`;
        pair(0);
        pair(8);
        f.wat`i8x16.shuffle ${MERGE_LOW_HALVES} v128.store local.get ${o}`;
        pair(16);
        pair(24);
        f.wat`i8x16.shuffle ${MERGE_LOW_HALVES} v128.store offset=16`;
      },
      (i) => {
        f.wat`local.get ${O} local.get ${i} i32.add
              local.get ${V} local.get ${i} i32.add f32.load f64.promote_f32 local.get ${P} f64.mul
              local.get ${X} local.get ${i} i32.add f32.load f64.promote_f32 local.get ${Q} f64.mul
              f64.add f32.demote_f64 f32.store`;
      },
    );
  });
  mod.func("combine_f64", exact, [], (f) => combineInType(f, "f64x2", "f64"));
  mod.func("combine_f32_fast", ["i32", "i32", "i32", "i32", "f32", "f32"], [], (f) =>
    combineInType(f, "f32x4", "f32"),
  );
  return mod.bytes();
}

// ---------------------------------------------------------------------------------------------
// The JS side: memory, copies, arenas, feature detection.
// ---------------------------------------------------------------------------------------------

type Combine = (vPtr: number, xPtr: number, oPtr: number, n: number, p: number, q: number) => void;

/** How a combination rounds: "exact" (float64 arithmetic, one rounding) or "float32" (the fast path). */
export type Precision = "exact" | "float32";

/**
 * Fixed-size WebAssembly memory to allocate arrays from: a conversion whose value, xₜ and out all
 * live in one arena runs in place, with no copy. The memory never grows, so the arrays stay valid.
 */
export interface SimdArena {
  /** A new zero-filled Float32Array of `length` elements in the arena (16-byte aligned). */
  float32(length: number): Float32Array;
  /** A new zero-filled Float64Array of `length` elements in the arena (16-byte aligned). */
  float64(length: number): Float64Array;
  /** Bytes the arena holds. */
  readonly capacity: number;
  /** Bytes allocated so far. */
  readonly used: number;
  /** Starts allocating from the beginning again (arrays already handed out then share memory with new ones). */
  reset(): void;
}

/** A compiled SIMD kernel over its own memory. */
export interface SimdKernel {
  /**
   * Writes o[i] = p·v[i] + q·x[i] (o may be v or x) with the given precision ("float32" applies to
   * Float32Array only); false (nothing written) if the memory cannot grow to one chunk. `v`, `x` and
   * `o` must have the same type and length.
   */
  combine(v: FloatArray, x: FloatArray, p: number, q: number, o: FloatArray, precision?: Precision): boolean;
  /** An arena of `bytes` bytes (rounded up to whole 64 KiB pages), or null if it cannot be allocated. */
  arena(bytes: number): SimdArena | null;
}

/** Options of createSimdKernel. */
export interface SimdKernelOptions {
  /** Bytes of each of the three chunk regions (value, xₜ, out); a multiple of 16. Default SIMD_CHUNK_BYTES. */
  readonly chunkBytes?: number;
}

/**
 * Bytes per chunk region: 128 KiB (32 768 float32 or 16 384 float64), 384 KiB of wasm memory in all,
 * so a chunk's copy-in, compute and copy-out stay in cache. Measured on 1e6 elements (ns/elem,
 * float32 / float64): 32 KiB 0.58 / 1.02, 128 KiB 0.54 / 0.86, 512 KiB 0.57 / 0.90, whole array at
 * once (3n elements of memory) 0.74 / 1.58.
 */
export const SIMD_CHUNK_BYTES = 131_072;

const PAGE = 65_536;

/**
 * Compiles the SIMD kernel with `wasm` (default: the global WebAssembly), or null when wasm is absent
 * (null), the module does not validate (no SIMD support) or compilation is refused (e.g. a CSP
 * without 'wasm-unsafe-eval').
 */
export function createSimdKernel(
  wasm: WasmApi | null = globalWasm(),
  options: SimdKernelOptions = {},
): SimdKernel | null {
  const chunkBytes = options.chunkBytes ?? SIMD_CHUNK_BYTES;
  if (!(Number.isInteger(chunkBytes) && chunkBytes >= 16 && chunkBytes % 16 === 0)) {
    throw new RangeError(`createSimdKernel: chunkBytes must be a positive multiple of 16, got ${chunkBytes}`);
  }
  if (wasm === null || typeof wasm.validate !== "function") return null;
  const bytes = simdModuleBytes();
  let module: WasmModule;
  let memory: WasmMemory;
  let fns: Functions;
  try {
    if (!wasm.validate(bytes)) return null;
    module = new wasm.Module(bytes);
    memory = new wasm.Memory({ initial: 0 });
    fns = functions(new wasm.Instance(module, { env: { memory } }).exports);
  } catch {
    return null;
  }
  /** The instances of the arenas, by their memory's buffer. */
  const arenas = new WeakMap<ArrayBufferLike, Functions>();
  // Views on the memory; re-created after growth (growing detaches the old buffer).
  let heap32 = new Float32Array(memory.buffer);
  let heap64 = new Float64Array(memory.buffer);

  /** Grows the memory to at least `bytes`; false if it cannot. */
  const reserve = (bytes: number): boolean => {
    const have = memory.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      memory.grow(Math.ceil((bytes - have) / PAGE));
    } catch {
      return false;
    }
    heap32 = new Float32Array(memory.buffer);
    heap64 = new Float64Array(memory.buffer);
    return true;
  };

  return {
    combine(v, x, p, q, o, precision = "exact") {
      const n = v.length;
      const bpe = v.BYTES_PER_ELEMENT;
      const pick = (fs: Functions) => (bpe === 8 ? fs.f64 : precision === "float32" ? fs.fast : fs.f32);
      const inArena = v.buffer === x.buffer && x.buffer === o.buffer ? arenas.get(v.buffer) : undefined;
      if (inArena !== undefined) {
        pick(inArena)(v.byteOffset, x.byteOffset, o.byteOffset, n, p, q);
        return true;
      }
      const size = Math.min(n, chunkBytes / bpe); // elements per chunk
      const stride = Math.ceil((size * bpe) / 16) * 16; // bytes per region, 16-aligned
      if (!reserve(3 * stride)) return false;
      const heap = bpe === 4 ? heap32 : heap64;
      const run = pick(fns);
      const xAt = stride / bpe; // element offsets of the xt and out regions
      const oAt = (2 * stride) / bpe;
      for (let start = 0; start < n; start += size) {
        const len = Math.min(size, n - start);
        // Copy in, compute, copy out. Copying out after the compute makes o === v or o === x safe:
        // this chunk of the input has been read, and later chunks are untouched.
        heap.set(len === n ? v : v.subarray(start, start + len), 0);
        heap.set(len === n ? x : x.subarray(start, start + len), xAt);
        run(0, stride, 2 * stride, len, p, q);
        o.set(heap.subarray(oAt, oAt + len), start);
      }
      return true;
    },
    arena(bytes) {
      if (!(Number.isInteger(bytes) && bytes > 0))
        throw new RangeError(`SimdKernel.arena: bytes must be a positive integer, got ${bytes}`);
      const pages = Math.ceil(bytes / PAGE);
      let own: WasmMemory;
      try {
        own = new wasm.Memory({ initial: pages, maximum: pages });
        arenas.set(own.buffer, functions(new wasm.Instance(module, { env: { memory: own } }).exports));
      } catch {
        return null;
      }
      return bufferArena(own.buffer as ArrayBuffer);
    },
  };
}

/** The exported functions of one instance. */
interface Functions {
  readonly f32: Combine;
  readonly f64: Combine;
  readonly fast: Combine;
}

function functions(exports: Record<string, unknown>): Functions {
  return {
    f32: exports.combine_f32 as Combine,
    f64: exports.combine_f64 as Combine,
    fast: exports.combine_f32_fast as Combine,
  };
}

/** An arena over `buffer` (16-byte aligned bump allocation); also the plain-memory fallback. */
export function bufferArena(buffer: ArrayBuffer): SimdArena {
  let used = 0;
  const take = (length: number, bpe: number, what: string) => {
    if (!(Number.isInteger(length) && length >= 0))
      throw new RangeError(`SimdArena.${what}: length must be an integer ≥ 0, got ${length}`);
    const bytes = Math.ceil((length * bpe) / 16) * 16;
    if (used + bytes > buffer.byteLength) {
      throw new RangeError(
        `SimdArena.${what}: ${length} elements need ${bytes} bytes but only ${buffer.byteLength - used} of ${buffer.byteLength} are left; create a larger arena or reset() this one`,
      );
    }
    const at = used;
    used += bytes;
    new Uint8Array(buffer, at, bytes).fill(0);
    return at;
  };
  return {
    float32: (length) => new Float32Array(buffer, take(length, 4, "float32"), length),
    float64: (length) => new Float64Array(buffer, take(length, 8, "float64"), length),
    get capacity() {
      return buffer.byteLength;
    },
    get used() {
      return used;
    },
    reset() {
      used = 0;
    },
  };
}
