// Crash-safe file replacement: temp file in the same directory, fsync, rename, directory fsync.
// Hand-written rather than `write-file-atomic` because the credential store needs the
// directory fsync and batching on top, and every store in the app should share one routine.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for the new file (default 0o600: everything we write may be private). */
  mode?: number;
  /** Skip the directory fsync when a caller batches several renames and syncs the directory once. */
  skipDirSync?: boolean;
}

/** Number of fsync calls made by this process; benchmarks read it. */
export const fsyncCounter = { count: 0 };

export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
    fsyncCounter.count++;
  } catch (err) {
    // Some platforms (Windows) cannot open a directory for fsync; rename is still atomic there.
    if ((err as NodeJS.ErrnoException).code !== 'EISDIR' && (err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  } finally {
    await handle?.close();
  }
}

/**
 * Creates the temp file, and its folder only when missing: a recursive mkdir on every write cost
 * the key store (several writes per message) about a tenth of the gateway's CPU under load.
 */
async function openNew(tmp: string, mode: number) {
  try {
    return await open(tmp, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(tmp), { recursive: true, mode: 0o700 });
    return open(tmp, 'wx', mode);
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await openNew(tmp, options.mode ?? 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
    fsyncCounter.count++;
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  if (!options.skipDirSync) await fsyncDir(dir);
}
