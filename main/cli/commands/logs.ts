// `clawline logs [--follow] [--json] [--limit N] [--level L] [--subsystem S] [--account ID] [--search TEXT]`
// Reads the log files directly, so it works whether or not the gateway runs.
import { ExitCode, parseCommand, UsageError, type CliContext } from '../context.ts';
import { followLogs, formatLogEntry, LOG_LEVELS, tailLogs, type LogEntry, type LogLevel } from '../../logs/index.ts';

export const summary = 'show recent log lines (--follow to keep watching)';

const USAGE = `usage: clawline logs [options]
  --limit N         how many of the newest lines (default 200)
  --level L         only this level and above: ${LOG_LEVELS.join(', ')}
  --subsystem S     only one part (connection, inbound, outbound, agent, access, config, control, app, ...)
  --account ID      only one WhatsApp account
  --search TEXT     only lines containing TEXT
  --json            one JSON object per line: {time, level, subsystem?, accountId?, msg, ...fields}
  -f, --follow      keep printing new lines until Ctrl+C`;

/** One log entry as a JSON line: the fields as parsed (duplicate keys resolved), fixed keys first. */
function entryJson(e: LogEntry): string {
  if (e.time === undefined && Object.keys(e.fields).length === 0) return JSON.stringify({ level: e.level, msg: e.msg });
  const { time: _t, level: _l, subsystem: _s, accountId: _a, msg: _m, ...rest } = e.fields;
  return JSON.stringify({
    ...(e.time !== undefined ? { time: e.time } : {}),
    level: e.level,
    ...(e.subsystem ? { subsystem: e.subsystem } : {}),
    ...(e.accountId ? { accountId: e.accountId } : {}),
    msg: e.msg,
    ...rest,
  });
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseCommand(args, { switches: { follow: 'f', json: undefined }, values: ['limit', 'level', 'subsystem', 'account', 'search'], usage: USAGE });
  if (flags.help) { ctx.out(USAGE); return ExitCode.ok; }
  if (positional.length) throw new UsageError(`unexpected "${positional[0]}"\n${USAGE}`);
  const limit = flags.limit === undefined ? 200 : Number(flags.limit);
  if (!/^\d+$/.test(String(flags.limit ?? '200')) || limit < 1 || limit > 100_000) throw new UsageError(`--limit must be a whole number from 1 to 100000 (got "${flags.limit}")`);
  const level = flags.level as LogLevel | undefined;
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--level must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`);
  const filters = {
    level,
    subsystem: typeof flags.subsystem === 'string' ? flags.subsystem : undefined,
    accountId: typeof flags.account === 'string' ? flags.account : undefined,
    search: typeof flags.search === 'string' ? flags.search : undefined,
  };
  const print = (e: LogEntry) => ctx.out(flags.json ? entryJson(e) : formatLogEntry(e));
  const logsDir = ctx.paths.logs;
  const tail = await tailLogs({ logsDir, limit, ...filters });
  if (tail.entries.length === 0 && !flags.follow) ctx.err(`No log lines in ${logsDir}${level ? ` at level ${level} or above` : ''}${filters.subsystem || filters.accountId || filters.search ? ' matching the filters' : ''}.`);
  tail.entries.forEach(print);
  if (!flags.follow) return ExitCode.ok;
  const follower = followLogs({ logsDir, from: tail.cursor, ...filters });
  const stop = () => follower.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const entry of follower) print(entry);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return ExitCode.ok;
}
