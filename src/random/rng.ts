/**
 * Seeded random numbers (design.md §1: randomness is an argument; no Math.random in src/).
 *
 * Algorithm: Philox4x32-10 in counter mode. key = the 64-bit seed; counter = [block (64 bit), stream
 * (64 bit)]. Each block yields 128 bits = two float64 uniforms (53 bits each) = two standard normals
 * (Box–Muller: z₀ = r·cos θ, z₁ = r·sin θ, r = √(−2 log(1 − u₀)), θ = 2π·u₁).
 *
 * Per-sample streams: sample i draws from stream i, so its noise is the same whatever the batch size
 * (`perSampleNormals`). A sequential `Rng` draws from one stream and exposes its state for checkpoints.
 */
import { philox4x32, wordsToUniform } from "./philox.js";
import { type FloatArray, checkAllocation, checkCount } from "../array.js";

const TWO32 = 4294967296;

function split64(fn: string, name: string, value: number): [number, number] {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${fn}: ${name} must be a non-negative safe integer, got ${value}`);
  }
  return [(value % TWO32) >>> 0, Math.floor(value / TWO32) >>> 0];
}

/** The serializable state of an `Rng` (JSON round-trips it exactly). */
export interface RngState {
  readonly algorithm: "philox4x32-10";
  readonly seed: number;
  readonly stream: number;
  readonly block: number;
  /** The second normal of the last Box–Muller pair, not yet returned (null if none). */
  readonly spareNormal: number | null;
  /** The second uniform of the last block, not yet returned (null if none). */
  readonly spareUniform: number | null;
}

/**
 * A seeded sequential generator on one Philox stream.
 * `new Rng(seed, stream = 0)`; seed and stream are non-negative safe integers.
 */
export class Rng {
  readonly seed: number;
  readonly stream: number;
  private readonly k0: number;
  private readonly k1: number;
  private readonly s0: number;
  private readonly s1: number;
  private block = 0;
  private spareNormal: number | null = null;
  private spareUniform: number | null = null;
  private readonly words = new Uint32Array(4);

  constructor(seed: number, stream = 0) {
    [this.k0, this.k1] = split64("Rng", "seed", seed);
    [this.s0, this.s1] = split64("Rng", "stream", stream);
    this.seed = seed;
    this.stream = stream;
  }

  /** Restores a generator from `getState()`; it continues exactly where the saved one stopped. */
  static fromState(state: RngState): Rng {
    if (state === null || typeof state !== "object" || state.algorithm !== "philox4x32-10") {
      throw new TypeError("Rng.fromState: state is not a philox4x32-10 RngState");
    }
    const rng = new Rng(state.seed, state.stream);
    split64("Rng.fromState", "block", state.block);
    const spare = (name: string, x: unknown, ok: (v: number) => boolean): void => {
      if (x !== null && !(typeof x === "number" && ok(x))) {
        throw new RangeError(
          `Rng.fromState: ${name} must be null or a number from getState(), got ${String(x)}`,
        );
      }
    };
    spare("spareNormal", state.spareNormal, Number.isFinite);
    spare("spareUniform", state.spareUniform, (u) => u >= 0 && u < 1);
    rng.block = state.block;
    rng.spareNormal = state.spareNormal;
    rng.spareUniform = state.spareUniform;
    return rng;
  }

  /** The current state (plain JSON-able object). */
  getState(): RngState {
    return {
      algorithm: "philox4x32-10",
      seed: this.seed,
      stream: this.stream,
      block: this.block,
      spareNormal: this.spareNormal,
      spareUniform: this.spareUniform,
    };
  }

  /** An independent generator on another stream of the same seed. */
  fork(stream: number): Rng {
    return new Rng(this.seed, stream);
  }

  private nextBlock(): Uint32Array {
    const [b0, b1] = split64("Rng", "block counter", this.block);
    philox4x32(b0, b1, this.s0, this.s1, this.k0, this.k1, this.words);
    this.block++;
    return this.words;
  }

  /** Uniform float64 in [0, 1). */
  uniform(): number {
    if (this.spareUniform !== null) {
      const u = this.spareUniform;
      this.spareUniform = null;
      return u;
    }
    const w = this.nextBlock();
    this.spareUniform = wordsToUniform(w[2]!, w[3]!);
    return wordsToUniform(w[0]!, w[1]!);
  }

  /** Standard normal N(0, 1) (Box–Muller on one Philox block). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const w = this.nextBlock();
    const [z0, z1] = boxMuller(wordsToUniform(w[0]!, w[1]!), wordsToUniform(w[2]!, w[3]!));
    this.spareNormal = z1;
    return z0;
  }

  /** Integer uniform in [0, n), n ≤ 2⁵³ (by rejection-free scaling of a 53-bit uniform). */
  integer(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RangeError(`Rng.integer: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Fills `out` with standard normals and returns it. */
  fillNormal<A extends FloatArray>(out: A): A {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** Fills `out` with uniforms in [0, 1) and returns it. */
  fillUniform<A extends FloatArray>(out: A): A {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform();
    return out;
  }

  /** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    checkCount("Rng.permutation", "n", n);
    checkAllocation("Rng.permutation", "n", n, 4);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const tmp = p[i]!;
      p[i] = p[j]!;
      p[j] = tmp;
    }
    return p;
  }
}

/** Box–Muller: two uniforms in [0, 1) → two independent standard normals. */
export function boxMuller(u0: number, u1: number): [number, number] {
  const r = Math.sqrt(-2 * Math.log(1 - u0));
  const theta = 2 * Math.PI * u1;
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

/**
 * Standard normals for rows `firstRow … firstRow + rows − 1` of a batch, `dim` per row, at draw number
 * `draw` (e.g. 0 for the initial noise, k + 1 for step k). Row i uses stream i and blocks
 * draw·⌈dim/2⌉ … so the values for a row never depend on the batch size or on the other rows.
 * Writes into `out` (length rows·dim) and returns it.
 */
export function perSampleNormals<A extends FloatArray>(
  seed: number,
  draw: number,
  firstRow: number,
  rows: number,
  dim: number,
  out: A,
): A {
  const [k0, k1] = split64("perSampleNormals", "seed", seed);
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`perSampleNormals: dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(rows) || rows < 0)
    throw new RangeError(`perSampleNormals: rows must be a non-negative integer, got ${rows}`);
  if (out.length !== rows * dim) {
    throw new RangeError(`perSampleNormals: out has length ${out.length}, expected rows·dim = ${rows * dim}`);
  }
  const blocksPerRow = Math.ceil(dim / 2);
  const words = new Uint32Array(4);
  for (let r = 0; r < rows; r++) {
    const [s0, s1] = split64("perSampleNormals", "row", firstRow + r);
    const base = draw * blocksPerRow;
    for (let j = 0; j < blocksPerRow; j++) {
      const [b0, b1] = split64("perSampleNormals", "draw", base + j);
      philox4x32(b0, b1, s0, s1, k0, k1, words);
      const [z0, z1] = boxMuller(wordsToUniform(words[0]!, words[1]!), wordsToUniform(words[2]!, words[3]!));
      const o = r * dim + 2 * j;
      out[o] = z0;
      if (2 * j + 1 < dim) out[o + 1] = z1;
    }
  }
  return out;
}
