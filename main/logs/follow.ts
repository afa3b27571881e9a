// `clawline logs --follow` and the window's live view when it is not in the gateway process:
// yields lines as they are appended to the log files. fs.watch makes it prompt; a poll on the
// injected clock catches what watching misses (network drives, some platforms) and is the only
// thing tests need to drive. Rotation (live -> .1) and the day switch are followed by inode:
// the rest of the old file is read before the new one.
import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import { listLogFiles, type LogFileInfo } from './log-files.ts';
import { logFilter, parseLogLine, type LogEntry, type LogQuery } from './log-entry.ts';
import { MAX_LINE_BYTES, type LogCursor } from './tail.ts';

export interface FollowOptions extends LogQuery {
  logsDir: string;
  /** Continue exactly where a tail ended (from tailLogs().cursor); default: the current end. */
  from?: LogCursor;
  /** Poll interval on the clock (default 1000 ms). */
  pollMs?: number;
  /** Use fs.watch besides polling (default true; false leaves only the poll). */
  watch?: boolean;
  /** Entries waiting for a slow reader before older ones are dropped (default 10,000). */
  maxQueue?: number;
  clock?: Clock;
}

export interface LogFollower extends AsyncIterableIterator<LogEntry> {
  /** Checks the files now (what the poll timer and fs.watch call). */
  check(): Promise<void>;
  /** Stops watching and polling; a pending next() resolves as done. */
  stop(): void;
}

interface Tracked {
  ino: number;
  offset: number;
  partial: Buffer;
}

const CHUNK = 64 * 1024;

/** Oldest first: earlier days first, and within a day .n (oldest) down to the live file. */
const chronological = (files: LogFileInfo[]) => [...files].reverse();

export function followLogs(options: FollowOptions): LogFollower {
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 1000;
  const maxQueue = options.maxQueue ?? 10_000;
  const matches = logFilter(options);
  const queue: LogEntry[] = [];
  let dropped = 0;
  let waiting: ((r: IteratorResult<LogEntry>) => void) | undefined;
  let stopped = false;
  let tracked: Tracked | undefined;
  let started = false;
  let timer: TimerHandle | undefined;
  let watcher: FSWatcher | undefined;
  let running: Promise<void> = Promise.resolve();
  let checkAgain = false;

  const deliver = (entry: LogEntry) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value: entry, done: false });
      return;
    }
    queue.push(entry);
    if (queue.length > maxQueue) {
      queue.shift();
      dropped++;
    }
  };

  const emitLine = (raw: string) => {
    if (raw.length === 0) return;
    if (dropped > 0) {
      // Tell the reader lines went missing rather than silently skipping them.
      const note = `… ${dropped} log line(s) skipped: the reader fell behind`;
      dropped = 0;
      deliver({ level: 'warn', msg: note, fields: {}, raw: note });
    }
    const entry = parseLogLine(raw);
    if (matches(entry)) deliver(entry);
  };

  /** Reads `file` from t.offset to its current size, emitting complete lines. */
  const drain = async (file: LogFileInfo, t: Tracked, final: boolean) => {
    if (file.size < t.offset) {
      t.offset = 0; // truncated in place
      t.partial = Buffer.alloc(0);
    }
    if (file.size > t.offset) {
      const handle = await open(file.path, 'r');
      try {
        const buf = Buffer.allocUnsafe(CHUNK);
        while (t.offset < file.size && !stopped) {
          const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, file.size - t.offset), t.offset);
          if (bytesRead === 0) break;
          t.offset += bytesRead;
          let start = 0;
          for (let i = 0; i < bytesRead; i++) {
            if (buf[i] !== 0x0a) continue;
            const line = t.partial.length ? Buffer.concat([t.partial, buf.subarray(start, i)]) : buf.subarray(start, i);
            t.partial = Buffer.alloc(0);
            emitLine(line.toString('utf8'));
            start = i + 1;
          }
          if (start < bytesRead && t.partial.length < MAX_LINE_BYTES) {
            t.partial = Buffer.concat([t.partial, buf.subarray(start, bytesRead)]).subarray(0, MAX_LINE_BYTES);
          }
        }
      } finally {
        await handle.close();
      }
    }
    // A file that has been rotated away gets no more bytes: its unterminated tail is a line.
    if (final && t.partial.length) {
      emitLine(t.partial.toString('utf8'));
      t.partial = Buffer.alloc(0);
    }
  };

  const checkOnce = async () => {
    const files = await listLogFiles(options.logsDir);
    if (!started) {
      started = true;
      // From the tail's cursor if its file is still there (maybe rotated to .1), else the end.
      const from = options.from && files.some((f) => f.ino === options.from!.ino) ? options.from : undefined;
      if (from) tracked = { ino: from.ino, offset: from.offset, partial: Buffer.alloc(0) };
      else if (files[0]) tracked = { ino: files[0].ino, offset: files[0].size, partial: Buffer.alloc(0) };
    }
    const ordered = chronological(files);
    const newest = ordered[ordered.length - 1];
    if (!newest) return;
    let at = tracked ? ordered.findIndex((f) => f.ino === tracked!.ino) : -1;
    if (at === -1) {
      // First file ever, or ours was deleted by retention: start on the newest from its start.
      tracked = { ino: newest.ino, offset: 0, partial: Buffer.alloc(0) };
      at = ordered.length - 1;
    }
    for (let i = at; i < ordered.length && !stopped; i++) {
      const file = ordered[i]!;
      if (i > at) tracked = { ino: file.ino, offset: 0, partial: Buffer.alloc(0) };
      await drain(file, tracked!, i < ordered.length - 1);
    }
  };

  // One check at a time; a request during a check runs one more afterwards.
  const check = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    checkAgain = true;
    running = running.then(async () => {
      while (checkAgain && !stopped) {
        checkAgain = false;
        try {
          await checkOnce();
        } catch {
          // a file vanished mid-read (retention, rotation): the next check sees the new layout
        }
      }
    });
    return running;
  };

  const startWatching = () => {
    if (watcher || stopped || options.watch === false) return;
    try {
      watcher = watch(options.logsDir, { persistent: false }, () => void check());
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined; // polling carries on; the next poll tries to watch again
      });
    } catch {
      watcher = undefined; // directory not there yet
    }
  };

  const poll = () => {
    timer = clock.setTimeout(() => {
      startWatching();
      void check().then(() => {
        if (!stopped) poll();
      });
    }, pollMs);
  };

  const stop = () => {
    if (stopped) return;
    stopped = true;
    clock.clearTimeout(timer);
    watcher?.close();
    watcher = undefined;
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w({ value: undefined, done: true });
    }
  };

  startWatching();
  void check();
  poll();

  const follower: LogFollower = {
    check,
    stop,
    next() {
      const entry = queue.shift();
      if (entry) return Promise.resolve({ value: entry, done: false });
      if (stopped) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      stop();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return follower;
    },
  };
  return follower;
}
