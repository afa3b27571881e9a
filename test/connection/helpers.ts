// Shared pieces for the connection tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initAuthCreds, type SignalDataTypeMap, type SignalKeyStore } from '@whiskeysockets/baileys';
import type { AuthBackend } from '../../main/connection/index.ts';
import type { ResolvedWaVersion } from '../../main/connection/version.ts';
import { BUNDLED_WA_VERSION } from '../../main/connection/version.ts';

export const simulatorVersion = async (): Promise<ResolvedWaVersion> => ({ tuple: BUNDLED_WA_VERSION, version: BUNDLED_WA_VERSION.join('.'), source: 'simulator' });

export async function tempStateDir(t: { after(fn: () => Promise<void> | void): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clw-conn-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A loopback port nothing listens on (connections are refused at once). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Credentials in memory, "linked" from the start: for tests that never reach a server. */
export function memoryAuthBackend(): AuthBackend & { archived: string[] } {
  const archived: string[] = [];
  return {
    archived,
    isLinked: async () => true,
    archive: async (_stateDir, accountId, reason) => {
      archived.push(`${accountId}:${reason}`);
      return undefined;
    },
    createStore: async () => {
      const creds = initAuthCreds();
      creds.me = { id: '15550001111:7@s.whatsapp.net', name: 'Test' };
      const data = new Map<string, unknown>();
      const keys: SignalKeyStore = {
        get: async (type, ids) => Object.fromEntries(ids.map((id) => [id, data.get(`${type}-${id}`)])) as { [id: string]: SignalDataTypeMap[typeof type] },
        set: async (values) => {
          for (const [type, entries] of Object.entries(values)) for (const [id, v] of Object.entries(entries ?? {})) data.set(`${type}-${id}`, v);
        },
      };
      return { state: { creds, keys }, saveCreds: async () => {}, flush: async () => {}, close: async () => {} };
    },
  };
}
