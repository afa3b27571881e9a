// The marker file says how the files in an account directory are stored. Plain and encrypted
// stores read each other only through migrateStoreEncryption(): a store never guesses a layout
// from file contents, because a wrong guess would regenerate credentials (= logged out).
import { open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { encryptedCodec, isEncryptedFile, plainCodec, sameKeyCheck, type FileCodec, type KeyProvider } from './codec.ts';
import { AuthStoreError } from './errors.ts';
import { BACKUP_FILE, CREDS_FILE, MARKER_FILE, classifyFile } from './layout.ts';

export type StoreLayout = { format: 'plain' } | { format: 'encrypted'; keyId: string; keyCheck: string };

export interface StoreMarker {
  version: 1;
  format: 'plain' | 'encrypted';
  keyId?: string;
  keyCheck?: string;
  /** Present while migrateStoreEncryption() converts the files; the store refuses to open meanwhile. */
  migration?: { to: StoreLayout; startedAt: string };
  note?: string;
}

const NOTE = 'Written by Clawline: says whether the WhatsApp credential files in this folder are encrypted. Do not edit.';

export async function readMarker(dir: string): Promise<StoreMarker | undefined> {
  const path = join(dir, MARKER_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let marker: StoreMarker;
  try {
    marker = JSON.parse(text) as StoreMarker;
  } catch (err) {
    throw new AuthStoreError('MARKER_INVALID', `${path} is not valid JSON (${(err as Error).message}). It records whether the credentials in ${dir} are encrypted; restore it from a backup or recreate it with {"version":1,"format":"plain"} if the files are plain JSON.`, path);
  }
  const okFormat = marker?.format === 'plain' || (marker?.format === 'encrypted' && typeof marker.keyId === 'string' && typeof marker.keyCheck === 'string');
  if (!okFormat || marker.version !== 1) {
    throw new AuthStoreError('MARKER_INVALID', `${path} does not describe a known layout (expected version 1 with format "plain", or "encrypted" with keyId and keyCheck). Restore it from a backup.`, path);
  }
  return marker;
}

export async function writeMarker(dir: string, layout: StoreLayout, migration?: StoreMarker['migration']): Promise<void> {
  const marker: StoreMarker = { version: 1, ...layout, ...(migration ? { migration } : {}), note: NOTE };
  await writeFileAtomic(join(dir, MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`);
}

export function markerLayout(marker: StoreMarker): StoreLayout {
  return marker.format === 'plain' ? { format: 'plain' } : { format: 'encrypted', keyId: marker.keyId!, keyCheck: marker.keyCheck! };
}

export function describeLayout(layout: StoreLayout | { format: 'plain' | 'encrypted'; keyId?: string }): string {
  return layout.format === 'plain' ? 'plain (unencrypted)' : `encrypted with key "${layout.keyId}"`;
}

/** Reads the first bytes of the first auth file found to tell whether existing files are encrypted. */
export async function existingFilesEncrypted(dir: string, names: string[]): Promise<boolean | undefined> {
  const ordered = [CREDS_FILE, BACKUP_FILE, ...names.filter((n) => classifyFile(n).kind === 'key')];
  for (const name of ordered) {
    if (!names.includes(name)) continue;
    let handle;
    try {
      handle = await open(join(dir, name), 'r');
      const head = Buffer.alloc(16);
      const { bytesRead } = await handle.read(head, 0, 16, 0);
      if (bytesRead > 0) return isEncryptedFile(head.subarray(0, bytesRead));
    } catch {
      // unreadable: try the next file
    } finally {
      await handle?.close();
    }
  }
  return undefined;
}

export interface ResolvedCodec {
  codec: FileCodec;
  /** Set when no marker existed: the layout a new marker should record. */
  markerToWrite?: StoreLayout;
}

/**
 * Chooses how to read `dir` from its marker and the caller's key provider, or explains why not.
 * `authFileNames` are the directory's entries (used only when there is no marker yet).
 */
export async function resolveCodec(dir: string, keyProvider: KeyProvider | null | undefined, authFileNames: string[]): Promise<ResolvedCodec> {
  const marker = await readMarker(dir);
  const markerPath = join(dir, MARKER_FILE);
  if (marker?.migration) {
    throw new AuthStoreError('MIGRATION_INTERRUPTED', `A change of encryption for ${dir} (from ${describeLayout(markerLayout(marker))} to ${describeLayout(marker.migration.to)}) was interrupted. Run migrateStoreEncryption() again with the same keys to finish it; no files were lost.`, dir);
  }
  if (!marker) {
    const hasAuthFiles = authFileNames.some((n) => ['creds', 'backup', 'key'].includes(classifyFile(n).kind));
    if (hasAuthFiles) {
      if (await existingFilesEncrypted(dir, authFileNames)) {
        throw new AuthStoreError('MARKER_MISSING', `${dir} holds encrypted credential files but its marker ${MARKER_FILE} is missing. Restore the marker from a backup; Clawline will not guess which key the files need.`, markerPath);
      }
      if (keyProvider) {
        throw plainGivenKey(dir, keyProvider);
      }
      return { codec: plainCodec, markerToWrite: { format: 'plain' } };
    }
    if (!keyProvider) return { codec: plainCodec, markerToWrite: { format: 'plain' } };
    const codec = await encryptedCodec(keyProvider);
    return { codec, markerToWrite: { format: 'encrypted', keyId: codec.keyId, keyCheck: codec.keyCheck } };
  }
  if (marker.format === 'plain') {
    if (keyProvider) throw plainGivenKey(dir, keyProvider);
    return { codec: plainCodec };
  }
  if (!keyProvider) {
    throw new AuthStoreError('ENCRYPTED_STORE_NEEDS_KEY', `The WhatsApp credentials in ${dir} are encrypted with key "${marker.keyId}", but no key was given. Open them with that key provider (the desktop app uses the OS keychain; headless runs use their key file), or convert them to plain files with migrateStoreEncryption(dir, { from: <that key provider>, to: null }).`, dir);
  }
  if (keyProvider.id !== marker.keyId) {
    throw new AuthStoreError('KEY_ID_MISMATCH', `The WhatsApp credentials in ${dir} are encrypted with key "${marker.keyId}", but the key given is "${keyProvider.id}". Use the "${marker.keyId}" key provider, or convert with migrateStoreEncryption(dir, { from: <"${marker.keyId}" provider>, to: <"${keyProvider.id}" provider> }).`, dir);
  }
  const codec = await encryptedCodec(keyProvider);
  if (!sameKeyCheck(codec.keyCheck, marker.keyCheck!)) {
    throw new AuthStoreError('WRONG_KEY', `The key from "${keyProvider.id}" is not the key the credentials in ${dir} were encrypted with (key check failed). Nothing was changed. Restore the original key (keychain entry or key file); without it the account must be linked again.`, dir);
  }
  return { codec };
}

function plainGivenKey(dir: string, keyProvider: KeyProvider): AuthStoreError {
  return new AuthStoreError('PLAIN_STORE_GIVEN_KEY', `The WhatsApp credentials in ${dir} are plain (unencrypted) files, but a key ("${keyProvider.id}") was given. Encrypt them first with migrateStoreEncryption(dir, { from: null, to: <key provider> }), or open them without a key.`, dir);
}

/**
 * How the folder's credentials are stored now: what its marker says, or 'plain' for an unmarked
 * folder of Baileys/OpenClaw files, 'empty' when there are none yet. Lets the app keep an
 * OpenClaw-shared plain folder plain (OpenClaw cannot read encrypted files) and encrypt only
 * new folders, until the user asks for the explicit migration.
 */
export async function storeFormat(dir: string): Promise<'plain' | 'encrypted' | 'empty'> {
  const marker = await readMarker(dir).catch(() => undefined);
  if (marker) return marker.format;
  let names: string[];
  try { names = await readdir(dir); } catch { return 'empty'; }
  const hasAuthFiles = names.some((n) => ['creds', 'backup', 'key'].includes(classifyFile(n).kind));
  if (!hasAuthFiles) return 'empty';
  return (await existingFilesEncrypted(dir, names)) ? 'encrypted' : 'plain';
}
