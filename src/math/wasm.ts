/**
 * A small WebAssembly assembler: modules are built in TypeScript from named instructions (the text
 * format's names) at load time, so the project needs no toolchain and ships no binary files. Used by
 * the conversion kernel (convert/simd.ts) and the training kernels (train/kernels/).
 *
 * Encoding: WebAssembly core spec §5 (binary format: LEB128 integers, sections, instructions), the
 * fixed-width SIMD proposal (0xFD prefix, BinarySIMD.md), the relaxed SIMD proposal (only
 * `f32x4.relaxed_madd`, used where `hasRelaxedSimd` says the platform takes it) and the threads
 * proposal (shared memory limits flag 0x03).
 */

/** A loop bound: a constant or an i32 local. */
export type Bound = number | { readonly local: number };

/** A value type. */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128 of a non-negative integer < 2³². */
export function uleb(n: number): number[] {
  if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 32)) throw new RangeError(`uleb: ${n} is not a u32`);
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (the immediate of i32.const). */
export function sleb(n: number): number[] {
  if (!(Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31))
    throw new RangeError(`sleb: ${n} is not an i32`);
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** The concatenation of byte arrays (without spreading large arrays into argument lists). */
function concat(parts: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const part of parts) for (const b of part) out.push(b);
  return out;
}

/** A wasm vector: its length, then its items. */
function vec(items: readonly (readonly number[])[]): number[] {
  return concat([uleb(items.length), ...items]);
}

/** A name: its byte length, then the bytes (ASCII only). */
function name(s: string): number[] {
  return vec([...s].map((c) => [c.charCodeAt(0)]));
}

/** A section: id, byte size, contents. */
function section(id: number, contents: readonly number[]): number[] {
  return concat([[id], uleb(contents.length), contents]);
}

/** Instructions without immediates (core), by text-format name. */
const PLAIN = {
  unreachable: 0x00,
  nop: 0x01,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  "i32.eqz": 0x45,
  "i32.eq": 0x46,
  "i32.ne": 0x47,
  "i32.lt_s": 0x48,
  "i32.lt_u": 0x49,
  "i32.gt_s": 0x4a,
  "i32.gt_u": 0x4b,
  "i32.le_s": 0x4c,
  "i32.le_u": 0x4d,
  "i32.ge_s": 0x4e,
  "i32.ge_u": 0x4f,
  "f32.eq": 0x5b,
  "f32.ne": 0x5c,
  "f32.lt": 0x5d,
  "f32.gt": 0x5e,
  "f32.le": 0x5f,
  "f32.ge": 0x60,
  "f64.eq": 0x61,
  "f64.lt": 0x63,
  "f64.gt": 0x64,
  "i32.add": 0x6a,
  "i32.sub": 0x6b,
  "i32.mul": 0x6c,
  "i32.div_s": 0x6d,
  "i32.div_u": 0x6e,
  "i32.and": 0x71,
  "i32.or": 0x72,
  "i32.xor": 0x73,
  "i32.shl": 0x74,
  "i32.shr_s": 0x75,
  "i32.shr_u": 0x76,
  "f32.abs": 0x8b,
  "f32.neg": 0x8c,
  "f32.sqrt": 0x91,
  "f32.add": 0x92,
  "f32.sub": 0x93,
  "f32.mul": 0x94,
  "f32.div": 0x95,
  "f32.min": 0x96,
  "f32.max": 0x97,
  "f64.abs": 0x99,
  "f64.neg": 0x9a,
  "f64.sqrt": 0x9f,
  "f64.add": 0xa0,
  "f64.sub": 0xa1,
  "f64.mul": 0xa2,
  "f64.div": 0xa3,
  "f64.min": 0xa4,
  "f64.max": 0xa5,
  "i32.trunc_f32_s": 0xa8,
  "f32.convert_i32_s": 0xb2,
  "f32.demote_f64": 0xb6,
  "f64.convert_i32_s": 0xb7,
  "f64.promote_f32": 0xbb,
  "i32.reinterpret_f32": 0xbc,
  "f32.reinterpret_i32": 0xbe,
} as const;

/** Core memory instructions: opcode and natural alignment (log₂ bytes). */
const MEMORY = {
  "i32.load": [0x28, 2],
  "f32.load": [0x2a, 2],
  "f64.load": [0x2b, 3],
  "i32.store": [0x36, 2],
  "f32.store": [0x38, 2],
  "f64.store": [0x39, 3],
} as const;

/** Instructions with one LEB128 index immediate. */
const INDEXED = {
  br: 0x0c,
  br_if: 0x0d,
  call: 0x10,
  "local.get": 0x20,
  "local.set": 0x21,
  "local.tee": 0x22,
} as const;

/** SIMD instructions without immediates (0xFD prefix), by text-format name. */
const SIMD = {
  "i32x4.splat": 0x11,
  "f32x4.splat": 0x13,
  "f64x2.splat": 0x14,
  "i32x4.eq": 0x37,
  "i32x4.gt_s": 0x3b,
  "f32x4.eq": 0x41,
  "f32x4.ne": 0x42,
  "f32x4.lt": 0x43,
  "f32x4.gt": 0x44,
  "f32x4.le": 0x45,
  "f32x4.ge": 0x46,
  "v128.not": 0x4d,
  "v128.and": 0x4e,
  "v128.andnot": 0x4f,
  "v128.or": 0x50,
  "v128.xor": 0x51,
  "v128.bitselect": 0x52,
  "f32x4.demote_f64x2_zero": 0x5e,
  "f64x2.promote_low_f32x4": 0x5f,
  "f32x4.ceil": 0x67,
  "f32x4.floor": 0x68,
  "f32x4.trunc": 0x69,
  "f32x4.nearest": 0x6a,
  "i32x4.shl": 0xab,
  "i32x4.shr_s": 0xac,
  "i32x4.shr_u": 0xad,
  "i32x4.add": 0xae,
  "i32x4.sub": 0xb1,
  "i32x4.mul": 0xb5,
  "i32x4.min_s": 0xb6,
  "i32x4.max_s": 0xb8,
  "f32x4.abs": 0xe0,
  "f32x4.neg": 0xe1,
  "f32x4.sqrt": 0xe3,
  "f32x4.add": 0xe4,
  "f32x4.sub": 0xe5,
  "f32x4.mul": 0xe6,
  "f32x4.div": 0xe7,
  "f32x4.min": 0xe8,
  "f32x4.max": 0xe9,
  "f32x4.pmin": 0xea,
  "f32x4.pmax": 0xeb,
  "f64x2.add": 0xf0,
  "f64x2.sub": 0xf1,
  "f64x2.mul": 0xf2,
  "f64x2.div": 0xf3,
  "i32x4.trunc_sat_f32x4_s": 0xf8,
  "f32x4.convert_i32x4_s": 0xfa,
  /** a·b + c, fused where the hardware has FMA (x86 FMA3, ARM64), else rounded twice (relaxed SIMD). */
  "f32x4.relaxed_madd": 0x105,
} as const;

/** SIMD memory instructions: sub-opcode and natural alignment (log₂ bytes). */
const SIMD_MEMORY = {
  "v128.load": [0x00, 4],
  "v128.load32_splat": [0x09, 2],
  "v128.store": [0x0b, 4],
  "v128.load32_zero": [0x5c, 2],
  "v128.load64_zero": [0x5d, 3],
} as const;

/** SIMD lane instructions (one lane-index immediate). */
const SIMD_LANE = {
  "f32x4.extract_lane": 0x1f,
  "f32x4.replace_lane": 0x20,
  "f64x2.extract_lane": 0x21,
} as const;

type PlainOp = keyof typeof PLAIN;
type MemoryOp = keyof typeof MEMORY;
type SimdMemoryOp = keyof typeof SIMD_MEMORY;
type SimdLaneOp = keyof typeof SIMD_LANE;

const simdPrefix = (op: number): number[] => [0xfd, ...uleb(op)];
/** Block type of a block/loop/if without results. */
const EMPTY_BLOCK = 0x40;

/** Tokens of each static piece of a `wat` template, by template (a template's strings array is reused per call site). */
const TEMPLATE_TOKENS = new WeakMap<TemplateStringsArray, string[][]>();

/**
 * The body of one function under construction: typed locals (`local`) and its instructions, written
 * in the text format (`wat`).
 */
export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  private depth = 0;

  constructor(
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}

  /** Index of parameter i. */
  param(i: number): number {
    if (!(i >= 0 && i < this.params.length)) throw new RangeError(`FunctionBuilder.param: no parameter ${i}`);
    return i;
  }

  /** Declares a new local of `type` and returns its index (locals start zeroed). */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  /**
   * Instructions in the text format, as a tagged template: `f.wat\`local.get ${a} v128.load offset=16\``.
   * Tokens are separated by white space; `;;` starts a comment to the end of the line. Immediates:
   * local.get/set/tee, br, br_if, call and the lane instructions take one number; i32/f32/f64.const
   * one number; `v128.const f32x4` and `v128.const i32x4` four numbers, or one to splat; memory
   * instructions an optional `offset=N` (and `align=N`, ignored: the natural alignment is used);
   * i8x16.shuffle sixteen lane numbers. block, loop and if (without results) open a block that
   * `end` closes.
   */
  wat(strings: TemplateStringsArray, ...values: (number | string)[]): this {
    let pieces = TEMPLATE_TOKENS.get(strings);
    if (pieces === undefined) {
      pieces = strings.map((piece) =>
        piece
          .split("\n")
          .map((line) => line.replace(/;;.*$/, ""))
          .join(" ")
          .split(/\s+/)
          .filter((t) => t !== ""),
      );
      TEMPLATE_TOKENS.set(strings, pieces);
    }
    const tokens: string[] = [];
    pieces.forEach((piece, i) => {
      for (const t of piece) tokens.push(t);
      if (i < values.length) {
        const value = values[i]!;
        if (typeof value === "number") tokens.push(String(value));
        else for (const t of value.split(/\s+/)) if (t !== "") tokens.push(t);
      }
    });
    this.assemble(tokens);
    return this;
  }

  /** Encodes a token list of the text format (see `wat`). */
  private assemble(tokens: readonly string[]): void {
    const code = this.code;
    let i = 0;
    const number = (what: string): number => {
      const t = tokens[i++];
      const n = Number(t);
      if (t === undefined || t === "" || Number.isNaN(n))
        throw new SyntaxError(`FunctionBuilder.wat: ${what} needs a number, got ${t}`);
      return n;
    };
    const numbers = (max: number): number[] => {
      const out: number[] = [];
      while (out.length < max && i < tokens.length && !Number.isNaN(Number(tokens[i])))
        out.push(Number(tokens[i++]));
      return out;
    };
    const push = (bytes: readonly number[]) => {
      for (const b of bytes) code.push(b);
    };
    while (i < tokens.length) {
      const t = tokens[i++]!;
      const plain = PLAIN[t as PlainOp];
      const simd = SIMD[t as keyof typeof SIMD];
      if (plain !== undefined) code.push(plain);
      else if (simd !== undefined) push(simdPrefix(simd));
      else if (t in MEMORY || t in SIMD_MEMORY) {
        let offset = 0;
        for (;;) {
          const next = tokens[i];
          if (next === "offset=" || next === "align=") {
            i++;
            const value = number(next);
            if (next === "offset=") offset = value;
          } else if (next !== undefined && /^(offset|align)=./.test(next)) {
            i++;
            const value = Number(next.slice(next.indexOf("=") + 1));
            if (next.startsWith("offset=")) offset = value;
          } else break;
        }
        const [op, align] =
          t in MEMORY
            ? [[MEMORY[t as MemoryOp][0]], MEMORY[t as MemoryOp][1]]
            : [simdPrefix(SIMD_MEMORY[t as SimdMemoryOp][0]), SIMD_MEMORY[t as SimdMemoryOp][1]];
        push(op);
        push(uleb(align));
        push(uleb(offset));
      } else if (t in SIMD_LANE) {
        push(simdPrefix(SIMD_LANE[t as SimdLaneOp]));
        code.push(number(t));
      } else if (t in INDEXED) {
        code.push(INDEXED[t as keyof typeof INDEXED]);
        push(uleb(number(t)));
      } else if (t === "i32.const") {
        code.push(0x41);
        push(sleb(number(t) | 0));
      } else if (t === "f32.const") {
        code.push(0x43);
        push([...new Uint8Array(Float32Array.of(number(t)).buffer)]);
      } else if (t === "f64.const") {
        code.push(0x44);
        push([...new Uint8Array(Float64Array.of(number(t)).buffer)]);
      } else if (t === "i8x16.shuffle") {
        const lanes = numbers(16);
        if (lanes.length !== 16 || lanes.some((l) => !(Number.isInteger(l) && l >= 0 && l < 32)))
          throw new SyntaxError("FunctionBuilder.wat: i8x16.shuffle needs 16 lane numbers in 0–31");
        push(simdPrefix(0x0d));
        push(lanes);
      } else if (t === "v128.const") {
        const shape = tokens[i++];
        const given = numbers(4);
        const lanes = given.length === 1 ? [given[0]!, given[0]!, given[0]!, given[0]!] : given;
        if (lanes.length !== 4) throw new SyntaxError("FunctionBuilder.wat: v128.const needs 1 or 4 lanes");
        const array =
          shape === "f32x4" ? Float32Array.from(lanes) : shape === "i32x4" ? Int32Array.from(lanes) : null;
        if (array === null)
          throw new SyntaxError(`FunctionBuilder.wat: v128.const needs f32x4 or i32x4, got ${shape}`);
        push(simdPrefix(0x0c));
        push([...new Uint8Array(array.buffer)]);
      } else if (t === "block" || t === "loop" || t === "if") {
        code.push(t === "block" ? 0x02 : t === "loop" ? 0x03 : 0x04, EMPTY_BLOCK);
        this.depth++;
      } else if (t === "end") {
        if (this.depth === 0) throw new SyntaxError("FunctionBuilder.wat: end without block");
        this.depth--;
        code.push(0x0b);
      } else throw new SyntaxError(`FunctionBuilder.wat: unknown instruction ${t}`);
    }
  }

  /**
   * `for (i = start; i < end; i += step) body` over an i32 local (signed compare), as block/loop;
   * start and end are constants or i32 locals ({ local }). The body must leave the stack as it found it.
   */
  forRange(i: number, start: Bound, end: Bound, step: number, body: () => void): this {
    const push = (x: Bound) => (typeof x === "number" ? `i32.const ${x}` : `local.get ${x.local}`);
    this.wat`${push(start)} local.set ${i}
             block loop
               local.get ${i} ${push(end)} i32.ge_s br_if 1`;
    body();
    return this.wat`local.get ${i} i32.const ${step} i32.add local.set ${i} br 0
             end end`;
  }

  /** The encoded body: local declarations (runs of one type), the instructions and `end`. */
  encode(): number[] {
    if (this.depth !== 0) throw new Error("FunctionBuilder.encode: unclosed block");
    const runs: number[][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === VALTYPE[t]) last[0]!++;
      else runs.push([1, VALTYPE[t]]);
    }
    const head = [...uleb(runs.length), ...runs.flatMap(([n, t]) => [...uleb(n!), t!])];
    return concat([uleb(head.length + this.code.length + 1), head, this.code, [0x0b]]);
  }
}

/** The imported memory of a module: env.memory, optionally shared (threads) with a maximum. */
export interface MemoryImport {
  /** Initial size in 64 KiB pages. */
  readonly initial: number;
  /** Maximum size in pages (required when shared). */
  readonly maximum?: number;
  readonly shared?: boolean;
}

/** A module under construction: one imported memory, functions (exported by name or internal). */
export class ModuleBuilder {
  private readonly functions: { fn: FunctionBuilder; exportAs: string | null }[] = [];

  constructor(readonly memory: MemoryImport) {
    if (memory.shared === true && memory.maximum === undefined)
      throw new RangeError("ModuleBuilder: a shared memory needs a maximum");
  }

  /**
   * Adds a function built by `build` and returns its index (for `call`); exported as `exportAs`
   * unless that is null.
   */
  func(
    exportAs: string | null,
    params: readonly ValType[],
    results: readonly ValType[],
    build: (f: FunctionBuilder) => void,
  ): number {
    const fn = new FunctionBuilder(params, results);
    build(fn);
    this.functions.push({ fn, exportAs });
    return this.functions.length - 1;
  }

  /** The module's bytes. */
  bytes(): Uint8Array {
    const types: string[] = [];
    const typeIndex = this.functions.map(({ fn }) => {
      const key = `${fn.params.join(",")}->${fn.results.join(",")}`;
      let i = types.indexOf(key);
      if (i < 0) i = types.push(key) - 1;
      return i;
    });
    const typeEntries = types.map((key) => {
      const [p, r] = key.split("->") as [string, string];
      const list = (s: string) => (s === "" ? [] : s.split(",").map((t) => [VALTYPE[t as ValType]]));
      return [0x60, ...vec(list(p)), ...vec(list(r))];
    });
    const { initial, maximum, shared } = this.memory;
    const limits =
      maximum === undefined
        ? [0x00, ...uleb(initial)]
        : [shared === true ? 0x03 : 0x01, ...uleb(initial), ...uleb(maximum)];
    const exports = this.functions.flatMap(({ exportAs }, i) =>
      exportAs === null ? [] : [[...name(exportAs), 0x00, ...uleb(i)]],
    );
    return Uint8Array.from(
      concat([
        [0x00, 0x61, 0x73, 0x6d], // magic "\0asm"
        [0x01, 0x00, 0x00, 0x00], // version 1
        section(1, vec(typeEntries)),
        section(2, vec([[...name("env"), ...name("memory"), 0x02, ...limits]])), // import env.memory
        section(3, vec(typeIndex.map((t) => uleb(t)))),
        section(7, vec(exports)),
        section(10, vec(this.functions.map(({ fn }) => fn.encode()))),
      ]),
    );
  }
}

/** A compiled module (opaque here). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** A linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

/** The part of the WebAssembly namespace the project uses (lib.dom is not in its types). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  /** Asynchronous compilation (where a platform limits synchronous compilation of large modules). */
  compile?(bytes: Uint8Array): Promise<WasmModule>;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The global WebAssembly namespace, or null where there is none. */
export function globalWasm(): WasmApi | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return wasm !== undefined && typeof wasm.validate === "function" ? wasm : null;
}

const RELAXED = new WeakSet<WasmApi>();

/**
 * True when `wasm` accepts relaxed SIMD's `f32x4.relaxed_madd`: Node ≥ 22 and Chromium ≥ 114 by
 * default, Node 20 after `--experimental-wasm-relaxed-simd` (`enableRelaxedSimd` in difflux/node).
 * A yes is remembered per WebAssembly namespace; a no is probed again (a flag may turn it on).
 */
export function hasRelaxedSimd(wasm: WasmApi): boolean {
  if (RELAXED.has(wasm)) return true;
  const mod = new ModuleBuilder({ initial: 1 });
  mod.func("madd", ["v128", "v128", "v128"], ["v128"], (f) => {
    f.wat`local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd`;
  });
  if (!wasm.validate(mod.bytes())) return false;
  RELAXED.add(wasm);
  return true;
}
