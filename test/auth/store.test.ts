import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, readdir, stat, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { BufferJSON as BaileysBufferJSON, addTransactionCapability, useMultiFileAuthState } from '@whiskeysockets/baileys';
import { pino } from 'pino';
import type { SignalDataSet } from '@whiskeysockets/baileys';
import { fsyncCounter } from '../../main/shared/atomic-write.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { planPreKeyPrune } from '../../main/auth/prune.ts';
import { BACKUP_FILE, BufferJSON, CREDS_FILE, DEFAULT_PRUNE, MARKER_FILE, createAuthStore, inspectAuthDir, keyFileName, makeKeyStore, readLinkState } from '../../main/auth/index.ts';
import { linkedCreds, tempDir } from './helpers.ts';

const bytes = (n: number, fill: number) => Buffer.alloc(n, fill);

/** One value of every key type Baileys stores, with ids that exercise the ":" and "/" file-name mapping. */
function everyKeyType(): SignalDataSet {
  return {
    'pre-key': { '17': { public: bytes(32, 1), private: bytes(32, 2) } },
    session: { '15551234567.0': { _sessions: { abc: { registrationId: 5, currentRatchet: { rootKey: bytes(32, 3) } } }, version: 'v1' } as never, '98765_1.3': new Uint8Array([9, 8, 7]) },
    'sender-key': { '120363@g.us::15551234567::0': Buffer.from(JSON.stringify([{ senderKeyId: 1 }]), 'utf8') },
    'sender-key-memory': { '120363@g.us': { '15551234567:3@s.whatsapp.net': true } },
    'app-state-sync-key': { 'AAAAAQ==': { keyData: bytes(32, 4), fingerprint: { rawId: 1, currentIndex: 2, deviceIndexes: [0, 1] }, timestamp: 1700000000 } as never },
    'app-state-sync-version': { regular_high: { version: 12, hash: bytes(128, 5), indexValueMap: { 'bWFj': { valueMac: bytes(32, 6) } } } },
    'lid-mapping': { '15551234567': '98765', '98765_reverse': '15551234567' },
    'device-list': { '15551234567': ['0', '3'] },
    tctoken: { '15551234567@s.whatsapp.net': { token: bytes(16, 7), timestamp: '1700000000' } },
    'identity-key': { '15551234567.0': new Uint8Array(bytes(33, 8)) },
  };
}

test('creds and every key type round-trip through the store, in Baileys-compatible files', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const dir = join(tmp.path, 'default');
  const creds = linkedCreds();
  let store = await createAuthStore({ dir });
  Object.assign(store.state.creds, creds);
  await store.saveCreds();
  const data = everyKeyType();
  await makeKeyStore(store).set(data);
  await store.close();

  const names = (await readdir(dir)).sort();
  assert.ok(names.includes('session-98765_1.3.json'));
  assert.ok(names.includes(keyFileName('sender-key', '120363@g.us::15551234567::0')));
  assert.ok(names.includes('sender-key-120363@g.us--15551234567--0.json'), 'colons become dashes, as in Baileys');
  assert.ok(names.includes(CREDS_FILE) && names.includes(MARKER_FILE));
  // Plain files are exactly BufferJSON text, as Baileys' helper writes them.
  const raw = await readFile(join(dir, 'pre-key-17.json'), 'utf8');
  assert.equal(raw, JSON.stringify(data['pre-key']!['17'], BaileysBufferJSON.replacer));

  store = await createAuthStore({ dir });
  t.after(() => store.close());
  assert.deepEqual(store.state.creds.me, creds.me);
  assert.ok(Buffer.isBuffer(store.state.creds.noiseKey.private));
  assert.deepEqual(Buffer.from(store.state.creds.signedIdentityKey.private), Buffer.from(creds.signedIdentityKey.private));
  for (const [type, entries] of Object.entries(data)) {
    const got = await store.state.keys.get(type as keyof SignalDataSet, Object.keys(entries!));
    for (const [id, value] of Object.entries(entries!)) {
      if (type === 'app-state-sync-key') {
        assert.deepEqual(Buffer.from((got[id] as { keyData: Uint8Array }).keyData), bytes(32, 4));
        continue;
      }
      // Everything byte-like comes back as a Buffer, everything else as written.
      assert.deepEqual(JSON.parse(JSON.stringify(got[id], BufferJSON.replacer)), JSON.parse(JSON.stringify(value, BufferJSON.replacer)), `${type} ${id}`);
    }
  }
  const s = store.stats();
  assert.equal(s.fileReads, Object.values(data).reduce((n, e) => n + Object.keys(e!).length, 0));
  await store.state.keys.get('pre-key', ['17']);
  assert.equal(store.stats().fileReads, s.fileReads, 'a second get is served from memory');
  assert.deepEqual(await store.state.keys.get('pre-key', ['999']), {}, 'missing keys are simply absent');

  // Baileys' own helper reads what we wrote (OpenClaw installs keep working).
  await store.close();
  const baileys = await useMultiFileAuthState(dir);
  assert.equal(baileys.state.creds.me?.id, creds.me!.id);
  const viaBaileys = await baileys.state.keys.get('session', ['98765_1.3']);
  assert.deepEqual(Buffer.from(viaBaileys['98765_1.3']!), Buffer.from([9, 8, 7]));
  store = await createAuthStore({ dir });
});

test('files written by Baileys\' useMultiFileAuthState open in the store unchanged', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const baileys = await useMultiFileAuthState(tmp.path);
  Object.assign(baileys.state.creds, linkedCreds());
  await baileys.saveCreds();
  await baileys.state.keys.set({ 'pre-key': { '3': { public: bytes(32, 1), private: bytes(32, 2) } }, 'lid-mapping': { '1555': '987' } });
  const store = await createAuthStore({ dir: tmp.path });
  t.after(() => store.close());
  assert.equal(store.state.creds.me?.name, 'Test Phone');
  const got = await store.state.keys.get('pre-key', ['3']);
  assert.deepEqual(got['3']!.private, bytes(32, 2));
  assert.deepEqual(await store.state.keys.get('lid-mapping', ['1555']), { '1555': '987' });
  assert.equal(store.stats().format, 'plain');
});

test('sets made in one turn are written as one batch: N files fsynced, one directory fsync', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const store = await createAuthStore({ dir: tmp.path });
  t.after(() => store.close());
  Object.assign(store.state.creds, linkedCreds());
  await store.saveCreds();
  const before = store.stats();
  const fsyncsBefore = fsyncCounter.count;
  const writes: Array<Promise<void>> = [];
  for (let i = 0; i < 50; i++) writes.push(store.state.keys.set({ session: { [`1555000${i}.0`]: bytes(40, i) } }) as Promise<void>);
  writes.push(store.state.keys.set({ 'pre-key': { '1': null } }) as Promise<void>);
  await Promise.all(writes);
  const after = store.stats();
  assert.equal(after.flushes - before.flushes, 1, 'one batch');
  assert.equal(after.filesWritten - before.filesWritten, 50);
  assert.equal(after.dirFsyncs - before.dirFsyncs, 1, 'one directory fsync per batch');
  assert.equal(fsyncCounter.count - fsyncsBefore, 51, '50 file fsyncs + 1 directory fsync');
  assert.equal((await readdir(tmp.path)).filter((n) => n.startsWith('session-')).length, 50);

  // Changes made while a batch is being written gather into the next batch.
  const first = store.state.keys.set({ session: { 'a.0': bytes(4, 1) } }) as Promise<void>;
  await new Promise((r) => setImmediate(r));
  const more = [1, 2, 3].map((i) => store.state.keys.set({ session: { [`b${i}.0`]: bytes(4, i) } }) as Promise<void>);
  await Promise.all([first, ...more]);
  assert.equal(store.stats().flushes - after.flushes, 2);
});

test('with a flush delay, nothing is written until the (fake) clock passes it; flush() forces it', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const clock = new FakeClock();
  const store = await createAuthStore({ dir: tmp.path, clock, flushDelayMs: 50 });
  t.after(() => store.close());
  let done = false;
  void (store.state.keys.set({ session: { 'x.0': bytes(4, 1) } }) as Promise<void>).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false);
  assert.equal(store.stats().filesWritten, 0);
  assert.deepEqual(clock.pending(), [50]);
  clock.advance(50);
  await store.flush();
  assert.equal(done, true);
  assert.equal(store.stats().filesWritten, 1);
  void store.state.keys.set({ session: { 'y.0': bytes(4, 2) } });
  await store.flush();
  assert.equal(store.stats().filesWritten, 2);
  assert.deepEqual(clock.pending(), [], 'flush() cancels the pending timer');
});

test('a store caches at most maxCachedKeys values; older ones are read back from disk, unsaved ones are never dropped', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const clock = new FakeClock();
  const store = await createAuthStore({ dir: tmp.path, clock, flushDelayMs: 50, maxCachedKeys: 20 });
  t.after(() => store.close());
  const session = (i: number) => Buffer.from(`session of contact ${i}`);
  const ids = Array.from({ length: 100 }, (_, i) => `${15550000000 + i}.0`);
  // 100 values waiting for the (fake) flush timer: all still in memory, all readable.
  void store.state.keys.set({ session: Object.fromEntries(ids.map((id, i) => [id, session(i)])) });
  const before = await store.state.keys.get('session', ids);
  assert.equal(Object.keys(before).length, 100, 'nothing unsaved was dropped');
  clock.advance(50);
  await store.flush();
  assert.ok(store.stats().cachedKeys <= 20, `${store.stats().cachedKeys} values cached after the flush`);
  // Every value still reads back (from disk for most), in any order, and the cache stays bounded.
  const reads = store.stats().fileReads;
  for (const [i, id] of [...ids.entries()].reverse()) {
    const got = await store.state.keys.get('session', [id]);
    assert.deepEqual(Buffer.from(got[id] as Uint8Array), session(i), id);
  }
  assert.ok(store.stats().fileReads - reads >= 80, 'most came from disk');
  assert.ok(store.stats().cachedKeys <= 20, `${store.stats().cachedKeys} values cached after reading all`);
  // The most recently used stay in memory.
  const hot = store.stats().fileReads;
  await store.state.keys.get('session', [ids[0]!, ids[1]!]);
  assert.equal(store.stats().fileReads, hot, 'recently read values come from memory');
});

test('creds saves: latest wins, unchanged creds are not rewritten, the backup is the previous valid creds', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const store = await createAuthStore({ dir: tmp.path });
  t.after(() => store.close());
  Object.assign(store.state.creds, linkedCreds());
  await store.saveCreds();
  assert.equal(await readFile(join(tmp.path, BACKUP_FILE)).catch(() => null), null, 'no backup before there is a previous version');
  const saves = [];
  for (let i = 1; i <= 5; i++) {
    store.state.creds.accountSyncCounter = i;
    saves.push(store.saveCreds());
  }
  await Promise.all(saves);
  const parse = async (name: string) => JSON.parse(await readFile(join(tmp.path, name), 'utf8'), BufferJSON.reviver);
  assert.equal((await parse(CREDS_FILE)).accountSyncCounter, 5);
  assert.equal((await parse(BACKUP_FILE)).accountSyncCounter, 0);
  const flushes = store.stats().flushes;
  await store.saveCreds();
  assert.equal(store.stats().flushes, flushes, 'unchanged creds cost no write');
  store.state.creds.accountSyncCounter = 6;
  await store.saveCreds();
  assert.equal((await parse(BACKUP_FILE)).accountSyncCounter, 5);

  // Incomplete creds are refused; the good file and its backup stay.
  const saved = store.state.creds.noiseKey;
  (store.state.creds as { noiseKey?: unknown }).noiseKey = undefined;
  await assert.rejects(store.saveCreds(), (err: Error & { code?: string }) => err.code === 'CREDS_INVALID' && /noiseKey/.test(err.message));
  (store.state.creds as { noiseKey?: unknown }).noiseKey = saved;
  assert.equal((await parse(CREDS_FILE)).accountSyncCounter, 6);
  assert.equal((await parse(BACKUP_FILE)).accountSyncCounter, 5);
});

async function linkedDirWithBackup(path: string): Promise<void> {
  const store = await createAuthStore({ dir: path });
  Object.assign(store.state.creds, linkedCreds());
  store.state.creds.accountSyncCounter = 1;
  await store.saveCreds();
  store.state.creds.accountSyncCounter = 2;
  await store.saveCreds();
  await store.close();
}

test('restore from backup only when creds.json is missing, empty, corrupt or incomplete', async (t) => {
  const cases: Array<[string, (p: string) => Promise<void>]> = [
    ['missing', (p) => import('node:fs/promises').then((fs) => fs.unlink(p))],
    ['zero bytes', (p) => writeFile(p, '')],
    ['truncated JSON', async (p) => writeFile(p, (await readFile(p, 'utf8')).slice(0, 100))],
    ['missing fields', (p) => writeFile(p, JSON.stringify({ registrationId: 1 }))],
  ];
  for (const [label, damage] of cases) {
    const tmp = await tempDir();
    t.after(tmp.cleanup);
    await linkedDirWithBackup(tmp.path);
    await damage(join(tmp.path, CREDS_FILE));
    const link = await readLinkState(tmp.path);
    assert.equal(link.linked, true, label);
    assert.equal(link.source, BACKUP_FILE, label);
    assert.match(link.problem ?? '', /will be restored/);
    const store = await createAuthStore({ dir: tmp.path });
    assert.equal(store.state.creds.accountSyncCounter, 1, `${label}: restored the backup`);
    assert.ok(store.stats().restoredFromBackup, label);
    await store.close();
    assert.equal(JSON.parse(await readFile(join(tmp.path, CREDS_FILE), 'utf8')).accountSyncCounter, 1);
    if (label !== 'missing') assert.ok((await readdir(tmp.path)).some((n) => n.startsWith('creds.json.') && n.endsWith('.corrupt')), `${label}: damaged file kept aside`);
  }
});

test('a good creds.json is never replaced by the backup, and a damaged backup is rewritten from it', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await linkedDirWithBackup(tmp.path);
  for (let i = 0; i < 3; i++) {
    const store = await createAuthStore({ dir: tmp.path });
    assert.equal(store.state.creds.accountSyncCounter, 2);
    assert.equal(store.stats().restoredFromBackup, undefined);
    await store.close();
  }
  await writeFile(join(tmp.path, BACKUP_FILE), '{"broken');
  const store = await createAuthStore({ dir: tmp.path });
  await store.close();
  assert.equal(JSON.parse(await readFile(join(tmp.path, BACKUP_FILE), 'utf8')).accountSyncCounter, 2);
});

test('when creds.json and its backup are both unusable, opening fails clearly and touches nothing', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await linkedDirWithBackup(tmp.path);
  await writeFile(join(tmp.path, CREDS_FILE), '');
  await writeFile(join(tmp.path, BACKUP_FILE), 'not json');
  const before = (await readdir(tmp.path)).sort();
  await assert.rejects(createAuthStore({ dir: tmp.path }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CREDS_UNREADABLE');
    assert.ok(err.message.includes(tmp.path) && /empty/.test(err.message) && /linked again/.test(err.message));
    return true;
  });
  assert.deepEqual((await readdir(tmp.path)).sort(), before);
  const link = await readLinkState(tmp.path);
  assert.equal(link.linked, false);
  assert.match(link.problem ?? '', /linked again/);
});

test('permissions are repaired at open: directory 0700, files 0600, and reported', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await linkedDirWithBackup(tmp.path);
  if (process.platform === 'win32') {
    // No POSIX modes on Windows: the profile directory's ACLs protect the files; nothing to repair.
    const store = await createAuthStore({ dir: tmp.path });
    assert.deepEqual(store.stats().permissionsRepaired, []);
    return store.close();
  }
  await writeFile(join(tmp.path, 'session-1.0.json'), JSON.stringify({ a: 1 }), { mode: 0o644 });
  await chmod(join(tmp.path, CREDS_FILE), 0o644);
  await chmod(tmp.path, 0o755);
  const report = await inspectAuthDir(tmp.path);
  assert.equal(report.permissionProblems.length, 3, 'the read-only report sees them');
  assert.equal((await stat(tmp.path)).mode & 0o777, 0o755, 'and does not change them');
  const store = await createAuthStore({ dir: tmp.path });
  t.after(() => store.close());
  assert.equal((await stat(tmp.path)).mode & 0o777, 0o700);
  for (const name of await readdir(tmp.path)) assert.equal((await stat(join(tmp.path, name))).mode & 0o777, 0o600, name);
  const repaired = store.stats().permissionsRepaired;
  assert.deepEqual(repaired.map((r) => [r.path.slice(tmp.path.length), r.was]).sort(), [['', '755'], ['/creds.json', '644'], ['/session-1.0.json', '644']]);
});

test('zero-byte and corrupt key files are set aside as .corrupt, reported, and read as missing', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await linkedDirWithBackup(tmp.path);
  await writeFile(join(tmp.path, 'session-1.0.json'), '', { mode: 0o600 });
  await writeFile(join(tmp.path, 'session-2.0.json'), '{"_sessions": {', { mode: 0o600 });
  await writeFile(join(tmp.path, 'session-3.0.json'), JSON.stringify({ ok: true }), { mode: 0o600 });
  const report = await inspectAuthDir(tmp.path);
  assert.deepEqual(report.unreadableFiles.map((f) => f.file).sort(), ['session-1.0.json', 'session-2.0.json']);
  const warnings: object[] = [];
  const logger = { info() {}, error() {}, warn: (o: object) => void warnings.push(o) };
  const store = await createAuthStore({ dir: tmp.path, logger });
  t.after(() => store.close());
  assert.deepEqual(store.stats().quarantined.map((q) => q.file), ['session-1.0.json'], 'zero-byte files are caught at open');
  const got = await store.state.keys.get('session', ['1.0', '2.0', '3.0']);
  assert.deepEqual(Object.keys(got), ['3.0']);
  const q = store.stats().quarantined;
  assert.deepEqual(q.map((x) => x.file), ['session-1.0.json', 'session-2.0.json']);
  assert.match(q[1]!.problem, /JSON/);
  assert.equal(warnings.length, 2);
  const names = await readdir(tmp.path);
  assert.ok(!names.includes('session-2.0.json'));
  assert.equal(names.filter((n) => n.endsWith('.corrupt')).length, 2, 'kept for inspection, never deleted');
  // Baileys rebuilds the session; writing it again works normally.
  await store.state.keys.set({ session: { '2.0': { fresh: true } as never } });
  assert.deepEqual((await store.state.keys.get('session', ['2.0']))['2.0'], { fresh: true });
});

test('leftover temp files from a crash are removed at open', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  await linkedDirWithBackup(tmp.path);
  await writeFile(join(tmp.path, '.creds.json.0123456789ab.tmp'), '{"half":');
  await writeFile(join(tmp.path, '.session-1.0.json.aaaaaaaaaaaa.tmp'), '');
  assert.equal((await inspectAuthDir(tmp.path)).tempFiles.length, 2);
  const store = await createAuthStore({ dir: tmp.path });
  t.after(() => store.close());
  assert.equal(store.stats().tempFilesRemoved.length, 2);
  assert.ok(!(await readdir(tmp.path)).some((n) => n.endsWith('.tmp')));
  assert.equal(store.state.creds.accountSyncCounter, 2);
});

test('readLinkState: not linked, linked with me, linked-but-unpaired creds', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  assert.deepEqual(await readLinkState(join(tmp.path, 'nope')), { linked: false, encrypted: false, verified: true });
  const store = await createAuthStore({ dir: tmp.path });
  await store.saveCreds(); // fresh identity, no phone yet
  assert.equal((await readLinkState(tmp.path)).linked, false);
  Object.assign(store.state.creds, { me: { id: '15551234567:3@s.whatsapp.net', name: 'Ann', lid: '123:3@lid' } });
  await store.saveCreds();
  await store.close();
  assert.deepEqual(await readLinkState(tmp.path), { linked: true, me: { id: '15551234567:3@s.whatsapp.net', name: 'Ann', lid: '123:3@lid' }, source: 'creds.json', encrypted: false, verified: true });
});

test('a store refuses a second open of the same directory and any use after close', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const store = await createAuthStore({ dir: tmp.path });
  await assert.rejects(createAuthStore({ dir: tmp.path }), /already open/);
  await store.close();
  await assert.rejects(Promise.resolve().then(() => store.state.keys.set({ session: { a: bytes(1, 1) } })), /closed/);
  const again = await createAuthStore({ dir: tmp.path });
  await again.close();
});

test('pre-key pruning deletes only old keys well below the upload window; dead PN sessions go too', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const clock = new FakeClock(Date.UTC(2026, 5, 1));
  const day = 24 * 60 * 60 * 1000;
  // Smaller window than the default so the test stays quick; the default rule is checked below.
  const prune = { preKeyKeepRecentIds: 100, preKeyMinAgeMs: 35 * day };
  let store = await createAuthStore({ dir: tmp.path, clock, prune });
  Object.assign(store.state.creds, linkedCreds(), { nextPreKeyId: 301, firstUnuploadedPreKeyId: 301 });
  await store.saveCreds();
  const preKeys: Record<string, { public: Buffer; private: Buffer }> = {};
  for (let id = 1; id <= 310; id++) preKeys[id] = { public: bytes(32, 1), private: bytes(32, 2) };
  await store.state.keys.set({
    'pre-key': preKeys,
    // 15550001 has a LID mapping and a LID session: its PN session is dead. 15550002 has a mapping
    // but no LID session yet (Baileys may still migrate it): kept. 15550003 has no mapping: kept.
    session: { '15550001.0': bytes(8, 1), '777_1.0': bytes(8, 2), '15550002.0': bytes(8, 3), '15550003.0': bytes(8, 4) },
    'lid-mapping': { '15550001': '777', '15550002': '778' },
  });
  await store.close();
  // Ages: ids 1..150 are 40 days old, 151..310 are 10 days old.
  for (let id = 1; id <= 310; id++) {
    const t = (clock.now() - (id <= 150 ? 40 : 10) * day) / 1000;
    await utimes(join(tmp.path, `pre-key-${id}.json`), t, t);
  }
  const report = await inspectAuthDir(tmp.path, { now: clock.now(), prune });
  store = await createAuthStore({ dir: tmp.path, clock, prune });
  t.after(() => store.close());
  // Window: ids >= 301 - 100 = 201 always kept; below it only keys >= 35 days old go: 1..150.
  assert.deepEqual(store.stats().pruned, { preKeys: 150, sessions: 1 });
  assert.deepEqual(report.prunable, { preKeys: 150, sessions: 1 }, 'the read-only report predicts the same');
  const left = await readdir(tmp.path);
  assert.equal(left.filter((n) => n.startsWith('pre-key-')).length, 160);
  assert.ok(!left.includes('pre-key-150.json') && left.includes('pre-key-151.json') && left.includes('pre-key-310.json'));
  assert.ok(!left.includes('session-15550001.0.json'));
  for (const kept of ['session-777_1.0.json', 'session-15550002.0.json', 'session-15550003.0.json']) assert.ok(left.includes(kept), kept);
  assert.deepEqual(await store.prune(prune), { preKeys: 0, sessions: 0 }, 'idempotent');
});

test('default pre-key rule: keep the newest 1,000 uploaded ids, anything not yet uploaded, and anything younger than 35 days', () => {
  const day = 24 * 60 * 60 * 1000;
  const now = Date.UTC(2026, 5, 1);
  const file = (id: number, ageDays: number) => ({ name: `pre-key-${id}.json`, id, mtimeMs: now - ageDays * day });
  const creds = { firstUnuploadedPreKeyId: 5000 };
  const files = [file(1, 400), file(3999, 36), file(4000, 400), file(4999, 400), file(5000, 400), file(9000, 400), file(10, 34)];
  assert.deepEqual(planPreKeyPrune(files, creds, now), ['pre-key-1.json', 'pre-key-3999.json']);
  assert.deepEqual(planPreKeyPrune(files, {}, now), [], 'no creds counter: keep everything');
  assert.equal(DEFAULT_PRUNE.preKeyKeepRecentIds, 1000);
});

test('under Baileys\' own transaction layer, a commit returns only once its keys are on disk', async (t) => {
  const tmp = await tempDir();
  t.after(tmp.cleanup);
  const logger = pino({ level: 'silent' });
  const store = await createAuthStore({ dir: tmp.path, logger });
  t.after(() => store.close());
  const keys = addTransactionCapability(makeKeyStore(store), logger, { maxCommitRetries: 3, delayBetweenTriesMs: 10 });
  const file = join(tmp.path, 'session-15551234567.0.json');
  await keys.transaction(async () => {
    await keys.set({ session: { '15551234567.0': bytes(16, 1) } });
    assert.deepEqual((await keys.get('session', ['15551234567.0']))['15551234567.0'], bytes(16, 1));
    assert.equal(await stat(file).catch(() => null), null, 'nothing written before the commit');
  }, 'decrypt-key');
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8'), BufferJSON.reviver), bytes(16, 1), 'durable when transaction() returns');
  // Pre-key deletion goes through Baileys' validation (it checks the key exists in our store).
  await keys.set({ 'pre-key': { '9': { public: bytes(32, 1), private: bytes(32, 2) } } });
  await keys.set({ 'pre-key': { '9': null } });
  assert.deepEqual(await keys.get('pre-key', ['9']), {});
  assert.equal(await stat(join(tmp.path, 'pre-key-9.json')).catch(() => null), null);
});
