/**
 * The directory lock: one holder at a time (also across processes racing for it), a stale lock of a
 * dead process is broken exactly once, a lock of a live process or of another host is respected, and
 * a holder that lost its lock finds out before it publishes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  acquireDirectoryLock,
  isStaleOwner,
  LOCK_NAME,
  LockBusyError,
  type LockOwner,
  readLockOwner,
} from "../../src/io/lock.js";
import { deadPid, scratchDirs } from "./fixtures.js";

const { fresh, done } = scratchDirs("lock");
after(done);

const ownerFile = (o: Partial<LockOwner>) =>
  `${JSON.stringify({ pid: 1, host: hostname(), token: "t", since: "2020-01-01T00:00:00Z", command: "x", ...o })}\n`;

/**
 * Spawns `n` node processes that each try to take the lock on `dir` once and report; they stay alive
 * (holding whatever they got) until every one has reported, then exit. Resolves to their reports.
 */
async function race(dir: string, n: number): Promise<string[]> {
  const lockModule = new URL("../../src/io/lock.ts", import.meta.url).href;
  const script = `
    const { acquireDirectoryLock } = await import(${JSON.stringify(lockModule)});
    try { acquireDirectoryLock(${JSON.stringify(dir)}, "race"); process.stdout.write("got"); }
    catch (e) { process.stdout.write(e.name); }
    process.stdin.resume(); process.stdin.on("end", () => process.exit(0));`;
  const children = Array.from({ length: n }, () =>
    spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script]),
  );
  const reports = await Promise.all(
    children.map(
      (child) =>
        new Promise<string>((resolve) => {
          child.stdout.once("data", (b) => resolve(String(b)));
          child.on("close", () => resolve("exited without a report"));
        }),
    ),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.on("close", () => resolve());
          child.stdin.end();
        }),
    ),
  );
  return reports;
}

describe("directory lock", () => {
  test("a held lock refuses a second holder, naming pid, host and command, until released", () => {
    const dir = fresh();
    const lock = acquireDirectoryLock(dir, "difflux train");
    assert.deepEqual(readLockOwner(dir), lock.owner);
    assert.throws(
      () => acquireDirectoryLock(dir, "difflux train"),
      (err: Error) =>
        err instanceof LockBusyError &&
        err.message.includes(`in use by pid ${process.pid} on ${hostname()} (difflux train, since `) &&
        err.message.includes("wait for it to finish or stop it"),
    );
    lock.verify();
    lock.release();
    lock.release();
    assert.equal(readLockOwner(dir), null);
    assert.deepEqual(readdirSync(dir), [], "nothing left behind");
    acquireDirectoryLock(dir, "again").release();
  });

  test("a lock of a dead process on this host is stale and broken; a live or foreign one is kept", () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_NAME), ownerFile({ pid: deadPid() }));
    assert.ok(isStaleOwner(readLockOwner(dir)!), "dead pid on this host is stale");
    const lock = acquireDirectoryLock(dir, "resume");
    assert.equal(readLockOwner(dir)!.token, lock.owner.token);
    lock.release();
    writeFileSync(join(dir, LOCK_NAME), ownerFile({ pid: deadPid(), host: "elsewhere" }));
    assert.throws(
      () => acquireDirectoryLock(dir, "x"),
      /in use by pid \d+ on elsewhere .* if no run is active on elsewhere, delete/,
    );
    writeFileSync(join(dir, LOCK_NAME), ownerFile({ pid: 1 }));
    assert.throws(() => acquireDirectoryLock(dir, "x"), /in use by pid 1 /);
  });

  test("an unreadable lock file is respected while young and broken once a minute old", () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_NAME), "garbage");
    assert.throws(() => acquireDirectoryLock(dir, "x"), /exists but is not a difflux lock/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(dir, LOCK_NAME), old, old);
    acquireDirectoryLock(dir, "x").release();
  });

  test("a holder whose lock was taken over finds out at verify and does not remove the new lock", () => {
    const dir = fresh();
    const lock = acquireDirectoryLock(dir, "first");
    writeFileSync(join(dir, LOCK_NAME), ownerFile({ pid: process.pid, token: "other" }));
    assert.throws(
      () => lock.verify(),
      /no longer holds the lock \(pid \d+ on .* took it\); stopping before publishing/,
    );
    lock.release();
    assert.equal(readLockOwner(dir)!.token, "other", "release leaves a lock that is not ours");
  });

  test("of 3 processes racing for a free lock, and for a stale one, exactly one gets it", async () => {
    for (const stale of [false, true]) {
      const dir = fresh();
      if (stale) writeFileSync(join(dir, LOCK_NAME), ownerFile({ pid: deadPid() }));
      const outs = await race(dir, 3);
      assert.equal(outs.filter((o) => o === "got").length, 1, `one winner (${outs.join(", ")})`);
      assert.equal(outs.filter((o) => o === "LockBusyError").length, 2, "the others are told it is busy");
      assert.deepEqual(
        readdirSync(dir).filter((n) => n !== LOCK_NAME),
        [],
        "no temporaries or broken locks left",
      );
    }
  });
});
