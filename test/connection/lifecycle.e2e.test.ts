// Logout, reset and relink, the single-instance lock, sends through a reconnect, and two
// accounts at once — end to end against the simulator.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadMediaMessage, type WAMessage } from '@whiskeysockets/baileys';
import { test } from 'node:test';
import { ConnectionError } from '../../main/connection/index.ts';
import { statePaths } from '../../main/shared/state-dir.ts';
import { delay, harness, linkByQr, recordStates, waitState } from './sim-helpers.ts';

test('logout removes the device on the server side and archives the credentials', async (t) => {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  await linkByQr(h.sim, conn);
  const device = h.sim.state().devices[0]!.jid;

  const result = await conn.logout();
  assert.equal(result.removedOnServer, true);
  assert.equal(h.sim.device(device).status, 'removed');
  assert.match(result.backupDir!, /backups\/whatsapp-default-.*-logout$/);
  assert.ok((await readdir(result.backupDir!)).includes('creds.json'));
  await assert.rejects(stat(statePaths(h.stateDir).accountAuthDir('default')));
  const s = conn.status();
  assert.equal(s.state, 'not-linked');
  assert.match(s.cause!, /You logged out: this computer was removed from the phone's Linked devices/);
  assert.equal(s.fix, 'link');
  assert.equal(s.self, undefined);
  await assert.rejects(conn.sendMessage('1@s.whatsapp.net', { text: 'x' }), (err: unknown) => err instanceof ConnectionError && err.code === 'no-active-listener' && /is not linked/.test(err.message));
});

test('clean reset of a stopped account: logs out on the server, backup folder, then relinking works', async (t) => {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  await linkByQr(h.sim, conn);
  const first = h.sim.state().devices[0]!.jid;
  await conn.stop();

  const { backupDir, removedOnServer } = await conn.reset();
  assert.equal(removedOnServer, true, 'connected just long enough to log out');
  assert.equal(h.sim.device(first).status, 'removed');
  assert.match(backupDir!, /-reset$/);
  assert.match(conn.status().cause!, /The account was reset/);
  assert.ok(conn.status().cause!.includes(backupDir!));

  const relinked = await linkByQr(h.sim, conn);
  const second = h.sim.state().devices.find((d) => d.status === 'linked')!.jid;
  assert.notEqual(second, first);
  assert.equal(relinked.state, 'connected');
});

test('two processes on one account: the second is refused by the lock, the first keeps running', async (t) => {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  await linkByQr(h.sim, conn);
  const logins = h.sim.state().logins;

  const other = h.newManager();
  await other.start();
  const s = other.account('default')!.status();
  assert.equal(s.state, 'conflict');
  assert.match(s.cause!, new RegExp(`Another Clawline process on this computer \\(pid ${process.pid}\\) is already running account "default"`));
  await assert.rejects(other.account('default')!.link({ method: 'qr' }), (err: unknown) => err instanceof ConnectionError && err.code === 'locked');
  await assert.rejects(other.account('default')!.logout(), (err: unknown) => err instanceof ConnectionError && err.code === 'locked');
  await delay(500);
  assert.equal(h.sim.state().logins, logins);
  assert.equal(conn.status().state, 'connected');

  // Once the first one stops, the second can take the account.
  await h.manager.stop();
  await other.account('default')!.start();
  await waitState(other.account('default')!, 'connected');
});

test('a send made while reconnecting waits and goes out once', async (t) => {
  // A 1 s first retry, so the send is certainly made while the account is down.
  const h = await harness(t, { manager: { reconnect: { initialMs: 1_000, jitter: 0 } } });
  await h.manager.start();
  const conn = h.manager.account('default')!;
  await linkByQr(h.sim, conn);
  const contact = h.sim.addContact({ name: 'Dana' });

  const seen = recordStates(conn);
  h.sim.fault({ kind: 'drop' });
  await waitState(conn, 'reconnecting', 5_000);
  const sent = h.manager.sendMessage('default', contact.pnJid, { text: 'sent during a reconnect' });
  assert.equal(conn.status().state, 'reconnecting');
  const message = await sent;
  assert.ok(message?.key.id);
  await h.sim.waitForMessage(contact.id, (m) => m.text === 'sent during a reconnect');
  await delay(300);
  assert.equal(h.sim.inbox(contact.id).messages.filter((m) => m.text === 'sent during a reconnect').length, 1);
  assert.ok(seen.some((s) => s.state === 'reconnecting'));
});

test('two accounts at once, each with its own connection', async (t) => {
  const h = await harness(t, { manager: { accounts: [{ accountId: 'personal' }, { accountId: 'work', name: 'Work phone' }] } });
  await h.manager.start();
  const personal = h.manager.account('personal')!;
  const work = h.manager.account('work')!;
  assert.deepEqual(h.manager.statuses().map((s) => [s.accountId, s.state]), [['personal', 'not-linked'], ['work', 'not-linked']]);

  await Promise.all([linkByQr(h.sim, personal, '15551110001'), linkByQr(h.sim, work, '15552220002')]);
  assert.equal(personal.status().self?.number, '+15551110001');
  assert.equal(work.status().self?.number, '+15552220002');
  assert.equal(work.status().name, 'Work phone');

  // A drop on one account's socket leaves the other alone.
  const workDevice = h.sim.state().devices.find((d) => d.account === '15552220002')!.jid;
  const personalStates = recordStates(personal);
  const workStates = recordStates(work);
  h.sim.fault({ kind: 'drop', device: workDevice });
  await work.waitForStatus((s) => s.state === 'connected' && workStates.some((x) => x.state === 'reconnecting'), 15_000);
  assert.deepEqual(personalStates.filter((s) => s.state !== 'connected'), []);

  // After a restart both come back without QR codes.
  await h.manager.stop();
  const next = h.newManager();
  await next.start();
  assert.deepEqual(next.accounts().map((c) => c.accountId).sort(), ['personal', 'work']);
  await Promise.all(next.accounts().map((c) => waitState(c, 'connected')));
});

test('media both ways through the simulator\'s CA (CLAWLINE_WA_CA): upload and download', async (t) => {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  await linkByQr(h.sim, conn);
  const contact = h.sim.addContact({ name: 'Erin' });
  const images: WAMessage[] = [];
  h.manager.on('messages.upsert', (_id, event) => images.push(...event.messages.filter((m) => m.message?.imageMessage)));
  const sent = await h.sim.send(contact.id, { media: { kind: 'image', caption: 'look' } });
  await h.sim.waitFor(() => images.length > 0, { what: 'the image upsert' });
  const bytes = await downloadMediaMessage(images[0]!, 'buffer', {});
  assert.equal(createHash('sha256').update(bytes).digest('hex'), sent.media!.sha256);

  await h.manager.sendMessage('default', contact.pnJid, { image: Buffer.from(bytes), caption: 'back' });
  const back = await h.sim.waitForMessage(contact.id, (m) => m.media !== undefined);
  assert.equal(back.media?.ok, true, back.media?.error);
  assert.equal(back.media?.sha256, sent.media!.sha256);
});

test('a phone not seen for 13 days: connected, with a warning before WhatsApp unlinks it', async (t) => {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  const linked = await linkByQr(h.sim, conn);
  assert.ok(Math.abs(linked.phoneLastSeenAt! - Date.now()) < 60_000, 'linking counts as the phone being seen');
  assert.equal(linked.warning, undefined);
  await h.manager.stop();

  const thirteenDaysAgo = Date.now() - 13 * 24 * 3_600_000;
  await writeFile(join(statePaths(h.stateDir).clawline, 'phone-seen-default.json'), JSON.stringify({ lastSeenAt: thirteenDaysAgo }));
  const next = h.newManager();
  await next.start();
  const s = await waitState(next.account('default')!, 'connected');
  assert.equal(s.phoneLastSeenAt, thirteenDaysAgo);
  assert.equal(s.warning?.kind, 'phone-offline');
  assert.match(s.warning!.cause, /No sign of the phone for 13 days/);
  assert.match(s.warning!.nextStep, /Open WhatsApp on the phone/);

  // Logging out forgets it: the next link starts fresh.
  await next.account('default')!.logout();
  assert.equal(next.account('default')!.status().warning, undefined);
  await assert.rejects(stat(join(statePaths(h.stateDir).clawline, 'phone-seen-default.json')));
});
