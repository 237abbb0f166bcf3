/**
 * The packaging test (CI runs it after the test suite): what a user gets from `npm install`.
 *
 *   1. `npm pack` every published package (the root library, then each workspace), which builds
 *      through `prepack`; the tarballs must hold what users need and nothing of the sources, tests
 *      or CLI declarations;
 *   2. publint and are-the-types-wrong on each tarball;
 *   3. a fresh project installs the library tarball alone: none of the CLI's dependencies may come
 *      with it (its node_modules size is printed); the fixtures in test/package/ import it from plain
 *      Node ESM, require it from CommonJS, and type-check TypeScript consumers with
 *      skipLibCheck: false under node16, nodenext and bundler resolution;
 *   4. the same project installs the CLI and runs `npx difflux --help` and `--version`.
 *
 * Only the local tarballs are new; every other package comes from the npm cache (filled by
 * `npm ci`) or the registry. `node --import tsx scripts/test-package.ts [--keep]` (--keep leaves
 * the temporary project for inspection).
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const fixtures = join(root, "test", "package");
const keep = process.argv.includes("--keep");
const started = Date.now();

interface Manifest {
  name: string;
  version: string;
  workspaces?: string[];
  bin?: Record<string, string>;
  exports?: unknown;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));

class Failure extends Error {}

/** Every file path an `exports` map points to (conditions and subpaths flattened). */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === "string") return [exports];
  if (exports === null || typeof exports !== "object") return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** Runs a command; on failure throws with its output. Returns stdout. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, npm_config_update_notifier: "false", ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; status?: number };
    throw new Failure(
      `\`${cmd} ${args.join(" ")}\` in ${cwd} exited with ${e.status}\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
}

/** `run`, without blocking, so that independent checks overlap. */
async function runAsync(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(cmd, args, {
      cwd,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    throw new Failure(
      `\`${cmd} ${args.join(" ")}\` in ${cwd} exited with ${e.code}\n${e.stdout ?? ""}${e.stderr ?? ""}`,
    );
  }
}

async function step(name: string, body: () => void | Promise<void>): Promise<void> {
  const t0 = Date.now();
  await body();
  process.stdout.write(`ok  ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

/** The .d.ts files under `dir`. */
function declarations(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".d.ts"))
    .map((f) => join(dir, f));
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Failure(message);
}

/** Total size in bytes of the files under `dir` (symbolic links are not followed). */
function treeSize(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) bytes += treeSize(p);
    else if (entry.isFile()) bytes += statSync(p).size;
  }
  return bytes;
}

/** The package names installed in `nodeModules` (scoped ones as @scope/name), nested ones included. */
function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      if (entry.name.startsWith("@")) {
        for (const scoped of readdirSync(join(dir, entry.name))) {
          names.push(`${entry.name}/${scoped}`);
          const nested = join(dir, entry.name, scoped, "node_modules");
          if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) visit(nested);
        }
      } else {
        names.push(entry.name);
        const nested = join(dir, entry.name, "node_modules");
        if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) visit(nested);
      }
    }
  };
  visit(nodeModules);
  return names;
}

const rootManifest = readManifest(root);
const packages = [root, ...(rootManifest.workspaces ?? []).map((w) => join(root, w))].map((dir) => ({
  dir,
  manifest: readManifest(dir),
  tarball: "",
}));
const library = packages[0]!;
const clis = packages.filter((p) => p.manifest.bin !== undefined);
/** Dependencies the CLI packages add to the library's: a library-only install must not contain them. */
const cliOnly = [
  ...new Set(
    clis
      .filter((p) => p !== library)
      .flatMap((p) => Object.keys(p.manifest.dependencies ?? {}))
      .filter((name) => !(name in (library.manifest.dependencies ?? {})) && name !== library.manifest.name),
  ),
];

const work = mkdtempSync(join(tmpdir(), "difflux-package-"));
const tarballs = join(work, "tarballs");
const consumer = join(work, "consumer");
const npm = (args: string[], cwd = consumer) => run("npm", [...args, "--no-audit", "--no-fund"], cwd);

try {
  await step(`npm pack ${packages.map((p) => p.manifest.name).join(", ")} (prepack builds)`, () => {
    mkdirSync(tarballs);
    for (const p of packages) {
      const before = new Set(readdirSync(tarballs));
      run("npm", ["pack", "--pack-destination", tarballs], p.dir);
      const made = readdirSync(tarballs).filter((f) => !before.has(f));
      check(made.length === 1, `npm pack in ${p.dir} made ${made.length} tarballs`);
      p.tarball = join(tarballs, made[0]!);
    }
  });

  await step("tarballs hold what users need, and no sources, tests or CLI declarations", () => {
    for (const p of packages) {
      const files = run("tar", ["-tzf", p.tarball], work)
        .split("\n")
        .filter(Boolean)
        .map((f) => f.replace(/^package\//, ""));
      const need = ["package.json", "README.md", "LICENSE"];
      for (const f of need) check(files.includes(f), `${p.manifest.name}: the tarball has no ${f}`);
      const stray = files.filter((f) => /\.(ts|tsx|map|tsbuildinfo)$/.test(f) && !f.endsWith(".d.ts"));
      check(
        stray.length === 0,
        `${p.manifest.name}: the tarball ships sources: ${stray.slice(0, 5).join(", ")}`,
      );
      const dev = files.filter((f) => /^(test|bench|scripts|examples|src|docs|node_modules)\//.test(f));
      check(dev.length === 0, `${p.manifest.name}: the tarball ships ${dev.slice(0, 5).join(", ")}`);
      const referenced = [...exportTargets(p.manifest.exports), ...Object.values(p.manifest.bin ?? {})];
      for (const f of referenced.map((t) => t.replace(/^\.\//, "")))
        check(files.includes(f), `${p.manifest.name}: package.json names ${f}, which the tarball lacks`);
      if (p === library) {
        check(
          files.includes("data/digits.csv.gz"),
          `${p.manifest.name}: the tarball has no data/digits.csv.gz`,
        );
        const cliDeclarations = files.filter((f) => /(^|\/)cli\/.*\.d\.ts$/.test(f));
        check(cliDeclarations.length === 0, `${p.manifest.name}: the tarball ships CLI declarations`);
      } else {
        const declarations = files.filter((f) => f.endsWith(".d.ts"));
        check(declarations.length === 0, `${p.manifest.name}: the CLI package ships declarations`);
        for (const f of ["playground/index.html", "playground/main.mjs", "playground/worker.mjs"])
          check(files.includes(f), `${p.manifest.name}: the tarball has no ${f} (the built playground)`);
      }
    }
  });

  await step("publint (strict) and are-the-types-wrong (ESM-only profile)", () => {
    for (const p of packages) {
      run(join(root, "node_modules", ".bin", "publint"), ["run", p.tarball, "--strict"], work);
    }
    run(join(root, "node_modules", ".bin", "attw"), [library.tarball, "--profile", "esm-only"], work);
  });

  await step("a fresh project installs the library alone, without the CLI's dependencies", () => {
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, "package.json"),
      `${JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2)}\n`,
    );
    npm(["install", "--prefer-offline", library.tarball]);
    const installed = installedPackages(join(consumer, "node_modules"));
    const leaked = installed.filter((name) => cliOnly.includes(name));
    check(leaked.length === 0, `the library pulled in CLI dependencies: ${leaked.join(", ")}`);
    const mb = treeSize(join(consumer, "node_modules")) / 1e6;
    process.stdout.write(
      `    library-only node_modules: ${installed.length} packages, ${mb.toFixed(1)} MB\n`,
    );
  });

  await step("plain Node ESM and CommonJS consumers run", () => {
    for (const f of ["esm.mjs", "cjs.cjs"]) copyFileSync(join(fixtures, f), join(consumer, f));
    run("node", ["esm.mjs"], consumer);
    run("node", ["cjs.cjs"], consumer);
  });

  await step(
    "TypeScript consumers type-check with skipLibCheck: false (node16, nodenext, bundler)",
    async () => {
      // The project's own compiler; no @types/node and no DOM: the declarations must need neither.
      for (const f of ["consumer.ts", "consumer.cts"]) copyFileSync(join(fixtures, f), join(consumer, f));
      const base = {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        target: "ES2022",
        lib: ["ES2022"],
        types: [],
      };
      const configs: Record<string, { compilerOptions: object; files: string[] }> = {
        node16: {
          compilerOptions: { ...base, module: "node16", moduleResolution: "node16" },
          files: ["consumer.ts"],
        },
        nodenext: {
          compilerOptions: { ...base, module: "nodenext", moduleResolution: "nodenext" },
          files: ["consumer.ts", "consumer.cts"],
        },
        bundler: {
          compilerOptions: { ...base, module: "preserve", moduleResolution: "bundler" },
          files: ["consumer.ts"],
        },
      };
      const installed = join(consumer, "node_modules", library.manifest.name);
      for (const file of declarations(installed)) {
        const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
        const bare = [...text.matchAll(/(?:from|import\s*\()\s*["']([^"'.][^"']*)["']/g)].map((m) => m[1]);
        check(bare.length === 0, `${relative(installed, file)} imports types of ${bare.join(", ")}`);
      }
      await Promise.all(
        Object.entries(configs).map(([name, config]) => {
          writeFileSync(join(consumer, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
          return runAsync(
            join(root, "node_modules", ".bin", "tsc"),
            ["-p", `tsconfig.${name}.json`],
            consumer,
          );
        }),
      );
    },
  );

  await step("the CLI installs from its tarball and `npx difflux --help` runs", () => {
    const others = clis.filter((p) => p !== library).map((p) => p.tarball);
    if (others.length > 0) npm(["install", "--prefer-offline", library.tarball, ...others]);
    for (const p of clis) {
      for (const bin of Object.keys(p.manifest.bin ?? {})) {
        const help = run("npx", ["--no-install", bin, "--help"], consumer);
        check(/Usage: difflux/.test(help), `npx ${bin} --help printed no usage:\n${help}`);
        const version = run("npx", ["--no-install", bin, "--version"], consumer).trim();
        check(
          version === p.manifest.version,
          `npx ${bin} --version printed ${version}, not ${p.manifest.version}`,
        );
      }
    }
  });
  await step("`npx difflux playground` serves the built site on 127.0.0.1 and prints its URL", async () => {
    // The installed bin run by node itself, so that stopping it stops the server (npx would sit between).
    const bin = join(consumer, "node_modules", ".bin", "difflux");
    const child = spawn(process.execPath, [bin, "playground"], {
      cwd: consumer,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(
          () => reject(new Failure(`difflux playground printed no URL in 30 s: ${out}`)),
          30_000,
        );
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (m !== null) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        });
        child.once("exit", (code) => reject(new Failure(`difflux playground exited with ${code}: ${out}`)));
      });
      const page = await fetch(url);
      check(
        page.ok && (await page.text()).includes("difflux playground"),
        `${url} did not serve the playground`,
      );
      const script = await fetch(`${url}worker.mjs`);
      check(script.ok, `${url}worker.mjs: HTTP ${script.status}`);
    } finally {
      child.kill("SIGTERM");
    }
  });
  process.stdout.write(`package test passed in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
} catch (err) {
  process.stderr.write(`package test failed: ${err instanceof Error ? err.message : String(err)}\n`);
  if (!keep) process.stderr.write(`(rerun with --keep to inspect the temporary project)\n`);
  process.exitCode = 1;
} finally {
  if (keep) process.stdout.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
