// Faults that end a session: 440 conflict (no retry loop), 401 / device removed / login refused
// (logged out, credentials archived, not deleted), 405 outdated client.
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { test } from 'node:test';
import { statePaths } from '../../main/shared/state-dir.ts';
import { delay, harness, linkByQr, waitState, type Harness } from './sim-helpers.ts';

async function linked(t: Parameters<typeof harness>[0]): Promise<Harness & { conn: NonNullable<ReturnType<Harness['manager']['account']>> }> {
  const h = await harness(t);
  await h.manager.start();
  const conn = h.manager.account('default')!;
  await linkByQr(h.sim, conn);
  return { ...h, conn };
}

async function backups(stateDir: string): Promise<string[]> {
  return readdir(statePaths(stateDir).backups).catch(() => []);
}

test('440 conflict: stops, says another client uses the session, no retry loop; take over works', async (t) => {
  const h = await linked(t);
  const logins = h.sim.state().logins;
  h.sim.fault({ kind: 'stream-error', code: 440 });
  const s = await waitState(h.conn, 'conflict');
  assert.equal(s.lastDisconnect?.code, 440);
  assert.match(s.cause!, /Another WhatsApp Web client \(maybe OpenClaw or a browser\) is using this session/);
  assert.match(s.cause!, /not Clawline on this computer/);
  assert.equal(s.fix, 'take-over');
  // Backoff would have retried several times by now (100 ms initial): nothing happens.
  await delay(1_500);
  assert.equal(h.sim.state().logins, logins, 'the simulator saw no further logins');
  assert.equal(h.conn.status().state, 'conflict');
  // The user presses Take over.
  await h.conn.reconnectNow();
  await waitState(h.conn, 'connected');
  assert.equal(h.sim.state().logins, logins + 1);
});

test('401 stream error: logged out, credentials archived in a backup folder, no retries', async (t) => {
  const h = await linked(t);
  const logins = h.sim.state().logins;
  const archived: string[] = [];
  h.manager.on('credentials-archived', (id, info) => archived.push(`${id}:${info.reason}:${info.backupDir}`));
  h.sim.fault({ kind: 'stream-error', code: 401 });
  const s = await waitState(h.conn, 'logged-out');
  assert.equal(s.lastDisconnect?.code, 401);
  assert.equal(s.fix, 'relink');
  assert.match(s.nextStep!, /Link again/);
  assert.match(s.nextStep!, /backup folder/);
  const [backup] = await backups(h.stateDir);
  assert.match(backup!, /^whatsapp-default-.*-logged-out$/);
  assert.ok((await readdir(`${statePaths(h.stateDir).backups}/${backup}`)).includes('creds.json'));
  await assert.rejects(stat(statePaths(h.stateDir).accountAuthDir('default')));
  assert.deepEqual(archived, [`default:logged-out:${statePaths(h.stateDir).backups}/${backup}`]);
  await delay(1_000);
  assert.equal(h.sim.state().logins, logins);
  // Ready to link again.
  await linkByQr(h.sim, h.conn);
});

test('removed on the phone (device_removed): logged out in plain words', async (t) => {
  const h = await linked(t);
  const device = h.sim.state().devices[0]!.jid;
  h.sim.phone.unlink(device);
  const s = await waitState(h.conn, 'logged-out');
  assert.match(s.cause!, /removed from the phone's Linked devices/);
  assert.equal((await backups(h.stateDir)).length, 1);
});

test('login refused (failure 401) after a drop: logged out, not a loop', async (t) => {
  const h = await linked(t);
  h.sim.fault({ kind: 'login-failure', code: 401 });
  h.sim.fault({ kind: 'drop' });
  const s = await waitState(h.conn, 'logged-out');
  assert.equal(s.lastDisconnect?.code, 401);
  assert.match(s.cause!, /WhatsApp logged this session out \(401\)/);
  assert.match(s.cause!, /14 days/);
  assert.equal((await backups(h.stateDir)).length, 1);
});

test('login refused as outdated (405): stopped with the reason; reconnect now works once fixed', async (t) => {
  const h = await linked(t);
  h.sim.fault({ kind: 'login-failure', code: 405 });
  h.sim.fault({ kind: 'drop' });
  const s = await waitState(h.conn, 'stopped');
  assert.match(s.cause!, /outdated \(405\)/);
  assert.equal(s.fix, 'restart');
  assert.deepEqual(await backups(h.stateDir), [], 'credentials untouched');
  await h.conn.reconnectNow();
  await waitState(h.conn, 'connected');
});
