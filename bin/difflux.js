#!/usr/bin/env node
/**
 * The `difflux` command. In a source checkout (after `npm ci`, no build step) it registers tsx's
 * ESM loader and runs cli/main.ts directly, so the command always matches the sources; in a
 * published package, which ships the compiled dist/ but not cli/*.ts, it runs dist/cli/main.js and
 * needs no loader.
 */
import { existsSync } from "node:fs";

const source = new URL("../cli/main.ts", import.meta.url);
let entry = new URL("../dist/cli/main.js", import.meta.url);

if (existsSync(source)) {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write(
      "difflux: cannot load tsx to run the TypeScript sources — run `npm ci` (with dev dependencies) or `npm run build`\n",
    );
    process.exit(2);
  }
  register();
  entry = source;
}

const { main } = await import(entry.href);
await main(process.argv.slice(2));
