// Listing an account directory once at start-up: names, sizes, modes, ages (one lstat per file).
import { chmod, lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface DirEntry {
  name: string;
  size: number;
  mode: number;
  mtimeMs: number;
}

/** Regular files only; symlinks and sub-directories are not ours to touch. */
export async function scanDir(dir: string): Promise<DirEntry[]> {
  const names = await readdir(dir);
  const out: DirEntry[] = [];
  const concurrency = 32;
  for (let i = 0; i < names.length; i += concurrency) {
    const chunk = names.slice(i, i + concurrency);
    const stats = await Promise.all(chunk.map((n) => lstat(join(dir, n)).catch(() => undefined)));
    stats.forEach((s, j) => {
      if (s?.isFile()) out.push({ name: chunk[j]!, size: s.size, mode: s.mode & 0o777, mtimeMs: s.mtimeMs });
    });
  }
  return out;
}

export interface PermissionRepair {
  path: string;
  /** Octal strings, e.g. "644" -> "600". */
  was: string;
  now: string;
}

const POSIX = process.platform !== 'win32';

/** Directory 0700 and every file 0600 (credentials are private); returns what was changed. */
export async function checkPermissions(dir: string, entries: DirEntry[], repair: boolean): Promise<PermissionRepair[]> {
  if (!POSIX) return []; // Windows ACLs are not modes; the user profile directory protects them.
  const changes: PermissionRepair[] = [];
  const dirMode = (await stat(dir)).mode & 0o777;
  if (dirMode !== 0o700) {
    if (repair) await chmod(dir, 0o700);
    changes.push({ path: dir, was: dirMode.toString(8), now: '700' });
  }
  for (const e of entries) {
    if (e.mode === 0o600) continue;
    const path = join(dir, e.name);
    changes.push({ path, was: e.mode.toString(8), now: '600' });
    if (repair) {
      await chmod(path, 0o600);
      e.mode = 0o600;
    }
  }
  return changes;
}
