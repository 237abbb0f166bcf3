/**
 * The `difflux` command line: parses arguments (commander), validates option values (zod), calls
 * the public API and reports. Every failure goes through one handler: one line on stderr naming
 * the problem and the fix, exit code 2 (3 for a run that failed on its numbers), no stack trace (errors.ts).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { enableRelaxedSimd } from "difflux/node";
import { benchSamplersCommand } from "./commands/benchSamplers.js";
import { convertCommand } from "./commands/convert.js";
import { demoCommand } from "./commands/demo.js";
import { evalCommand } from "./commands/eval.js";
import { likelihoodCommand } from "./commands/likelihood.js";
import { playgroundCommand } from "./commands/playground.js";
import { sampleCommand } from "./commands/sample.js";
import { trainCommand } from "./commands/train.js";
import { session } from "./command.js";
import { reportError } from "./errors.js";
import { type Io, io, withIo } from "./io.js";

/** The version of the difflux-cli package (cli/package.json; in an installed package, the one above dist/). */
function version(): string {
  for (const up of ["./package.json", "../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "difflux-cli" && pkg.version !== undefined) return pkg.version;
    } catch {
      // Not there; try one level up.
    }
  }
  return "unknown";
}

/** Applies the settings every command shares: errors are thrown to `run`, not printed by commander. */
function configure(cmd: Command): void {
  cmd
    .exitOverride()
    .configureOutput({ writeOut: (text) => io().out(text), writeErr: () => {}, outputError: () => {} })
    .showSuggestionAfterError(true)
    .helpOption("-h, --help", "show the help (with examples)");
  for (const sub of cmd.commands) configure(sub);
}

/** The program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("difflux")
    .description(
      "Diffusion models and flow matching as one Gaussian probability path: convert between predictions, train, sample, evaluate likelihoods and compare samplers.",
    )
    .version(version(), "-V, --version", "print the version")
    .addCommand(demoCommand())
    .addCommand(trainCommand())
    .addCommand(sampleCommand())
    .addCommand(likelihoodCommand())
    .addCommand(evalCommand())
    .addCommand(benchSamplersCommand())
    .addCommand(convertCommand())
    .addCommand(playgroundCommand());
  program.addHelpText(
    "after",
    "\nEvery command has --help with examples, --json for machine-readable output (results, files written,\nerrors), --config FILE to read its options from JSON and --print-config to write them. Errors are one\nline on stderr with exit code 2 for bad input, 3 for a run that failed on its numbers (training\ndiverged, samples not finite; the last finite checkpoint is kept); DIFFLUX_DEBUG=1 adds the stack\ntrace. Long work reports progress on stderr: a bar on a terminal, else a line every 10 s (DIFFLUX_PROGRESS_SECONDS).\n",
  );
  configure(program);
  return program;
}

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit code; output
 * goes to `sinks` when given, else to the process's stdout and stderr.
 */
export async function run(argv: readonly string[], sinks?: Io): Promise<number> {
  if (sinks !== undefined) return withIo(sinks, () => run(argv));
  // The training kernels' fused multiply-adds (≈ 1.2× a training step) need relaxed SIMD, which
  // Node 20 keeps behind a V8 flag; the command line is the program, so it turns the flag on.
  enableRelaxedSimd();
  const program = buildProgram();
  let active = "difflux";
  program.hook("preSubcommand", (_cmd, sub) => {
    active = `difflux ${sub.name()}`;
  });
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  session.json = argv.includes("--json");
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (err) {
    if (
      err instanceof CommanderError &&
      (err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help")
    ) {
      return 0;
    }
    return reportError(err, active, session.json);
  }
}

/**
 * The `difflux` process: runs `argv` and sets the exit code. A reader that goes away (`difflux … |
 * head -1`) ends the process quietly instead of with an EPIPE stack trace.
 */
export async function main(argv: readonly string[]): Promise<void> {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  process.exitCode = await run(argv);
}
