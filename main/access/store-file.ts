// Small JSON files that the gateway and the CLI may both write (pairing requests, approvals):
// read-modify-write under a cross-process lock, replaced atomically so a crash never leaves
// half a file.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileAtomic } from '../shared/atomic-write.ts';

/** A store file exists but cannot be used; the message names the file and what to do. */
export class StoreFileError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'StoreFileError';
  }
}

/** Parsed JSON, or undefined when the file does not exist (an empty file counts as missing). */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreFileError(path, `cannot be read (${(err as Error).message}). Check its permissions.`);
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StoreFileError(
      path,
      `is not valid JSON (${(err as Error).message}). Fix it by hand or move it aside; nothing was overwritten.`,
    );
  }
}

export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Runs `fn` holding an exclusive lock on `path` (a `path.lock` directory, shared by every
 * process on this machine). Stale locks of crashed processes are taken over after 10 s.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 60, factor: 1.2, minTimeout: 10, maxTimeout: 250, randomize: true },
    });
  } catch (err) {
    throw new StoreFileError(
      path,
      `is locked by another Clawline process (${(err as Error).message}). Try again in a moment; if it persists, remove ${path}.lock.`,
    );
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
