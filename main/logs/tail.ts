// `clawline logs --limit N` and the window's log view: the newest matching lines across the
// daily and rotated files, read backwards in fixed-size chunks so a 100 MB file costs one
// chunk of memory, not 100 MB.
import { open } from 'node:fs/promises';
import { listLogFiles, type LogFileInfo } from './log-files.ts';
import { logFilter, parseLogLine, rawMayMatch, type LogEntry, type LogQuery } from './log-entry.ts';

const CHUNK = 64 * 1024;
/** Longer lines are cut (their newest part kept) so one runaway line cannot exhaust memory. */
export const MAX_LINE_BYTES = 1024 * 1024;

export interface TailOptions extends LogQuery {
  logsDir: string;
  /** How many matching lines to return (default 200). */
  limit?: number;
  /** Stop scanning after this many bytes when filters match little (default 256 MB). */
  maxScanBytes?: number;
}

/** Where the newest file ended when the tail was taken; followLogs can continue from it exactly. */
export interface LogCursor {
  name: string;
  ino: number;
  offset: number;
}

export interface TailResult {
  /** Oldest first. */
  entries: LogEntry[];
  bytesRead: number;
  /** False when the scan stopped at limit or maxScanBytes before the oldest line. */
  reachedStart: boolean;
  cursor?: LogCursor;
}

/**
 * Lines of a file from the end backwards, reading `chunkSize` bytes at a time up to `end`.
 * Memory stays at one chunk plus the current line (capped at MAX_LINE_BYTES).
 */
export async function* readLinesBackward(path: string, end: number, counter: { bytesRead: number } = { bytesRead: 0 }, chunkSize = CHUNK): AsyncGenerator<string> {
  const handle = await open(path, 'r');
  try {
    let pos = end;
    let pieces: Buffer[] = []; // the current (partial) line, pieces in reverse order of reading
    let pieceBytes = 0;
    let first = true; // the byte before `end` is normally the final newline, not an empty line
    const buf = Buffer.allocUnsafe(chunkSize);
    const takeLine = () => {
      const line = Buffer.concat(pieces.reverse()).toString('utf8');
      pieces = [];
      pieceBytes = 0;
      return line;
    };
    // Adds buf[from, to) in front of the current line, keeping only its newest MAX_LINE_BYTES.
    const addPiece = (from: number, to: number) => {
      const room = MAX_LINE_BYTES - pieceBytes;
      if (to <= from || room <= 0) return;
      const piece = Buffer.from(buf.subarray(Math.max(from, to - room), to));
      pieces.push(piece);
      pieceBytes += piece.length;
    };
    while (pos > 0) {
      const len = Math.min(chunkSize, pos);
      pos -= len;
      const { bytesRead } = await handle.read(buf, 0, len, pos);
      counter.bytesRead += bytesRead;
      let stop = bytesRead;
      for (let i = bytesRead - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        addPiece(i + 1, stop);
        stop = i;
        if (first && pieces.length === 0) {
          first = false; // the file's final newline
          continue;
        }
        first = false;
        yield takeLine();
      }
      addPiece(0, stop);
      first = false;
    }
    if (pieces.length > 0) yield takeLine();
  } finally {
    await handle.close();
  }
}

export async function tailLogs(options: TailOptions): Promise<TailResult> {
  const limit = options.limit ?? 200;
  const maxScan = options.maxScanBytes ?? 256 * 1024 * 1024;
  const matches = logFilter(options);
  const files = await listLogFiles(options.logsDir);
  const counter = { bytesRead: 0 };
  const newestFirst: LogEntry[] = [];
  let reachedStart = true;
  const newest: LogFileInfo | undefined = files[0];

  outer: for (const f of files) {
    if (newestFirst.length >= limit || counter.bytesRead >= maxScan) {
      reachedStart = false;
      break;
    }
    for await (const raw of readLinesBackward(f.path, f.size, counter)) {
      if (raw.length === 0) continue;
      if (rawMayMatch(options, raw)) {
        const entry = parseLogLine(raw);
        if (matches(entry)) newestFirst.push(entry);
      }
      if (newestFirst.length >= limit || counter.bytesRead >= maxScan) {
        reachedStart = false;
        break outer; // leaving the loop closes the file (generator finally)
      }
    }
  }
  return {
    entries: newestFirst.reverse(),
    bytesRead: counter.bytesRead,
    reachedStart,
    cursor: newest && { name: newest.name, ino: newest.ino, offset: newest.size },
  };
}
