// The log file writer: one file per local day, split at a size cap into .1 .2 ... (like
// OpenClaw: 100 MB, keep 5), and files older than the retention window deleted.
//
// Hand-written rather than pino-roll: pino-roll reads the wall clock and schedules its own
// timers (no injectable Clock, so day switches cannot be tested exactly), always numbers the
// live file (clawline.2025-01-31.3.log instead of a stable clawline-2025-01-31.log to follow),
// retains by file count only (not by days), and cannot set 0600 on the files.
//
// Writes are synchronous (like pino.destination({ sync: true })): a crash loses no line, and
// rotation happens inside the write without a queue. One process (the gateway) owns the files.
import { closeSync, fchmodSync, chmodSync, fstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../shared/clock.ts';
import { dayBefore, dayOf, listLogFilesSync, logFileName, nextDayStart } from './log-files.ts';

export interface RotationOptions {
  /** Split the day's file when it would grow past this (default 100 MB). */
  maxFileBytes?: number;
  /** Size-capped pieces kept per day besides the live file (default 5: .1 to .5). */
  maxRotatedFiles?: number;
  /** Calendar days of files kept, today included (default 7). */
  retentionDays?: number;
}

export const DEFAULT_ROTATION: Required<RotationOptions> = { maxFileBytes: 100 * 1024 * 1024, maxRotatedFiles: 5, retentionDays: 7 };

export class RotatingLogFile {
  private fd: number | undefined;
  private day = '';
  private dayBegins = 0;
  private dayEnds = 0;
  private size = 0;
  private readonly opts: Required<RotationOptions>;
  /** Lines that could not be written (disk full, permissions); the logger reports it. */
  writeErrors = 0;
  lastError: string | undefined;

  constructor(readonly dir: string, private readonly clock: Clock, options: RotationOptions = {}) {
    this.opts = { ...DEFAULT_ROTATION, ...options };
    if (!(this.opts.maxFileBytes > 0)) throw new Error(`logs: maxFileBytes must be positive, got ${this.opts.maxFileBytes}`);
    if (!(this.opts.retentionDays >= 1)) throw new Error(`logs: retentionDays must be at least 1, got ${this.opts.retentionDays}`);
    if (!(this.opts.maxRotatedFiles >= 0)) throw new Error(`logs: maxRotatedFiles must be 0 or more, got ${this.opts.maxRotatedFiles}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // An existing logs dir (e.g. made by another tool with the default umask) is tightened too.
    chmodSync(dir, 0o700);
  }

  /** Path of the file lines go to now. */
  get currentPath(): string {
    return join(this.dir, logFileName(this.day || dayOf(this.clock.now())));
  }

  write(line: string): void {
    try {
      const now = this.clock.now();
      if (this.fd === undefined || now >= this.dayEnds || now < this.dayBegins) this.openDay(now);
      const bytes = Buffer.byteLength(line);
      if (this.size > 0 && this.size + bytes > this.opts.maxFileBytes) this.rotate();
      writeSync(this.fd!, line);
      this.size += bytes;
    } catch (err) {
      // Logging must never take the app down; the failure is counted and the next line
      // retries from a fresh open.
      this.writeErrors++;
      this.lastError = (err as Error).message;
      this.closeFd();
    }
  }

  close(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already gone
      }
      this.fd = undefined;
    }
  }

  private openDay(now: number): void {
    this.closeFd();
    const d = new Date(now);
    this.day = dayOf(now);
    this.dayBegins = new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
    this.dayEnds = nextDayStart(now);
    this.openLive();
    this.prune(now);
  }

  private openLive(): void {
    const fd = openSync(join(this.dir, logFileName(this.day)), 'a', 0o600);
    try {
      fchmodSync(fd, 0o600);
      this.size = fstatSync(fd).size;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
  }

  /** live -> .1 -> .2 ...; the oldest piece beyond maxRotatedFiles is dropped. */
  private rotate(): void {
    this.closeFd();
    const { maxRotatedFiles } = this.opts;
    const path = (i: number) => join(this.dir, logFileName(this.day, i));
    if (maxRotatedFiles === 0) {
      unlinkSync(path(0));
    } else {
      if (existsSync(path(maxRotatedFiles))) unlinkSync(path(maxRotatedFiles));
      for (let i = maxRotatedFiles - 1; i >= 1; i--) if (existsSync(path(i))) renameSync(path(i), path(i + 1));
      renameSync(path(0), path(1));
    }
    this.openLive();
  }

  /** Deletes days outside the retention window and pieces beyond the per-day count. */
  private prune(now: number): void {
    const oldestKept = dayBefore(now, this.opts.retentionDays - 1);
    for (const f of listLogFilesSync(this.dir)) {
      if (f.day < oldestKept || f.index > this.opts.maxRotatedFiles) {
        try {
          unlinkSync(f.path);
        } catch {
          // someone else removed it first
        }
      }
    }
  }
}
