// One process per WhatsApp session: two Clawline processes on the same credentials would log
// each other out with 440 forever. The lock lives under <stateDir>/clawline/locks/ (not next to
// the credentials, where OpenClaw lists account folders) and is kept fresh by proper-lockfile,
// so a crashed process's lock goes stale and is taken over.
import { mkdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { statePaths } from '../shared/state-dir.ts';

export interface AccountLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: number;
}

export class AccountLockedError extends Error {
  constructor(readonly accountId: string, readonly owner: LockOwner | undefined) {
    super(`account "${accountId}" is already running in another Clawline process${owner ? ` (pid ${owner.pid})` : ''}`);
    this.name = 'AccountLockedError';
  }
}

export function accountLockPath(stateDir: string, accountId: string): string {
  return join(statePaths(stateDir).clawline, 'locks', `whatsapp-${accountId}`);
}

export interface AcquireLockOptions {
  /** Called if the lock is lost while held (e.g. its directory was deleted or the disk stalled). */
  onCompromised?: (err: Error) => void;
  /** ms after which an unrefreshed lock counts as abandoned (default 20 s). */
  staleMs?: number;
}

export async function acquireAccountLock(stateDir: string, accountId: string, options: AcquireLockOptions = {}): Promise<AccountLock> {
  const path = accountLockPath(stateDir, accountId);
  const ownerFile = `${path}.owner.json`;
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const lockDir = `${path}.lock`;
  const take = () => lockfile.lock(path, {
    realpath: false,
    lockfilePath: lockDir,
    stale: options.staleMs ?? 20_000,
    onCompromised: options.onCompromised ?? (() => {}),
  });
  let releaseLock: () => Promise<void>;
  const innerOwner = join(lockDir, 'owner.json');
  try {
    releaseLock = await take().catch(async (err: NodeJS.ErrnoException) => {
      // proper-lockfile found the lock stale (unrefreshed past staleMs) but cannot rmdir it
      // while our owner record is inside: remove the record and take it over.
      if (err.code !== 'ENOTEMPTY') throw err;
      await rm(innerOwner, { force: true });
      return take();
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    // A SIGKILLed owner leaves a lock that only goes stale after `staleMs`; without this a
    // restarted gateway would sit in "conflict" with a dead process. The owner record inside
    // the lock directory belongs to that lock alone, so a live owner's lock is never removed.
    const holder = await readOwner(innerOwner);
    if (!holder || holder.hostname !== hostname() || pidAlive(holder.pid)) throw new AccountLockedError(accountId, holder ?? (await readOwner(ownerFile)));
    await rm(lockDir, { recursive: true, force: true });
    try {
      releaseLock = await take();
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw new AccountLockedError(accountId, await readOwner(innerOwner));
      throw again;
    }
  }
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: Date.now() };
  // proper-lockfile treats any change of its directory's mtime as a compromised lock, and
  // adding a file changes it: put the mtime back as it was.
  const before = await stat(lockDir);
  await writeFileAtomic(innerOwner, JSON.stringify(owner) + '\n', { skipDirSync: true });
  await utimes(lockDir, before.atime, before.mtime);
  await writeFileAtomic(ownerFile, JSON.stringify(owner) + '\n');
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      await rm(ownerFile, { force: true });
      // proper-lockfile removes its directory with rmdir, which needs it empty.
      await rm(innerOwner, { force: true });
      await releaseLock().catch((err: NodeJS.ErrnoException) => {
        // Already released or compromised: nothing left to free.
        if (err.code !== 'ERELEASED' && err.code !== 'ENOTACQUIRED') throw err;
      });
    },
  };
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? (parsed as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}
