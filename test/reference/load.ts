/**
 * Loads reference fixtures copied from ../shared/reference (see that folder's README for schemas).
 */
import { readFileSync } from "node:fs";

const dir = new URL("./", import.meta.url);

/** Parses test/reference/<name> (a JSON fixture). */
export function loadReference<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, dir), "utf8")) as T;
}
