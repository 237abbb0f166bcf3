/**
 * Matrix products generated as WebAssembly SIMD for one network's shapes:
 *   C[M, N] = A[M, K] · B[K, N] (+ bias[N])
 * A is read through constant element strides (A[r, k] at a + r·aRow + k·aCol, so a transposed A
 * costs nothing), B is first packed into panels of 8 columns (`emitPackB`; a transposed B is packed
 * from its transpose). A 4 × 8 tile of C lives in eight f32x4 accumulators while k runs; each k
 * costs two vector loads of B, four broadcasts of A and eight multiplies and eight adds, or with
 * `fma` eight `f32x4.relaxed_madd` (relaxed SIMD; fused on x86 FMA3 and ARM64, each a·b + c then
 * rounded once instead of twice). What happens to a finished tile (store, add, activation) is the
 * caller's epilogue. M and K may be runtime values (the batch), N is a constant.
 *
 * Register budget: V8 keeps a loop's loads at its top, so one k step needs 8 accumulators + 2 B
 * vectors + 4 broadcasts + 1 product = 15 of x64's 16 xmm registers (one is V8's scratch); a larger
 * tile or an unrolled k loop spills (measured: unrolled by 2, 18 spill moves per iteration).
 *
 * Source: Goto & van de Geijn 2008, "Anatomy of high-performance matrix multiplication" (packing,
 * register-blocked micro-kernel).
 */
import type { Bound, FunctionBuilder } from "../../math/wasm.js";

/** Floats per B panel row (two f32x4). */
export const PANEL = 8;

/**
 * Rows of C per block (a multiple of 4): 64 rows of A with k = 256 are 64 KiB, which stay in the
 * 1 MiB L2 of this machine's cores beside the packed B (256 KiB for 256 × 256).
 */
export const ROW_BLOCK = 64;

/** A size known when the code is generated (a number) or only at run time (an i32 local). */
export type Dim = Bound;

/** A Dim as text-format tokens pushing it as an i32. */
export function dim(d: Dim): string {
  return typeof d === "number" ? `i32.const ${d}` : `local.get ${d.local}`;
}

/** What a generated matrix product computes; sizes and strides in elements. */
export interface GemmShape {
  /** Rows of C (a multiple of 4). */
  readonly m: Dim;
  /** Columns of C (a multiple of 4). */
  readonly n: number;
  /** Inner dimension (a multiple of 4). */
  readonly k: Dim;
  /** Element stride of A between rows of C (ignored when `packedA`). */
  readonly aRow: number;
  /** Element stride of A along k (ignored when `packedA`). */
  readonly aCol: number;
  /**
   * A is packed by `emitPackB` with panels 4 wide from Aᵀ ([m/4][k][4]: the 4 rows of a tile at one k
   * are one vector): every k step reads 16 contiguous bytes instead of 4 strided floats.
   */
  readonly packedA?: boolean;
  /**
   * Accumulate with `f32x4.relaxed_madd` (the module then needs relaxed SIMD: `hasRelaxedSimd`).
   * The sums run in the same order either way; only the rounding of each a·b + c differs.
   */
  readonly fma?: boolean;
}

/** A finished 4-row tile of accumulators, handed to an epilogue. */
export interface Tile {
  /** acc[r][v]: v128 locals holding row (row + r), columns col + 4v … col + 4v + 3. */
  readonly acc: readonly (readonly number[])[];
  /** i32 local: first row of the tile. */
  readonly row: number;
  /** i32 local: first column of the tile. */
  readonly col: number;
}

/** Emits the code that consumes a finished tile. */
export type Epilogue = (f: FunctionBuilder, tile: Tile) => void;

/** Operands of `emitGemm`: i32 locals holding byte addresses. */
export interface GemmOperands {
  /** A (strided as the shape says). */
  readonly a: number;
  /** B packed by `emitPackB` for the same n and k. */
  readonly b: number;
  /** A row of n floats the accumulators start from (the bias), or null to start from 0. */
  readonly bias: number | null;
  /**
   * Start from C instead (C += A·B; bias ignored): row-major C at the byte address in local `c`,
   * row stride ld. Splits a long k into chunks whose packed operands stay in cache.
   */
  readonly accumulate?: { readonly c: number; readonly ld: number };
}

/**
 * Sets the i32 local `address` to base + (row·ld + col)·4: the byte address of element (row, col)
 * of a row-major matrix with row stride ld at the byte address in local `base`.
 */
export function emitAddress(f: FunctionBuilder, address: number, base: number, tile: Tile, ld: number): void {
  f.wat`local.get ${tile.row} i32.const ${ld} i32.mul local.get ${tile.col} i32.add i32.const 2 i32.shl
        local.get ${base} i32.add local.set ${address}`;
}

/** An epilogue storing the tile into row-major C (byte address in local `c`, row stride ld). */
export function storeTile(c: number, ld: number): Epilogue {
  return (f, tile) => {
    const address = f.local("i32");
    emitAddress(f, address, c, tile, ld);
    tile.acc.forEach((vectors, r) => {
      vectors.forEach((acc, v) => {
        f.wat`local.get ${address} local.get ${acc} v128.store offset=${(r * ld + 4 * v) * 4}`;
      });
    });
  };
}

function checkMultipleOf4(fn: string, name: string, d: Dim): void {
  if (typeof d === "number" && !(Number.isInteger(d) && d > 0 && d % 4 === 0))
    throw new RangeError(`${fn}: ${name} must be a positive multiple of 4, got ${d}`);
}

/**
 * Emits C = A·B (+ bias): for each panel of 8 columns (the last one 4 wide when n ≡ 4 mod 8), for
 * each block of 4 rows, the tile over all k, then the epilogue.
 */
export function emitGemm(
  f: FunctionBuilder,
  shape: GemmShape,
  operands: GemmOperands,
  epilogue: Epilogue,
): void {
  const { m, n, k } = shape;
  const packed = shape.packedA === true;
  // Packed A: row r of a tile at +4r bytes, the next k 16 bytes on, the next tile k·16 bytes on.
  const [aRow, aCol] = packed ? [1, 4] : [shape.aRow, shape.aCol];
  checkMultipleOf4("emitGemm", "m", m);
  checkMultipleOf4("emitGemm", "n", n);
  checkMultipleOf4("emitGemm", "k", k);
  const row = f.local("i32");
  const col = f.local("i32");
  const ap = f.local("i32");
  const aEnd = f.local("i32");
  const bp = f.local("i32");
  const panel = f.local("i32"); // byte address of the current panel of B
  const bv = [f.local("v128"), f.local("v128")];
  const splat = f.local("v128");
  const acc = [0, 1, 2, 3].map(() => [f.local("v128"), f.local("v128")]);
  const [block, blockEnd, next] = [f.local("i32"), f.local("i32"), f.local("i32")];
  const full = Math.floor(n / PANEL);
  const emitPanels = (width: 1 | 2, firstCol: number, count: number) => {
    if (count === 0) return;
    const tileAcc = acc.map((a) => a.slice(0, width));
    // panel = b + firstCol·k·4 (the panels before this one are PANEL wide)
    f.wat`${dim(k)} i32.const ${firstCol * 4} i32.mul local.get ${operands.b} i32.add local.set ${panel}`;
    f.forRange(col, firstCol, firstCol + count * 4 * width, 4 * width, () => {
      f.forRange(row, { local: block }, { local: blockEnd }, 4, () => {
        // The accumulators start at the bias (or 0, or C's tile).
        const from = operands.accumulate;
        if (from !== undefined) emitAddress(f, ap, from.c, { acc: [], row, col }, from.ld);
        for (const [r, vectors] of tileAcc.entries()) {
          vectors.forEach((a, v) => {
            if (from !== undefined)
              f.wat`local.get ${ap} v128.load offset=${(r * from.ld + 4 * v) * 4} local.set ${a}`;
            else if (operands.bias === null) f.wat`v128.const f32x4 0 local.set ${a}`;
            else
              f.wat`local.get ${col} i32.const 2 i32.shl local.get ${operands.bias} i32.add
                    v128.load offset=${16 * v} local.set ${a}`;
          });
        }
        // ap = a + row·aRow·4 (packed: a + row·k·4), aEnd = ap + k·aCol·4, bp = panel
        if (packed) f.wat`local.get ${row} ${dim(k)} i32.mul i32.const 2 i32.shl`;
        else f.wat`local.get ${row} i32.const ${aRow * 4} i32.mul`;
        f.wat`local.get ${operands.a} i32.add local.tee ${ap}
              ${dim(k)} i32.const ${aCol * 4} i32.mul i32.add local.set ${aEnd}
              local.get ${panel} local.set ${bp}`;
        // do { tile += A[:, k] ⊗ B[k, :]; ap += aCol·4; bp += width·16 } while (ap < aEnd)
        f.wat`loop`;
        for (let v = 0; v < width; v++) f.wat`local.get ${bp} v128.load offset=${16 * v} local.set ${bv[v]!}`;
        for (let r = 0; r < 4; r++) {
          f.wat`local.get ${ap} v128.load32_splat offset=${r * aRow * 4} local.set ${splat}`;
          for (let v = 0; v < width; v++) {
            const a = tileAcc[r]![v]!;
            if (shape.fma === true)
              f.wat`local.get ${splat} local.get ${bv[v]!} local.get ${a} f32x4.relaxed_madd local.set ${a}`;
            else
              f.wat`local.get ${a} local.get ${splat} local.get ${bv[v]!} f32x4.mul f32x4.add local.set ${a}`;
          }
        }
        f.wat`local.get ${bp} i32.const ${width * 16} i32.add local.set ${bp}
              local.get ${ap} i32.const ${aCol * 4} i32.add local.tee ${ap} local.get ${aEnd} i32.lt_u br_if 0
              end`;
        epilogue(f, { acc: tileAcc, row, col });
      });
      // next panel: panel += k·width·16
      f.wat`${dim(k)} i32.const ${width * 16} i32.mul local.get ${panel} i32.add local.set ${panel}`;
    });
  };
  // Blocks of ROW_BLOCK rows, each against every panel: the block's rows of A stay in cache while
  // the panels stream past (with all rows at once, A would be read from memory once per panel).
  f.forRange(block, 0, m, ROW_BLOCK, () => {
    // blockEnd = min(block + ROW_BLOCK, m)
    f.wat`local.get ${block} i32.const ${ROW_BLOCK} i32.add local.tee ${next} ${dim(m)}
          local.get ${next} ${dim(m)} i32.lt_s select local.set ${blockEnd}`;
    emitPanels(2, 0, full);
    if (n % PANEL !== 0) emitPanels(1, full * PANEL, 1);
  });
}

/** The source of a packing: element (k, j) of B at src + k·bRow + j·bCol (element strides). */
export interface PackShape {
  readonly n: number;
  readonly k: Dim;
  readonly bRow: number;
  readonly bCol: number;
  /** Columns per panel: PANEL (default; B for emitGemm) or 4 (a packed A, `packedA`). */
  readonly width?: 4 | 8;
}

/**
 * Emits the packing of B for `emitGemm`: panels of 8 columns ([k][8] floats each, the last [k][4]
 * when n ≡ 4 mod 8), one after another from the byte address in local `dst`; B is read from the
 * byte address in local `src` with the shape's strides. Contiguous rows (bCol = 1) move as vectors;
 * otherwise 4 k × 4 columns are gathered (one vector per column when bRow = 1) and transposed in
 * registers. With `sums` (an i32 local holding a byte address; contiguous rows only) the column sums
 * Σₖ B[k, j] are stored there too (n floats), summed in k order as the rows pass, or with
 * `addSums` added to what is there (0 + s = s exactly, so a single chunk gives the same bits).
 */
export function emitPackB(
  f: FunctionBuilder,
  shape: PackShape,
  src: number,
  dst: number,
  sums: number | null = null,
  addSums = false,
): void {
  const { n, k, bRow, bCol } = shape;
  const wide = shape.width ?? PANEL;
  checkMultipleOf4("emitPackB", "n", n);
  checkMultipleOf4("emitPackB", "k", k);
  if (sums !== null && bCol !== 1)
    throw new RangeError(`emitPackB: column sums need contiguous rows (bCol = 1), got bCol ${bCol}`);
  const total = [f.local("v128"), f.local("v128")];
  const [kk, from, to, column, first] = [
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
    f.local("i32"),
  ];
  const cols = [0, 1, 2, 3].map(() => f.local("v128"));
  const tmp = [0, 1, 2, 3].map(() => f.local("v128"));
  /** One panel of `width` columns starting at the byte address in `first`. */
  const panel = (width: number) => {
    if (bCol === 1) {
      const vectors = width / 4;
      if (sums !== null) for (let v = 0; v < vectors; v++) f.wat`v128.const f32x4 0 local.set ${total[v]!}`;
      f.forRange(kk, 0, k, 1, () => {
        // copy `width` floats of row kk as vectors (and add them to the sums)
        f.wat`local.get ${kk} i32.const ${bRow * 4} i32.mul local.get ${first} i32.add local.set ${from}`;
        for (let v = 0; v < vectors; v++) {
          if (sums === null)
            f.wat`local.get ${to} local.get ${from} v128.load offset=${16 * v} v128.store offset=${16 * v}`;
          else
            f.wat`local.get ${to} local.get ${from} v128.load offset=${16 * v} local.tee ${cols[0]!}
                  v128.store offset=${16 * v}
                  local.get ${total[v]!} local.get ${cols[0]!} f32x4.add local.set ${total[v]!}`;
        }
        f.wat`local.get ${to} i32.const ${width * 4} i32.add local.set ${to}`;
      });
      if (sums !== null) {
        // sums + (first − src): the panel's first column
        f.wat`local.get ${sums} local.get ${first} i32.add local.get ${src} i32.sub local.set ${from}`;
        for (let v = 0; v < vectors; v++) {
          f.wat`local.get ${from}`;
          if (addSums) f.wat`local.get ${from} v128.load offset=${16 * v} local.get ${total[v]!} f32x4.add`;
          else f.wat`local.get ${total[v]!}`;
          f.wat`v128.store offset=${16 * v}`;
        }
      }
      return;
    }
    f.forRange(kk, 0, k, 4, () => {
      f.wat`local.get ${kk} i32.const ${bRow * 4} i32.mul local.get ${first} i32.add local.set ${from}`;
      for (let q = 0; q < width / 4; q++) {
        // cols[c] = B[kk … kk+3, j + 4q + c]
        for (let c = 0; c < 4; c++) {
          const offset = (4 * q + c) * bCol * 4;
          if (bRow === 1) f.wat`local.get ${from} v128.load offset=${offset}`;
          else {
            f.wat`local.get ${from} v128.load32_zero offset=${offset}`;
            for (let r = 1; r < 4; r++) {
              f.wat`local.get ${from} f32.load offset=${offset + r * bRow * 4} f32x4.replace_lane ${r}`;
            }
          }
          f.wat`local.set ${cols[c]!}`;
        }
        emitTranspose4(f, cols, tmp);
        // row r of the transpose (k = kk + r) goes to to + (r·width + 4q)·4
        for (let r = 0; r < 4; r++) {
          f.wat`local.get ${to} local.get ${cols[r]!} v128.store offset=${(r * width + 4 * q) * 4}`;
        }
      }
      f.wat`local.get ${to} i32.const ${4 * width * 4} i32.add local.set ${to}`;
    });
  };
  const full = Math.floor(n / wide);
  f.wat`local.get ${dst} local.set ${to}`;
  // Full panels: column = byte offset (in B) of the panel's first column.
  f.forRange(column, 0, full * wide * bCol * 4, wide * bCol * 4, () => {
    f.wat`local.get ${src} local.get ${column} i32.add local.set ${first}`;
    panel(wide);
  });
  if (n % wide !== 0) {
    f.wat`local.get ${src} i32.const ${full * wide * bCol * 4} i32.add local.set ${first}`;
    panel(n % wide);
  }
}

/** i8x16.shuffle lane bytes picking four float lanes (0–3 from the first operand, 4–7 the second). */
function lanes(...picks: number[]): string {
  return picks.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(" ");
}

/** The shuffles of a 4 × 4 transpose: interleave low / high pairs, then take low / high halves. */
const INTERLEAVE_LOW = lanes(0, 4, 1, 5);
const INTERLEAVE_HIGH = lanes(2, 6, 3, 7);
const LOW_HALVES = lanes(0, 1, 4, 5);
const HIGH_HALVES = lanes(2, 3, 6, 7);

/** Transposes the 4 × 4 matrix whose rows are the v128 locals `rows` in place (tmp: 4 scratch locals). */
export function emitTranspose4(f: FunctionBuilder, rows: readonly number[], tmp: readonly number[]): void {
  const [r0, r1, r2, r3] = rows as [number, number, number, number];
  const [t0, t1, t2, t3] = tmp as [number, number, number, number];
  // t0 = (a0 b0 a1 b1), t1 = (a2 b2 a3 b3), t2 = (c0 d0 c1 d1), t3 = (c2 d2 c3 d3)
  f.wat`local.get ${r0} local.get ${r1} i8x16.shuffle ${INTERLEAVE_LOW} local.set ${t0}
        local.get ${r0} local.get ${r1} i8x16.shuffle ${INTERLEAVE_HIGH} local.set ${t1}
        local.get ${r2} local.get ${r3} i8x16.shuffle ${INTERLEAVE_LOW} local.set ${t2}
        local.get ${r2} local.get ${r3} i8x16.shuffle ${INTERLEAVE_HIGH} local.set ${t3}`;
  // rows = (a0 b0 c0 d0), (a1 b1 c1 d1), (a2 b2 c2 d2), (a3 b3 c3 d3)
  f.wat`local.get ${t0} local.get ${t2} i8x16.shuffle ${LOW_HALVES} local.set ${r0}
        local.get ${t0} local.get ${t2} i8x16.shuffle ${HIGH_HALVES} local.set ${r1}
        local.get ${t1} local.get ${t3} i8x16.shuffle ${LOW_HALVES} local.set ${r2}
        local.get ${t1} local.get ${t3} i8x16.shuffle ${HIGH_HALVES} local.set ${r3}`;
}
