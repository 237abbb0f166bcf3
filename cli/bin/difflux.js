#!/usr/bin/env node
/**
 * The `difflux` command. In a source checkout (after `npm ci`, no build step) it registers tsx's
 * ESM loader with the repository's tsconfig.json, whose `paths` map `difflux` and `difflux/node` to
 * the library's sources, and runs cli/main.ts, so the command always matches the sources. The
 * published package ships the compiled dist/ (not main.ts), runs dist/main.js and needs no loader;
 * there `difflux` is the installed library package.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = new URL("../main.ts", import.meta.url);
let entry = new URL("../dist/main.js", import.meta.url);

if (existsSync(source)) {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write(
      "difflux: cannot load tsx to run the TypeScript sources — run `npm ci` (with dev dependencies) in the repository\n",
    );
    process.exit(2);
  }
  register({ tsconfig: fileURLToPath(new URL("../../tsconfig.json", import.meta.url)) });
  entry = source;
}

const { main } = await import(entry.href);
await main(process.argv.slice(2));
