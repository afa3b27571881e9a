// The app's logger: pino writing one JSON object per line to the daily, size-capped files under
// <stateDir>/logs, into an in-memory ring for the window, to live listeners, and optionally to
// the terminal. Every line is redacted for credentials before it goes anywhere.
import { pino, type Logger, type DestinationStream } from 'pino';
import { statePaths } from '../shared/state-dir.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { RotatingLogFile, type RotationOptions } from './rotating-file.ts';
import { LogRing, type LogListener } from './ring-buffer.ts';
import { REDACTED, SECRET_BINDING_KEYS, redactSecrets, scrubSecretsInText } from './redact.ts';
import { formatLogEntry, isLevelSetting, parseLogLine, quieterLevel, type LevelSetting, type LogEntry, type LogQuery } from './log-entry.ts';

export type { Logger } from 'pino';

/** The `subsystem` field of every line; one child logger per subsystem. */
export const SUBSYSTEMS = ['app', 'connection', 'linking', 'inbound', 'outbound', 'access', 'agent', 'doctor', 'control', 'config', 'store', 'baileys'] as const;
export type Subsystem = (typeof SUBSYSTEMS)[number];

export interface LogBindings {
  accountId?: string;
  [key: string]: unknown;
}

export interface CreateLoggerOptions extends RotationOptions {
  stateDir: string;
  /** Default 'info'. */
  level?: LevelSetting;
  /** Also print lines, human-formatted, to stderr (true) or to the given sink. */
  console?: boolean | { write(text: string): unknown };
  /** Write the files under <stateDir>/logs (default true; one-shot CLI commands may not). */
  files?: boolean;
  /** Lines kept in memory for the window (default 2000). */
  ringSize?: number;
  clock?: Clock;
}

export interface Logs {
  /** The root logger (no subsystem). */
  readonly logger: Logger;
  readonly logsDir: string;
  readonly level: LevelSetting;
  /** A logger whose lines carry `subsystem` (and `accountId` when given). */
  child(subsystem: Subsystem, bindings?: LogBindings): Logger;
  /** Changes the level of the root and of every child made so far (Baileys keeps its floor). */
  setLevel(level: LevelSetting): void;
  /** Newest matching lines from memory, oldest first. */
  recent(query?: LogQuery & { limit?: number }): LogEntry[];
  /** Live lines as they are logged; returns the unsubscribe function. */
  subscribe(listener: LogListener): () => void;
  /** The file lines currently go to (undefined when files are off). */
  currentFile(): string | undefined;
  /** Lines the file writer failed to write, and why (for doctor). */
  health(): { writeErrors: number; lastError?: string };
  close(): Promise<void>;
}

/** Quietest level a logger may be set to, e.g. Baileys never below 'warn'; children inherit it. */
const levelFloors = new WeakMap<Logger, LevelSetting>();

export function createLogger(options: CreateLoggerOptions): Logs {
  const clock = options.clock ?? systemClock;
  const logsDir = statePaths(options.stateDir).logs;
  const file = options.files === false ? undefined : new RotatingLogFile(logsDir, clock, options);
  const ring = new LogRing(options.ringSize ?? 2000);
  const consoleSink = options.console === true ? process.stderr : options.console || undefined;
  let closed = false;

  const destination: DestinationStream = {
    write(line: string) {
      if (!closed) file?.write(line);
      ring.push(line);
      if (consoleSink) consoleSink.write(`${formatLogEntry(parseLogLine(line.trimEnd()))}\n`);
    },
  };

  // Every logger ever made from this root, so setLevel reaches children pino would leave alone.
  const loggers = new Set<WeakRef<Logger>>();
  let sweepAt = 256;
  const register = (l: Logger) => {
    loggers.add(new WeakRef(l));
    if (loggers.size >= sweepAt) {
      for (const ref of loggers) if (!ref.deref()) loggers.delete(ref);
      sweepAt = Math.max(256, loggers.size * 2);
    }
  };

  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid }, // no hostname: it is personal and ends up in bundles
      timestamp: () => `,"time":${clock.now()}`,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (b) => redactSecrets(b) as Record<string, unknown>,
        log: (obj) => redactSecrets(obj) as Record<string, unknown>,
      },
      // redactSecrets already turned errors into plain objects; pino's serializer would retype them.
      serializers: { err: (e: unknown) => e },
      // Child bindings skip formatters.log; pino's own redact covers the usual secret keys there.
      redact: { paths: SECRET_BINDING_KEYS, censor: REDACTED },
      hooks: { streamWrite: scrubSecretsInText },
      onChild(this: Logger, child: Logger) {
        const floor = levelFloors.get(this);
        if (floor) levelFloors.set(child, floor);
        register(child);
      },
    },
    destination,
  );

  return {
    logger,
    logsDir,
    get level() {
      return logger.level as LevelSetting;
    },
    child: (subsystem, bindings = {}) => logger.child({ subsystem, ...bindings }),
    setLevel(level) {
      if (!isLevelSetting(level)) throw new Error(`logs: unknown level "${String(level)}" (use trace, debug, info, warn, error, fatal or silent)`);
      logger.level = level;
      for (const ref of loggers) {
        const l = ref.deref();
        if (!l) loggers.delete(ref);
        else {
          const floor = levelFloors.get(l);
          l.level = floor ? quieterLevel(level, floor) : level;
        }
      }
    },
    recent: (query) => ring.recent(query),
    subscribe: (listener) => ring.subscribe(listener),
    currentFile: () => file?.currentPath,
    health: () => ({ writeErrors: file?.writeErrors ?? 0, lastError: file?.lastError }),
    async close() {
      closed = true;
      file?.close();
    },
  };
}

/**
 * The logger to hand Baileys (`makeWASocket({ logger })`): a child with subsystem 'baileys' that
 * is never more verbose than `level` (default 'warn'), so its chatter stays out of our logs.
 * Pass the root logger (not a subsystem child, which would give the line two subsystems).
 */
export function baileysLogger(logger: Logger, level: LevelSetting = 'warn', bindings: LogBindings = {}): Logger {
  const current = isLevelSetting(logger.level) ? logger.level : 'info';
  const child = logger.child({ subsystem: 'baileys' as Subsystem, ...bindings }, { level: quieterLevel(current, level) });
  levelFloors.set(child, level);
  return child;
}
