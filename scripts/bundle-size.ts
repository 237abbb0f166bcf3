/**
 * Bundle sizes per entry: each entry is bundled for the browser by esbuild (minified ESM, tree-shaken)
 * and measured minified and gzipped (level 9). `--check` fails (exit 1) when an entry exceeds its
 * budget; `--markdown` prints the table for bench/README.md.
 *   node --import tsx scripts/bundle-size.ts [--check] [--markdown]
 */
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..");

/** A measured entry: what a consumer imports, and the gzip budget in bytes. */
export interface BundleEntry {
  readonly name: string;
  readonly description: string;
  readonly source: string;
  readonly budgetGzip: number;
}

const KB = 1024;

/** The entries and their budgets (measured sizes plus a few KB of headroom). */
export const BUNDLE_ENTRIES: readonly BundleEntry[] = [
  {
    name: "sampling",
    description:
      "schedules + conversions + two samplers + grids on the mixture oracle (scripts/bundles/sampling.ts)",
    source: `export * from "./scripts/bundles/sampling.ts";`,
    budgetGzip: 24 * KB,
  },
  {
    name: "registry",
    description:
      "every named sampler, grid and path: `samplerByName`, `registry` (scripts/bundles/registry.ts)",
    source: `export * from "./scripts/bundles/registry.ts";`,
    budgetGzip: 50 * KB,
  },
  {
    name: "training",
    description:
      "trainer + jax-js engine + networkModel + checkpoints as bytes (scripts/bundles/training.ts)",
    source: `export * from "./scripts/bundles/training.ts";`,
    budgetGzip: 145 * KB,
  },
  {
    name: "everything",
    description: '`export * from "difflux"` (training and jax-js included)',
    source: `export * from "./src/index.ts";`,
    budgetGzip: 230 * KB,
  },
];

/** Minified and gzipped sizes of one entry. */
export async function measure(entry: BundleEntry): Promise<{ min: number; gzip: number }> {
  const result = await build({
    stdin: { contents: entry.source, resolveDir: root, loader: "ts", sourcefile: `${entry.name}.ts` },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const bytes = result.outputFiles[0]!.contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rows: string[] = [];
  let failed = 0;
  for (const entry of BUNDLE_ENTRIES) {
    const { min, gzip } = await measure(entry);
    const over = gzip > entry.budgetGzip;
    if (over) failed++;
    const kb = (n: number) => (n / KB).toFixed(1);
    rows.push(
      args.includes("--markdown")
        ? `| ${entry.name} | ${entry.description} | ${kb(min)} | ${kb(gzip)} | ${kb(entry.budgetGzip)} |`
        : `${entry.name.padEnd(10)} ${kb(min).padStart(8)} KB min ${kb(gzip).padStart(8)} KB gzip  budget ${kb(entry.budgetGzip)} KB${over ? "  OVER BUDGET" : ""}`,
    );
  }
  if (args.includes("--markdown")) {
    console.log("| entry | what it imports | min (KB) | min + gzip (KB) | budget gzip (KB) |");
    console.log("| --- | --- | ---: | ---: | ---: |");
  }
  console.log(rows.join("\n"));
  if (args.includes("--check") && failed > 0) {
    console.error(`bundle-size: ${failed} entr${failed === 1 ? "y is" : "ies are"} over budget`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
