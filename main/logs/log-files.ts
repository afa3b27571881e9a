// Log file names and their order, shared by the writer (rotation, retention) and the readers
// (tail, follow, diagnostics bundle).
//   clawline-2025-01-31.log     the file being written for that (local) day
//   clawline-2025-01-31.log.1   the previous size-capped piece of that day, .2 older still ...
import { readdirSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';

export const LOG_FILE_PREFIX = 'clawline-';
const NAME = /^clawline-(\d{4}-\d{2}-\d{2})\.log(?:\.(\d+))?$/;

export interface LogFileInfo {
  name: string;
  path: string;
  /** Local calendar day, YYYY-MM-DD. */
  day: string;
  /** 0 for the live file of the day, n for `.n` (bigger is older). */
  index: number;
  size: number;
  ino: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local calendar day of a timestamp, as used in file names. */
export function dayOf(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight starting the day after `time` (DST-safe: built from calendar fields). */
export function nextDayStart(time: number): number {
  const d = new Date(time);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime();
}

/** The day `days` calendar days before the day of `time`. */
export function dayBefore(time: number, days: number): string {
  const d = new Date(time);
  return dayOf(new Date(d.getFullYear(), d.getMonth(), d.getDate() - days, 12).getTime());
}

export function logFileName(day: string, index = 0): string {
  return `${LOG_FILE_PREFIX}${day}.log${index > 0 ? `.${index}` : ''}`;
}

export function parseLogFileName(name: string): { day: string; index: number } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return { day: m[1]!, index: m[2] === undefined ? 0 : Number(m[2]) };
}

/** Newest first: later days first, and within a day the live file, then .1, .2 ... */
export function compareNewestFirst(a: { day: string; index: number }, b: { day: string; index: number }): number {
  if (a.day !== b.day) return a.day < b.day ? 1 : -1;
  return a.index - b.index;
}

function collect(dir: string, names: string[], statOf: (p: string) => { size: number; ino: number; isFile(): boolean } | undefined): LogFileInfo[] {
  const out: LogFileInfo[] = [];
  for (const name of names) {
    const parsed = parseLogFileName(name);
    if (!parsed) continue;
    const path = join(dir, name);
    const st = statOf(path);
    if (st?.isFile()) out.push({ name, path, ...parsed, size: st.size, ino: st.ino });
  }
  return out.sort(compareNewestFirst);
}

/** Our log files in `dir`, newest first; an absent directory is simply empty. */
export async function listLogFiles(dir: string): Promise<LogFileInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const stats = new Map<string, Stats | undefined>();
  await Promise.all(names.map(async (n) => {
    if (parseLogFileName(n)) stats.set(join(dir, n), await stat(join(dir, n)).catch(() => undefined));
  }));
  return collect(dir, names, (p) => stats.get(p));
}

/** Synchronous twin for the writer, which runs inside pino's synchronous write path. */
export function listLogFilesSync(dir: string): LogFileInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return collect(dir, names, (p) => {
    try {
      return statSync(p);
    } catch {
      return undefined; // removed between readdir and stat
    }
  });
}
