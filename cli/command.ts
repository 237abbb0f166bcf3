/**
 * The shape of every command: its option table (options.ts), the options every command shares
 * (`--config FILE`, `--print-config`, `--json`), free-text notes and an examples block in `--help`,
 * rules between options, and the action. Values come from the command line, else the config file,
 * else the table's defaults; they are validated together by one strict zod object, so a key the
 * command does not know (a typo in a config file) is an error.
 */
import { Command, Option } from "commander";
import { z } from "zod";
import { messageOf, UsageError } from "./errors.js";
import {
  type ConfigValue,
  flagOf,
  flagOption,
  OptionProblem,
  type OptionSpec,
  type OptionTable,
  type OptionValues,
  type ParseContext,
} from "./options.js";
import { printJson } from "./output.js";

/** Options every command has besides its own (the config file may set `json` too). */
const SHARED = {
  json: flagOption("print one JSON document on stdout (results, the files written, or the error)"),
} as const;

/** The values a command's action receives: its own options and the shared ones. */
export type CommandValues<O extends OptionTable> = OptionValues<O> & OptionValues<typeof SHARED>;

/** What a command is made of (see `defineCommand`). */
export interface CommandSpec<O extends OptionTable> {
  readonly name: string;
  /** One-line summary for `difflux --help`; `description` (if given) is shown by the command's help. */
  readonly summary: string;
  readonly description?: string;
  /** The command's options (the one declaration: flags, help, config keys, validation). */
  readonly options: O;
  /** Titled blocks shown after the options (e.g. the list of path names). */
  readonly notes?: readonly (readonly [title: string, text: string])[];
  /** Pairs of (what it does, command line). */
  readonly examples: readonly (readonly [what: string, line: string])[];
  /**
   * Rules between options, run on the parsed values before `--print-config` and the action (e.g. a
   * sampler name that implies its grid); `given` holds the keys set on the command line or in the
   * config file. Throws a UsageError naming the options.
   */
  readonly check?: (values: CommandValues<O>, given: ReadonlySet<string>) => void;
  /** Runs the command on the checked values (`given` as for `check`). */
  readonly run: (values: CommandValues<O>, given: ReadonlySet<string>) => Promise<void>;
}

/** Whether the current command reports in JSON (set from the arguments, then from the merged values). */
export const session = { json: false };

/** The help line's text for `spec`: its help, default and whether it is required. */
function describe(spec: OptionSpec<unknown>): string {
  const d = spec.default;
  const shown = Array.isArray(d) ? d.join(",") : d;
  if (spec.value !== undefined && shown !== undefined) return `${spec.help} (default: ${shown})`;
  return spec.required ? `${spec.help} (required)` : spec.help;
}

/** Largest --config file read (option values only). */
const MAX_CONFIG_BYTES = 1 << 20;

/**
 * Reads the JSON object of `--config FILE` (a regular file of at most 1 MiB, read by the library's
 * bounded `readFileBytes`, loaded only when --config is given).
 */
async function readConfig(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    const { INPUT_LIMITS, readFileBytes } = await import("difflux/node");
    const bytes = readFileBytes("--config", file, { ...INPUT_LIMITS, maxBytes: MAX_CONFIG_BYTES });
    text = new TextDecoder().decode(bytes);
  } catch (err) {
    throw new UsageError(messageOf(err));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config: ${file} is not valid JSON (${messageOf(err)}) — fix the file`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(
      `--config: ${file} must hold one JSON object of option values, e.g. {"steps": 4000} — see --print-config`,
    );
  }
  return value as Record<string, unknown>;
}

/** The closest key of `keys` to `key` (a kebab-case flag name or a small typo), if any. */
function suggestion(key: string, keys: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  return (
    keys.find((k) => fold(k) === fold(key)) ?? keys.find((k) => fold(k).startsWith(fold(key).slice(0, 4)))
  );
}

/**
 * Validates the merged raw values against the table with one strict zod object (unknown keys are
 * errors) and returns the typed values; the first problem becomes a UsageError naming the option (and
 * the config file when the value came from it).
 */
function validate(
  table: OptionTable,
  raw: Record<string, unknown>,
  context: ParseContext,
  origin: (key: string) => string,
): Record<string, unknown> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, spec] of Object.entries(table)) {
    shape[key] = z.unknown().transform((value, ctx) => {
      try {
        return spec.parse(value, context);
      } catch (err) {
        if (!(err instanceof OptionProblem)) throw err;
        ctx.addIssue({ code: "custom", message: err.message });
        return z.NEVER;
      }
    });
  }
  const result = z.object(shape).strict().safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const guess = suggestion(key, Object.keys(table));
    throw new UsageError(
      `${origin(key)}: unknown option ${JSON.stringify(key)}${guess === undefined ? "" : ` — did you mean ${JSON.stringify(guess)}?`} (keys are the options' names in camel case, e.g. "timeDensity" for --time-density; see --print-config)`,
    );
  }
  const key = String(issue.path[0] ?? "");
  const flag = flagOf(key, table[key]);
  throw new UsageError(`${origin(key)}: ${issue.message.replaceAll("{flag}", flag)}`);
}

/** Builds a commander Command from `spec`. */
export function defineCommand<O extends OptionTable>(spec: CommandSpec<O>): Command {
  const table: OptionTable = { ...spec.options, ...SHARED };
  const cmd = new Command(spec.name).summary(spec.summary).description(spec.description ?? spec.summary);
  for (const [key, option] of Object.entries(table)) {
    const flags = `${flagOf(key, option)}${option.value === undefined ? "" : ` <${option.value}>`}`;
    cmd.addOption(new Option(flags, describe(option)));
  }
  cmd
    .addOption(
      new Option(
        "--config <file.json>",
        "read option values from a JSON object (command-line flags win; paths are relative to the working directory)",
      ),
    )
    .addOption(new Option("--print-config", "print the option values as a --config file and exit"))
    .allowExcessArguments(false)
    .action(async (_opts, command: Command) => {
      const given = command.opts() as Record<string, unknown>;
      const configFile = given.config as string | undefined;
      const fromFile = configFile === undefined ? {} : await readConfig(configFile);
      if (fromFile.json === true) session.json = true;
      const raw: Record<string, unknown> = {};
      const set = new Set<string>();
      for (const key of Object.keys(table)) {
        if (command.getOptionValueSource(key) === "cli") {
          raw[key] = given[key];
          set.add(key);
        }
      }
      for (const [key, value] of Object.entries(fromFile)) {
        // null is "not given" (what --print-config prints for an option without a value).
        if (value === null && key in table) continue;
        if (!set.has(key)) {
          raw[key] = value;
          set.add(key);
        }
      }
      const printOnly = given.printConfig === true;
      const missing: string[] = [];
      for (const [key, option] of Object.entries(table)) {
        if (set.has(key)) continue;
        if (printOnly && option.required) missing.push(key);
        else raw[key] = option.default;
      }
      const origin = (key: string) => {
        const fromConfig =
          configFile !== undefined && key in fromFile && command.getOptionValueSource(key) !== "cli";
        const flag = key in table ? flagOf(key, table[key]) : "--config";
        return fromConfig
          ? flag === "--config"
            ? `--config ${configFile}`
            : `${flag} in ${configFile}`
          : flag;
      };
      const values = validate(
        Object.fromEntries(Object.entries(table).filter(([k]) => !missing.includes(k))),
        raw,
        { checkFiles: !printOnly },
        origin,
      ) as CommandValues<O>;
      session.json = values.json;
      if (missing.length === 0) spec.check?.(values, set);
      if (printOnly) {
        const out: Record<string, ConfigValue> = {};
        for (const [key, option] of Object.entries(table)) {
          out[key] = missing.includes(key) ? null : option.print((values as Record<string, unknown>)[key]);
        }
        printJson(out);
        return;
      }
      await spec.run(values, set);
    });
  const blocks = (spec.notes ?? []).map(([title, text]) => `${title}:\n${text}`);
  const examples = spec.examples.map(([what, line]) => `  # ${what}\n  $ ${line}`).join("\n\n");
  blocks.push(`Examples:\n${examples}`);
  cmd.addHelpText("after", `\n${blocks.join("\n\n")}`);
  return cmd;
}
