/**
 * Project lint rules that a generic linter does not express (design.md §1, §3):
 *   - no `Math.random` in src/ (randomness is an argument: a seeded generator or pre-drawn noise);
 *   - no console output from the library (src/); the CLI reports;
 *   - no formulas in cli/: the CLI is its own package and imports the library only through its
 *     public entries, `difflux`, `difflux/extend`, `difflux/node` and `difflux/onnx` (never src/ by path).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith(".ts")) yield p;
  }
}

const problems: string[] = [];
const check = (dir: string, rule: RegExp, why: string) => {
  let exists = true;
  try {
    statSync(join(root, dir));
  } catch {
    exists = false;
  }
  if (!exists) return;
  for (const file of files(join(root, dir))) {
    const lines = readFileSync(file, "utf8").split("\n");
    lines.forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (rule.test(code)) problems.push(`${relative(root, file)}:${i + 1}: ${why}`);
    });
  }
};

check("src", /\bMath\.random\s*\(/, "Math.random in the library; take a seeded Rng or pre-drawn noise");
check(
  "src",
  /\bconsole\.(log|info|warn|error)\s*\(/,
  "console output from the library; return values, let the CLI report",
);
check(
  "cli",
  /(?:from|import\s*\()\s*["'](?:(?:\.\.\/)+src\/|difflux\/(?!(?:node|extend|onnx)["']))/,
  'cli/ reaches into the library; import from "difflux", "difflux/extend", "difflux/node" or "difflux/onnx"',
);

if (problems.length > 0) {
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stderr.write(`lint-rules: ${problems.length} problem(s)\n`);
  process.exit(1);
}
