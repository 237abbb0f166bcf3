import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { FunctionBuilder, globalWasm, ModuleBuilder, sleb, uleb } from "../../src/math/wasm.js";

const wasm = globalWasm()!;

/** Instantiates a module over a fresh memory of `pages` pages. */
function instantiate(mod: ModuleBuilder, pages = 1) {
  const bytes = mod.bytes();
  assert.ok(wasm.validate(bytes), "the assembled module validates");
  const memory = new wasm.Memory({ initial: pages });
  const { exports } = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  return { exports, memory };
}

describe("LEB128", () => {
  it("encodes the core spec's examples and the i32 extremes", () => {
    assert.deepEqual(uleb(0), [0]);
    assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(uleb(2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
    assert.deepEqual(sleb(-1), [0x7f]);
    assert.deepEqual(sleb(63), [0x3f]);
    assert.deepEqual(sleb(64), [0xc0, 0x00]);
    assert.deepEqual(sleb(-(2 ** 31)), [0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it("decodes back to the number it encoded (unsigned and signed)", () => {
    const decode = (bytes: number[], signed: boolean) => {
      let result = 0n;
      let shift = 0n;
      for (const b of bytes) {
        result |= BigInt(b & 0x7f) << shift;
        shift += 7n;
      }
      if (signed && (bytes[bytes.length - 1]! & 0x40) !== 0) result -= 1n << shift;
      return Number(result);
    };
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => decode(uleb(n), false) === n));
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => decode(sleb(n), true) === n),
    );
  });

  it("rejects numbers outside u32 / i32", () => {
    assert.throws(() => uleb(-1), /uleb/);
    assert.throws(() => uleb(2 ** 32), /uleb/);
    assert.throws(() => sleb(2 ** 31), /sleb/);
    assert.throws(() => sleb(0.5), /sleb/);
  });
});

describe("FunctionBuilder.wat", () => {
  it("assembles scalar arithmetic, locals, loops and memory access that run as written", () => {
    const mod = new ModuleBuilder({ initial: 1 });
    // sum(n) = 0 + 1 + … + (n − 1), with a loop; and f(x) = 3x + 1 as f64.
    mod.func("sum", ["i32"], ["i32"], (f) => {
      const [i, acc] = [f.local("i32"), f.local("i32")];
      f.forRange(i, 0, { local: 0 }, 1, () => {
        f.wat`local.get ${acc} local.get ${i} i32.add local.set ${acc}`;
      });
      f.wat`local.get ${acc}`;
    });
    mod.func("affine", ["f64"], ["f64"], (f) => {
      f.wat`local.get 0 f64.const 3 f64.mul f64.const 1 f64.add ;; 3x + 1`;
    });
    // Memory: out[0..3] = a[0..3]·b[0..3] + 0.5 (f32x4), with offsets.
    mod.func("fma4", [], [], (f) => {
      f.wat`i32.const 0 i32.const 0 v128.load offset=16 i32.const 0 v128.load offset=32 f32x4.mul
            v128.const f32x4 0.5 f32x4.add v128.store offset=${48}`;
    });
    const { exports, memory } = instantiate(mod);
    assert.equal((exports.sum as (n: number) => number)(10), 45);
    assert.equal((exports.sum as (n: number) => number)(0), 0);
    assert.equal((exports.affine as (x: number) => number)(2.5), 8.5);
    const heap = new Float32Array(memory.buffer);
    heap.set([1, 2, 3, 4], 4);
    heap.set([0.5, -1, 2, 10], 8);
    (exports.fma4 as () => void)();
    assert.deepEqual([...heap.subarray(12, 16)], [1, -1.5, 6.5, 40.5]);
  });

  it("encodes v128.const lanes, a splat and shuffles", () => {
    const mod = new ModuleBuilder({ initial: 1 });
    mod.func("lanes", [], [], (f) => {
      f.wat`i32.const 0 v128.const f32x4 1 2 3 4 v128.const f32x4 10 f32x4.add v128.store
            i32.const 16 v128.const i32x4 1 2 3 4 v128.const i32x4 -1 i32x4.add v128.store
            i32.const 32 i32.const 0 v128.load i32.const 0 v128.load
            i8x16.shuffle 12 13 14 15 8 9 10 11 4 5 6 7 0 1 2 3 v128.store`;
    });
    const { exports, memory } = instantiate(mod);
    (exports.lanes as () => void)();
    assert.deepEqual([...new Float32Array(memory.buffer, 0, 4)], [11, 12, 13, 14]);
    assert.deepEqual([...new Int32Array(memory.buffer, 16, 4)], [0, 1, 2, 3]);
    assert.deepEqual([...new Float32Array(memory.buffer, 32, 4)], [14, 13, 12, 11]);
  });

  it("builds a shared memory import with its maximum and rejects one without", () => {
    const shared = new ModuleBuilder({ initial: 1, maximum: 2, shared: true });
    shared.func("nop", [], [], () => {});
    const bytes = shared.bytes();
    assert.ok(wasm.validate(bytes), "a module importing a shared memory validates");
    const memory = new wasm.Memory({ initial: 1, maximum: 2, shared: true });
    assert.ok(memory.buffer instanceof SharedArrayBuffer, "the memory is shared");
    new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
    assert.throws(() => new ModuleBuilder({ initial: 1, shared: true }), /shared memory needs a maximum/);
  });

  it("names what is wrong in malformed text", () => {
    const f = () => new FunctionBuilder([], []);
    assert.throws(() => f().wat`i32.frobnicate`, /unknown instruction i32\.frobnicate/);
    assert.throws(() => f().wat`local.get`, /local\.get needs a number/);
    assert.throws(() => f().wat`end`, /end without block/);
    assert.throws(() => f().wat`v128.const f64x2 1 2 3 4`, /v128\.const needs f32x4 or i32x4/);
    assert.throws(() => f().wat`v128.const f32x4 1 2`, /1 or 4 lanes/);
    assert.throws(() => f().wat`i8x16.shuffle 1 2 3`, /16 lane numbers/);
    assert.throws(() => f().wat`block`.encode(), /unclosed block/);
    assert.throws(() => f().param(0), /no parameter 0/);
  });
});
