// The safeStorage-backed key provider: a random data key wrapped by the keychain; an honest
// "not encrypted" when the keychain is missing or is Linux's basic_text stand-in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthStore } from '../../main/auth/index.ts';
import { KEY_FILE_NAME, SAFE_STORAGE_KEY_ID, chooseKeyProvider, safeStorageKeyProvider, type SafeStorageLike } from '../../main/desktop/key-provider.ts';

/** A keychain stand-in: reversible, but the stored bytes are not the plaintext. */
function fakeSafeStorage(opts: { available?: boolean; backend?: ReturnType<NonNullable<SafeStorageLike['getSelectedStorageBackend']>>; secret?: number } = {}) {
  const secret = opts.secret ?? 0x5a;
  const calls = { encrypt: 0, decrypt: 0 };
  const s: SafeStorageLike = {
    isEncryptionAvailable: () => opts.available ?? true,
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptString: (text) => { calls.encrypt++; return Buffer.concat([Buffer.from('v10'), Buffer.from(text).map((b) => b ^ secret)]); },
    decryptString: (buf) => {
      calls.decrypt++;
      if (buf.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      const text = Buffer.from(buf.subarray(3).map((b) => b ^ secret)).toString();
      if (!/^[A-Za-z0-9+/=]*$/.test(text)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return text;
    },
  };
  return { s, calls };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-key-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('first use creates a random 32-byte key, stored only in keychain-wrapped form; later runs get the same key', () => withDir(async (dir) => {
  const { s, calls } = fakeSafeStorage();
  const file = join(dir, KEY_FILE_NAME);
  const p1 = safeStorageKeyProvider(s, file);
  assert.equal(p1.id, SAFE_STORAGE_KEY_ID);
  const key = await p1.getKey();
  assert.equal(key.length, 32);
  assert.equal(calls.encrypt, 1);
  const blob = await readFile(file);
  assert.ok(!blob.includes(Buffer.from(key.toString('base64'))), 'the key is not on disk in the clear');
  assert.ok(!blob.includes(key), 'the raw key is not on disk');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await p1.getKey(), key, 'cached');
  const p2 = safeStorageKeyProvider(s, file); // next app start
  assert.deepEqual(await p2.getKey(), key);
  assert.equal(calls.decrypt, 1);
  // Two providers on different folders have different keys.
  const other = await safeStorageKeyProvider(s, join(dir, 'other.bin')).getKey();
  assert.notDeepEqual(other, key);
}));

test('the credential store writes encrypted files with it and reopens them on the next start', () => withDir(async (dir) => {
  const { s } = fakeSafeStorage();
  const keyProvider = safeStorageKeyProvider(s, join(dir, KEY_FILE_NAME));
  const authDir = join(dir, 'credentials', 'whatsapp', 'default');
  const store = await createAuthStore({ dir: authDir, keyProvider });
  await store.saveCreds();
  await store.close();
  const creds = await readFile(join(authDir, 'creds.json'));
  assert.ok(creds.subarray(0, 7).toString() === 'CLWAUTH', 'encrypted at rest');
  const again = await createAuthStore({ dir: authDir, keyProvider: safeStorageKeyProvider(s, join(dir, KEY_FILE_NAME)) });
  assert.ok(again.state.creds.noiseKey, 'reopened with the unwrapped key');
  await again.close();
}));

test('a key file the keychain cannot unwrap gives an error that says what to do', () => withDir(async (dir) => {
  const file = join(dir, KEY_FILE_NAME);
  await writeFile(file, 'garbage');
  const { s } = fakeSafeStorage();
  await assert.rejects(safeStorageKeyProvider(s, file).getKey(), /keychain could not unlock .*safe-storage-key\.bin.*unlock your keychain/s);
  const { s: wrongUser } = fakeSafeStorage({ secret: 0x11 });
  const good = fakeSafeStorage().s;
  await rm(file);
  await safeStorageKeyProvider(good, file).getKey();
  await assert.rejects(safeStorageKeyProvider(wrongUser, file).getKey(), /could not unlock|does not hold a 32-byte key/);
}));

test('with a real keychain: encryption on, the provider is named', () => withDir(async (dir) => {
  const linux = chooseKeyProvider(fakeSafeStorage({ backend: 'kwallet5' }).s, 'linux', dir);
  assert.ok(linux.keyProvider);
  assert.deepEqual(linux.encryption, { enabled: true, provider: 'safeStorage: Secret Service keyring (kwallet5)' });
  const mac = chooseKeyProvider(fakeSafeStorage().s, 'darwin', dir);
  assert.equal(mac.encryption.provider, 'safeStorage: macOS Keychain');
  assert.equal(mac.encryption.warning, undefined);
}));

test('Linux basic_text (no keyring) or no encryption at all: no key provider and a plain-words warning', () => withDir(async (dir) => {
  const { s, calls } = fakeSafeStorage({ backend: 'basic_text' });
  const basic = chooseKeyProvider(s, 'linux', dir);
  assert.equal(basic.keyProvider, null);
  assert.equal(basic.encryption.enabled, false);
  assert.match(basic.encryption.warning!, /No desktop keyring .* stored unencrypted/);
  assert.equal(calls.encrypt, 0, 'nothing written with the fake-encrypting backend');
  const none = chooseKeyProvider(fakeSafeStorage({ available: false }).s, 'win32', dir);
  assert.equal(none.keyProvider, null);
  assert.match(none.encryption.warning!, /no keychain .* unencrypted/);
}));
