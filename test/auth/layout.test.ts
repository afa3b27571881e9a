import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BufferJSON as BaileysBufferJSON, initAuthCreds } from '@whiskeysockets/baileys';
import { FakeClock } from '../../main/shared/clock.ts';
import { statePaths } from '../../main/shared/state-dir.ts';
import { BufferJSON, archiveAccountCredentials, createAuthStore, detectLegacyLayout, migrateLegacyLayout, readLinkState } from '../../main/auth/index.ts';
import { linkedCreds, tempDir } from './helpers.ts';

const json = (v: unknown) => JSON.stringify(v, BaileysBufferJSON.replacer);

test('BufferJSON matches Baileys\' encoding and decoding exactly', () => {
  const samples: unknown[] = [
    initAuthCreds(),
    { a: Buffer.from([1, 2, 3]), b: new Uint8Array([4, 5]), c: [Buffer.alloc(0)], d: { type: 'Buffer', data: [7, 8] } },
    { '0': 1, '1': 2, '2': 255 },
    { '0': 1, x: 2 },
    'plain string',
    ['0', '3'],
    { nested: { deep: [{ key: Buffer.from('hello') }] } },
  ];
  for (const sample of samples) {
    const ours = JSON.stringify(sample, BufferJSON.replacer);
    assert.equal(ours, json(sample));
    assert.deepEqual(JSON.parse(ours, BufferJSON.reviver), JSON.parse(ours, BaileysBufferJSON.reviver));
  }
});

test('legacy flat layout: Baileys files move to whatsapp/default, existing targets and unrelated files stay', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const credentials = statePaths(tmp.path).credentials;
  await mkdir(credentials, { recursive: true });
  const creds = json(linkedCreds());
  await writeFile(join(credentials, 'creds.json'), creds);
  await writeFile(join(credentials, 'pre-key-1.json'), json({ public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) }));
  await writeFile(join(credentials, 'session-15551234567.0.json'), json({ s: 1 }));
  await writeFile(join(credentials, 'oauth.json'), '{"token":"x"}');
  await writeFile(join(credentials, 'whatsapp-pairing.json'), '{"version":1,"requests":[]}');
  await writeFile(join(credentials, 'whatsapp-default-allowFrom.json'), '{"allowFrom":[]}');
  const target = join(credentials, 'whatsapp', 'default');
  await mkdir(target, { recursive: true });
  await writeFile(join(target, 'pre-key-1.json'), 'already here');

  const detected = await detectLegacyLayout(credentials);
  assert.equal(detected.present, true);
  assert.deepEqual(detected.files, ['creds.json', 'pre-key-1.json', 'session-15551234567.0.json']);
  assert.equal(detected.targetDir, target);

  const result = await migrateLegacyLayout(credentials);
  assert.deepEqual(result.moved, ['creds.json', 'session-15551234567.0.json']);
  assert.deepEqual(result.skipped.map((s) => s.file), ['pre-key-1.json']);
  assert.match(result.skipped[0]!.reason, /already exists/);
  assert.equal(await readFile(join(target, 'pre-key-1.json'), 'utf8'), 'already here', 'existing target untouched');
  assert.equal(await readFile(join(target, 'creds.json'), 'utf8'), creds);
  assert.deepEqual((await readdir(credentials)).sort(), ['oauth.json', 'pre-key-1.json', 'whatsapp', 'whatsapp-default-allowFrom.json', 'whatsapp-pairing.json']);
  assert.equal(await readFile(join(credentials, 'oauth.json'), 'utf8'), '{"token":"x"}');
  assert.equal((await readLinkState(target)).linked, true);
  assert.deepEqual((await detectLegacyLayout(credentials)).files, ['pre-key-1.json'], 'the skipped file is still reported');
});

test('legacy migration never mixes a legacy account into a different linked account', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const credentials = statePaths(tmp.path).credentials;
  const target = join(credentials, 'whatsapp', 'default');
  await mkdir(target, { recursive: true });
  await writeFile(join(credentials, 'creds.json'), json(linkedCreds('15550000001')));
  await writeFile(join(credentials, 'session-1.0.json'), json({ s: 1 }));
  await writeFile(join(target, 'creds.json'), json(linkedCreds('15550000002')));
  const result = await migrateLegacyLayout(credentials);
  assert.deepEqual(result.moved, []);
  assert.equal(result.skipped.length, 2);
  assert.match(result.skipped[0]!.reason, /already holds a linked account/);
  assert.deepEqual((await readdir(target)).sort(), ['creds.json']);
});

test('archive moves the account folder into a timestamped backup and returns its path', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const paths = statePaths(tmp.path);
  const dir = paths.accountAuthDir('work');
  const store = await createAuthStore({ dir });
  Object.assign(store.state.creds, linkedCreds());
  await store.saveCreds();
  await assert.rejects(archiveAccountCredentials(tmp.path, 'work', 'logged out'), /still open/);
  await store.close();
  const clock = new FakeClock(Date.UTC(2026, 2, 4, 5, 6, 7, 890));
  const archived = await archiveAccountCredentials(tmp.path, 'work', 'Logged out (401)', { clock });
  assert.equal(archived, join(paths.backups, 'whatsapp-work-2026-03-04T05-06-07Z-logged-out-401'));
  assert.equal(await stat(dir).catch(() => null), null, 'the account folder is gone from credentials/');
  assert.equal((await readLinkState(archived!)).linked, true, 'and whole in the backup');
  if (process.platform !== 'win32') assert.equal((await stat(paths.backups)).mode & 0o777, 0o700);
  // Same second again: a distinct folder, never an overwrite.
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'creds.json'), '{}');
  assert.equal(await archiveAccountCredentials(tmp.path, 'work', 'logged out (401)', { clock }), `${archived}-2`);
  assert.equal(await archiveAccountCredentials(tmp.path, 'work', 'reset'), null, 'nothing left to archive');
  await assert.rejects(archiveAccountCredentials(tmp.path, '../etc', 'x'), /not a valid account id/);
});
