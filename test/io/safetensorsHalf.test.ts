import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { float16BitsToNumber, numberToBfloat16Bits, numberToFloat16Bits } from "../../src/io/float16.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { FIXTURES } from "./fixtures.js";

const file = join(FIXTURES, "weights", "half.safetensors");

test("F16 and BF16 tensors written by PyTorch decode widened to float32, exactly", () => {
  const { tensors, dtypes } = decodeSafetensors(readFileSync(file), file);
  assert.deepEqual(dtypes, { source: "F32", bf16: "BF16", f16: "F16" });
  const source = tensors.source!.data;
  const f16 = tensors.f16!.data;
  const bf16 = tensors.bf16!.data;
  assert.ok(
    f16 instanceof Float32Array && bf16 instanceof Float32Array,
    "half tensors widen to Float32Array",
  );
  assert.deepEqual([...tensors.f16!.shape], [5, 17]);
  for (let i = 0; i < source.length; i++) {
    // Each decoded value is the half value PyTorch stored for source[i] (bits from our encoder, which
    // test/io/float16.test.ts checks against PyTorch's bit patterns).
    assert.ok(Object.is(f16[i], float16BitsToNumber(numberToFloat16Bits(source[i]!))), `f16[${i}]`);
    assert.ok(Object.is(bf16[i], Math.fround(bf16[i]!)), `bf16[${i}] is a float32`);
    const expected = new Float32Array(new Uint32Array([numberToBfloat16Bits(source[i]!) << 16]).buffer)[0];
    assert.ok(Object.is(bf16[i], expected), `bf16[${i}]`);
  }
});

test("re-encoding a decoded F16/BF16 file with its dtypes gives the same bytes", () => {
  const bytes = readFileSync(file);
  const { tensors, metadata, dtypes } = decodeSafetensors(bytes, file);
  const again = encodeSafetensors(tensors, metadata, { dtypes });
  assert.deepEqual(Buffer.from(again), Buffer.from(bytes), "byte-identical to PyTorch's layout");
});

test("encoding as F16 or BF16 then decoding returns each value rounded once", () => {
  fc.assert(
    fc.property(
      fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 }),
      fc.constantFrom("F16", "BF16"),
      (values, dtype) => {
        const data = Float32Array.from(values);
        const bytes = encodeSafetensors({ w: { data, shape: [data.length] } }, {}, { dtypes: { w: dtype } });
        const back = decodeSafetensors(bytes);
        assert.equal(back.dtypes.w, dtype);
        const round = dtype === "F16" ? numberToFloat16Bits : numberToBfloat16Bits;
        const decoded = back.tensors.w!.data;
        for (let i = 0; i < data.length; i++) {
          const bits = round(data[i]!);
          const want =
            dtype === "F16"
              ? float16BitsToNumber(bits)
              : new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
          if (!Object.is(decoded[i], want)) return false;
        }
        // Idempotent: values already representable survive a second round trip unchanged.
        const twice = decodeSafetensors(encodeSafetensors(back.tensors, {}, { dtypes: back.dtypes }));
        return twice.tensors.w!.data.every((x, i) => Object.is(x, decoded[i]));
      },
    ),
  );
});

test("half tensors are laid out after wider ones and the byte count is two per element", () => {
  const bytes = encodeSafetensors(
    { a: { data: Float32Array.of(1, 2, 3), shape: [3] }, b: { data: Float64Array.of(1), shape: [1] } },
    {},
    { dtypes: { a: "BF16" } },
  );
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(header.b.data_offsets, [0, 8], "F64 first");
  assert.deepEqual(header.a, { dtype: "BF16", shape: [3], data_offsets: [8, 14] });
  assert.equal(bytes.length, 8 + n + 14);
});

test("encodeSafetensors refuses an unknown storage dtype by name", () => {
  assert.throws(
    () =>
      encodeSafetensors(
        { w: { data: Float32Array.of(1), shape: [1] } },
        {},
        { dtypes: { w: "F8" as "F16" } },
      ),
    /encodeSafetensors: options.dtypes\["w"\] is "F8"; use one of F64, F32, F16, BF16/,
  );
});

test("an F16 tensor whose byte span does not fit its shape is refused as corrupt", () => {
  const header = new TextEncoder().encode(
    JSON.stringify({ a: { dtype: "F16", shape: [3], data_offsets: [0, 4] } }),
  );
  const bytes = new Uint8Array(8 + header.length + 4);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  assert.throws(() => decodeSafetensors(bytes), /shape \[3\] of F16 needs 6 bytes/);
});
