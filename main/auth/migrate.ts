// The one explicit way between plain and encrypted stores (or from one key to another).
// Crash-safe and resumable: the marker first records "migrating to X", every file is rewritten
// atomically, and only then does the marker say X. An interrupted run makes createAuthStore()
// refuse with MIGRATION_INTERRUPTED until the same call is repeated; files already converted are
// recognised by their header, which is allowed here because the marker says a migration is on.
import { readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsyncDir, writeFileAtomic } from '../shared/atomic-write.ts';
import { encryptedCodec, isEncryptedFile, plainCodec, sameKeyCheck, type FileCodec, type KeyProvider } from './codec.ts';
import { AuthStoreError, silentLogger, type AuthLogger } from './errors.ts';
import { BACKUP_FILE, CREDS_FILE, QUARANTINE_SUFFIX, classifyFile } from './layout.ts';
import { describeLayout, existingFilesEncrypted, markerLayout, readMarker, writeMarker, type StoreLayout } from './marker.ts';
import { scanDir } from './scan.ts';
import { isStoreOpen } from './store.ts';

export interface MigrateEncryptionOptions {
  /** Current key provider; null = the files are plain. */
  from: KeyProvider | null;
  /** Target key provider; null = make the files plain. */
  to: KeyProvider | null;
  logger?: AuthLogger;
}

export interface MigrateEncryptionResult {
  dir: string;
  from: string;
  to: string;
  /** Files rewritten in the new layout by this call. */
  converted: number;
  /** Files already in the new layout (a resumed run). */
  alreadyConverted: number;
  /** Key files that could not be read with the old key: set aside as *.corrupt, as the store would. */
  quarantined: string[];
}

function sameLayout(a: StoreLayout, b: StoreLayout): boolean {
  if (a.format !== b.format) return false;
  if (a.format === 'plain') return true;
  return a.keyId === (b as typeof a).keyId && sameKeyCheck(a.keyCheck, (b as typeof a).keyCheck);
}

async function codecFor(provider: KeyProvider | null): Promise<{ codec: FileCodec; layout: StoreLayout }> {
  if (!provider) return { codec: plainCodec, layout: { format: 'plain' } };
  const codec = await encryptedCodec(provider);
  return { codec, layout: { format: 'encrypted', keyId: codec.keyId, keyCheck: codec.keyCheck } };
}

export async function migrateStoreEncryption(dirInput: string, options: MigrateEncryptionOptions): Promise<MigrateEncryptionResult> {
  const dir = resolve(dirInput);
  const logger = options.logger ?? silentLogger;
  if (isStoreOpen(dir)) throw new AuthStoreError('ALREADY_OPEN', `The credential store ${dir} is open; close it (stop the account) before changing its encryption.`, dir);
  const from = await codecFor(options.from);
  const to = await codecFor(options.to);
  const result: MigrateEncryptionResult = { dir, from: describeLayout(from.layout), to: describeLayout(to.layout), converted: 0, alreadyConverted: 0, quarantined: [] };

  let entries = await scanDir(dir);
  const marker = await readMarker(dir);
  const current: StoreLayout | undefined = marker ? markerLayout(marker) : undefined;
  if (!marker) {
    // An OpenClaw folder has no marker: it is plain unless its files say otherwise.
    if (await existingFilesEncrypted(dir, entries.map((e) => e.name))) {
      throw new AuthStoreError('MARKER_MISSING', `${dir} holds encrypted files but no marker; restore clawline-store.json before migrating.`, dir);
    }
  }
  const currentLayout = current ?? { format: 'plain' as const };
  if (marker?.migration) {
    if (!sameLayout(marker.migration.to, to.layout)) {
      throw new AuthStoreError('MIGRATION_INTERRUPTED', `${dir} has an unfinished change to ${describeLayout(marker.migration.to)}; finish that one first (same target key), not ${describeLayout(to.layout)}.`, dir);
    }
  } else if (sameLayout(currentLayout, to.layout)) {
    if (!marker) await writeMarker(dir, to.layout);
    return result; // already there
  }
  if (!sameLayout(currentLayout, from.layout)) {
    throw new AuthStoreError(
      currentLayout.format === 'encrypted' && from.layout.format === 'encrypted' ? 'WRONG_KEY' : 'KEY_ID_MISMATCH',
      `${dir} is ${describeLayout(currentLayout)}, but the migration was asked to start from ${describeLayout(from.layout)}. Pass the key the folder is encrypted with as "from".`,
      dir,
    );
  }

  if (!marker?.migration) await writeMarker(dir, currentLayout, { to: to.layout, startedAt: new Date().toISOString() });

  for (const e of entries.filter((x) => classifyFile(x.name).kind === 'temp')) await unlink(join(dir, e.name)).catch(() => {});
  entries = entries.filter((e) => ['creds', 'backup', 'key'].includes(classifyFile(e.name).kind));

  for (const e of entries) {
    const kind = classifyFile(e.name).kind;
    // creds.json.bak holds an earlier creds.json: its ciphertext is bound to that name.
    const boundName = kind === 'backup' ? CREDS_FILE : e.name;
    const path = join(dir, e.name);
    const bytes = await readFile(path);
    if (bytes.length > 0 && isInLayout(bytes, to.layout)) {
      try {
        to.codec.open(boundName, bytes);
        result.alreadyConverted++;
        continue;
      } catch {
        // not really converted yet (e.g. same key id, other key): convert below
      }
    }
    let plaintext: Buffer;
    try {
      plaintext = from.codec.open(boundName, bytes);
      JSON.parse(plaintext.toString('utf8'));
    } catch (err) {
      if (kind !== 'key') {
        if (kind === 'backup') {
          // A damaged backup is not worth stopping for; the store writes a fresh one at open.
          const movedTo = `${e.name}.${Date.now()}${QUARANTINE_SUFFIX}`;
          await rename(path, join(dir, movedTo));
          result.quarantined.push(e.name);
          continue;
        }
        throw new AuthStoreError('CREDS_UNREADABLE', `${path} cannot be read with ${describeLayout(from.layout)} (${(err as Error).message}); the migration stopped with the marker saying it is unfinished. Nothing was deleted.`, path);
      }
      const movedTo = `${e.name}.${Date.now()}${QUARANTINE_SUFFIX}`;
      await rename(path, join(dir, movedTo));
      result.quarantined.push(e.name);
      logger.warn({ dir, file: e.name, movedTo }, 'Set aside an unreadable key file during encryption migration');
      continue;
    }
    await writeFileAtomic(path, to.codec.seal(boundName, plaintext), { skipDirSync: true });
    result.converted++;
  }
  await fsyncDir(dir);
  await writeMarker(dir, to.layout);
  logger.info({ dir, from: result.from, to: result.to, converted: result.converted }, 'Changed credential encryption');
  return result;
}

function isInLayout(bytes: Buffer, layout: StoreLayout): boolean {
  return layout.format === 'plain' ? !isEncryptedFile(bytes) : isEncryptedFile(bytes);
}
