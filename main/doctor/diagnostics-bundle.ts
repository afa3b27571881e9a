// "Export diagnostics": one .zip a user can attach to a bug report without handing over their
// keys, their contacts' numbers or their conversations. Everything in it goes through one
// bundle redactor (fresh random salt per bundle): credentials removed, phone numbers and
// message text replaced by short keyed hashes so the same number still reads the same across
// config, status and every log line.
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir, release } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import JSON5 from 'json5';
import { JsonLexer, JsonTokenType, type JsonToken } from '@croct/json5-parser';
import yazl from 'yazl';
import { statePaths } from '../shared/state-dir.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { createBundleRedactor, isSecretKey, listLogFiles, REDACTED, type BundleRedactor } from '../logs/index.ts';

export interface BundleVersions {
  app: string;
  electron?: string;
  node: string;
  baileys: string;
  /** The WhatsApp Web version in use, e.g. [2, 3000, 1023223821]. */
  waWeb?: string | number[];
}

export interface DiagnosticsBundleOptions {
  stateDir: string;
  /** Where to write the zip (default <stateDir>/clawline/diagnostics/clawline-diagnostics-<time>.zip). */
  outPath?: string;
  versions: BundleVersions;
  statusHistory?: unknown;
  lastDisconnects?: unknown;
  doctorResults?: unknown;
  /** The config text; read from <stateDir>/openclaw.json when not given. */
  configText?: string;
  /** Newest log bytes included, across files (default 5 MB). */
  maxLogBytes?: number;
  clock?: Clock;
}

const DEFAULT_MAX_LOG_BYTES = 5 * 1024 * 1024;

/** Keys whose whole value is hidden in the config copy besides the credential-named ones. */
const CONFIG_SECRET_CONTAINERS = new Set(['env']);

interface Frame {
  kind: 'object' | 'array';
  /** The key this container is the value of (array items inherit it). */
  key?: string;
  secret: boolean;
  expectingKey: boolean;
  pendingKey?: string;
}

/**
 * Redacts openclaw.json on its tokens so comments and layout survive: string, number and
 * boolean values under secret keys become "[redacted]", the rest go through the bundle rules
 * (phones hashed, message-like text hidden), and comments are scrubbed as free text.
 */
export function redactConfigText(text: string, redactor: BundleRedactor): string {
  let tokens: JsonToken[];
  try {
    tokens = JsonLexer.tokenize(text);
  } catch (err) {
    // Not even tokenizable: keep the shape for the reader, hide every string literal.
    const hidden = redactor.scrubText(text).replace(/(["'])(?:\\.|(?!\1)[^\\\n])*\1/g, '"[string]"');
    return `// openclaw.json could not be read as JSON5 (${(err as Error).message.split('\n')[0]}); every string is hidden.\n${hidden}`;
  }
  const stack: Frame[] = [];
  const out: string[] = [];
  const top = () => stack[stack.length - 1];
  const valueKey = () => {
    const f = top();
    return f?.kind === 'object' ? f.pendingKey : f?.key;
  };
  const underSecret = (key: string | undefined) =>
    (top()?.secret ?? false) || (key !== undefined && (isSecretKey(key) || CONFIG_SECRET_CONTAINERS.has(key)));

  for (const token of tokens) {
    const frame = top();
    switch (token.type) {
      case JsonTokenType.LINE_COMMENT:
      case JsonTokenType.BLOCK_COMMENT:
        out.push(redactor.scrubText(token.value));
        break;
      case JsonTokenType.BRACE_LEFT:
      case JsonTokenType.BRACKET_LEFT: {
        const key = valueKey();
        stack.push({ kind: token.type === JsonTokenType.BRACE_LEFT ? 'object' : 'array', key, secret: underSecret(key), expectingKey: token.type === JsonTokenType.BRACE_LEFT });
        out.push(token.value);
        break;
      }
      case JsonTokenType.BRACE_RIGHT:
      case JsonTokenType.BRACKET_RIGHT:
        stack.pop();
        out.push(token.value);
        break;
      case JsonTokenType.COMMA:
        if (frame?.kind === 'object') frame.expectingKey = true;
        out.push(token.value);
        break;
      case JsonTokenType.IDENTIFIER:
      case JsonTokenType.STRING:
      case JsonTokenType.NUMBER:
      case JsonTokenType.BOOLEAN:
      case JsonTokenType.NULL: {
        if (frame?.kind === 'object' && frame.expectingKey) {
          const key = token.type === JsonTokenType.STRING ? (JSON5.parse(token.value) as string) : token.value;
          frame.pendingKey = key;
          frame.expectingKey = false;
          const scrubbed = redactor.scrubText(key);
          out.push(scrubbed === key ? token.value : JSON.stringify(scrubbed));
          break;
        }
        out.push(redactConfigValue(token, valueKey(), underSecret(valueKey()), redactor));
        break;
      }
      default:
        out.push(token.value); // whitespace, newlines, colons, EOF
    }
  }
  return out.join('');
}

function redactConfigValue(token: JsonToken, key: string | undefined, secret: boolean, redactor: BundleRedactor): string {
  if (token.type === JsonTokenType.NULL) return token.value;
  if (secret) return JSON.stringify(REDACTED);
  let value: unknown;
  try {
    value = JSON5.parse(token.value);
  } catch {
    return JSON.stringify(REDACTED); // a literal we cannot read is not worth the risk
  }
  const redacted = key === undefined ? redactor.redactValue(value) : (redactor.redactValue({ [key]: value }) as Record<string, unknown>)[key];
  return Object.is(redacted, value) ? token.value : JSON.stringify(redacted);
}

/** The newest `maxBytes` of `path` (starting at a line boundary), redacted line by line. */
async function redactedLogTail(path: string, size: number, maxBytes: number, redactor: BundleRedactor): Promise<{ text: string; cut: boolean }> {
  const take = Math.min(size, maxBytes);
  const buf = Buffer.alloc(take);
  const handle = await open(path, 'r');
  try {
    await handle.read(buf, 0, take, size - take);
  } finally {
    await handle.close();
  }
  let text = buf.toString('utf8');
  const cut = take < size;
  if (cut) {
    const firstBreak = text.indexOf('\n');
    text = firstBreak === -1 ? '' : text.slice(firstBreak + 1); // drop the partial first line
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { text: lines.map((l) => redactor.redactLogLine(l)).join('\n') + (lines.length ? '\n' : ''), cut };
}

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

/** Builds the bundle and returns the path of the .zip (mode 0600). */
export async function createDiagnosticsBundle(options: DiagnosticsBundleOptions): Promise<string> {
  const clock = options.clock ?? systemClock;
  const now = clock.now();
  const paths = statePaths(options.stateDir);
  const outPath = options.outPath ?? join(paths.clawline, 'diagnostics', `clawline-diagnostics-${stamp(now)}.zip`);
  const redactor = createBundleRedactor({ homeDir: homedir() });
  const mtime = new Date(now);
  const zip = new yazl.ZipFile();
  const files: string[] = [];
  const add = (name: string, data: Buffer) => {
    zip.addBuffer(data, name, { mtime, mode: 0o600 });
    files.push(name);
  };

  add('versions.json', json({
    ...options.versions,
    platform: process.platform,
    arch: process.arch,
    osRelease: release(),
  }));

  let configText = options.configText;
  let configNote: string | undefined;
  if (configText === undefined) {
    try {
      configText = await readFile(paths.config, 'utf8');
    } catch (err) {
      configNote = `// openclaw.json could not be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`;
    }
  }
  const header = '// openclaw.json for a diagnostics bundle: credentials removed, phone numbers and message text hashed.\n';
  add('config.redacted.json5', Buffer.from(header + (configText === undefined ? configNote : redactConfigText(configText, redactor))));

  add('status.json', json(redactor.redactValue({ statusHistory: options.statusHistory ?? null, lastDisconnects: options.lastDisconnects ?? null })));
  add('doctor.json', json(redactor.redactValue(options.doctorResults ?? null)));

  // Newest logs first until the byte budget is spent.
  let budget = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
  const logs: Array<{ file: string; bytes: number; cut: boolean }> = [];
  for (const f of await listLogFiles(paths.logs)) {
    if (budget <= 0) break;
    if (f.size === 0) continue;
    const { text, cut } = await redactedLogTail(f.path, f.size, budget, redactor);
    budget -= Math.min(f.size, budget);
    // clawline-2025-01-31.log.2 -> clawline-2025-01-31.2.log so every entry opens as a .log
    const name = `logs/${f.name.replace(/\.log\.(\d+)$/, '.$1.log')}`;
    add(name, Buffer.from(text));
    logs.push({ file: name, bytes: Buffer.byteLength(text), cut });
  }

  add('manifest.json', json({
    createdAt: new Date(now).toISOString(),
    files: [...files, 'manifest.json'],
    logs,
    redaction: 'Credentials removed. Phone numbers (also inside JIDs/LIDs) shown as +1…#hash and message text as [text #hash len=N]; equal values share a hash within this bundle only.',
  }));
  zip.end();

  await mkdir(dirname(outPath), { recursive: true, mode: 0o700 });
  const tmp = `${outPath}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await pipeline(zip.outputStream, createWriteStream(tmp, { mode: 0o600, flags: 'wx' }));
    await rename(tmp, outPath);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  return outPath;
}
