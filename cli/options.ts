/**
 * The options of a command, declared once: a table (key → `OptionSpec`) drives commander (flags and
 * help), the `--config` file, validation (a strict zod object: an unknown key is an error) and
 * `--print-config`. The key spells the option: `timeDensity` is `--time-density` on the command line
 * and `"timeDensity"` in a config file; a flag that defaults to true is written `--no-<flag>`.
 *
 * A value arrives as text from the command line or as JSON from a config file; each spec's `parse`
 * accepts both and throws an `OptionProblem` whose message names the problem and the fix, with `{flag}`
 * standing for the option ("must be a number in [0, 1], got "2" — e.g. {flag} 0.5").
 */
import { extname } from "node:path";
import type { Registry, Resolution } from "difflux";
import { extensionOf, inputFileProblem, outputDirProblem, outputFileProblem } from "./files.js";

/** A value a config file may hold and `--print-config` prints. */
export type ConfigValue = string | number | boolean | null | readonly number[] | readonly string[];

/** What a value is parsed for: a run (files checked) or `--print-config` (files not checked). */
export interface ParseContext {
  readonly checkFiles: boolean;
}

/** A problem with one option's value; `{flag}` in the message stands for the option. */
export class OptionProblem extends Error {
  override readonly name = "OptionProblem";
}

/** One option: help, value placeholder, default and how to parse and print it. */
export interface OptionSpec<T> {
  readonly help: string;
  /** The value placeholder in help ("n", "file.npy"); absent for a flag. */
  readonly value?: string;
  /** A value for the help's "(default: …)" and for absent options; absent = required or optional. */
  readonly default?: ConfigValue;
  /** Whether the option must be given (no default). */
  readonly required?: boolean;
  /** A command-line value that parses (help tests; messages' "e.g."). */
  readonly example: string;
  /** The typed value of a raw value (undefined: not given and no default). */
  readonly parse: (raw: unknown, context: ParseContext) => T;
  /** The config-file form of a parsed value (`--print-config`). */
  print(value: T): ConfigValue;
}

/** A command's options. */
export type OptionTable = Readonly<Record<string, OptionSpec<unknown>>>;

/** The parsed values of a table. */
export type OptionValues<O extends OptionTable> = { -readonly [K in keyof O]: ReturnType<O[K]["parse"]> };

/** "--g2" for the key "g2", "--time-density" for "timeDensity", "--no-ema" for a default-true flag. */
export function flagOf(key: string, spec?: OptionSpec<unknown>): string {
  const base = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return spec !== undefined && spec.value === undefined && spec.default === true
    ? `--no-${base}`
    : `--${base}`;
}

function fail(message: string): never {
  throw new OptionProblem(message);
}

function missing(required: boolean | undefined, example: string): undefined {
  return required ? fail(`is required — e.g. {flag} ${example}`) : undefined;
}

/** Options of every builder: help, default or required, and an example. */
interface Common<D extends ConfigValue> {
  readonly help: string;
  readonly default?: D;
  readonly required?: boolean;
  readonly example?: string;
}

type Value<T, C extends Common<ConfigValue>> = C extends { default: ConfigValue } | { required: true }
  ? T
  : T | undefined;

/** Bounds, integer-ness and an example of a number option. */
export interface NumberRule extends Common<number> {
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (e.g. 0 for "> 0"). */
  readonly above?: number;
  readonly integer?: boolean;
  readonly value?: string;
}

/** The checked part of a number rule. */
type Bounds = Pick<NumberRule, "min" | "max" | "above" | "integer">;

function describeRule(rule: Bounds): string {
  const kind = rule.integer ? "an integer" : "a number";
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} in [${rule.min}, ${rule.max}]`;
  if (rule.min !== undefined) return `${kind} ≥ ${rule.min}`;
  if (rule.above !== undefined) return `${kind} > ${rule.above}`;
  if (rule.max !== undefined) return `${kind} ≤ ${rule.max}`;
  return `a finite ${rule.integer ? "integer" : "number"}`;
}

/** A decimal number as text: sign, digits with an optional fraction, an optional exponent (no 0x, 0b, 0o). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function checkNumber(raw: unknown, rule: Bounds): number | undefined {
  const text = (typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw : "").trim();
  // Only decimal notation: Number() would also take "0x10" (16), "0b11" and "0o7".
  const x = DECIMAL.test(text) ? Number(text) : Number.NaN;
  const ok =
    Number.isFinite(x) &&
    (!rule.integer || Number.isInteger(x)) &&
    (rule.min === undefined || x >= rule.min) &&
    (rule.max === undefined || x <= rule.max) &&
    (rule.above === undefined || x > rule.above);
  return ok ? x : undefined;
}

const show = (raw: unknown) => JSON.stringify(typeof raw === "string" ? raw : (raw ?? null));

/**
 * The skeleton of every option with a value: absent → the "is required" problem or undefined;
 * given → `given(raw, context)` (which throws an OptionProblem); printed by `print` (null when absent).
 */
function valueOption<T, C extends Common<ConfigValue>>(
  common: C,
  value: string,
  example: string,
  given: (raw: unknown, context: ParseContext) => T,
  print: (value: T) => ConfigValue = (v) => v as ConfigValue,
): OptionSpec<Value<T, C>> {
  return {
    help: common.help,
    value,
    default: common.default,
    required: common.required,
    example,
    parse: (raw, context) =>
      (raw === undefined ? missing(common.required, example) : given(raw, context)) as Value<T, C>,
    print: (v) => (v === undefined ? null : print(v as T)),
  };
}

/** A number (text on the command line, a number in a config file) checked against `rule`. */
export function numberOption<const R extends NumberRule>(rule: R): OptionSpec<Value<number, R>> {
  const example = rule.example ?? String(rule.default ?? rule.min ?? 1);
  return valueOption(
    rule,
    rule.value ?? (rule.integer ? "n" : "x"),
    example,
    (raw) =>
      checkNumber(raw, rule) ??
      fail(`must be ${describeRule(rule)}, got ${show(raw)} — e.g. {flag} ${example}`),
  );
}

/** A comma-separated list of numbers ("5,10,20,50"; an array in a config file), each checked. */
export function numberListOption<const R extends Omit<NumberRule, "default"> & Common<string>>(
  rule: R,
): OptionSpec<Value<number[], R>> {
  const example = rule.example ?? String(rule.default ?? "1,2");
  return valueOption(rule, rule.value ?? "list", example, (raw) => {
    const parts = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : [raw];
    const out = parts.map((p) => checkNumber(typeof p === "string" ? p.trim() : p, rule));
    if (parts.length === 0 || out.some((x) => x === undefined)) {
      return fail(
        `must be a comma-separated list of ${describeRule(rule).replace(/^an? /, "")}s, got ${show(Array.isArray(raw) ? raw.join(",") : raw)} — e.g. {flag} ${example}`,
      );
    }
    return out as number[];
  });
}

/** One of `values` (the fix lists them). */
export function choiceOption<const T extends string, const C extends Common<T> & { readonly value?: string }>(
  values: readonly T[],
  common: C,
): OptionSpec<Value<T, C>> {
  const example = common.example ?? common.default ?? values[0]!;
  return valueOption(common, common.value ?? "name", example, (raw) =>
    typeof raw === "string" && (values as readonly string[]).includes(raw)
      ? (raw as T)
      : fail(`must be one of ${values.join(", ")}; got ${show(raw)}`),
  );
}

/**
 * A text option: `check` returns the problem with a non-empty value (null when it is fine); `context`
 * says whether files are checked (not for --print-config).
 */
function stringOption<C extends Common<string>>(
  common: C,
  value: string,
  example: string,
  check: (text: string, context: ParseContext) => string | null,
): OptionSpec<Value<string, C>> {
  return valueOption(common, value, example, (raw, context) => {
    if (typeof raw !== "string" || raw === "") return fail(`needs a value — e.g. {flag} ${example}`);
    const problem = check(raw, context);
    return problem === null ? raw : fail(problem);
  });
}

/** Free text (a checkpoint directory, a dataset name or file). */
export function textOption<const C extends Common<string> & { readonly value: string }>(
  common: C,
): OptionSpec<Value<string, C>> {
  return stringOption(common, common.value, common.example ?? common.default ?? "x", () => null);
}

/** An existing, readable input file whose name ends with one of `extensions` (".npy", ".csv"). */
export function inputFileOption<const C extends Common<string>>(
  extensions: readonly string[],
  common: C & { readonly example: string },
): OptionSpec<Value<string, C>> {
  return stringOption(common, `file${extensions[0]}`, common.example, (path, context) => {
    if (!extensions.includes(extensionOf(path)) && !extensions.includes(extname(path).toLowerCase()))
      return `must be a ${extensions.join(" or ")} file, got ${JSON.stringify(path)} — e.g. {flag} ${common.example}`;
    return context.checkFiles ? inputFileProblem(path) : null;
  });
}

/** A writable output file whose name ends with one of `extensions` (not created here). */
export function outputFileOption<const C extends Common<string>>(
  extensions: readonly string[],
  common: C & { readonly example: string },
): OptionSpec<Value<string, C>> {
  return stringOption(common, `file${extensions[0]}`, common.example, (path, context) => {
    if (!extensions.includes(extname(path).toLowerCase()))
      return `must end with ${extensions.join(" or ")}, got ${JSON.stringify(path)} — e.g. {flag} ${common.example}`;
    return context.checkFiles ? outputFileProblem(path) : null;
  });
}

/** A writable output directory (created when the command succeeds). */
export function outputDirOption<const C extends Common<string>>(
  common: C & { readonly example: string },
): OptionSpec<Value<string, C>> {
  return stringOption(common, "dir", common.example, (path, context) =>
    context.checkFiles ? outputDirProblem(path) : null,
  );
}

/** A switch: absent = `default` (false unless given; a default-true switch is written `--no-…`). */
export function flagOption(help: string, defaultValue = false): OptionSpec<boolean> {
  return {
    help,
    default: defaultValue,
    example: "",
    parse: (raw) => {
      if (raw === undefined) return defaultValue;
      if (typeof raw === "boolean") return raw;
      return fail(`must be true or false, got ${show(raw)}`);
    },
    print: (v) => v,
  };
}

function registryText<T, C>(registry: Registry<T, C>, raw: unknown, example: string): Resolution {
  if (typeof raw !== "string" || raw.trim() === "") return fail(`needs a value — e.g. {flag} ${example}`);
  try {
    return registry.resolve(raw, "{flag}");
  } catch (err) {
    // The registry's message starts with the label "{flag}: ".
    return fail((err as Error).message.replace(/^\{flag\}: /, ""));
  }
}

/**
 * A named component of `registry` (`NAME` or `NAME:key=value,…`), parsed into its canonical choice;
 * for samplers the resolution also carries the grid an alias implies.
 */
export function componentOption<T, Ctx, const C extends Common<string> & { readonly value?: string }>(
  registry: Registry<T, Ctx>,
  common: C,
): OptionSpec<Value<Resolution, C>> {
  const example = common.example ?? common.default ?? registry.names[0]!;
  return valueOption(
    common,
    common.value ?? "name",
    example,
    (raw) => registryText(registry, raw, example),
    (v) => registry.format(v.choice),
  );
}

/** A comma-separated list of components of `registry` (an array of names in a config file). */
export function componentListOption<T, Ctx, const C extends Common<string>>(
  registry: Registry<T, Ctx>,
  common: C,
): OptionSpec<Value<Resolution[], C>> {
  const example = common.example ?? common.default ?? registry.names.slice(0, 2).join(",");
  return valueOption(
    common,
    "list",
    example,
    (raw) => {
      const parts = Array.isArray(raw) ? raw : typeof raw === "string" ? splitList(raw) : [raw];
      if (parts.length === 0) return fail(`needs at least one name — e.g. {flag} ${example}`);
      return parts.map((p) => registryText(registry, typeof p === "string" ? p.trim() : p, example));
    },
    (v) => v.map((r) => registry.format(r.choice)),
  );
}

/**
 * Splits a list of components at the commas between them, not at those between one component's
 * parameters: "dpm-solver:order=3,eta=1,heun" → ["dpm-solver:order=3,eta=1", "heun"].
 */
export function splitList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(",")) {
    const p = part.trim();
    if (out.length > 0 && /^[A-Za-z_][\w]*=/.test(p) && out[out.length - 1]!.includes(":")) {
      out[out.length - 1] += `,${p}`;
    } else if (p !== "") out.push(p);
  }
  return out;
}
