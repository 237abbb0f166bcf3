/**
 * Finds Debian's chromium for the browser tests, installing it with apt-get when it is missing and
 * this process may (root, apt-get present). Returns the executable, or the reason there is none.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The chromium executable, or `{ reason }` when it is absent and cannot be installed. */
export function findChromium(): { executable: string } | { reason: string } {
  const found = () => CANDIDATES.find((c) => existsSync(c));
  const present = found();
  if (present !== undefined) return { executable: present };
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    return {
      reason:
        "chromium is not installed and this user cannot install it (run `apt-get install -y chromium` as root)",
    };
  }
  try {
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], {
      stdio: "ignore",
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (err) {
    return {
      reason: `chromium is not installed and apt-get install -y chromium failed (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  const installed = found();
  return installed !== undefined
    ? { executable: installed }
    : { reason: "apt-get installed no chromium executable" };
}

/**
 * Polls `check` every 50 ms until it is true; throws naming `what` after `timeoutMs`. (The page's
 * content security policy forbids the string predicates of page.waitForFunction.)
 */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Chromium headless (the new mode), with WebGPU (SwiftShader where there is no GPU) unless `webgpu` is false. */
export function launchChromium(executable: string, webgpu = true): Promise<Browser> {
  return chromium.launch({
    executablePath: executable,
    args: ["--headless=new", "--no-sandbox", ...(webgpu ? ["--enable-unsafe-webgpu"] : [])],
  });
}
