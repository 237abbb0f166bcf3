import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import {
  bfloat16BitsToNumber,
  decodeBfloat16,
  decodeFloat16,
  encodeBfloat16,
  encodeFloat16,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from "../../src/io/float16.js";
import { FIXTURES } from "./fixtures.js";

const HALF = JSON.parse(readFileSync(join(FIXTURES, "weights", "half.json"), "utf8")) as {
  source: (number | string)[];
  f16Bits: number[];
  bf16Bits: number[];
};
const source = HALF.source.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v));

test("float16 bit patterns decode to their closed-form values", () => {
  const cases: [number, number][] = [
    [0x0000, 0],
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0x0400, 2 ** -14],
    [0x0001, 2 ** -24],
    [0x03ff, 1023 * 2 ** -24],
    [0x3555, 0.333251953125],
    [0x7c00, Number.POSITIVE_INFINITY],
    [0xfc00, Number.NEGATIVE_INFINITY],
  ];
  for (const [bits, value] of cases) {
    assert.equal(float16BitsToNumber(bits), value, `0x${bits.toString(16)}`);
    assert.equal(numberToFloat16Bits(value), bits, `${value}`);
  }
  assert.ok(Object.is(float16BitsToNumber(0x8000), -0), "0x8000 is −0");
  assert.ok(Number.isNaN(float16BitsToNumber(0x7e01)), "exponent 31 with a fraction is NaN");
  assert.equal(numberToFloat16Bits(Number.NaN), 0x7e00, "NaN encodes as the quiet NaN");
});

test("float16 rounding is to nearest even at ties, overflow and underflow", () => {
  assert.equal(numberToFloat16Bits(1 + 2 ** -11), 0x3c00, "tie between 1 and 1+2⁻¹⁰ goes to the even 1");
  assert.equal(numberToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02, "tie goes up to the even 1+2⁻⁹");
  assert.equal(numberToFloat16Bits(65519), 0x7bff, "65519 rounds down to 65504");
  assert.equal(numberToFloat16Bits(65520), 0x7c00, "65520 is the tie to ∞");
  assert.equal(numberToFloat16Bits(2 ** -25), 0x0000, "2⁻²⁵ is the tie between 0 and the smallest subnormal");
  assert.equal(numberToFloat16Bits(3 * 2 ** -26), 0x0001, "0.75 of the smallest subnormal rounds up");
  assert.equal(
    numberToFloat16Bits(2 ** -14 - 2 ** -25),
    0x0400,
    "the largest subnormal tie carries into the normals",
  );
  assert.equal(numberToFloat16Bits(2047.9), 0x6800, "2047.9 rounds up across the power of two to 2048");
});

test("bfloat16 bit patterns are the top half of float32, rounded to nearest even", () => {
  assert.equal(bfloat16BitsToNumber(0x3f80), 1);
  assert.equal(bfloat16BitsToNumber(0xc020), -2.5);
  assert.equal(bfloat16BitsToNumber(0x7f80), Number.POSITIVE_INFINITY);
  assert.equal(numberToBfloat16Bits(1 + 2 ** -8), 0x3f80, "tie to the even 1");
  assert.equal(numberToBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82, "tie up to the even neighbour");
  assert.equal(numberToBfloat16Bits(3.4e38), 0x7f80, "beyond the largest bfloat16 rounds to ∞");
  assert.equal(numberToBfloat16Bits(Number.NaN), 0x7fc0, "NaN encodes as the quiet NaN");
});

test("float16 and bfloat16 encoding equals PyTorch's .half() and .bfloat16() on stored values", () => {
  assert.deepEqual(Array.from(encodeFloat16(source)), HALF.f16Bits, "F16 bits");
  assert.deepEqual(Array.from(encodeBfloat16(source)), HALF.bf16Bits, "BF16 bits");
});

test("every finite half bit pattern round-trips through its value, in both formats", () => {
  const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const f16 = decodeFloat16(all);
  const back16 = encodeFloat16(f16);
  const bf16 = decodeBfloat16(all);
  const backBf = encodeBfloat16(bf16);
  for (let b = 0; b < 65536; b++) {
    if (!Number.isNaN(f16[b]!)) assert.equal(back16[b], b, `F16 0x${b.toString(16)}`);
    if (!Number.isNaN(bf16[b]!)) assert.equal(backBf[b], b, `BF16 0x${b.toString(16)}`);
  }
});

test("float16 encoding picks the nearer of the two neighbouring half values", () => {
  fc.assert(
    fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (x) => {
      const b = numberToFloat16Bits(x);
      const v = float16BitsToNumber(b);
      // The neighbours of v one unit away (in bits) are no nearer to x.
      const up = float16BitsToNumber(b + 1);
      const down = float16BitsToNumber(b === 0x8000 || b === 0 ? b : b - 1);
      return Math.abs(v - x) <= Math.abs(up - x) && Math.abs(v - x) <= Math.abs(down - x);
    }),
  );
});
