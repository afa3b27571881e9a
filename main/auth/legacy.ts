// OpenClaw's old flat layout kept Baileys' files directly in credentials/ (next to unrelated files
// like oauth.json). They belong in credentials/whatsapp/default/. Only Baileys auth files move;
// anything else (oauth.json, whatsapp-pairing.json, whatsapp-<id>-allowFrom.json) is never touched.
import { mkdir, readFile, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../shared/atomic-write.ts';
import { parseValue } from './buffer-json.ts';
import { isEncryptedFile } from './codec.ts';
import { CREDS_FILE, isBaileysAuthFile } from './layout.ts';
import { readMarker } from './marker.ts';

const NEVER_MOVE = [/^oauth\.json$/, /^whatsapp-pairing\.json$/, /^whatsapp-.*-allowFrom\.json$/];

export interface LegacyLayout {
  credentialsDir: string;
  targetDir: string;
  /** Baileys files found directly in credentials/. */
  files: string[];
  present: boolean;
}

export interface LegacyMigrationResult {
  targetDir: string;
  moved: string[];
  skipped: Array<{ file: string; reason: string }>;
}

async function legacyFiles(credentialsDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(credentialsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    if (NEVER_MOVE.some((re) => re.test(name)) || !isBaileysAuthFile(name)) continue;
    if ((await stat(join(credentialsDir, name)).catch(() => undefined))?.isFile()) out.push(name);
  }
  return out;
}

export async function detectLegacyLayout(credentialsDir: string, accountId = 'default'): Promise<LegacyLayout> {
  const files = await legacyFiles(credentialsDir);
  return { credentialsDir, targetDir: join(credentialsDir, 'whatsapp', accountId), files, present: files.length > 0 };
}

/** The identity a creds.json belongs to (its signed identity public key), if readable as plain JSON. */
async function identityOf(path: string): Promise<string | undefined> {
  try {
    const bytes = await readFile(path);
    if (bytes.length === 0 || isEncryptedFile(bytes)) return undefined;
    const creds = parseValue(bytes.toString('utf8')) as { signedIdentityKey?: { public?: Uint8Array } };
    const pub = creds?.signedIdentityKey?.public;
    return pub ? Buffer.from(pub).toString('base64') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Moves legacy files into credentials/whatsapp/<accountId>/, skipping any whose target exists.
 * If the target already holds a different linked account, nothing moves: mixing two identities'
 * keys in one folder would break both.
 */
export async function migrateLegacyLayout(credentialsDir: string, accountId = 'default'): Promise<LegacyMigrationResult> {
  const { files, targetDir } = await detectLegacyLayout(credentialsDir, accountId);
  const result: LegacyMigrationResult = { targetDir, moved: [], skipped: [] };
  if (!files.length) return result;
  await mkdir(targetDir, { recursive: true, mode: 0o700 });

  const marker = await readMarker(targetDir).catch(() => undefined);
  let blockReason: string | undefined;
  if (marker?.format === 'encrypted') {
    blockReason = `${targetDir} is an encrypted store; plain legacy files cannot be mixed in (convert it to plain with migrateStoreEncryption first, or move them by hand)`;
  } else if ((await stat(join(targetDir, CREDS_FILE)).catch(() => undefined)) !== undefined) {
    const targetId = await identityOf(join(targetDir, CREDS_FILE));
    const legacyId = files.includes(CREDS_FILE) ? await identityOf(join(credentialsDir, CREDS_FILE)) : undefined;
    if (!targetId || targetId !== legacyId) {
      blockReason = `${targetDir} already holds a linked account that is not the one in ${credentialsDir}; legacy files were left where they are`;
    }
  }
  for (const file of files) {
    if (blockReason) {
      result.skipped.push({ file, reason: blockReason });
      continue;
    }
    const target = join(targetDir, file);
    if (await stat(target).catch(() => undefined)) {
      result.skipped.push({ file, reason: `${target} already exists` });
      continue;
    }
    await rename(join(credentialsDir, file), target);
    result.moved.push(file);
  }
  if (result.moved.length) {
    await fsyncDir(targetDir);
    await fsyncDir(credentialsDir);
  }
  return result;
}
