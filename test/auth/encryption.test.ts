import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BACKUP_FILE,
  CREDS_FILE,
  MARKER_FILE,
  createAuthStore,
  inspectAuthDir,
  keyFileProvider,
  migrateStoreEncryption,
  readLinkState,
  staticKeyProvider,
  type AuthStoreErrorCode,
} from '../../main/auth/index.ts';
import { fixedKey, linkedCreds, tempDir } from './helpers.ts';

const rejectsWith = (code: AuthStoreErrorCode, dir: string) => (err: Error & { code?: string }) => {
  assert.equal(err.code, code, err.message);
  assert.ok(err.message.includes(dir), `message names the directory: ${err.message}`);
  return true;
};

async function writeAccount(dir: string, keyProvider: ReturnType<typeof staticKeyProvider> | null): Promise<void> {
  const store = await createAuthStore({ dir, keyProvider });
  Object.assign(store.state.creds, linkedCreds());
  await store.saveCreds();
  store.state.creds.accountSyncCounter = 1;
  await store.saveCreds(); // leaves a backup too
  await store.state.keys.set({ session: { '15551234567.0': Buffer.from('secret-session-bytes') }, 'pre-key': { '5': { public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) } } });
  await store.close();
}

test('encrypted store: round trip, files carry a header and no plaintext, marker records the key', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const key = staticKeyProvider(fixedKey(), 'test-key');
  await writeAccount(tmp.path, key);
  for (const name of [CREDS_FILE, BACKUP_FILE, 'session-15551234567.0.json', 'pre-key-5.json']) {
    const bytes = await readFile(join(tmp.path, name));
    assert.equal(bytes.subarray(0, 7).toString('ascii'), 'CLWAUTH', name);
    assert.ok(bytes.includes(Buffer.from('test-key')), `${name} names its key`);
    assert.ok(!bytes.includes(Buffer.from('secret-session-bytes').toString('base64')) && !bytes.includes(Buffer.from('15551234567:3')), `${name} leaks no plaintext`);
  }
  const marker = JSON.parse(await readFile(join(tmp.path, MARKER_FILE), 'utf8'));
  assert.equal(marker.format, 'encrypted');
  assert.equal(marker.keyId, 'test-key');

  const store = await createAuthStore({ dir: tmp.path, keyProvider: key });
  t.after(() => store.close());
  assert.equal(store.state.creds.me?.name, 'Test Phone');
  assert.equal(store.stats().format, 'encrypted');
  const got = await store.state.keys.get('session', ['15551234567.0']);
  assert.equal(Buffer.from(got['15551234567.0']!).toString(), 'secret-session-bytes');
  assert.deepEqual(await readLinkState(tmp.path, { keyProvider: key }), { linked: true, me: linkedCreds().me, source: 'creds.json', encrypted: true, verified: true });
});

test('encrypted store: wrong key, other key id, or no key are clear errors and change nothing', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await writeAccount(tmp.path, staticKeyProvider(fixedKey(), 'test-key'));
  await writeFile(join(tmp.path, '.session-1.0.json.0123456789ab.tmp'), 'half');
  const before = await readdir(tmp.path);
  await assert.rejects(createAuthStore({ dir: tmp.path, keyProvider: staticKeyProvider(fixedKey(9), 'test-key') }), rejectsWith('WRONG_KEY', tmp.path));
  await assert.rejects(createAuthStore({ dir: tmp.path, keyProvider: staticKeyProvider(fixedKey(), 'safe-storage') }), rejectsWith('KEY_ID_MISMATCH', tmp.path));
  await assert.rejects(createAuthStore({ dir: tmp.path }), (err: Error & { code?: string }) => {
    rejectsWith('ENCRYPTED_STORE_NEEDS_KEY', tmp.path)(err);
    assert.match(err.message, /migrateStoreEncryption/);
    return true;
  });
  assert.deepEqual((await readdir(tmp.path)).sort(), before.sort());
  // Status without the key still says "linked" (inferred), and says why it cannot tell more.
  const link = await readLinkState(tmp.path);
  assert.equal(link.linked, true);
  assert.equal(link.verified, false);
  assert.match(link.problem ?? '', /encrypted with key "test-key"/);
});

test('a plain store opened with a key (and an encrypted folder without marker) is refused, not guessed', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await writeAccount(tmp.path, null);
  await assert.rejects(createAuthStore({ dir: tmp.path, keyProvider: staticKeyProvider(fixedKey()) }), (err: Error & { code?: string }) => {
    rejectsWith('PLAIN_STORE_GIVEN_KEY', tmp.path)(err);
    assert.match(err.message, /migrateStoreEncryption\(dir, \{ from: null, to:/);
    return true;
  });
  const enc = await tempDir();
  t.after(enc.cleanup);
  const key = staticKeyProvider(fixedKey());
  await writeAccount(enc.path, key);
  await import('node:fs/promises').then((fs) => fs.unlink(join(enc.path, MARKER_FILE)));
  await assert.rejects(createAuthStore({ dir: enc.path, keyProvider: key }), rejectsWith('MARKER_MISSING', enc.path));
  await assert.rejects(createAuthStore({ dir: enc.path }), rejectsWith('MARKER_MISSING', enc.path));
});

test('a damaged encrypted file is caught by its authentication tag: creds restored from backup, keys set aside', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const key = staticKeyProvider(fixedKey());
  await writeAccount(tmp.path, key);
  for (const name of [CREDS_FILE, 'session-15551234567.0.json']) {
    const bytes = await readFile(join(tmp.path, name));
    bytes[bytes.length - 3]! ^= 0xff;
    await writeFile(join(tmp.path, name), bytes);
  }
  const store = await createAuthStore({ dir: tmp.path, keyProvider: key });
  t.after(() => store.close());
  assert.match(store.stats().restoredFromBackup?.reason ?? '', /authentication/);
  assert.equal(store.state.creds.accountSyncCounter, 0, 'the backup (previous save) is back');
  assert.deepEqual(await store.state.keys.get('session', ['15551234567.0']), {});
  assert.equal(store.stats().quarantined.length, 1);
});

test('explicit migration plain -> encrypted -> plain keeps every value; each direction then needs the right mode', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await writeAccount(tmp.path, null);
  const plainCreds = await readFile(join(tmp.path, CREDS_FILE), 'utf8');
  const key = staticKeyProvider(fixedKey(3), 'key-file');

  const up = await migrateStoreEncryption(tmp.path, { from: null, to: key });
  assert.equal(up.converted, 4); // creds, backup, session, pre-key
  assert.equal(up.to, 'encrypted with key "key-file"');
  await assert.rejects(createAuthStore({ dir: tmp.path }), rejectsWith('ENCRYPTED_STORE_NEEDS_KEY', tmp.path));
  let store = await createAuthStore({ dir: tmp.path, keyProvider: key });
  assert.equal(store.state.creds.accountSyncCounter, 1);
  assert.equal(Buffer.from((await store.state.keys.get('session', ['15551234567.0']))['15551234567.0']!).toString(), 'secret-session-bytes');
  assert.equal(store.stats().restoredFromBackup, undefined);
  await store.close();
  assert.equal((await inspectAuthDir(tmp.path, { keyProvider: key })).problems.length, 0, 'backup decrypts too');
  assert.equal((await migrateStoreEncryption(tmp.path, { from: null, to: key })).converted, 0, 'already encrypted: nothing to do');

  const down = await migrateStoreEncryption(tmp.path, { from: key, to: null });
  assert.equal(down.converted, 4);
  await assert.rejects(createAuthStore({ dir: tmp.path, keyProvider: key }), rejectsWith('PLAIN_STORE_GIVEN_KEY', tmp.path));
  assert.equal(await readFile(join(tmp.path, CREDS_FILE), 'utf8'), plainCreds, 'byte-identical plain creds again');
  store = await createAuthStore({ dir: tmp.path });
  assert.equal(store.state.creds.me?.id, linkedCreds().me!.id);
  await store.close();

  // Key rotation (same provider id, new key) also goes through the explicit path.
  await migrateStoreEncryption(tmp.path, { from: null, to: key });
  const rotated = staticKeyProvider(fixedKey(4), 'key-file');
  await assert.rejects(migrateStoreEncryption(tmp.path, { from: rotated, to: null }), /encrypted with key "key-file"/);
  await migrateStoreEncryption(tmp.path, { from: key, to: rotated });
  store = await createAuthStore({ dir: tmp.path, keyProvider: rotated });
  assert.equal(store.state.creds.accountSyncCounter, 1);
  await store.close();
});

test('an interrupted migration blocks opening until the same migration is run again', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await writeAccount(tmp.path, null);
  const key = staticKeyProvider(fixedKey(5));
  // Simulate a crash half-way: marker says "migrating", one file already converted.
  const { writeMarker } = await import('../../main/auth/marker.ts');
  const { encryptedCodec } = await import('../../main/auth/codec.ts');
  const codec = await encryptedCodec(key);
  await writeMarker(tmp.path, { format: 'plain' }, { to: { format: 'encrypted', keyId: codec.keyId, keyCheck: codec.keyCheck }, startedAt: new Date().toISOString() });
  const sessionPath = join(tmp.path, 'session-15551234567.0.json');
  await writeFile(sessionPath, codec.seal('session-15551234567.0.json', await readFile(sessionPath)));

  await assert.rejects(createAuthStore({ dir: tmp.path }), rejectsWith('MIGRATION_INTERRUPTED', tmp.path));
  await assert.rejects(createAuthStore({ dir: tmp.path, keyProvider: key }), rejectsWith('MIGRATION_INTERRUPTED', tmp.path));
  assert.match((await readLinkState(tmp.path)).problem ?? '', /interrupted/);
  const resumed = await migrateStoreEncryption(tmp.path, { from: null, to: key });
  assert.equal(resumed.alreadyConverted, 1);
  assert.equal(resumed.converted, 3);
  const store = await createAuthStore({ dir: tmp.path, keyProvider: key });
  t.after(() => store.close());
  assert.equal(Buffer.from((await store.state.keys.get('session', ['15551234567.0']))['15551234567.0']!).toString(), 'secret-session-bytes');
});

test('keyFileProvider creates a private 32-byte key once and reuses it', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const path = join(tmp.path, 'clawline', 'auth-key');
  const a = keyFileProvider(path);
  const b = keyFileProvider(path);
  const [ka, kb] = await Promise.all([a.getKey(), b.getKey()]);
  assert.equal(ka.length, 32);
  assert.deepEqual(ka, kb, 'two providers racing to create the file agree on one key');
  if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(await keyFileProvider(path).getKey(), ka);
  await writeFile(path, 'c2hvcnQ=\n');
  await assert.rejects(keyFileProvider(path).getKey(), (err: Error & { code?: string }) => err.code === 'KEY_FILE_INVALID' && err.message.includes(path));
});
