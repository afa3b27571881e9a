// Counts what a process writes to files: write calls, bytes and fsyncs, whichever code makes them
// (Baileys' useMultiFileAuthState, Clawline's stores, the journal, log files). Installed first
// thing in each benchmark child, identically for both sides, so the figures compare like with
// like. Hand-written: no library meters fs per process; syscall tracing (strace) would slow the
// process being measured far more than these counters do. Socket writes are not file writes and
// are not counted (they never go through these functions).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';

export interface FsMeterSnapshot {
  /** Write calls that reached a file: whole-file writes, appends, positional writes. */
  writes: number;
  bytes: number;
  fsyncs: number;
  /** Files opened for writing (creating temp files included). */
  opensForWrite: number;
}

const meter: FsMeterSnapshot = { writes: 0, bytes: 0, fsyncs: 0, opensForWrite: 0 };

export function fsMeter(): FsMeterSnapshot {
  return { ...meter };
}

function sizeOf(data: unknown, encoding?: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((n: number, b: unknown) => n + sizeOf(b), 0);
  return 0;
}

const writesFlag = (flags: unknown) => typeof flags === 'string' ? /[wa+]/.test(flags) : typeof flags === 'number' ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0 : false;

type AnyFn = (this: unknown, ...args: any[]) => any;

/** >0 while a metered function runs: what it calls itself (writeFileSync -> writeSync) is not counted again. */
let depth = 0;

function wrap<T extends object>(target: T, name: string, before: (args: any[]) => void): void {
  const original = (target as Record<string, unknown>)[name] as AnyFn | undefined;
  if (typeof original !== 'function') return;
  (target as Record<string, unknown>)[name] = function metered(this: unknown, ...args: any[]) {
    if (depth === 0) before(args);
    depth++;
    try {
      return original.apply(this, args);
    } finally {
      depth--;
    }
  };
}

let installed = false;

/** Patches fs, fs/promises and FileHandle once; ESM imports see the patched functions too. */
export async function installFsMeter(): Promise<void> {
  if (installed) return;
  installed = true;
  const handle = await fsp.open(process.execPath, 'r');
  const fileHandleProto = Object.getPrototypeOf(handle) as object;
  await handle.close();

  const whole = (args: any[]) => { meter.writes++; meter.bytes += sizeOf(args[1], typeof args[2] === 'string' ? args[2] : args[2]?.encoding); };
  wrap(fsp, 'writeFile', whole);
  wrap(fsp, 'appendFile', whole);
  // fs.appendFileSync, fs.writeFile and fs.appendFile go through the functions wrapped here.
  wrap(fs, 'writeFileSync', whole);
  // write(fd, buffer, offset, length, ...) writes `length` bytes; write(fd, string, position, encoding).
  const fdWrite = (args: any[]) => { meter.writes++; meter.bytes += ArrayBuffer.isView(args[1]) && typeof args[3] === 'number' ? args[3] : sizeOf(args[1], args[3]); };
  wrap(fs, 'writeSync', fdWrite);
  wrap(fs, 'write', fdWrite);
  wrap(fs, 'writev', (args) => { meter.writes++; meter.bytes += sizeOf(args[1]); });
  wrap(fs, 'writevSync', (args) => { meter.writes++; meter.bytes += sizeOf(args[1]); });
  const sync = () => { meter.fsyncs++; };
  for (const name of ['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync']) wrap(fs, name, sync);
  const open = (args: any[]) => { if (writesFlag(args[1])) meter.opensForWrite++; };
  wrap(fsp, 'open', open);
  wrap(fs, 'open', open);
  wrap(fs, 'openSync', open);

  wrap(fileHandleProto, 'write', (args) => { meter.writes++; meter.bytes += ArrayBuffer.isView(args[0]) && typeof args[2] === 'number' ? args[2] : sizeOf(args[0], args[2]); });
  wrap(fileHandleProto, 'writev', (args) => { meter.writes++; meter.bytes += sizeOf(args[0]); });
  wrap(fileHandleProto, 'writeFile', (args) => { meter.writes++; meter.bytes += sizeOf(args[0], typeof args[1] === 'string' ? args[1] : args[1]?.encoding); });
  wrap(fileHandleProto, 'appendFile', (args) => { meter.writes++; meter.bytes += sizeOf(args[0], typeof args[1] === 'string' ? args[1] : args[1]?.encoding); });
  wrap(fileHandleProto, 'sync', sync);
  wrap(fileHandleProto, 'datasync', sync);
  syncBuiltinESMExports();
}
