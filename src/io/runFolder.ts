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
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
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
  return {
    format: "difflux-run",
    version: 1,
    command: r.command!,
    created: r.created!,
    files: [...new Set(r.files!)],
  };
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

  /** Deletes every listed file for which `keep` is false (default: all); returns the deleted names. */
  clear(keep: (name: string) => boolean = () => false): string[] {
    const gone = this.#record.files.filter((f) => !keep(f));
    for (const name of gone) this.remove(name);
    return gone;
  }

  /** Releases the lock (the record stays). */
  close(): void {
    this.lock.release();
  }

  #save(): void {
    this.lock.verify();
    writeFileAtomic(join(this.dir, RUN_RECORD_NAME), `${JSON.stringify(this.#record, null, 2)}\n`);
  }
}
