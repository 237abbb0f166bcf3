/**
 * Builds the playground (playground/) into a static site: esbuild bundles main.ts and the training
 * worker (minified ESM, the library from src/ through the `difflux` alias) next to index.html and
 * style.css. The site goes to cli/playground/ (shipped in the difflux-cli package, served by
 * `difflux playground`) or to the folder given as the first argument. Written to a temporary folder
 * and renamed, so a failed build leaves the previous site.
 *   node --import tsx scripts/build-playground.ts [outDir]
 */
import { copyFileSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..");

/** Builds the site into `outDir`; returns the bundles' sizes in bytes. */
export async function buildPlayground(
  outDir = join(root, "cli", "playground"),
): Promise<Record<string, number>> {
  const temp = `${outDir}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  const result = await build({
    entryPoints: { main: join(root, "playground", "main.ts"), worker: join(root, "playground", "worker.ts") },
    outdir: temp,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    alias: { difflux: join(root, "src", "index.ts") },
    // .mjs: unambiguous ESM for tools that guess a .js file's module system from its text.
    outExtension: { ".js": ".mjs" },
    // An ESM marker: the worker bundle has no import or export of its own.
    banner: { js: "export {};" },
    metafile: true,
    logLevel: "warning",
  });
  for (const file of ["index.html", "style.css"])
    copyFileSync(join(root, "playground", file), join(temp, file));
  rmSync(outDir, { recursive: true, force: true });
  renameSync(temp, outDir);
  const sizes: Record<string, number> = {};
  for (const [file, info] of Object.entries(result.metafile.outputs))
    sizes[file.split("/").at(-1)!] = info.bytes;
  return sizes;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const sizes = await buildPlayground(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(
    Object.entries(sizes)
      .map(([f, b]) => `${f}: ${(b / 1024).toFixed(1)} KB`)
      .join("\n"),
  );
}
