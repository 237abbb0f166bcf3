import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import type { NdArray } from "../../src/io/ndarray.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";

const fixture = new URL("./fixtures/reference.safetensors", import.meta.url);

/** The tensors of fixtures/make_reference_safetensors.py, rounded as numpy stores them. */
function referenceTensors(): Record<string, NdArray> {
  return {
    "layers.0.weight": { shape: [2, 3], data: Float32Array.of(1.5, -2.25, 3.0, 0.1, 1e-30, -0) },
    "layers.0.bias": { shape: [2], data: Float32Array.of(Math.PI, -Math.E) },
    "z.f64": { shape: [5], data: Float64Array.from([0, 1, 2, 3, 4], (i) => i / 3) },
    "a.scalar": { shape: [], data: Float64Array.of(2 ** -1074) },
    empty: { shape: [0, 3], data: new Float32Array(0) },
    inf: {
      shape: [3],
      data: Float32Array.of(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4028234663852886e38),
    },
  };
}

function assertSameTensors(actual: Record<string, NdArray>, expected: Record<string, NdArray>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name]!;
    assert.deepEqual([...a.shape], [...e.shape], `${name} shape`);
    assert.equal(a.data.constructor, e.data.constructor, `${name} dtype`);
    assert.deepEqual(
      new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength),
      new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength),
      `${name} bytes`,
    );
  }
}

test("decodeSafetensors reads a file written by the reference safetensors library bit for bit", () => {
  const { tensors, metadata } = decodeSafetensors(
    new Uint8Array(readFileSync(fixture)),
    "reference.safetensors",
  );
  assert.deepEqual(metadata, { step: "7" });
  assertSameTensors(tensors, referenceTensors());
});

test("encodeSafetensors writes the same bytes as the reference safetensors library", () => {
  const bytes = encodeSafetensors(referenceTensors(), { step: "7" });
  assert.deepEqual(bytes, new Uint8Array(readFileSync(fixture)));
});

test("encodeSafetensors pads the header so the data starts at a multiple of 8 and orders F64 before F32", () => {
  const bytes = encodeSafetensors({
    a: { shape: [1], data: Float32Array.of(1) },
    b: { shape: [1], data: Float64Array.of(2) },
  });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(header.b.data_offsets, [0, 8]);
  assert.deepEqual(header.a.data_offsets, [8, 12]);
  assert.equal(header.__metadata__, undefined);
});

test("decodeSafetensors inverts encodeSafetensors for any F32/F64 tensors and metadata", () => {
  const tensor = fc
    .tuple(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), fc.boolean())
    .chain(([shape, f64]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = f64 ? fc.double() : fc.float();
      return fc
        .array(values, { minLength: n, maxLength: n })
        .map((v) => ({ shape, data: f64 ? Float64Array.from(v) : Float32Array.from(v) }));
    });
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== "__metadata__" && s !== "__proto__"),
        tensor,
        { maxKeys: 5 },
      ),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
      (tensors, metadata) => {
        const decoded = decodeSafetensors(encodeSafetensors(tensors, metadata));
        assertSameTensors(decoded.tensors, tensors);
        assert.deepEqual({ ...decoded.metadata }, { ...metadata });
      },
    ),
    { numRuns: 100 },
  );
});

/** A valid file with the header replaced by `header` (padded to a multiple of 8) and `data` bytes. */
function withHeader(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + n + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  return out;
}

test("decodeSafetensors names the file and the problem for corrupt files", () => {
  const good = new Uint8Array(readFileSync(fixture));
  const cases: [string, Uint8Array, RegExp][] = [
    ["too short", good.subarray(0, 5), /w\.st: the file has 5 bytes.*truncated/],
    ["truncated data", good.subarray(0, good.length - 4), /w\.st: .*(ends at byte|cover).*truncated/],
    ["trailing bytes", Uint8Array.from([...good, 0, 0, 0, 0]), /w\.st: the tensors cover .* trailing bytes/],
    [
      "header length too large",
      Uint8Array.from([0xff, 0xff, 0, 0, 0, 0, 0, 0, ...good.subarray(8)]),
      /header length field says 65535 bytes/,
    ],
    [
      "header not JSON",
      Uint8Array.from([...good.subarray(0, 8), 0x7b, 0x7b, ...good.subarray(10)]),
      /header is not valid UTF-8 JSON/,
    ],
    [
      "unsupported dtype",
      withHeader({ a: { dtype: "I64", shape: [2], data_offsets: [0, 16] } }, 16),
      /tensor "a" has dtype "I64"; only F32, F64, F16 and BF16/,
    ],
    [
      "size mismatch",
      withHeader({ a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }, 12),
      /tensor "a" has data_offsets \[0, 12\] but shape \[2, 2\] of F32 needs 16 bytes/,
    ],
    [
      "hole",
      withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8),
      /tensor "a" starts at byte 4 of the data, expected 0/,
    ],
    [
      "overlap",
      withHeader(
        {
          a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          b: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        },
        8,
      ),
      /starts at byte 4 of the data, expected 8/,
    ],
    [
      "bad shape",
      withHeader({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4),
      /tensor "a" has shape \[-1\]/,
    ],
    [
      "non-string metadata",
      withHeader({ __metadata__: { step: 3 } }, 0),
      /__metadata__\["step"\] must be a string/,
    ],
  ];
  for (const [what, bytes, message] of cases) {
    assert.throws(
      () => decodeSafetensors(bytes, "w.st"),
      (err: Error) => {
        assert.match(err.message, /^decodeSafetensors: w\.st: /, what);
        assert.match(err.message, message, what);
        return true;
      },
    );
  }
});

test("encodeSafetensors rejects data that does not fit its shape, naming the tensor", () => {
  assert.throws(
    () => encodeSafetensors({ w: { shape: [2, 3], data: new Float32Array(5) } }),
    /encodeSafetensors: tensor "w": data has 5 elements but shape \[2, 3\] needs 6/,
  );
  assert.throws(
    () => encodeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } }),
    /"__metadata__" is reserved/,
  );
});
