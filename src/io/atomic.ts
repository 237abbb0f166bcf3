/**
 * Atomic file output (Node only): write to a temporary file in the same directory, then rename over
 * the destination, so a reader never sees a half-written file and a failed write leaves nothing.
 *
 * Temporary names are `.<name>.difflux-<pid>-<n>.tmp`, with <name> shortened (on a character
 * boundary) so the whole name fits the file system's 255-byte limit whatever the destination's
 * length. A process killed mid-write leaves its temporary behind; the next write into the same
 * directory (once per directory and process) removes every such temporary whose process is gone.
 * Nothing else is ever removed: only names of exactly that form, only regular files, only of a dead
 * process id.
 */
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** Most bytes in one file name (NAME_MAX on Linux, macOS and Windows' NTFS in UTF-16 units). */
export const MAX_NAME_BYTES = 255;

const TEMP = /^\..*\.difflux-(\d+)-\d+\.tmp$/s;
const encoder = new TextEncoder();
let counter = 0;
const swept = new Set<string>();

/**
 * The temporary name for writing `path` (file header): `.<name>.difflux-<pid>-<n>.tmp` in the same
 * directory, <name> cut to fit MAX_NAME_BYTES (UTF-8 bytes, never splitting a character). Unique
 * within the process (n counts up); the pid makes it unique across live processes.
 */
export function tempPathFor(path: string): string {
  const suffix = `.difflux-${process.pid}-${counter++}.tmp`;
  const room = MAX_NAME_BYTES - 1 - suffix.length;
  let name = basename(path);
  if (encoder.encode(name).length > room) {
    const chars = Array.from(name);
    let bytes = 0;
    let k = 0;
    while (k < chars.length && bytes + encoder.encode(chars[k]!).length <= room)
      bytes += encoder.encode(chars[k++]!).length;
    name = chars.slice(0, k).join("");
  }
  return join(dirname(path), `.${name}${suffix}`);
}

/** Whether process `pid` exists (signal 0: EPERM means it exists under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

/**
 * Removes the temporaries (file header) that writes of dead processes left in `dir`, and returns
 * their names. Only regular files named `.<name>.difflux-<pid>-<n>.tmp` whose pid is not a live
 * process (nor this one) are removed; a missing or unreadable directory removes nothing.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const p = join(dir, name);
    try {
      if (!lstatSync(p).isFile()) continue;
      rmSync(p, { force: true });
      removed.push(name);
    } catch {
      // Gone already (another process swept it), or not ours to remove: leave it.
    }
  }
  return removed;
}

/**
 * Writes `data` to `path` atomically (temp file + rename; file header). With `mkdir`, creates missing
 * parent directories. The temporary is created exclusively (never through an existing file or
 * symlink). The first write into a directory removes the stale temporaries of dead processes there.
 * Throws an Error naming the path and the cause; on failure no file is left behind.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mkdir?: boolean } = {},
): void {
  const dir = dirname(path);
  if (options.mkdir) mkdirSync(dir, { recursive: true });
  const key = resolve(dir);
  if (!swept.has(key)) {
    swept.add(key);
    removeStaleTemps(dir);
  }
  const tmp = tempPathFor(path);
  let created = false;
  try {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    const fd = openSync(tmp, "wx");
    created = true;
    try {
      let o = 0;
      while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    if (created) rmSync(tmp, { force: true });
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot write ${path}: ${cause}`);
  }
}
