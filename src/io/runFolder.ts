/**
 * Run folders (Node only): an output folder difflux writes several files into — a training run,
 * a demo — and may later clean up. The rule is: never touch what difflux did not write.
 *
 * A run folder holds a record `.difflux-run.json` = `{ format: "difflux-run", version: 1, command,
 * created, files: [names] }`, written before anything else. A folder is accepted as output when it
 * does not exist, is empty, or holds such a record; a folder with any other file is refused, naming
 * the files. Every file is entered in the record before it is written (so a killed write can only
 * leave a listed name), and `remove`/`clear` delete only listed files. Writing takes the folder's
 * lock (lock.ts) for the folder's lifetime, so two writers exclude each other; every write is atomic
 * (temp + rename), so readers never see a half-written file.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { MAX_NAME_BYTES, writeFileAtomic } from "./atomic.js";
import { INPUT_LIMITS, readFileBytes } from "./fileBytes.js";
import { jsonDepthBeyond } from "./json.js";
import { acquireDirectoryLock, type DirectoryLock, LOCK_NAME } from "./lock.js";

/** Largest run record read: 16 MiB (a record lists names only). */
const MAX_RECORD_BYTES = 16 * 2 ** 20;

/** The run record's file name. */
export const RUN_RECORD_NAME = ".difflux-run.json";

/** The run record (file header). */
export interface RunRecord {
  readonly format: "difflux-run";
  readonly version: 1;
  /** What made the folder, e.g. "difflux train". */
  readonly command: string;
  /** ISO time the folder was first claimed. */
  readonly created: string;
  /** The files difflux wrote here (plain names, no folders). */
  readonly files: readonly string[];
  /** The last commit (file header): its commit file, that file's SHA-256 and every file it needs. */
  readonly committed?: RunCommit;
  /** A commit under way (file header); absent once it is recorded as committed. */
  readonly pending?: RunCommit;
}

/** One commit of a run folder: the commit file, its SHA-256 (hex) and the files the state needs. */
export interface RunCommit {
  readonly file: string;
  readonly sha256: string;
  /** Every file of the committed state, the commit file included. */
  readonly needs: readonly string[];
}

/** A plain file name inside the folder: no separators, not "." / "..", not the record or the lock. */
function checkName(fn: string, name: string): string {
  if (
    typeof name !== "string" ||
    name === "" ||
    name === "." ||
    name === ".." ||
    basename(name) !== name ||
    name.includes("/") ||
    name.includes("\\") ||
    name.includes("\0") ||
    new TextEncoder().encode(name).length > MAX_NAME_BYTES ||
    name === RUN_RECORD_NAME ||
    name === LOCK_NAME
  ) {
    throw new RangeError(`${fn}: ${JSON.stringify(name)} is not a plain file name for a run folder`);
  }
  return name;
}

/** difflux's own bookkeeping names (record, lock, temporaries), which do not make a folder foreign. */
function isBookkeeping(name: string): boolean {
  return (
    name === RUN_RECORD_NAME ||
    name === LOCK_NAME ||
    name.startsWith(`${LOCK_NAME}.`) ||
    /^\..*\.difflux-\d+-\d+\.tmp$/s.test(name)
  );
}

/**
 * The run record of `dir`, null when there is none. Throws an Error naming the file when the record
 * exists but is not a valid difflux run record (then nothing in the folder is touched).
 */
export function readRunRecord(dir: string): RunRecord | null {
  const path = join(dir, RUN_RECORD_NAME);
  if (!existsSync(path)) return null;
  const text = new TextDecoder().decode(
    readFileBytes("readRunRecord", path, { ...INPUT_LIMITS, maxBytes: MAX_RECORD_BYTES }),
  );
  const bad = (why: string): never => {
    throw new Error(
      `${path} is not a valid difflux run record (${why}); difflux will not write into or clean ${dir} — move the folder's files elsewhere or choose another folder`,
    );
  };
  if (jsonDepthBeyond(text, 3) > 0) bad("nested too deeply");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    bad(err instanceof Error ? err.message : String(err));
  }
  const r = json as Partial<RunRecord>;
  if (r === null || typeof r !== "object" || r.format !== "difflux-run" || r.version !== 1)
    bad("format must be difflux-run, version 1");
  if (typeof r.command !== "string" || typeof r.created !== "string")
    bad("command and created must be strings");
  if (!Array.isArray(r.files)) bad("files must be a list of names");
  for (const f of r.files as unknown[]) {
    try {
      checkName("readRunRecord", f as string);
    } catch {
      bad(`files lists ${JSON.stringify(f)}, which is not a plain file name`);
    }
  }
  const commit = (key: "committed" | "pending"): RunCommit | undefined => {
    const c = r[key] as Partial<RunCommit> | undefined;
    if (c === undefined) return undefined;
    if (
      c === null ||
      typeof c !== "object" ||
      typeof c.file !== "string" ||
      typeof c.sha256 !== "string" ||
      !/^[0-9a-f]{64}$/.test(c.sha256) ||
      !Array.isArray(c.needs)
    )
      return bad(`${key} must be { file, sha256, needs }`);
    for (const f of [c.file, ...(c.needs as unknown[])]) {
      try {
        checkName("readRunRecord", f as string);
      } catch {
        bad(`${key} lists ${JSON.stringify(f)}, which is not a plain file name`);
      }
    }
    return { file: c.file, sha256: c.sha256, needs: [...new Set(c.needs as string[])] };
  };
  const committed = commit("committed");
  const pending = commit("pending");
  return {
    format: "difflux-run",
    version: 1,
    command: r.command!,
    created: r.created!,
    files: [...new Set(r.files!)],
    ...(committed === undefined ? {} : { committed }),
    ...(pending === undefined ? {} : { pending }),
  };
}

function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The SHA-256 of the file at `path`, or null when it cannot be read. */
function fileSha256(path: string): string | null {
  try {
    return sha256(readFileBytes("RunFolder", path));
  } catch {
    return null;
  }
}

/**
 * Why `dir` cannot be a run folder, or null when it can: it does not exist, is empty (bookkeeping
 * names aside), or holds a valid run record. Names up to 5 foreign files.
 */
export function runFolderProblem(dir: string): string | null {
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) return `${dir} is a file, not a folder — choose a folder`;
  try {
    if (readRunRecord(dir) !== null) return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const foreign = readdirSync(dir).filter((n) => !isBookkeeping(n));
  if (foreign.length === 0) return null;
  const shown = foreign.slice(0, 5).join(", ");
  return `${dir} holds files difflux did not write (${shown}${foreign.length > 5 ? `, and ${foreign.length - 5} more` : ""}); choose a new or empty folder`;
}

/** An open run folder: the lock is held until `close()`. */
export class RunFolder {
  readonly dir: string;
  readonly lock: DirectoryLock;
  #record: RunRecord;

  private constructor(dir: string, lock: DirectoryLock, record: RunRecord) {
    this.dir = dir;
    this.lock = lock;
    this.#record = record;
  }

  /**
   * Opens `dir` as a run folder for `command`: creates it if missing, refuses it (Error naming the
   * foreign files) unless it is empty or a difflux run, takes its lock (LockBusyError when another
   * live process holds it) and writes the record before anything else.
   */
  static open(dir: string, command: string): RunFolder {
    const problem = runFolderProblem(dir);
    if (problem !== null) throw new Error(problem);
    mkdirSync(dir, { recursive: true });
    const lock = acquireDirectoryLock(dir, command);
    try {
      // Checked again under the lock: another process may have written meanwhile.
      const again = runFolderProblem(dir);
      if (again !== null) throw new Error(again);
      const existing = readRunRecord(dir);
      const folder = new RunFolder(
        dir,
        lock,
        existing ?? {
          format: "difflux-run",
          version: 1,
          command,
          created: new Date().toISOString(),
          files: [],
        },
      );
      if (existing === null) folder.#save();
      else folder.#recover();
      return folder;
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** The record as last written. */
  get record(): RunRecord {
    return this.#record;
  }

  /** Whether difflux wrote `name` here (it is listed in the record). */
  owns(name: string): boolean {
    return this.#record.files.includes(name);
  }

  /** The path of `name` inside the folder (validated as a plain file name). */
  path(name: string): string {
    return join(this.dir, checkName("RunFolder.path", name));
  }

  /**
   * Writes `data` as `name` atomically, after entering `name` in the record. Refuses (Error) to
   * overwrite an existing file the record does not list — a file the user put there — and stops
   * (LockBusyError) if this process lost the lock.
   */
  write(name: string, data: string | Uint8Array): void {
    const path = this.path(name);
    this.lock.verify();
    if (!this.owns(name)) {
      if (existsSync(path)) {
        throw new Error(
          `${path} exists and was not written by this difflux run; move it away or choose another folder`,
        );
      }
      this.#record = { ...this.#record, files: [...this.#record.files, name] };
      this.#save();
    }
    writeFileAtomic(path, data);
  }

  /** Deletes `name` if the record lists it (then drops it from the record); an unlisted name is never touched. */
  remove(name: string): boolean {
    if (!this.owns(name)) return false;
    this.lock.verify();
    rmSync(this.path(name), { force: true });
    this.#record = { ...this.#record, files: this.#record.files.filter((f) => f !== name) };
    this.#save();
    return true;
  }

  /**
   * Publishes a commit (file header): writes `file` with `data` as the commit point of a state made of
   * `file` and `needs` (files already written here), then deletes every other listed file. Returns
   * the deleted names. Throws before writing anything if a needed file is not listed or missing.
   */
  commit(file: string, data: string | Uint8Array, needs: readonly string[]): string[] {
    const path = this.path(file);
    const all = [...new Set([file, ...needs.map((n) => checkName("RunFolder.commit", n))])];
    for (const n of all) {
      if (n !== file && !(this.owns(n) && existsSync(this.path(n)))) {
        throw new Error(
          `RunFolder.commit: ${this.path(n)} is needed by the commit ${file} but was not written by this run; write it first`,
        );
      }
    }
    if (!this.owns(file) && existsSync(path)) {
      throw new Error(
        `${path} exists and was not written by this difflux run; move it away or choose another folder`,
      );
    }
    const pending: RunCommit = { file, sha256: sha256(data), needs: all };
    const files = this.owns(file) ? this.#record.files : [...this.#record.files, file];
    this.#record = { ...this.#record, files, pending };
    this.#save();
    this.lock.verify();
    writeFileAtomic(path, data);
    const { pending: _, ...rest } = this.#record;
    this.#record = { ...rest, committed: pending };
    this.#save();
    return this.#prune();
  }

  /** The standing commit, if any. */
  get committed(): RunCommit | null {
    return this.#record.committed ?? null;
  }

  /** Deletes every listed file for which `keep` is false (default: all); returns the deleted names. */
  clear(keep: (name: string) => boolean = () => false): string[] {
    const gone = this.#record.files.filter((f) => !keep(f));
    if (gone.length === 0) return gone;
    this.lock.verify();
    // Files first, then the record: a kill in between leaves listed names of missing files, which
    // the next clean-up drops.
    for (const name of gone) rmSync(this.path(name), { force: true });
    this.#record = { ...this.#record, files: this.#record.files.filter((f) => !gone.includes(f)) };
    this.#save();
    return gone;
  }

  /** Releases the lock (the record stays). */
  close(): void {
    this.lock.release();
  }

  /**
   * Undoes the run: deletes every listed file and the record, releases the lock, and removes the
   * folder itself when nothing else is left in it (files difflux did not write keep it).
   */
  discard(): void {
    this.clear();
    this.lock.verify();
    rmSync(join(this.dir, RUN_RECORD_NAME), { force: true });
    this.lock.release();
    try {
      if (readdirSync(this.dir).length === 0) rmdirSync(this.dir);
    } catch {
      // Not empty after all, or gone: leave it.
    }
  }

  /** Finishes or rolls back a commit a killed writer left (file header), then prunes. */
  #recover(): void {
    const { pending, committed } = this.#record;
    if (pending !== undefined) {
      const { pending: _, ...rest } = this.#record;
      const onDisk = fileSha256(this.path(pending.file));
      // The commit took place when its file is on disk; should both commits have the same file
      // content, keep what either needs.
      const standing =
        onDisk !== pending.sha256
          ? committed
          : committed !== undefined && committed.sha256 === pending.sha256
            ? { ...pending, needs: [...new Set([...pending.needs, ...committed.needs])] }
            : pending;
      this.#record = standing === undefined ? rest : { ...rest, committed: standing };
      this.#save();
    }
    this.#prune();
  }

  /** Deletes the listed files the standing commit does not need (nothing without a commit). */
  #prune(): string[] {
    const committed = this.#record.committed;
    if (committed === undefined) return [];
    return this.clear((name) => committed.needs.includes(name));
  }

  #save(): void {
    this.lock.verify();
    writeFileAtomic(join(this.dir, RUN_RECORD_NAME), `${JSON.stringify(this.#record, null, 2)}\n`);
  }
}
