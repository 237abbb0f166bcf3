import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  JsonShapeError,
  jsonNullable,
  jsonNumber,
  jsonObject,
  jsonOneOf,
  jsonOptional,
  jsonString,
  jsonTagged,
  jsonUnknown,
} from "../../src/io/jsonShape.js";

/** The message a shape throws for `value`, or undefined when it accepts it. */
function problem(shape: (value: unknown, field: string) => unknown, value: unknown): string | undefined {
  try {
    shape(value, "x");
    return undefined;
  } catch (err) {
    assert.ok(err instanceof JsonShapeError, `a JsonShapeError, got ${String(err)}`);
    return err.message;
  }
}

const config = jsonObject({
  kind: jsonOneOf(["adam", "adamw"]),
  steps: jsonNumber("nonnegative integer"),
  lr: jsonNumber("positive"),
  clip: jsonNullable(jsonNumber("positive")),
  note: jsonOptional(jsonString()),
  schedule: jsonTagged<{ kind: string }>("kind", {
    constant: jsonObject({ kind: jsonOneOf(["constant"]) }),
    cosine: jsonObject({ kind: jsonOneOf(["cosine"]), warmup: jsonNumber("positive integer") }),
  }),
});

describe("JSON shapes", () => {
  test("a valid object comes back with exactly its declared fields", () => {
    const value = {
      kind: "adamw",
      steps: 0,
      lr: 1e-3,
      clip: null,
      schedule: { kind: "cosine", warmup: 5, extra: 1 },
      unknown: "dropped",
    };
    assert.deepEqual(config(value, ""), {
      kind: "adamw",
      steps: 0,
      lr: 1e-3,
      clip: null,
      schedule: { kind: "cosine", warmup: 5 },
    });
  });

  test("errors name the dotted field, what was expected and what was found", () => {
    const base = { kind: "adam", steps: 1, lr: 1, clip: 2, schedule: { kind: "constant" } };
    const cases: [unknown, string][] = [
      [{ ...base, steps: "many" }, 'x.steps: expected a number, got "many"'],
      [{ ...base, steps: 1.5 }, "x.steps: expected a nonnegative integer, got 1.5"],
      [{ ...base, steps: -1 }, "x.steps: expected a nonnegative integer, got -1"],
      [{ ...base, lr: 0 }, "x.lr: expected a positive number, got 0"],
      [{ ...base, kind: "sgd" }, 'x.kind: expected one of "adam", "adamw", got "sgd"'],
      [{ ...base, clip: undefined }, "x.clip: expected a number, got nothing"],
      [{ ...base, note: 3 }, "x.note: expected a string, got 3"],
      [
        { ...base, schedule: { kind: "linear" } },
        'x.schedule.kind: expected one of "constant", "cosine", got "linear"',
      ],
      [
        { ...base, schedule: { kind: "cosine", warmup: 0 } },
        "x.schedule.warmup: expected a positive integer, got 0",
      ],
      [[base], "x: expected an object, got [{"],
    ];
    for (const [value, message] of cases) {
      const got = problem(config, value);
      assert.ok(got?.startsWith(message), `expected "${message}…", got ${got}`);
    }
    assert.equal(
      problem(config, { ...base, note: "fine" }),
      undefined,
      "a present optional string is accepted",
    );
  });

  test("a root-level error says (root)", () => {
    assert.throws(() => jsonNumber()("1", ""), /^JsonShapeError: \(root\): expected a number, got "1"$/);
  });

  test("numbers must be finite: NaN and ±Infinity are rejected (JSON cannot hold them either)", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.ok(problem(jsonNumber(), bad) !== undefined, `${bad} is rejected`);
    }
  });

  test("string patterns, kept extra keys and unknown values behave as declared", () => {
    const weights = jsonString(/^weights-\d+\.safetensors$/);
    assert.equal(weights("weights-12.safetensors", "f"), "weights-12.safetensors");
    assert.match(problem(weights, "../etc/passwd") ?? "", /expected a string matching/);
    const loose = jsonObject({ family: jsonString() }, { extra: "keep" });
    assert.deepEqual(loose({ family: "vp", betaMax: 20 }, ""), { family: "vp", betaMax: 20 });
    const anything = { a: [1, { b: null }] };
    assert.equal(jsonUnknown(anything, ""), anything);
  });

  test("every JSON value either passes a shape unchanged or fails with the field named (property)", () => {
    const shape = jsonObject({ n: jsonNumber("integer"), s: jsonNullable(jsonString()) });
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (n, s) => {
        const value = { n, s };
        const valid = typeof n === "number" && Number.isInteger(n) && (s === null || typeof s === "string");
        const got = problem(shape, value);
        if (valid) return got === undefined && JSON.stringify(shape(value, "")) === JSON.stringify(value);
        return got !== undefined && /^x\.(n|s): expected /.test(got);
      }),
    );
  });
});
