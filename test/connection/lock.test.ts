import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireAccountLock, accountLockPath, AccountLockedError } from '../../main/connection/lock.ts';

test('one holder per state dir and account; others are told who holds it', async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), 'clw-lock-'));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const a = await acquireAccountLock(stateDir, 'default');
  await assert.rejects(acquireAccountLock(stateDir, 'default'), (err: unknown) => {
    assert.ok(err instanceof AccountLockedError);
    assert.equal(err.owner?.pid, process.pid);
    assert.match(err.message, /already running in another Clawline process \(pid \d+\)/);
    return true;
  });
  // Another account and another state dir are independent.
  const b = await acquireAccountLock(stateDir, 'work');
  const otherDir = await mkdtemp(join(tmpdir(), 'clw-lock-'));
  t.after(() => rm(otherDir, { recursive: true, force: true }));
  const c = await acquireAccountLock(otherDir, 'default');
  await Promise.all([a.release(), b.release(), c.release()]);
  const again = await acquireAccountLock(stateDir, 'default');
  await again.release();
  await again.release();
});

test('a second process cannot take a held lock', async (t) => {
  const stateDir = await mkdtemp(join(tmpdir(), 'clw-lock-'));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const lock = await acquireAccountLock(stateDir, 'default');
  t.after(() => lock.release());
  const script = join(stateDir, 'try-lock.mts'); // .mts: the temp dir has no package.json saying ESM
  await writeFile(script, `
    import { acquireAccountLock } from ${JSON.stringify(new URL('../../main/connection/lock.ts', import.meta.url).pathname)};
    try { const l = await acquireAccountLock(${JSON.stringify(stateDir)}, 'default'); await l.release(); process.send!('acquired'); }
    catch (err) { process.send!(String((err as Error).message)); }
  `);
  const child = fork(script, { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
  const answer = await new Promise<string>((resolve) => child.once('message', (m) => resolve(String(m))));
  await new Promise((resolve) => child.once('exit', resolve));
  assert.match(answer, new RegExp(`already running in another Clawline process \\(pid ${process.pid}\\)`));
});

test('a held lock stays ours while it is refreshed, and a dead holder\'s lock is taken over at once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clw-lock-refresh-'));
  try {
    let compromised: Error | undefined;
    // staleMs 2 s: proper-lockfile refreshes every 1 s and checks that the mtime is still its own.
    const lock = await acquireAccountLock(dir, 'default', { staleMs: 2_000, onCompromised: (err) => { compromised = err; } });
    await new Promise((r) => setTimeout(r, 3_500));
    assert.equal(compromised, undefined, 'refreshing the lock never reports it lost');
    await lock.release();

    // A SIGKILLed holder: the lock directory and its owner record remain, the pid is gone.
    const held = await acquireAccountLock(dir, 'default');
    await writeFile(join(`${accountLockPath(dir, 'default')}.lock`, 'owner.json'), JSON.stringify({ pid: 2 ** 22 + 12345, hostname: hostname(), startedAt: 1 }));
    const taken = await acquireAccountLock(dir, 'default');
    await taken.release();
    await held.release().catch(() => {});
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
