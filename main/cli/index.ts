// The `clawline` command: plain Node, no Electron. Each top-level word is a module in
// ./commands/<word>.ts exporting `run(args, ctx)`, so adding a command touches one file.
import { makeContext, ExitCode, UsageError, type CliContext } from './context.ts';
import { APP_VERSION } from '../shared/version.ts';

export interface CommandModule {
  summary: string;
  run(args: string[], ctx: CliContext): Promise<number>;
}

const COMMANDS = ['config', 'gateway', 'channels', 'pairing', 'doctor', 'logs', 'reset', 'dashboard'] as const;

async function load(name: string): Promise<CommandModule | undefined> {
  if (!(COMMANDS as readonly string[]).includes(name)) return undefined;
  try {
    return (await import(`./commands/${name}.ts`)) as CommandModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' || /Could not resolve|Cannot find module|No such module|Module not found in bundle/.test(String(err))) return undefined;
    throw err;
  }
}

async function usage(print: (line: string) => void): Promise<void> {
  print('Usage: clawline [--state-dir DIR] <command> [options]');
  print('');
  for (const name of COMMANDS) {
    const mod = await load(name);
    if (mod) print(`  ${name.padEnd(10)} ${mod.summary}`);
  }
  print('');
  print('"clawline <command> --help" shows the options of one command.');
  print('Exit codes: 0 ok, 1 a problem was found, 2 usage error, 3 the gateway is not running.');
}

/** Takes the global `--state-dir DIR` (or `--state-dir=DIR`) out of argv, wherever it is. */
function takeStateDir(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '--state-dir' || a.startsWith('--state-dir='));
  if (i < 0) return undefined;
  const a = args[i]!;
  const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
  args.splice(i, a.includes('=') ? 1 : 2);
  // Without this check a forgotten value would silently fall back to ~/.openclaw.
  if (!value || value.startsWith('-')) throw new UsageError('--state-dir needs a folder, e.g. --state-dir ~/.openclaw');
  return value;
}

export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const stderr = (line: string) => process.stderr.write(line + '\n');
  let stateDirFlag: string | undefined;
  try {
    stateDirFlag = takeStateDir(args);
  } catch (err) {
    stderr(`clawline: ${(err as Error).message}`);
    return ExitCode.usage;
  }
  const ctx = makeContext(stateDirFlag);
  const [name, ...rest] = args;
  if (name === 'help' || name === '--help' || name === '-h') { await usage(ctx.out); return ExitCode.ok; }
  if (name === '--version' || name === 'version') { ctx.out(APP_VERSION); return ExitCode.ok; }
  if (!name) { await usage(ctx.err); return ExitCode.usage; }
  const mod = await load(name);
  if (!mod) {
    ctx.err(`clawline: unknown ${name.startsWith('-') ? 'option' : 'command'} "${name}".`);
    ctx.err('');
    await usage(ctx.err);
    return ExitCode.usage;
  }
  try {
    return await mod.run(rest, ctx);
  } catch (err) {
    if (err instanceof UsageError) { ctx.err(`clawline ${name}: ${err.message}`); return ExitCode.usage; }
    throw err;
  }
}
