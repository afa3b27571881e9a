// Shared fixtures for the credential-store tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initAuthCreds } from '@whiskeysockets/baileys';
import type { AuthenticationCreds } from '@whiskeysockets/baileys';

export async function tempDir(prefix = 'clawline-auth-'): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Creds of a linked account (Baileys' own generator plus the `me` a pairing adds). */
export function linkedCreds(phone = '15551234567', name = 'Test Phone'): AuthenticationCreds {
  const creds = initAuthCreds();
  creds.me = { id: `${phone}:3@s.whatsapp.net`, name, lid: `98765${phone.slice(-4)}:3@lid` };
  creds.registered = true;
  return creds;
}

export const fixedKey = (byte = 7): Buffer => Buffer.alloc(32, byte);
