/**
 * Shared shape of every command: its options, the common `--json` flag (last), free-text notes and
 * an examples block in `--help`, and an action that receives the raw option values (validated by the
 * command's zod schema).
 */
import { Command } from "commander";

/** What a command is made of (see `defineCommand`). */
export interface CommandSpec {
  readonly name: string;
  /** One-line summary for `difflux --help`; `description` (if given) is shown by the command's help. */
  readonly summary: string;
  readonly description?: string;
  /** Adds the command's own options. */
  readonly options: (cmd: Command) => Command;
  /** Titled blocks shown after the options (e.g. the list of path names). */
  readonly notes?: readonly (readonly [title: string, text: string])[];
  /** Pairs of (what it does, command line). */
  readonly examples: readonly (readonly [what: string, line: string])[];
  /** Runs the command on commander's raw option values. */
  readonly action: (values: Record<string, unknown>) => Promise<void>;
}

/** Builds a commander Command from `spec`. */
export function defineCommand(spec: CommandSpec): Command {
  const cmd = new Command(spec.name).summary(spec.summary).description(spec.description ?? spec.summary);
  spec.options(cmd);
  cmd
    .option("--json", "print one JSON document on stdout instead of the human summary")
    .allowExcessArguments(false)
    .action(async (_opts, command: Command) => spec.action(command.opts()));
  const blocks = (spec.notes ?? []).map(([title, text]) => `${title}:\n${text}`);
  const examples = spec.examples.map(([what, line]) => `  # ${what}\n  $ ${line}`).join("\n\n");
  blocks.push(`Examples:\n${examples}`);
  cmd.addHelpText("after", `\n${blocks.join("\n\n")}`);
  return cmd;
}
