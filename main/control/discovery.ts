// How the CLI and a second instance find a running gateway: a token file (0600, reused across
// runs so a bookmarked dashboard keeps working) and a small file naming the live port and pid.
import { randomBytes } from 'node:crypto';
import { readFile, unlink, mkdir, chmod } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { statePaths } from '../shared/state-dir.ts';

export interface GatewayEndpoint { url: string; port: number; pid: number; startedAt: number; kind: 'headless' | 'desktop' }

export const endpointFile = (stateDir: string) => join(statePaths(stateDir).clawline, 'gateway.json');

/** Reads the control token, creating a random one (mode 0600) on first use. */
export async function loadOrCreateToken(stateDir: string): Promise<string> {
  const file = statePaths(stateDir).controlToken;
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (/^[A-Za-z0-9_-]{32,}$/.test(token)) {
      await chmod(file, 0o600);
      return token;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  await writeFileAtomic(file, token + '\n', { mode: 0o600 });
  return token;
}

export async function readToken(stateDir: string): Promise<string | undefined> {
  try { return (await readFile(statePaths(stateDir).controlToken, 'utf8')).trim(); } catch { return undefined; }
}

export async function writeEndpoint(stateDir: string, endpoint: GatewayEndpoint): Promise<void> {
  await writeFileAtomic(endpointFile(stateDir), JSON.stringify(endpoint, null, 2) + '\n', { mode: 0o600 });
}

export async function readEndpoint(stateDir: string): Promise<GatewayEndpoint | undefined> {
  try { return JSON.parse(await readFile(endpointFile(stateDir), 'utf8')) as GatewayEndpoint; } catch { return undefined; }
}

export async function removeEndpoint(stateDir: string, pid = process.pid): Promise<void> {
  const current = await readEndpoint(stateDir);
  if (current && current.pid === pid) await unlink(endpointFile(stateDir)).catch(() => {});
}

export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}
