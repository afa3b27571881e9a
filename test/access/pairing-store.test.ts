import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AllowStore,
  PAIRING_CODE_ALPHABET,
  PairingCodeNotFoundError,
  PairingStore,
  StoreFileError,
  decideDm,
  generatePairingCode,
  pairingReplyText,
  type PairingRequestView,
} from '../../main/access/index.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { statePaths } from '../../main/shared/state-dir.ts';

async function withState(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-pairing-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const HOUR = 60 * 60 * 1000;

test('codes: 8 characters from the unambiguous alphabet', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const code = generatePairingCode();
    assert.match(code, /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/);
    seen.add(code);
  }
  assert.equal(PAIRING_CODE_ALPHABET.length, 32);
  assert.ok(!/[01IO]/.test(PAIRING_CODE_ALPHABET));
  assert.ok(seen.size > 1990, 'codes are random');
});

test('request: created once, repeat DMs get nothing more, at most 3 pending, 4th gets nothing', async () => {
  await withState(async (dir) => {
    const clock = new FakeClock();
    const store = PairingStore.open(dir, { clock });
    const events: PairingRequestView[] = [];
    store.on('request', (r) => events.push(r));

    const first = await store.request({ accountId: 'default', e164: '+15551110001', name: 'Alice' });
    assert.equal(first.kind, 'created');
    clock.advance(5 * 60 * 1000);
    const repeat = await store.request({ accountId: 'default', e164: '+15551110001', name: 'Alice' });
    assert.equal(repeat.kind, 'pending');
    assert.equal(repeat.kind === 'pending' && repeat.request.code, first.kind === 'created' && first.request.code);
    // A repeat DM moves lastSeenAt, never the expiry.
    assert.equal(repeat.kind === 'pending' && repeat.request.expiresAt, first.kind === 'created' && first.request.expiresAt);
    assert.equal(repeat.kind === 'pending' && repeat.request.lastSeenAt, clock.now());

    assert.equal((await store.request({ accountId: 'default', e164: '+15551110002' })).kind, 'created');
    assert.equal((await store.request({ accountId: 'default', e164: '+15551110003' })).kind, 'created');
    assert.equal((await store.request({ accountId: 'default', e164: '+15551110004' })).kind, 'full');
    // The cap is per account.
    assert.equal((await store.request({ accountId: 'work', e164: '+15551110004' })).kind, 'created');

    assert.equal(events.length, 4, 'one event per new request');
    const list = await store.list('default');
    assert.deepEqual(list.map((r) => r.id), ['+15551110001', '+15551110002', '+15551110003']);
    assert.equal(new Set((await store.list()).map((r) => r.code)).size, 4, 'codes unique among pending');

    // OpenClaw's file shape.
    const file = JSON.parse(await readFile(statePaths(dir).pairingStore, 'utf8'));
    assert.equal(file.version, 1);
    const alice = file.requests.find((r: { id: string }) => r.id === '+15551110001');
    assert.equal(alice.meta.name, 'Alice');
    assert.equal(alice.meta.accountId, 'default');
    assert.match(alice.code, /^[A-Z2-9]{8}$/);
    assert.equal(typeof alice.createdAt, 'string');
    assert.equal(typeof alice.lastSeenAt, 'string');
  });
});

test('requests expire 1 hour after creation and free their slot', async () => {
  await withState(async (dir) => {
    const clock = new FakeClock();
    const store = PairingStore.open(dir, { clock });
    const a = await store.request({ accountId: 'default', e164: '+15551110001' });
    for (const n of ['2', '3']) await store.request({ accountId: 'default', e164: `+1555111000${n}` });
    clock.advance(HOUR - 1);
    assert.equal((await store.list()).length, 3);
    assert.equal((await store.request({ accountId: 'default', e164: '+15551110009' })).kind, 'full');
    clock.advance(1);
    assert.equal((await store.list()).length, 0, 'expired requests are pruned');
    const onDisk = JSON.parse(await readFile(statePaths(dir).pairingStore, 'utf8'));
    assert.equal(onDisk.requests.length, 0, 'pruned from the file too');
    await assert.rejects(store.approve(a.kind === 'created' ? a.request.code : 'XXXXXXXX'), PairingCodeNotFoundError);
    const again = await store.request({ accountId: 'default', e164: '+15551110001' });
    assert.equal(again.kind, 'created', 'after expiry the sender may ask again');
  });
});

test('approve persists to the allow store, takes effect at once, and can notify', async () => {
  await withState(async (dir) => {
    const clock = new FakeClock();
    const store = PairingStore.open(dir, { clock });
    const allow = AllowStore.forAccount(dir, 'default');
    const approved: PairingRequestView[] = [];
    store.on('approved', (r) => approved.push(r));
    const created = await store.request({ accountId: 'default', e164: '+15551110001', name: 'Alice' });
    assert.equal(created.kind, 'created');
    const code = created.kind === 'created' ? created.request.code : '';

    const sender = { jid: '15551110001@s.whatsapp.net', e164: '+15551110001' };
    const self = { pn: '15550000001@s.whatsapp.net' };
    assert.equal(decideDm({ sender, self, settings: {}, approved: await allow.list() }).action, 'pairing');

    const result = await store.approve(code.toLowerCase(), { notify: true });
    assert.equal(result.request.id, '+15551110001');
    assert.equal(result.notify?.to, '15551110001@s.whatsapp.net');
    assert.match(result.notify?.text ?? '', /approved/i);
    assert.equal(approved.length, 1);
    assert.deepEqual(await store.list(), []);

    // The same AllowStore instance (as the gateway holds it) sees the change without a restart.
    assert.deepEqual(await allow.list(), ['+15551110001']);
    assert.equal(decideDm({ sender, self, settings: {}, approved: await allow.list() }).action, 'accept');
    const file = JSON.parse(await readFile(statePaths(dir).allowStore('default'), 'utf8'));
    assert.deepEqual(file, { version: 1, allowFrom: ['+15551110001'] });
    assert.equal((await stat(statePaths(dir).allowStore('default'))).mode & 0o777, 0o600);

    // Without notify, nothing to send.
    const b = await store.request({ accountId: 'default', e164: '+15551110002' });
    const plain = await store.approve(b.kind === 'created' ? b.request.code : '');
    assert.equal(plain.notify, undefined);
    assert.deepEqual((await allow.list()).sort(), ['+15551110001', '+15551110002']);

    // Approval of a request for another account goes to that account's store only.
    const w = await store.request({ accountId: 'work', e164: '+15551110003' });
    await store.approve(w.kind === 'created' ? w.request.code : '', { accountId: 'work' });
    assert.deepEqual(await AllowStore.forAccount(dir, 'work').list(), ['+15551110003']);
    assert.ok(!(await allow.list()).includes('+15551110003'));
    await assert.rejects(store.approve('ABCDEFGH'), /No pending pairing request has the code ABCDEFGH/);
  });
});

test('dismiss drops the request without approving; the sender may ask again', async () => {
  await withState(async (dir) => {
    const store = PairingStore.open(dir, { clock: new FakeClock() });
    const dismissed: PairingRequestView[] = [];
    store.on('dismissed', (r) => dismissed.push(r));
    const r = await store.request({ accountId: 'default', e164: '+15551110001' });
    const code = r.kind === 'created' ? r.request.code : '';
    await assert.rejects(store.dismiss(code, { accountId: 'other' }), PairingCodeNotFoundError);
    await store.dismiss(code);
    assert.equal(dismissed.length, 1);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await AllowStore.forAccount(dir, 'default').list(), []);
    assert.equal((await store.request({ accountId: 'default', e164: '+15551110001' })).kind, 'created');
  });
});

test('a broken store file is reported with its path and never overwritten', async () => {
  await withState(async (dir) => {
    const paths = statePaths(dir);
    await mkdir(paths.credentials, { recursive: true });
    await writeFile(paths.pairingStore, '{"version":1, "requests": [');
    const store = PairingStore.open(dir);
    await assert.rejects(store.request({ accountId: 'default', e164: '+15551110001' }), (err: Error) => {
      assert.ok(err instanceof StoreFileError);
      assert.ok(err.message.includes(paths.pairingStore));
      return true;
    });
    assert.equal(await readFile(paths.pairingStore, 'utf8'), '{"version":1, "requests": [');
    await writeFile(paths.allowStore('default'), 'nope');
    await assert.rejects(AllowStore.forAccount(dir, 'default').add('+15551110001'), /whatsapp-default-allowFrom\.json.*not valid JSON/);
    assert.equal(await readFile(paths.allowStore('default'), 'utf8'), 'nope');
  });
});

test('allow store: legacy shapes read, OpenClaw default-account file merged, remove revokes', async () => {
  await withState(async (dir) => {
    const paths = statePaths(dir);
    await mkdir(paths.credentials, { recursive: true });
    await writeFile(join(paths.credentials, 'whatsapp-allowFrom.json'), JSON.stringify({ version: 1, allowFrom: ['15553330003'] }));
    await writeFile(paths.allowStore('default'), JSON.stringify(['+15551110001']));
    const allow = AllowStore.forAccount(dir, 'default');
    assert.deepEqual((await allow.list()).sort(), ['+15551110001', '+15553330003']);
    assert.equal(await allow.add('+1 555 111 0001'), false, 'already there in another spelling');
    assert.equal(await allow.remove('+15553330003'), true);
    assert.deepEqual(await allow.list(), ['+15551110001']);
    assert.deepEqual(await AllowStore.forAccount(dir, 'work').list(), [], 'other accounts do not read the default file');
  });
});

test('two processes writing the stores at once lose nothing (file lock)', async () => {
  await withState(async (dir) => {
    const script = fileURLToPath(new URL('./fixtures/store-writer.ts', import.meta.url));
    const run = (tag: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, dir, tag, '15'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${tag} exited ${code}: ${err}`))));
      });
    // Two children plus this process, all at the same time.
    const allow = AllowStore.forAccount(dir, 'default');
    const local = Array.from({ length: 10 }, (_, i) => allow.add(`+1999${String(i).padStart(6, '0')}`));
    await Promise.all([run('71'), run('72'), ...local]);
    const numbers = await allow.list();
    assert.equal(numbers.length, 40, 'every add from every process is in the file');
    const pending = await PairingStore.open(dir).list();
    assert.equal(pending.filter((r) => r.accountId === 'acct-71').length, 3);
    assert.equal(pending.filter((r) => r.accountId === 'acct-72').length, 3);
    assert.equal(new Set(pending.map((r) => r.code)).size, 6);
  });
});

test('the pairing reply names the code, the number, and where the owner approves', () => {
  const text = pairingReplyText({ code: 'ABCD2345', e164: '+15551110001', ttlMinutes: 60 });
  assert.match(text, /ABCD2345/);
  assert.match(text, /\+15551110001/);
  assert.match(text, /Clawline app/);
  assert.match(text, /clawline pairing approve ABCD2345/);
  assert.match(text, /1 hour/);
});

test('watch reports changes made by another store instance (another process in real life)', async () => {
  await withState(async (dir) => {
    const gateway = PairingStore.open(dir);
    const cli = PairingStore.open(dir);
    let changes = 0;
    const stop = gateway.watch(() => changes++);
    try {
      const r = await cli.request({ accountId: 'default', e164: '+15551110001' });
      const started = Date.now();
      while (changes === 0 && Date.now() - started < 10_000) await new Promise((res) => setTimeout(res, 5));
      assert.ok(changes > 0, 'the gateway heard about the new request');
      const seen = changes;
      await cli.approve(r.kind === 'created' ? r.request.code : '');
      while (changes === seen && Date.now() - started < 10_000) await new Promise((res) => setTimeout(res, 5));
      assert.ok(changes > seen, 'and about the approval');
      assert.deepEqual(await gateway.list(), []);
    } finally {
      stop();
    }
  });
});
