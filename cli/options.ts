/**
 * Option values: commander hands every option over as a string (or a boolean for flags); a zod
 * schema per command turns them into typed values. Each helper's message names the problem and the
 * fix, with `{flag}` standing for the option ("--t: must be a number in [0, 1], got "abc" — e.g.
 * --t 0.5"); `parseOptions` fills it in and throws a UsageError with the first problem.
 */
import { extname } from "node:path";
import { z } from "zod";
import { UsageError } from "./errors.js";
import { extensionOf, inputFileProblem, outputDirProblem, outputFileProblem } from "./files.js";

/** "--g2" for the key "g2", "--time-density" for "timeDensity". */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function required(example: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined
      ? `is required — e.g. {flag} ${example}`
      : `needs a value — e.g. {flag} ${example}`;
}

function fail(ctx: z.RefinementCtx, message: string, input: unknown): never {
  ctx.addIssue({ code: "custom", message, input });
  return z.NEVER;
}

/** Options of a numeric option: bounds, integer-ness and an example value for the fix. */
export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound (e.g. 0 for "> 0"). */
  readonly above?: number;
  readonly integer?: boolean;
  readonly example: string;
}

function describeRule(rule: NumberRule): string {
  const kind = rule.integer ? "an integer" : "a number";
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} in [${rule.min}, ${rule.max}]`;
  if (rule.min !== undefined) return `${kind} ≥ ${rule.min}`;
  if (rule.above !== undefined) return `${kind} > ${rule.above}`;
  if (rule.max !== undefined) return `${kind} ≤ ${rule.max}`;
  return `a finite ${rule.integer ? "integer" : "number"}`;
}

function checkNumber(text: string, rule: NumberRule): number | string {
  const x = text.trim() === "" ? Number.NaN : Number(text);
  const ok =
    Number.isFinite(x) &&
    (!rule.integer || Number.isInteger(x)) &&
    (rule.min === undefined || x >= rule.min) &&
    (rule.max === undefined || x <= rule.max) &&
    (rule.above === undefined || x > rule.above);
  return ok ? x : `must be ${describeRule(rule)}, got ${JSON.stringify(text)} — e.g. {flag} ${rule.example}`;
}

/** A number option (string on the command line) checked against `rule`. */
export function numberOption(rule: NumberRule) {
  return z.unknown().transform((value, ctx) => {
    if (typeof value !== "string" && typeof value !== "number")
      return fail(ctx, required(rule.example)({ input: value }), value);
    const r = checkNumber(String(value), rule);
    return typeof r === "number" ? r : fail(ctx, r, value);
  });
}

/** A comma-separated list of numbers, each checked against `rule` ("5,10,20,50"). */
export function numberListOption(rule: NumberRule) {
  return z.string({ error: required(rule.example) }).transform((value, ctx) => {
    const parts = value.split(",").map((s) => s.trim());
    const out: number[] = [];
    for (const p of parts) {
      const r = checkNumber(p, { ...rule, example: rule.example });
      if (typeof r === "string") {
        return fail(
          ctx,
          `must be a comma-separated list of ${describeRule(rule).replace(/^an? /, "")}s, got ${JSON.stringify(value)} — e.g. {flag} ${rule.example}`,
          value,
        );
      }
      out.push(r);
    }
    return out;
  });
}

/** One of `values` (the fix lists them). */
export function choiceOption<const T extends string>(values: readonly T[], example: T = values[0]!) {
  return z.string({ error: required(example) }).transform((value, ctx): T => {
    if ((values as readonly string[]).includes(value)) return value as T;
    return fail(ctx, `must be one of ${values.join(", ")}; got ${JSON.stringify(value)}`, value);
  });
}

/** An existing, readable input file whose name ends with one of `extensions` (".npy"). */
export function inputFileOption(extensions: readonly string[], example: string) {
  return z.string({ error: required(example) }).transform((path, ctx) => {
    const ext = extensionOf(path);
    if (!extensions.includes(ext) && !extensions.includes(extname(path).toLowerCase())) {
      return fail(
        ctx,
        `must be a ${extensions.join(" or ")} file, got ${JSON.stringify(path)} — e.g. {flag} ${example}`,
        path,
      );
    }
    const problem = inputFileProblem(path);
    return problem === null ? path : fail(ctx, problem, path);
  });
}

/** A writable output file whose name ends with one of `extensions`. */
export function outputFileOption(extensions: readonly string[], example: string) {
  return z.string({ error: required(example) }).transform((path, ctx) => {
    const ext = extname(path).toLowerCase();
    if (!extensions.includes(ext)) {
      return fail(
        ctx,
        `must end with ${extensions.join(" or ")}, got ${JSON.stringify(path)} — e.g. {flag} ${example}`,
        path,
      );
    }
    const problem = outputFileProblem(path);
    return problem === null ? path : fail(ctx, problem, path);
  });
}

/** A writable output directory (created when the command succeeds). */
export function outputDirOption(example: string) {
  return z.string({ error: required(example) }).transform((path, ctx) => {
    const problem = outputDirProblem(path);
    return problem === null ? path : fail(ctx, problem, path);
  });
}

/** A boolean flag (absent = false). */
export const flagOption = z.boolean().default(false);

/**
 * Validates commander's option values against `schema`; throws a UsageError with the first problem,
 * naming the option ("--t: must be a number in [0, 1], got "2" — e.g. --t 0.5").
 */
export function parseOptions<S extends z.ZodType>(schema: S, values: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const key = issue.path.length > 0 ? String(issue.path[0]) : "";
  const flag = key === "" ? "an option" : flagOf(key);
  const message =
    issue.message.includes("{flag}") || issue.code === "custom"
      ? issue.message
      : `invalid value: ${issue.message}`;
  throw new UsageError(`${flag}: ${message.replaceAll("{flag}", flag)}`);
}

/** zod itself, for the commands' option schemas (loaded with this module, when a command runs). */
export { z };
