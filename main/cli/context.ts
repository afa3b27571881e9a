// What every `clawline` command receives: parsed global flags and where to write.
import { parseArgs } from 'node:util';
import { resolveStateDir, statePaths, type StatePaths } from '../shared/state-dir.ts';

export interface CliContext {
  stateDir: string;
  paths: StatePaths;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Exit codes, documented in the README: stable for scripts. */
export const ExitCode = { ok: 0, problem: 1, usage: 2, gatewayNotRunning: 3 } as const;

export class UsageError extends Error {}

/** Splits `--flag value`, `--flag=value` and bare `--switch` from positional words. */
export function parseFlags(args: string[], switches: readonly string[] = []): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') { positional.push(...args.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) { flags[a.slice(2, eq)] = a.slice(eq + 1); continue; }
      const name = a.slice(2);
      const next = args[i + 1];
      if (switches.includes(name) || next === undefined || next.startsWith('--')) flags[name] = true;
      else { flags[name] = next; i++; }
    } else positional.push(a);
  }
  return { positional, flags };
}

export interface CommandSpec {
  /** Options without a value (`--json`); the value is an optional one-letter alias (`-y`). */
  switches?: Record<string, string | undefined>;
  /** Options that take a value (`--account ID`). */
  values?: readonly string[];
  /** The command's usage text, appended to every usage error. */
  usage: string;
}

export interface ParsedCommand {
  positional: string[];
  flags: Record<string, string | true>;
}

/**
 * Strict parsing for a command (node:util parseArgs): an unknown option, a missing value or a
 * value given to a switch is a usage error (exit 2) naming the option, followed by the usage.
 */
export function parseCommand(args: string[], spec: CommandSpec): ParsedCommand {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, short] of Object.entries(spec.switches ?? {})) options[name] = { type: 'boolean', ...(short ? { short } : {}) };
  for (const name of spec.values ?? []) options[name] = { type: 'string' };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError(`${describeParseError(err as Error & { code?: string }, spec)}\n${spec.usage}`);
  }
  const flags: Record<string, string | true> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'string' && value.trim() === '') throw new UsageError(`--${name} needs a value\n${spec.usage}`);
    flags[name] = value;
  }
  return { positional: parsed.positionals, flags };
}

// parseArgs' own messages suggest `--` tricks; say plainly what is wrong instead.
function describeParseError(err: Error & { code?: string }, spec: CommandSpec): string {
  const option = /'(-[^' ]+)/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = option?.replace(/^-+/, '') ?? '';
      return (spec.values ?? []).includes(name) ? `${option} needs a value` : `${option ?? 'an option'} does not take a value`;
    }
    default:
      return err.message;
  }
}

export function makeContext(stateDirFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): CliContext {
  const stateDir = resolveStateDir({ flag: stateDirFlag, env });
  return {
    stateDir,
    paths: statePaths(stateDir),
    env,
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
  };
}
