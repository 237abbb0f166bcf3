/**
 * Parser limits at their edges: header nesting, header length and dimension count of .npy; header
 * length and nesting of safetensors; the JSON nesting pre-scan; nested schedule and SDE specs. One
 * level inside a limit parses, one level beyond is a named error (never a stack overflow).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  MAX_SCHEDULE_SPEC_DEPTH,
  MAX_SDE_SPEC_DEPTH,
  NPY_MAX_DIMS,
  NPY_MAX_HEADER_BYTES,
  NPY_MAX_HEADER_DEPTH,
  SAFETENSORS_MAX_HEADER_BYTES,
  SAFETENSORS_MAX_HEADER_DEPTH,
  encodeNpy,
  parseNpy,
  scheduleFromSpec,
  sdeFromSpec,
} from "../../src/index.js";
import { jsonDepthBeyond } from "../../src/io/json.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";

/** A v2 .npy file from a header dict text, with `data` zero bytes after it. */
function npy(header: string, data = 0): Uint8Array {
  const text = new TextEncoder().encode(`${header}\n`);
  const out = new Uint8Array(12 + text.length + data);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0], 0);
  new DataView(out.buffer).setUint32(8, text.length, true);
  out.set(text, 12);
  return out;
}

/** A header dict with an extra key nested `depth` levels in total (the dict itself is level 1). */
const nested = (depth: number) =>
  `{'descr': '<f8', 'fortran_order': False, 'shape': (0,), 'x': ${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;

describe("npy limits", () => {
  test("a header nested exactly NPY_MAX_HEADER_DEPTH deep parses; one level more is refused by name", () => {
    assert.equal(NPY_MAX_HEADER_DEPTH, 8);
    assert.deepEqual(parseNpy(npy(nested(NPY_MAX_HEADER_DEPTH))).shape, [0]);
    assert.throws(
      () => parseNpy(npy(nested(NPY_MAX_HEADER_DEPTH + 1)), "a.npy"),
      /^Error: parseNpy: a\.npy: malformed header: the header nests deeper than 8 levels; a \.npy header is a flat dict$/,
    );
  });

  test("64 dimensions parse, 65 are refused; a header over 1 MiB is refused when present in full", () => {
    const dims = (n: number) => `{'descr': '<f8', 'fortran_order': False, 'shape': (${"1, ".repeat(n)}), }`;
    assert.equal(parseNpy(npy(dims(NPY_MAX_DIMS), 8)).shape.length, 64);
    assert.throws(
      () => parseNpy(npy(dims(NPY_MAX_DIMS + 1), 8)),
      /shape has 65 dimensions, more than numpy's 64/,
    );
    const padded = `${nested(1)}${" ".repeat(NPY_MAX_HEADER_BYTES)}`;
    assert.throws(
      () => parseNpy(npy(padded)),
      /header length field says \d+ bytes, more than the 1048576 this reader accepts/,
    );
  });

  test("encodeNpy output always stays inside the limits parseNpy applies", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: NPY_MAX_DIMS }), (shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        assert.deepEqual(parseNpy(encodeNpy(new Float64Array(n), shape)).shape, shape);
      }),
      { numRuns: 50 },
    );
  });
});

describe("safetensors and JSON limits", () => {
  const st = (header: string) => {
    const text = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + text.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    return out;
  };
  test("a header nested SAFETENSORS_MAX_HEADER_DEPTH deep parses; one more is refused before JSON.parse", () => {
    const meta = (depth: number) =>
      `{"__metadata__": {}, "x": ${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
    assert.equal(SAFETENSORS_MAX_HEADER_DEPTH, 8);
    assert.throws(
      () => decodeSafetensors(st(meta(8))),
      /tensor "x" has no \{dtype, shape, data_offsets\}|has dtype/,
    );
    assert.throws(
      () => decodeSafetensors(st(meta(9)), "w"),
      /^RangeError: decodeSafetensors: w: the header nests deeper than 8 levels/,
    );
    assert.equal(SAFETENSORS_MAX_HEADER_BYTES, 16 * 2 ** 20);
  });

  test("jsonDepthBeyond agrees with the true nesting and ignores brackets inside strings", () => {
    const arb = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.string(),
        fc.integer(),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie("value"), { maxKeys: 3 }),
      ),
    })).value;
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === "object"
        ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf))
        : 0;
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 6 }), (v, max) => {
        const d = depthOf(v);
        assert.equal(jsonDepthBeyond(JSON.stringify(v), max), d > max ? max + 1 : 0);
      }),
    );
    assert.equal(
      jsonDepthBeyond('{"a": "[[[[[[[\\"[[[["}', 1),
      0,
      "brackets in strings and escapes do not count",
    );
  });
});

describe("spec nesting", () => {
  const shifted = (depth: number) => {
    let spec: unknown = { family: "linear" };
    for (let k = 0; k < depth; k++) spec = { family: "shifted", base: spec, shift: 1.5, exponent: 1 };
    return spec as never;
  };
  const scaled = (depth: number) => {
    let spec: unknown = { type: "brownianMotion", sigma: 1, dim: 1 };
    for (let k = 0; k < depth; k++) spec = { type: "timeScaled", base: spec, gamma: 1.1 };
    return spec as never;
  };
  test("specs nested up to the limit rebuild; one level more is refused before descending", () => {
    assert.equal(scheduleFromSpec(shifted(MAX_SCHEDULE_SPEC_DEPTH)).spec.family, "shifted");
    assert.throws(
      () => scheduleFromSpec(shifted(MAX_SCHEDULE_SPEC_DEPTH + 1)),
      /^RangeError: scheduleFromSpec: spec nests more than 16 shifted schedules/,
    );
    assert.throws(() => scheduleFromSpec(shifted(3000)), /nests more than 16/);
    assert.equal(sdeFromSpec(scaled(MAX_SDE_SPEC_DEPTH)).spec.type, "timeScaled");
    assert.throws(
      () => sdeFromSpec(scaled(MAX_SDE_SPEC_DEPTH + 1)),
      /^RangeError: sdeFromSpec: spec nests more than 16 timeScaled SDEs/,
    );
    assert.throws(() => sdeFromSpec(scaled(1e5)), /nests more than 16/);
  });

  test("a rebuilt nested shifted schedule equals the one built in code", () => {
    const spec = shifted(3);
    const a = scheduleFromSpec(spec);
    const b = scheduleFromSpec(JSON.parse(JSON.stringify(a.spec)));
    for (const t of [0.1, 0.5, 0.9]) assert.equal(a.at(t).alpha, b.at(t).alpha);
  });
});
