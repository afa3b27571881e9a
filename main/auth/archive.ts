// Setting an account's credentials aside instead of deleting them: after a 401 (logged out) and
// for the clean reset. The folder moves whole into <stateDir>/backups/, so nothing is lost and
// the user (or support) can still look at it.
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../shared/atomic-write.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { statePaths } from '../shared/state-dir.ts';
import { AuthStoreError } from './errors.ts';
import { isStoreOpen } from './store.ts';

export function assertAccountId(accountId: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(accountId) || accountId.includes('..')) {
    throw new AuthStoreError('BAD_ACCOUNT_ID', `"${accountId}" is not a valid account id (letters, digits, ".", "_" and "-"; no path separators).`);
  }
}

/**
 * Moves credentials/whatsapp/<accountId>/ to backups/whatsapp-<accountId>-<time>-<reason>/ and
 * returns the new path, or null when there was nothing to archive. Close the store first.
 */
export async function archiveAccountCredentials(stateDir: string, accountId: string, reason: string, options: { clock?: Clock } = {}): Promise<string | null> {
  assertAccountId(accountId);
  const paths = statePaths(stateDir);
  const source = paths.accountAuthDir(accountId);
  if (!(await stat(source).catch(() => undefined))?.isDirectory()) return null;
  if (isStoreOpen(source)) {
    throw new AuthStoreError('ALREADY_OPEN', `The credential store ${source} is still open; close it (stop the account) before archiving.`, source);
  }
  const time = new Date((options.clock ?? systemClock).now()).toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const safeReason = reason.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'archived';
  await mkdir(paths.backups, { recursive: true, mode: 0o700 });
  let target = join(paths.backups, `whatsapp-${accountId}-${time}-${safeReason}`);
  for (let n = 2; await stat(target).catch(() => undefined); n++) target = join(paths.backups, `whatsapp-${accountId}-${time}-${safeReason}-${n}`);
  try {
    await rename(source, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // backups/ on another volume: copy fully, then remove the original.
    await cp(source, target, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
    await rm(source, { recursive: true });
  }
  await fsyncDir(paths.backups);
  await fsyncDir(paths.whatsappCredentials);
  return target;
}
