/**
 * `difflux playground`: serves the playground web app (a static site built from playground/ and
 * shipped in this package's playground/ folder) on 127.0.0.1 and prints its URL. A small static file
 * server: GET and HEAD only, files inside the site folder only, with headers that make the page
 * cross-origin isolated (so the training worker's kernels may share memory) and a content security
 * policy that allows no script but the site's own.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { type CommandValues, defineCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { numberOption, textOption } from "../options.js";
import { printJson, say } from "../output.js";
import { session } from "../command.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

const HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-cache",
};

/** The built site: cli/playground/ beside dist/ (installed package) or beside commands/ (sources). */
export function playgroundDir(): string | undefined {
  for (const up of ["../playground/", "../../playground/"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    // The built site has its bundles; the repository's playground/ sources have none.
    if (existsSync(join(dir, "index.html")) && existsSync(join(dir, "main.mjs"))) return dir;
  }
  return undefined;
}

/** A running server and its URL. */
export interface PlaygroundServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Serves the static site in `dir` on 127.0.0.1:`port` (0: any free port). */
export function servePlayground(dir: string, port = 0): Promise<PlaygroundServer> {
  const root = normalize(dir.endsWith(sep) ? dir : dir + sep);
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = normalize(join(root, pathname.endsWith("/") ? `${pathname}index.html` : pathname));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      ...HEADERS,
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Content-Length": body.length,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const actual = typeof address === "object" && address !== null ? address.port : port;
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        server,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** The options of `playground`. */
export const PLAYGROUND_OPTIONS = {
  port: numberOption({
    help: "port on 127.0.0.1 (0 = any free port)",
    integer: true,
    min: 0,
    max: 65535,
    default: 0,
    example: "8080",
    value: "port",
  }),
  site: textOption({
    help: "serve this built site folder instead of the one installed (npm run build:playground -- DIR builds one)",
    value: "dir",
    example: "my-site",
  }),
} as const;

type Values = CommandValues<typeof PLAYGROUND_OPTIONS>;

/** The `playground` command (see the file header). */
export function playgroundCommand(): Command {
  return defineCommand({
    name: "playground",
    summary: "serve the playground web app on 127.0.0.1 and print its URL",
    description:
      "Serve the playground, a web app that shows one probability path from every side (paths, the six prediction kinds, samplers, training in the page, likelihood), on 127.0.0.1, and print the URL to open. Everything runs in the browser; stop with Ctrl-C.",
    options: PLAYGROUND_OPTIONS,
    examples: [
      ["serve on any free port", "difflux playground"],
      ["serve on port 8080", "difflux playground --port 8080"],
    ],
    run: runPlayground,
  });
}

async function runPlayground(o: Values): Promise<void> {
  const dir = o.site ?? playgroundDir();
  if (dir === undefined) {
    throw new UsageError(
      "the built site is missing from this installation — in a source checkout run `npm run build:playground` first",
    );
  }
  if (o.site !== undefined && !existsSync(join(o.site, "index.html"))) {
    throw new UsageError(`--site: ${o.site} holds no index.html; give the folder a playground build wrote`);
  }
  let running: PlaygroundServer;
  try {
    running = await servePlayground(dir, o.port);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new UsageError(
      `--port: cannot listen on 127.0.0.1:${o.port} (${code ?? (err instanceof Error ? err.message : String(err))}) — pick another port or 0 for any free one`,
    );
  }
  if (session.json) printJson({ url: running.url });
  else say(`difflux playground: open ${running.url} (Ctrl-C stops it)`);
  await new Promise<void>((resolve) => {
    const stop = () => void running.close().then(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
