// `clawline config check|get|set|unset`: the settings file (openclaw.json, JSON5) from the shell.
// Edits keep comments and layout, and an edit that would make the file invalid is refused.
import { resolve } from 'node:path';
import JSON5 from 'json5';
import { ExitCode, parseFlags, UsageError, type CliContext } from '../context.ts';
import {
  checkConfig, ConfigReadError, defaultValueAt, findingToJson, formatFinding, formatKeyPath, KeyPathError, loadConfig, parseKeyPath,
  schemaAt, setConfigValue, unsetConfigValue, type EditResult, type KeyPath,
} from '../../config/index.ts';
import type { Finding } from '../../control/contract.ts';

export const summary = 'check, get, set or unset settings in openclaw.json (keeps your comments)';

const USAGE = [
  'Usage: clawline config <check|get|set|unset|path> [options]',
  '',
  '  check [--json]              list problems in the file (exit 0: none, 1: errors or warnings, 2: file missing or unreadable)',
  '  get [KEY]                   print a value (or the whole file) as JSON',
  '  set KEY VALUE               set a value; VALUE is JSON5 ("allowlist", true, 4000, \'["+14155551234"]\')',
  '  unset KEY                   remove a key',
  '  path                        print where the file is',
  '',
  '  KEY is a dotted path: channels.whatsapp.dmPolicy, clawline.agent.kind,',
  '  channels.whatsapp.groups["120363012345678901@g.us"].requireMention, channels.whatsapp.allowFrom[0]',
  '  --config PATH               use another file than <state dir>/openclaw.json',
].join('\n');

function configFile(flags: Record<string, string | true>, ctx: CliContext): string {
  if (flags.config === true) throw new UsageError('--config needs a file path');
  return typeof flags.config === 'string' ? resolve(flags.config) : ctx.paths.config;
}

function keyPath(text: string | undefined, what: string): KeyPath {
  if (!text) throw new UsageError(`${what} needs a key, e.g. channels.whatsapp.dmPolicy\n${USAGE}`);
  try {
    return parseKeyPath(text);
  } catch (err) {
    if (err instanceof KeyPathError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * VALUE as JSON5; a bare word that is not JSON5 is a string (`set ... dmPolicy allowlist`).
 * Where the setting is text, a word JSON5 reads as a number stays text (a model named "4").
 */
export function parseCliValue(text: string, path: KeyPath): unknown {
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch {
    return text;
  }
  if (typeof parsed !== 'string') {
    const schema = schemaAt(path);
    if (schema && !schema.safeParse(parsed).success && schema.safeParse(text).success) return text;
  }
  return parsed;
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = typeof seg === 'number' || /^\d+$/.test(seg) ? cur[Number(seg)] : undefined;
    else if (typeof cur === 'object' && cur !== null && Object.prototype.hasOwnProperty.call(cur, seg)) cur = (cur as Record<string, unknown>)[String(seg)];
    else return undefined;
  }
  return cur;
}

function printFindings(findings: Finding[], file: string, json: boolean, ctx: CliContext, to: 'out' | 'err'): void {
  if (json) { ctx.out(JSON.stringify(findings.map(findingToJson), null, 2)); return; }
  for (const f of findings) ctx[to](formatFinding(f, file));
}

function countLine(findings: Finding[]): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const parts = [`${errors} error${errors === 1 ? '' : 's'}`, `${warnings} warning${warnings === 1 ? '' : 's'}`];
  return parts.join(', ');
}

async function check(file: string, json: boolean, ctx: CliContext): Promise<number> {
  const result = await checkConfig(file, { stateDir: ctx.stateDir });
  if (result.status === 'missing' || result.status === 'unreadable') {
    if (json) {
      ctx.out(JSON.stringify([findingToJson({ severity: 'error', path: '', message: result.message ?? 'cannot read the file' })], null, 2));
    }
    ctx.err(`clawline config check: ${result.message}`);
    return ExitCode.usage;
  }
  if (json) {
    ctx.out(JSON.stringify(result.findings.map(findingToJson), null, 2));
  } else {
    for (const f of result.findings) ctx.out(formatFinding(f, file));
    ctx.out(result.status === 'ok' ? `${file}: no problems found.` : `${file}: ${countLine(result.findings)}.`);
  }
  return result.status === 'ok' ? ExitCode.ok : ExitCode.problem;
}

async function get(file: string, pathText: string | undefined, ctx: CliContext): Promise<number> {
  const path = pathText ? keyPath(pathText, 'get') : [];
  let loaded;
  try {
    loaded = await loadConfig(file, { stateDir: ctx.stateDir });
  } catch (err) {
    if (err instanceof ConfigReadError) { ctx.err(`clawline config get: ${err.message}`); return ExitCode.usage; }
    throw err;
  }
  if (loaded.raw === undefined) {
    printFindings(loaded.findings.filter((f) => f.severity === 'error'), file, false, ctx, 'err');
    return ExitCode.problem;
  }
  const value = valueAt(loaded.raw, path);
  if (value !== undefined) { ctx.out(JSON.stringify(value, null, 2)); return ExitCode.ok; }
  const fallback = defaultValueAt(path);
  const where = loaded.exists ? `in ${file}` : `(there is no ${file} yet)`;
  ctx.err(`${formatKeyPath(path)} is not set ${where}.${fallback !== undefined ? ` The default applies: ${JSON.stringify(fallback)}` : ''}`);
  return ExitCode.problem;
}

function reportEdit(result: EditResult, file: string, json: boolean, done: string, ctx: CliContext): number {
  if (!result.ok) {
    printFindings(result.findings, file, json, ctx, 'err');
    ctx.err(`Not saved: ${file} is unchanged.`);
    return ExitCode.problem;
  }
  ctx.out(result.changed ? done : `${file} already says so; nothing to change.`);
  const remaining = result.findings.filter((f) => f.severity !== 'info');
  if (remaining.length > 0) {
    ctx.err(`Saved, but the file still has ${countLine(remaining)}:`);
    printFindings(remaining, file, false, ctx, 'err');
  }
  return ExitCode.ok;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { positional, flags } = parseFlags(args, ['json']);
  const [sub, ...rest] = positional;
  const json = flags.json === true;
  if (!sub || sub === 'help' || flags.help) {
    ctx.out(USAGE);
    return sub === 'help' || flags.help ? ExitCode.ok : ExitCode.usage;
  }
  const file = configFile(flags, ctx);
  switch (sub) {
    case 'check':
      return check(file, json, ctx);
    case 'path':
      ctx.out(file);
      return ExitCode.ok;
    case 'get':
      if (rest.length > 1) throw new UsageError(`get takes one key\n${USAGE}`);
      return get(file, rest[0], ctx);
    case 'set': {
      const path = keyPath(rest[0], 'set');
      if (rest.length !== 2) throw new UsageError(`set needs a key and one value (quote values with spaces)\n${USAGE}`);
      const value = parseCliValue(rest[1]!, path);
      const result = await setConfigValue(file, path, value, { stateDir: ctx.stateDir });
      return reportEdit(result, file, json, `Set ${formatKeyPath(path)} = ${JSON.stringify(value)} in ${file}`, ctx);
    }
    case 'unset': {
      const path = keyPath(rest[0], 'unset');
      if (rest.length !== 1) throw new UsageError(`unset takes one key\n${USAGE}`);
      const result = await unsetConfigValue(file, path, { stateDir: ctx.stateDir });
      if (result.ok && !result.changed) { ctx.out(`${formatKeyPath(path)} is not set in ${file}; nothing to remove.`); return ExitCode.ok; }
      return reportEdit(result, file, json, `Removed ${formatKeyPath(path)} from ${file}`, ctx);
    }
    default:
      throw new UsageError(`unknown subcommand "${sub}"\n${USAGE}`);
  }
}
