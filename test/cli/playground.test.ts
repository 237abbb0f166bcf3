/**
 * `difflux playground`'s static server: serves the site's files with cross-origin isolation headers,
 * nothing outside the site folder, GET and HEAD only; bad ports are usage errors (exit 2).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type PlaygroundServer, servePlayground } from "../../cli/commands/playground.js";
import { diffluxInProcess, scratch } from "./cli.js";

describe("difflux playground", () => {
  const { dir, cleanup } = scratch("playground");
  const site = join(dir, "site");
  let server: PlaygroundServer;
  before(async () => {
    mkdirSync(site);
    writeFileSync(join(site, "index.html"), "<!doctype html><title>difflux playground</title>");
    writeFileSync(join(site, "main.js"), "export {};");
    writeFileSync(join(dir, "secret.txt"), "outside the site");
    server = await servePlayground(site);
  });
  after(async () => {
    await server.close();
    cleanup();
  });

  it("serves index.html at / on 127.0.0.1 with cross-origin isolation headers", async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, "the URL names 127.0.0.1 and the port");
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(res.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert.match(await res.text(), /difflux playground/);
  });

  it("serves scripts as JavaScript", async () => {
    const res = await fetch(`${server.url}main.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8");
  });

  it("answers 404 for missing files and for paths that climb out of the site", async () => {
    assert.equal((await fetch(`${server.url}nothing.js`)).status, 404);
    assert.equal((await fetch(`${server.url}..%2Fsecret.txt`)).status, 404);
    assert.equal((await fetch(`${server.url}%2e%2e/secret.txt`)).status, 404);
  });

  it("refuses methods other than GET and HEAD", async () => {
    const res = await fetch(server.url, { method: "POST", body: "x" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, HEAD");
  });

  it("exits with 2 and names the flag for a port out of range", async () => {
    const r = await diffluxInProcess(["playground", "--port", "70000"], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port: must be an integer in \[0, 65535\]/);
  });

  it("exits with 2 naming the port when it is taken", async () => {
    const port = Number(new URL(server.url).port);
    const r = await diffluxInProcess(["playground", "--port", String(port), "--site", site], dir);
    assert.equal(r.code, 2, `stdout ${r.stdout} stderr ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`--port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
  });
});
