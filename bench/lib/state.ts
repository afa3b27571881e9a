// State folders for the two sides: Clawline's openclaw.json as the benchmarks configure it, and
// checks of what a crash left on disk (every state file parses; creds are complete).
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferJSON, credsProblems } from '../../main/auth/index.ts';

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `clawline-bench-${prefix}-`));
}

export interface ClawlineSetup {
  /** Account ids; ['default'] configures no accounts map (the usual single account). */
  accounts: string[];
  /** Default: open to everyone (the echo benchmark). */
  dmPolicy?: 'open' | 'pairing' | 'allowlist';
  allowFrom?: string[];
  /** A webhook agent at this URL instead of the built-in one. */
  webhookUrl?: string;
  reconnect?: { initialMs: number; maxMs: number; factor: number; jitter: number; maxAttempts: number };
  heartbeatSeconds?: number;
  /** Extra keys merged into channels.whatsapp. */
  whatsapp?: Record<string, unknown>;
}

export function clawlineConfig(setup: ClawlineSetup): Record<string, unknown> {
  const dmPolicy = setup.dmPolicy ?? 'open';
  const whatsapp: Record<string, unknown> = {
    dmPolicy,
    ...(setup.allowFrom ? { allowFrom: setup.allowFrom } : dmPolicy === 'open' ? { allowFrom: ['*'] } : {}),
    sendReadReceipts: true,
    ...setup.whatsapp,
  };
  if (!(setup.accounts.length === 1 && setup.accounts[0] === 'default')) {
    whatsapp.accounts = Object.fromEntries(setup.accounts.map((id) => [id, {}]));
  }
  const config: Record<string, unknown> = { channels: { whatsapp } };
  if (setup.webhookUrl) config.clawline = { agent: { kind: 'webhook', webhook: { url: setup.webhookUrl, timeoutMs: 20_000 } } };
  if (setup.reconnect || setup.heartbeatSeconds) {
    config.web = { ...(setup.reconnect ? { reconnect: setup.reconnect } : {}), ...(setup.heartbeatSeconds ? { heartbeatSeconds: setup.heartbeatSeconds } : {}) };
  }
  return config;
}

export async function writeClawlineConfig(stateDir: string, setup: ClawlineSetup): Promise<string> {
  const path = join(stateDir, 'openclaw.json');
  await writeFile(path, JSON.stringify(clawlineConfig(setup), null, 2) + '\n', { mode: 0o600 });
  return path;
}

/** Where each side keeps an account's credentials. */
export function authDirOf(side: 'clawline' | 'baseline', stateDir: string, accountId: string): string {
  return side === 'clawline' ? join(stateDir, 'credentials', 'whatsapp', accountId) : join(stateDir, accountId);
}

export interface FileCheck {
  files: number;
  /** Files of size 0. */
  empty: string[];
  /** Files whose JSON does not parse. */
  unparsable: string[];
  /** creds.json missing, empty, unparsable or incomplete (a load would need a new QR). */
  credsProblem?: string;
}

/**
 * Reads every credential file as the side itself would (BufferJSON). Clawline's own leftover
 * temp files (".name.xxxx.tmp", removed at open) are not state and are skipped.
 */
export async function checkAuthDir(dir: string): Promise<FileCheck> {
  const result: FileCheck = { files: 0, empty: [], unparsable: [] };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return { ...result, credsProblem: 'credentials folder missing' };
  }
  for (const name of names) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    result.files++;
    const text = await readFile(path, 'utf8').catch(() => '');
    if (info.size === 0 || text.length === 0) {
      result.empty.push(name);
      continue;
    }
    try {
      const value = JSON.parse(text, BufferJSON.reviver) as unknown;
      if (name === 'creds.json') {
        const problems = credsProblems(value);
        if (problems.length) result.credsProblem = `creds.json: ${problems.join(', ')}`;
      }
    } catch (err) {
      result.unparsable.push(name);
      if (name === 'creds.json') result.credsProblem = `creds.json does not parse: ${(err as Error).message}`;
    }
  }
  if (!names.includes('creds.json')) result.credsProblem ??= 'creds.json missing';
  else if (result.empty.includes('creds.json')) result.credsProblem = 'creds.json is empty (0 bytes)';
  return result;
}

/** Files and bytes under a folder (recursive). */
export async function folderSize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        files++;
        bytes += (await stat(p).catch(() => ({ size: 0 }))).size;
      }
    }
  };
  await walk(dir);
  return { files, bytes };
}
