/**
 * Shapes of parsed JSON (browser-safe): small composable checks that return the value typed or
 * throw a `JsonShapeError` naming the offending field ("model.width: expected a number, got
 * \"wide\""). Used to validate files difflux reads back (checkpoint configs), so that a damaged file
 * is reported by field rather than failing later.
 */

/** A check of one JSON value: returns it typed, or throws `JsonShapeError` naming `field`. */
export type JsonShape<T> = (value: unknown, field: string) => T;

/** The type a `JsonShape` accepts. */
export type JsonShapeOf<S> = S extends JsonShape<infer T> ? T : never;

/** A value that does not have the expected shape; `field` is its dotted path ("" for the root). */
export class JsonShapeError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field || "(root)"}: ${problem}`);
    this.name = "JsonShapeError";
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(field: string, expected: string, value: unknown): never {
  throw new JsonShapeError(field, `expected ${expected}, got ${describe(value)}`);
}

type NumberConstraint = "integer" | "nonnegative integer" | "positive integer" | "positive";

const satisfies: Record<NumberConstraint, (x: number) => boolean> = {
  integer: (x) => Number.isInteger(x),
  "nonnegative integer": (x) => Number.isInteger(x) && x >= 0,
  "positive integer": (x) => Number.isInteger(x) && x > 0,
  positive: (x) => x > 0,
};

/** A finite number, optionally constrained ("integer", "nonnegative integer", "positive integer", "positive"). */
export function jsonNumber(constraint?: NumberConstraint): JsonShape<number> {
  return (value, field) => {
    if (typeof value !== "number" || !Number.isFinite(value)) fail(field, "a number", value);
    if (constraint !== undefined && !satisfies[constraint](value))
      fail(field, constraint === "positive" ? "a positive number" : `a ${constraint}`, value);
    return value;
  };
}

/** A string, matching `pattern` when given. */
export function jsonString(pattern?: RegExp): JsonShape<string> {
  return (value, field) => {
    if (typeof value !== "string") fail(field, "a string", value);
    if (pattern !== undefined && !pattern.test(value)) fail(field, `a string matching ${pattern}`, value);
    return value;
  };
}

/** One of the given literal values (strings, numbers). */
export function jsonOneOf<const T extends string | number>(choices: readonly T[]): JsonShape<T> {
  return (value, field) => {
    if (!choices.includes(value as T))
      fail(field, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, value);
    return value as T;
  };
}

/** An array whose every element has `shape` (fields named `field[i]`). */
export function jsonArray<T>(shape: JsonShape<T>): JsonShape<T[]> {
  return (value, field) => {
    if (!Array.isArray(value)) fail(field, "an array", value);
    return value.map((v, i) => shape(v, `${field}[${i}]`));
  };
}

/** Any value (left to a later check). */
export const jsonUnknown: JsonShape<unknown> = (value) => value;

/** `shape`, or null. */
export function jsonNullable<T>(shape: JsonShape<T>): JsonShape<T | null> {
  return (value, field) => (value === null ? null : shape(value, field));
}

/** `shape`, or an absent field (undefined). */
export function jsonOptional<T>(shape: JsonShape<T>): JsonShape<T | undefined> {
  return (value, field) => (value === undefined ? undefined : shape(value, field));
}

/**
 * An object with the given fields (each checked; their values returned in a new object). Other keys
 * are dropped, or kept with `{ extra: "keep" }`.
 */
export function jsonObject<F extends Record<string, JsonShape<unknown>>>(
  fields: F,
  options: { extra?: "drop" | "keep" } = {},
): JsonShape<{ [K in keyof F]: JsonShapeOf<F[K]> }> {
  return (value, field) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) fail(field, "an object", value);
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = options.extra === "keep" ? { ...source } : {};
    for (const [key, shape] of Object.entries(fields)) {
      const checked = shape(source[key], field ? `${field}.${key}` : key);
      if (checked !== undefined || key in source) out[key] = checked;
    }
    return out as { [K in keyof F]: JsonShapeOf<F[K]> };
  };
}

/** One of several object shapes chosen by the string field `tag` (a discriminated union). */
export function jsonTagged<U>(tag: string, variants: Record<string, JsonShape<U>>): JsonShape<U> {
  const names = Object.keys(variants);
  return (value, field) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) fail(field, "an object", value);
    const name = (value as Record<string, unknown>)[tag];
    const shape = typeof name === "string" && Object.hasOwn(variants, name) ? variants[name] : undefined;
    if (shape === undefined)
      fail(field ? `${field}.${tag}` : tag, `one of ${names.map((n) => JSON.stringify(n)).join(", ")}`, name);
    return shape(value, field);
  };
}
