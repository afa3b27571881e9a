// Reading the per-account instance locks that main/connection/lock.ts writes, without taking
// them. The lock module exposes only acquire/path, so the two files it leaves are read here:
//   <stateDir>/clawline/locks/whatsapp-<id>.lock        proper-lockfile's directory, mtime refreshed while held
//   <stateDir>/clawline/locks/whatsapp-<id>.owner.json  { pid, hostname, startedAt } of the holder
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { accountLockPath } from '../connection/index.ts';
import { pidAlive } from '../control/discovery.ts';

/** proper-lockfile's staleness in lock.ts (20 s by default); an older mtime means nobody refreshes it. */
export const LOCK_STALE_MS = 20_000;

export interface LockOwnerInfo {
  pid: number;
  hostname: string;
  startedAt: number;
}

export type LockState =
  /** A live process on this machine (or a fresh lock from another machine) holds it. */
  | 'held'
  /** Left behind: the holder is dead or the lock has not been refreshed for a long time. */
  | 'stale';

export interface LockInfo {
  accountId: string;
  lockDir: string;
  ownerFile: string;
  state: LockState;
  owner?: LockOwnerInfo;
  /** Whether the owner is alive; undefined when it runs on another machine or is unknown. */
  ownerAlive?: boolean;
  /** Age of the lock directory's last refresh (ms), when it exists. */
  ageMs?: number;
  /** Why it is stale, in words. */
  reason?: string;
}

async function readOwner(file: string): Promise<LockOwnerInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwnerInfo>;
    if (typeof v.pid !== 'number') return undefined;
    return { pid: v.pid, hostname: typeof v.hostname === 'string' ? v.hostname : '', startedAt: typeof v.startedAt === 'number' ? v.startedAt : 0 };
  } catch {
    return undefined;
  }
}

export async function inspectLock(stateDir: string, accountId: string, now: number, isAlive: (pid: number) => boolean = pidAlive): Promise<LockInfo | undefined> {
  const base = accountLockPath(stateDir, accountId);
  const lockDir = `${base}.lock`;
  const ownerFile = `${base}.owner.json`;
  const lockStat = await stat(lockDir).catch(() => undefined);
  const owner = await readOwner(ownerFile);
  const ownerExists = owner !== undefined || (await stat(ownerFile).catch(() => undefined)) !== undefined;
  if (!lockStat && !ownerExists) return undefined;
  const info: LockInfo = { accountId, lockDir, ownerFile, state: 'held', ...(owner ? { owner } : {}) };
  if (lockStat) info.ageMs = Math.max(0, now - lockStat.mtimeMs);
  const local = owner !== undefined && (owner.hostname === '' || owner.hostname === hostname());
  if (owner && local) info.ownerAlive = isAlive(owner.pid);

  if (!lockStat) {
    info.state = 'stale';
    info.reason = 'only the owner note is left (the lock itself is gone)';
  } else if (info.ownerAlive === false) {
    info.state = 'stale';
    info.reason = `its owner, process ${owner!.pid}, is no longer running`;
  } else if (info.ownerAlive === undefined && (info.ageMs ?? 0) > LOCK_STALE_MS) {
    info.state = 'stale';
    info.reason = `nobody has refreshed it for ${Math.round((info.ageMs ?? 0) / 1000)} s`;
  }
  return info;
}

/** Every account that has lock files, from the names in the locks folder. */
export async function lockedAccountIds(stateDir: string): Promise<string[]> {
  const dir = dirname(accountLockPath(stateDir, 'x'));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const ids = new Set<string>();
  for (const name of names) {
    const m = /^whatsapp-([A-Za-z0-9_-]{1,64})\.(?:lock|owner\.json)$/.exec(name);
    if (m) ids.add(m[1]!);
  }
  return [...ids].sort();
}

export async function inspectLocks(stateDir: string, now: number, isAlive?: (pid: number) => boolean): Promise<LockInfo[]> {
  const out: LockInfo[] = [];
  for (const id of await lockedAccountIds(stateDir)) {
    const info = await inspectLock(stateDir, id, now, isAlive);
    if (info) out.push(info);
  }
  return out;
}

/** Removes a stale lock after checking again that it is still stale (a process may have just taken it). */
export async function removeStaleLock(stateDir: string, accountId: string, now: number): Promise<string[]> {
  const info = await inspectLock(stateDir, accountId, now);
  if (!info || info.state !== 'stale') return [];
  const removed: string[] = [];
  if (await stat(info.lockDir).catch(() => undefined)) {
    await rm(info.lockDir, { recursive: true, force: true });
    removed.push(basename(info.lockDir));
  }
  if (await stat(info.ownerFile).catch(() => undefined)) {
    await rm(info.ownerFile, { force: true });
    removed.push(basename(info.ownerFile));
  }
  return removed;
}
