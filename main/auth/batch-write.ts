// One durable batch: every file through the shared writeFileAtomic (temp, fsync, rename), then a
// single directory fsync for all the renames and unlinks together. This is the store's only
// write path; it adds batching on top of main/shared/atomic-write.ts instead of a second routine.
import { randomBytes } from 'node:crypto';
import { link, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../shared/atomic-write.ts';

export interface BatchPlan {
  /** Key files to replace. */
  writes: Array<{ name: string; data: Buffer }>;
  /** Key files to remove (missing ones are fine). */
  deletes: string[];
  /**
   * Keep the current creds.json as the backup before replacing it: a hard link (no data copied,
   * already durable), or a copy of `currentBytes` where links are not supported.
   */
  backup?: { source: string; target: string; currentBytes: Buffer };
  /** Written last, so a crash mid-batch never leaves creds pointing at keys not yet on disk. */
  creds?: { name: string; data: Buffer };
}

export interface BatchResult {
  filesWritten: number;
  bytesWritten: number;
  filesDeleted: number;
  dirFsyncs: number;
}

async function inPool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

export async function writeBatch(dir: string, plan: BatchPlan, concurrency = 8): Promise<BatchResult> {
  const result: BatchResult = { filesWritten: 0, bytesWritten: 0, filesDeleted: 0, dirFsyncs: 0 };
  await inPool(plan.writes, concurrency, async ({ name, data }) => {
    await writeFileAtomic(join(dir, name), data, { skipDirSync: true });
    result.filesWritten++;
    result.bytesWritten += data.length;
  });
  await inPool(plan.deletes, concurrency, async (name) => {
    try {
      await unlink(join(dir, name));
      result.filesDeleted++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  });
  if (plan.backup) {
    const { source, target, currentBytes } = plan.backup;
    const tmp = join(dir, `.${target}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await link(join(dir, source), tmp);
      await rename(tmp, join(dir, target));
    } catch {
      await unlink(tmp).catch(() => {});
      await writeFileAtomic(join(dir, target), currentBytes, { skipDirSync: true });
      result.filesWritten++;
      result.bytesWritten += currentBytes.length;
    }
  }
  if (plan.creds) {
    await writeFileAtomic(join(dir, plan.creds.name), plan.creds.data, { skipDirSync: true });
    result.filesWritten++;
    result.bytesWritten += plan.creds.data.length;
  }
  if (plan.writes.length || plan.deletes.length || plan.backup || plan.creds) {
    await fsyncDir(dir);
    result.dirFsyncs++;
  }
  return result;
}
