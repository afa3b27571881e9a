// Encryption at rest for the WhatsApp login files, backed by the OS keychain through Electron's
// safeStorage: a random 32-byte data key, encrypted with safeStorage, kept in the state dir.
// Only the keychain can unwrap it, so copying the folder elsewhere does not copy the login.
// Where safeStorage has no real keychain (Linux "basic_text" backend: a hard-coded password) or
// none at all, we do not pretend: no key provider, files stay plain (OpenClaw-compatible), and
// the status carries a warning the window shows.
import type { SafeStorage } from 'electron';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyProvider } from '../auth/index.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';

export const SAFE_STORAGE_KEY_ID = 'safe-storage';
export const KEY_FILE_NAME = 'safe-storage-key.bin';
const KEY_BYTES = 32;

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & {
  /** Linux only in Electron's API. */
  getSelectedStorageBackend?: SafeStorage['getSelectedStorageBackend'];
};

export interface EncryptionInfo {
  enabled: boolean;
  provider: string;
  warning?: string;
}

export interface KeyProviderChoice {
  keyProvider: KeyProvider | null;
  encryption: EncryptionInfo;
}

const PROVIDER_NAMES: Partial<Record<NodeJS.Platform, string>> = { darwin: 'macOS Keychain', win32: 'Windows DPAPI', linux: 'Secret Service keyring' };

/** Must be called after app `ready` (safeStorage is not usable before). */
export function chooseKeyProvider(safeStorage: SafeStorageLike, platform: NodeJS.Platform, dir: string): KeyProviderChoice {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined;
  if (!safeStorage.isEncryptionAvailable()) {
    return { keyProvider: null, encryption: { enabled: false, provider: 'none', warning: 'This computer offers no keychain to Clawline, so the WhatsApp login files are stored unencrypted (readable only by your user account).' } };
  }
  if (backend === 'basic_text') {
    return { keyProvider: null, encryption: { enabled: false, provider: 'none (basic_text)', warning: 'No desktop keyring (such as GNOME Keyring or KWallet) is running, so the WhatsApp login files are stored unencrypted (readable only by your user account). Install or unlock a keyring and restart Clawline to encrypt them.' } };
  }
  const name = platform === 'linux' && backend ? `${PROVIDER_NAMES.linux} (${backend})` : PROVIDER_NAMES[platform] ?? 'OS keychain';
  return { keyProvider: safeStorageKeyProvider(safeStorage, join(dir, KEY_FILE_NAME)), encryption: { enabled: true, provider: `safeStorage: ${name}` } };
}

/** The data key: created on first use, then unwrapped from `file` with safeStorage. */
export function safeStorageKeyProvider(safeStorage: SafeStorageLike, file: string): KeyProvider {
  let cached: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    let blob: Buffer | undefined;
    try {
      blob = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!blob) {
      const key = randomBytes(KEY_BYTES);
      await writeFileAtomic(file, safeStorage.encryptString(key.toString('base64')), { mode: 0o600 });
      return key;
    }
    let text: string;
    try {
      text = safeStorage.decryptString(blob);
    } catch (err) {
      throw new Error(`The keychain could not unlock ${file} (${(err as Error).message}). If you moved Clawline's folder from another computer or user, link WhatsApp again there; otherwise unlock your keychain and restart Clawline.`);
    }
    const key = Buffer.from(text, 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`${file} does not hold a ${KEY_BYTES}-byte key (found ${key.length}). Restore it from a backup, or reset the WhatsApp login in Clawline.`);
    return key;
  };
  return {
    id: SAFE_STORAGE_KEY_ID,
    getKey() {
      cached ??= load().catch((err) => {
        cached = undefined;
        throw err;
      });
      return cached;
    },
  };
}
