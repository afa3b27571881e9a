// Fixtures for the doctor tests: temp state dirs laid out like OpenClaw's, offline network
// probes (no test ever reaches the internet), fake running gateways and account statuses.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initAuthCreds } from '@whiskeysockets/baileys';
import { BufferJSON } from '../../main/auth/index.ts';
import type { AccountStatus, GatewaySummary } from '../../main/control/contract.ts';
import type { DoctorContext, GatewayProbe, NetProbes } from '../../main/doctor/index.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { statePaths } from '../../main/shared/state-dir.ts';

export const PHONE = '15551234567';

export async function tempState(): Promise<{ dir: string; paths: ReturnType<typeof statePaths>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-doctor-'));
  await chmod(dir, 0o700);
  return { dir, paths: statePaths(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The network of a machine with no internet: nothing resolves, nothing answers. */
export function offlineNet(calls: string[] = []): NetProbes {
  return {
    async tcpProbe(host, port) { calls.push(`tcp ${host}:${port}`); return false; },
    async httpDate(url) { calls.push(`date ${url}`); throw new Error('ENOTFOUND'); },
    async dnsTls(host, port) { calls.push(`dnstls ${host}:${port}`); return { ok: false, stage: 'dns', error: 'ENOTFOUND' }; },
  };
}

export function testContext(stateDir: string, extra: Partial<DoctorContext> = {}): DoctorContext {
  return {
    stateDir,
    env: {},
    clock: new FakeClock(Date.now()),
    net: offlineNet(),
    versions: { node: '20.11.1' },
    freeBytes: async () => 50 * 1024 ** 3,
    ...extra,
  };
}

export function account(overrides: Partial<AccountStatus> = {}): AccountStatus {
  return { accountId: 'default', enabled: true, state: 'connected', reconnectAttempts: 0, self: { number: `+${PHONE}` }, ...overrides };
}

export function summary(accounts: AccountStatus[]): GatewaySummary {
  return { running: true, version: 'test', accounts, pendingPairing: 0 };
}

/** A gateway that answers with these accounts. */
export function runningGateway(accounts: AccountStatus[], extra: { pid?: number; startedAt?: number; port?: number } = {}): { probe(): Promise<GatewayProbe> } {
  return { probe: async () => ({ running: true, summary: summary(accounts), pid: extra.pid ?? 424242, ...extra }) };
}

export const stoppedGateway = { probe: async (): Promise<GatewayProbe> => ({ running: false }) };

/** Creds of a linked device (Baileys' generator plus the `me` linking adds), as file text. */
export function linkedCredsText(phone = PHONE): string {
  const creds = initAuthCreds();
  creds.me = { id: `${phone}:3@s.whatsapp.net`, name: 'Test Phone' };
  creds.registered = true;
  return JSON.stringify(creds, BufferJSON.replacer);
}

/** Creds that were generated but never linked (or whose link was dropped): no `me`. */
export function unlinkedCredsText(): string {
  return JSON.stringify(initAuthCreds(), BufferJSON.replacer);
}

export async function writeAccount(stateDir: string, accountId: string, files: Record<string, string>, modes: { dir?: number; files?: number } = {}): Promise<string> {
  const dir = statePaths(stateDir).accountAuthDir(accountId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const p of [statePaths(stateDir).credentials, statePaths(stateDir).whatsappCredentials, dir]) await chmod(p, 0o700);
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(dir, name), text);
    await chmod(join(dir, name), modes.files ?? 0o600);
  }
  if (modes.dir !== undefined) await chmod(dir, modes.dir);
  return dir;
}

/** The pid of a process that has already exited (for "dead owner" locks). */
export function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(child.pid!));
  });
}

/** Leaves lock files as a crashed Clawline would (proper-lockfile's directory + our owner note). */
export async function writeLock(stateDir: string, accountId: string, pid: number, hostname: string): Promise<{ lockDir: string; ownerFile: string }> {
  const base = join(statePaths(stateDir).clawline, 'locks', `whatsapp-${accountId}`);
  await mkdir(`${base}.lock`, { recursive: true });
  await writeFile(`${base}.owner.json`, JSON.stringify({ pid, hostname, startedAt: Date.now() - 3_600_000 }) + '\n');
  return { lockDir: `${base}.lock`, ownerFile: `${base}.owner.json` };
}

export const find = <T extends { id: string }>(list: T[], id: string): T => {
  const found = list.find((c) => c.id === id);
  if (!found) throw new Error(`no check "${id}" in ${list.map((c) => c.id).join(', ')}`);
  return found;
};
