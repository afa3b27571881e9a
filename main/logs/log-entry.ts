// One parsed log line, the filters the UI and CLI apply to it, and a one-line human format.
// Every reader (ring buffer, tail, follow) goes through parseLogLine so they agree exactly.

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** What a logger can be set to: a level, or 'silent' for nothing at all. */
export type LevelSetting = LogLevel | 'silent';

const LEVEL_VALUES: Record<LevelSetting, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

export function levelValue(level: LevelSetting): number {
  return LEVEL_VALUES[level];
}

export function isLevelSetting(value: unknown): value is LevelSetting {
  return typeof value === 'string' && Object.hasOwn(LEVEL_VALUES, value);
}

/** The quieter (higher) of two levels. */
export function quieterLevel(a: LevelSetting, b: LevelSetting): LevelSetting {
  return levelValue(a) >= levelValue(b) ? a : b;
}

/** Files carry level labels; older or foreign pino lines may carry numbers (30 = info). */
function levelFrom(value: unknown): LogLevel {
  if (typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  if (typeof value === 'number') {
    let best: LogLevel = 'trace';
    for (const l of LOG_LEVELS) if (value >= LEVEL_VALUES[l]) best = l;
    return best;
  }
  return 'info';
}

export interface LogEntry {
  /** Epoch ms; absent on lines that are not JSON. */
  time?: number;
  level: LogLevel;
  subsystem?: string;
  accountId?: string;
  msg: string;
  /** Every field of the JSON line (empty for plain-text lines). */
  fields: Record<string, unknown>;
  /** The line exactly as written, without its newline. */
  raw: string;
}

/** Parses one line; anything that is not a JSON object comes through as an info line. */
export function parseLogLine(raw: string): LogEntry {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.startsWith('{')) {
    try {
      const fields = JSON.parse(line) as unknown;
      if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
        const f = fields as Record<string, unknown>;
        return {
          time: typeof f.time === 'number' ? f.time : typeof f.time === 'string' ? Date.parse(f.time) || undefined : undefined,
          level: levelFrom(f.level),
          subsystem: typeof f.subsystem === 'string' ? f.subsystem : undefined,
          accountId: typeof f.accountId === 'string' ? f.accountId : undefined,
          msg: typeof f.msg === 'string' ? f.msg : '',
          fields: f,
          raw: line,
        };
      }
    } catch {
      // fall through: a torn or foreign line is still worth showing
    }
  }
  return { level: 'info', msg: line, fields: {}, raw: line };
}

export interface LogQuery {
  /** Minimum level: 'warn' shows warn, error and fatal. */
  level?: LogLevel;
  subsystem?: string;
  accountId?: string;
  /** Case-insensitive text anywhere in the line. */
  search?: string;
}

/** Builds a predicate once per query (lower-cases the search term once, not per line). */
export function logFilter(query: LogQuery = {}): (entry: LogEntry) => boolean {
  const min = query.level ? levelValue(query.level) : -Infinity;
  const search = query.search?.toLowerCase();
  return (e) =>
    levelValue(e.level) >= min &&
    (query.subsystem === undefined || e.subsystem === query.subsystem) &&
    (query.accountId === undefined || e.accountId === query.accountId) &&
    (!search || e.raw.toLowerCase().includes(search));
}

/**
 * Cheap pre-check on the raw text before JSON.parse: a line that cannot contain the search
 * term or the subsystem/account value is skipped without parsing (tail over big files).
 */
export function rawMayMatch(query: LogQuery, raw: string): boolean {
  if (query.search && !raw.toLowerCase().includes(query.search.toLowerCase())) return false;
  for (const value of [query.subsystem, query.accountId]) {
    // Values JSON would escape are left to the real filter after parsing.
    if (value !== undefined && !/["\\\u0000-\u001f]/.test(value) && !raw.includes(value)) return false;
  }
  return true;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `12:03:04.123 WARN  [connection default] msg key=value` for terminals. */
export function formatLogEntry(entry: LogEntry): string {
  if (entry.time === undefined && Object.keys(entry.fields).length === 0) return entry.raw;
  const d = new Date(entry.time ?? 0);
  const time = entry.time === undefined ? '--:--:--.---' : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const where = [entry.subsystem, entry.accountId].filter(Boolean).join(' ');
  const skip = new Set(['time', 'level', 'msg', 'subsystem', 'accountId', 'pid', 'err']);
  const extras = Object.entries(entry.fields)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const head = [time, entry.level.toUpperCase().padEnd(5), where ? `[${where}]` : '', entry.msg, ...extras].filter(Boolean).join(' ');
  // Errors read better as their stack on the following lines than as escaped JSON.
  const err = entry.fields.err as { stack?: unknown; message?: unknown } | undefined;
  if (!err || typeof err !== 'object') return head;
  const detail = typeof err.stack === 'string' ? err.stack : typeof err.message === 'string' ? err.message : JSON.stringify(err);
  return `${head}\n    ${detail.split('\n').join('\n    ')}`;
}
