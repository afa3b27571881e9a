// How bytes on disk become values: plain BufferJSON text (Baileys/OpenClaw compatible) or the same
// text sealed with AES-256-GCM. Which one a directory uses is recorded in its marker file, never
// guessed from the bytes (see marker.ts).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuthStoreError } from './errors.ts';

/**
 * Supplies the 32-byte data key for encryption at rest.
 * `id` names where the key comes from ("safe-storage", "key-file", ...): it is written into the
 * marker and every file header so an error can say which key a directory needs.
 * The desktop app implements one backed by Electron safeStorage (a random data key, encrypted
 * with safeStorage and kept next to the state); headless runs use keyFileProvider().
 */
export interface KeyProvider {
  readonly id: string;
  getKey(): Promise<Buffer>;
}

export const KEY_BYTES = 32;

/** A fixed key (tests, or a caller that manages the key itself). */
export function staticKeyProvider(key: Buffer, id = 'static'): KeyProvider {
  if (key.length !== KEY_BYTES) throw new Error(`staticKeyProvider: the key must be ${KEY_BYTES} bytes, got ${key.length}`);
  const copy = Buffer.from(key);
  return { id, getKey: async () => copy };
}

/**
 * Key kept in a file (base64 text, mode 0600). Created with a random key when missing; the file
 * is published with link() so two processes racing to create it end up with the same key.
 */
export function keyFileProvider(path: string, id = 'key-file'): KeyProvider {
  let cached: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(tmp, path);
      } catch (linkErr) {
        if ((linkErr as NodeJS.ErrnoException).code !== 'EEXIST') throw linkErr;
      } finally {
        await unlink(tmp).catch(() => {});
      }
      text = await readFile(path, 'utf8');
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== KEY_BYTES) {
      throw new AuthStoreError('KEY_FILE_INVALID', `Key file ${path} does not hold a ${KEY_BYTES}-byte base64 key (found ${key.length} bytes). Restore the original key file; without it encrypted credentials cannot be read.`, path);
    }
    if (process.platform !== 'win32' && ((await stat(path)).mode & 0o777) !== 0o600) await chmod(path, 0o600);
    return key;
  };
  return {
    id,
    getKey() {
      cached ??= load().catch((err) => {
        cached = undefined;
        throw err;
      });
      return cached;
    },
  };
}

// --- file encoding -------------------------------------------------------------------------

/** Header of an encrypted file: magic, format version, key id; then IV, GCM tag, ciphertext. */
const MAGIC = Buffer.from('CLWAUTH', 'ascii');
const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function isEncryptedFile(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).equals(MAGIC);
}

/** Why a file could not be decoded; `reason` lets callers decide between quarantine and refusing. */
export class FileDecodeError extends Error {
  constructor(readonly reason: 'empty' | 'format' | 'key-id' | 'auth', message: string) {
    super(message);
  }
}

export interface FileCodec {
  readonly format: 'plain' | 'encrypted';
  readonly keyId?: string;
  /** Bytes to store for the file called `name` (the name is bound into the ciphertext). */
  seal(name: string, plaintext: Buffer): Buffer;
  /** Plaintext of a stored file; throws FileDecodeError. */
  open(name: string, bytes: Buffer): Buffer;
}

export const plainCodec: FileCodec = {
  format: 'plain',
  seal: (_name, plaintext) => plaintext,
  open(_name, bytes) {
    if (bytes.length === 0) throw new FileDecodeError('empty', 'file is empty (0 bytes)');
    if (isEncryptedFile(bytes)) throw new FileDecodeError('format', 'file is encrypted but this store is plain');
    return bytes;
  },
};

function deriveKeys(key: Buffer): { enc: Buffer; check: string } {
  if (key.length !== KEY_BYTES) throw new Error(`encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
  // Separate subkeys so the key-check value in the marker says nothing about the encryption key.
  const enc = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'clawline auth store v1 file encryption', 32));
  const checkKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'clawline auth store v1 key check', 32));
  const check = createHmac('sha256', checkKey).update('key-check').digest().subarray(0, 16).toString('base64');
  return { enc, check };
}

export interface EncryptedCodec extends FileCodec {
  readonly format: 'encrypted';
  readonly keyId: string;
  /** Non-secret value recorded in the marker so a wrong key is caught before any file is read. */
  readonly keyCheck: string;
}

export async function encryptedCodec(provider: KeyProvider): Promise<EncryptedCodec> {
  const keyId = provider.id;
  const idBytes = Buffer.from(keyId, 'utf8');
  if (idBytes.length === 0 || idBytes.length > 255) throw new Error(`key provider id must be 1-255 bytes, got "${keyId}"`);
  const { enc, check } = deriveKeys(await provider.getKey());
  const header = Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION, idBytes.length]), idBytes]);
  const aad = (name: string) => Buffer.concat([header, Buffer.from(name, 'utf8')]);
  return {
    format: 'encrypted',
    keyId,
    keyCheck: check,
    seal(name, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', enc, iv);
      cipher.setAAD(aad(name));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
    },
    open(name, bytes) {
      if (bytes.length === 0) throw new FileDecodeError('empty', 'file is empty (0 bytes)');
      if (!isEncryptedFile(bytes)) throw new FileDecodeError('format', 'file is not encrypted but this store is encrypted');
      const version = bytes[MAGIC.length];
      const idLen = bytes[MAGIC.length + 1] ?? 0;
      if (version !== FORMAT_VERSION) throw new FileDecodeError('format', `unknown encrypted file version ${version}`);
      const fileKeyId = bytes.subarray(MAGIC.length + 2, MAGIC.length + 2 + idLen).toString('utf8');
      if (fileKeyId !== keyId) throw new FileDecodeError('key-id', `file was encrypted with key "${fileKeyId}", not "${keyId}"`);
      const start = MAGIC.length + 2 + idLen;
      if (bytes.length < start + IV_BYTES + TAG_BYTES) throw new FileDecodeError('format', 'encrypted file is truncated');
      const decipher = createDecipheriv('aes-256-gcm', enc, bytes.subarray(start, start + IV_BYTES));
      decipher.setAAD(aad(name));
      decipher.setAuthTag(bytes.subarray(start + IV_BYTES, start + IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(start + IV_BYTES + TAG_BYTES)), decipher.final()]);
      } catch {
        throw new FileDecodeError('auth', 'file failed authentication (damaged, or encrypted with another key)');
      }
    },
  };
}

/** Compares key-check values without leaking timing. */
export function sameKeyCheck(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
