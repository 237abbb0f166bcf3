/**
 * A directory lock (Node only): one writer per folder at a time. The lock is a file `.difflux.lock`
 * holding its owner `{ pid, host, token, since, command }`, created complete in one step (written to
 * a temporary name, then hard-linked to the lock name, which fails if a lock exists), so no reader
 * ever sees a half-written lock.
 *
 * Stale-lock rule: a lock whose owner ran on this host and whose pid is no longer alive is stale
 * (the run was killed); it is broken by renaming it aside — only the rename that moved exactly the
 * stale owner's lock (its token) removes it, so two processes breaking the same stale lock cannot
 * remove a fresh lock taken meanwhile. A lock from another host is never assumed stale. A holder
 * calls `verify()` before each commit point, so a writer that lost its lock stops before publishing.
 */
import { randomUUID } from "node:crypto";
import { linkSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { processAlive, writeFileAtomic } from "./atomic.js";
import { jsonDepthBeyond } from "./json.js";

/** The lock file's name inside the locked directory. */
export const LOCK_NAME = ".difflux.lock";

/** Who holds a lock. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Unique per acquisition. */
  readonly token: string;
  /** ISO time of acquisition. */
  readonly since: string;
  /** What the holder is doing (e.g. "difflux train"). */
  readonly command: string;
}

/** Thrown when another live process holds the lock (or the holder lost it). */
export class LockBusyError extends Error {
  readonly owner: LockOwner | null;
  constructor(message: string, owner: LockOwner | null) {
    super(message);
    this.name = "LockBusyError";
    this.owner = owner;
  }
}

function parseOwner(text: string): LockOwner | null {
  if (text.length > 4096 || jsonDepthBeyond(text, 2) > 0) return null;
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (
      o !== null &&
      typeof o === "object" &&
      Number.isSafeInteger(o.pid) &&
      typeof o.host === "string" &&
      typeof o.token === "string" &&
      typeof o.since === "string" &&
      typeof o.command === "string"
    ) {
      return o as LockOwner;
    }
  } catch {
    // unparsable: handled by the caller
  }
  return null;
}

/** The current owner of the lock on `dir`, or null when it is not locked (or the lock is unreadable). */
export function readLockOwner(dir: string): LockOwner | null {
  try {
    return parseOwner(readFileSync(join(dir, LOCK_NAME), "utf8"));
  } catch {
    return null;
  }
}

/** Whether `owner` is stale by the rule of the file header: this host, pid not alive. */
export function isStaleOwner(owner: LockOwner): boolean {
  return owner.host === hostname() && !processAlive(owner.pid);
}

/** A held lock (see the file header). */
export class DirectoryLock {
  readonly dir: string;
  readonly owner: LockOwner;
  #released = false;

  constructor(dir: string, owner: LockOwner) {
    this.dir = dir;
    this.owner = owner;
  }

  /** Throws a LockBusyError unless this lock is still the one on disk (call before each commit). */
  verify(): void {
    const now = readLockOwner(this.dir);
    if (this.#released || now === null || now.token !== this.owner.token) {
      throw new LockBusyError(
        `${this.dir}: this process no longer holds the lock${now ? ` (pid ${now.pid} on ${now.host} took it)` : ""}; stopping before publishing anything`,
        now,
      );
    }
  }

  /** Releases the lock (only if it is still ours); idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const now = readLockOwner(this.dir);
    if (now !== null && now.token === this.owner.token) rmSync(join(this.dir, LOCK_NAME), { force: true });
  }
}

const ACQUIRE_ATTEMPTS = 5;
/** An unreadable lock (not written by this module) older than this is treated as stale. */
const UNREADABLE_STALE_MS = 60_000;

/**
 * Takes the lock on directory `dir` (which must exist) for `command`, breaking a stale lock (file
 * header). Throws a LockBusyError naming the holder (pid, host, since, command) and the fix when
 * another live process holds it.
 */
export function acquireDirectoryLock(dir: string, command: string): DirectoryLock {
  const path = join(dir, LOCK_NAME);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
    command,
  };
  for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
    if (tryCreate(path, owner)) return new DirectoryLock(dir, owner);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      continue; // released between our attempt and the read: try again
    }
    const held = parseOwner(text);
    if (held !== null && !isStaleOwner(held)) {
      throw new LockBusyError(
        `${dir} is in use by pid ${held.pid} on ${held.host} (${held.command}, since ${held.since}); wait for it to finish or stop it${held.host === hostname() ? "" : ` — if no run is active on ${held.host}, delete ${path}`}`,
        held,
      );
    }
    if (held === null) {
      let age = 0;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue;
      }
      if (age < UNREADABLE_STALE_MS) {
        throw new LockBusyError(
          `${path} exists but is not a difflux lock; if no run is active, delete it (it is ignored once older than ${UNREADABLE_STALE_MS / 1000} s)`,
          null,
        );
      }
    }
    breakStale(path, held, owner.token);
  }
  throw new LockBusyError(
    `${dir}: could not take the lock after ${ACQUIRE_ATTEMPTS} attempts; other processes keep taking it`,
    readLockOwner(dir),
  );
}

/** Creates the lock with `owner`'s content in one step; false if a lock exists. */
function tryCreate(path: string, owner: LockOwner): boolean {
  const tmp = `${path}.${owner.token}.new`;
  writeFileAtomic(tmp, `${JSON.stringify(owner)}\n`);
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "EEXIST") return false;
    throw new Error(`cannot take the lock ${path}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Moves the stale lock `held` aside and removes it — unless what moved is a fresh lock, which goes back. */
function breakStale(path: string, held: LockOwner | null, token: string): void {
  const aside = `${path}.broken-${token}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = parseOwner(readFileSync(aside, "utf8"));
  if (held === null ? moved === null : moved !== null && moved.token === held.token) {
    rmSync(aside, { force: true });
    return;
  }
  // A fresh lock was taken between our read and our rename: put it back (if nobody took the name since).
  try {
    linkSync(aside, path);
  } catch {
    // The name is taken again; the fresh holder's verify() will report the loss.
  }
  rmSync(aside, { force: true });
}
