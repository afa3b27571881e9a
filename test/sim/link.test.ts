// Linking raw Baileys to the simulator: QR scan and pairing code, the 515 restart and login with
// saved credentials, QR refs running out, refused and stalled linking, logout, several accounts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import makeWASocket, { useMultiFileAuthState, type WASocket } from '@whiskeysockets/baileys';
import { LINK_REFUSED_TEXT, startSimulator, type Simulator } from '../../sim/index.ts';
import { closeOf, linkRawBaileys, rawSocketConfig, textOf, type RawClient } from './helpers.ts';

/** A fresh, unlinked Baileys socket; `onQr` sees every QR it shows. */
async function unlinkedSocket(sim: Simulator, qrTimeout: number, onQr: (qr: string, sock: WASocket) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-sim-auth-'));
  const { state } = await useMultiFileAuthState(dir);
  const sock = makeWASocket(rawSocketConfig(sim, state, { qrTimeout }));
  const qrs: string[] = [];
  sock.ev.on('connection.update', (u) => {
    if (u.qr) {
      qrs.push(u.qr);
      onQr(u.qr, sock);
    }
  });
  return { sock, qrs, closed: closeOf(sock), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

describe('simulator: linking raw Baileys', () => {
  let sim: Simulator;
  const clients: RawClient[] = [];

  before(async () => {
    sim = await startSimulator({ quiet: !process.env.SIM_VERBOSE, linking: { refs: 3 } });
  });

  after(async () => {
    for (const c of clients) await c.cleanup();
    await sim?.close();
    if (process.env.SIM_DEBUG_HANDLES) setTimeout(() => (globalThis as any).__dumpTimers?.(), 1000).unref();
  });

  it('links by QR: pair-success, 515, login with the saved creds (LID included)', async () => {
    const client = await linkRawBaileys(sim, { phone: '15551110001' });
    clients.push(client);
    assert.deepEqual(
      client.closes.map((c) => c.statusCode),
      [515],
    );
    assert.match(client.jid, /^15551110001:\d+@s\.whatsapp\.net$/);
    assert.match(client.lid, /^\d+:\d+@lid$/);
    const device = sim.device(client.jid);
    assert.equal(device.status, 'linked');
    assert.equal(device.connected, true);
    assert.equal(device.ready, true);
    assert.equal(device.logins, 1);
    assert.ok(device.prekeysOnServer > 100, 'the client uploaded its prekeys');
    assert.equal(sim.state().linking.at(-1)?.outcome, 'linked');
    assert.equal(sim.state().linking.at(-1)?.method, 'qr');
  });

  it('links by pairing code (requestPairingCode) end to end', async () => {
    const client = await linkRawBaileys(sim, { method: 'code', phone: '15551110002' });
    clients.push(client);
    assert.match(client.jid, /^15551110002:\d+@s\.whatsapp\.net$/);
    assert.equal(sim.device(client.jid).ready, true);
    const attempt = sim.state().linking.at(-1)!;
    assert.equal(attempt.method, 'code');
    assert.equal(attempt.outcome, 'linked');
  });

  it('keeps several linked accounts apart, each with its own phone number', async () => {
    const [one, two] = clients;
    const zoe = sim.addContact({ name: 'Zoe' });
    const toOne = await sim.send(zoe.id, { text: 'for one', to: one!.phone });
    const toTwo = await sim.send(zoe.id, { text: 'for two', to: two!.jid });
    assert.equal(textOf((await one!.waitForUpsert((u) => u.message.key.id === toOne.messageId)).message), 'for one');
    assert.equal(textOf((await two!.waitForUpsert((u) => u.message.key.id === toTwo.messageId)).message), 'for two');
    assert.equal(one!.upserts.some((u) => u.message.key.id === toTwo.messageId), false);
    assert.equal(two!.upserts.some((u) => u.message.key.id === toOne.messageId), false);

    // A fault aimed at one device leaves the other alone.
    const closed = two!.nextClose();
    sim.fault({ kind: 'stream-error', code: 503, device: two!.jid });
    assert.equal((await closed).statusCode, 503);
    assert.equal(sim.device(one!.jid).connected, true);
    await two!.reconnect();
  });

  it('refuses the device after logout(): its next login gets 401', async () => {
    const client = await linkRawBaileys(sim);
    const closed = client.nextClose();
    await client.sock.logout();
    assert.equal((await closed).statusCode, 401);
    await sim.waitFor(() => sim.device(client.jid).status === 'removed');
    await assert.rejects(client.reconnect(), (err: Error & { close?: { statusCode?: number } }) => err.close?.statusCode === 401);
    await client.cleanup();
  });

  it('closes with 408 when the QR refs run out (short ref schedule)', async () => {
    const s = await startSimulator({ quiet: true, linking: { refs: 2, refTtlMs: [300, 300] } });
    try {
      const u = await unlinkedSocket(s, 150, () => undefined);
      const close = await u.closed;
      assert.equal(close.statusCode, 408);
      assert.equal(u.qrs.length, 2, 'one QR per ref');
      await u.cleanup();
    } finally {
      await s.close();
    }
  });

  it('refuses linking on command ("can\'t link devices now"), then links on the next scan', async () => {
    sim.fault({ kind: 'refuse-linking' });
    let firstScan: Promise<Awaited<ReturnType<Simulator['phone']['scan']>>> | undefined;
    const u = await unlinkedSocket(sim, 20_000, (qr) => {
      firstScan ??= sim.phone.scan(qr);
    });
    await sim.waitFor(() => sim.state().linking.length > 0 && sim.state().linking.at(-1)!.outcome === 'refused');
    assert.deepEqual(await firstScan, { ok: false, outcome: 'refused', error: LINK_REFUSED_TEXT });
    assert.equal(sim.state().linking.at(-1)?.outcome, 'refused');
    // The client is still waiting on its QR; scanning again links it.
    const again = await sim.phone.scan(u.qrs.at(-1)!);
    assert.equal(again.outcome, 'linked');
    assert.equal((await u.closed).statusCode, 515);
    await u.cleanup();
  });

  it('stalls linking on command: the phone accepts, pair-success never comes, the QR runs out', async () => {
    sim.fault({ kind: 'stall-linking' });
    const results: Awaited<ReturnType<Simulator['phone']['scan']>>[] = [];
    const u = await unlinkedSocket(sim, 400, (qr, _sock) => {
      if (results.length === 0) void sim.phone.scan(qr).then((r) => results.push(r));
    });
    const close = await u.closed;
    assert.deepEqual(results[0], { ok: true, outcome: 'stalled' });
    assert.equal(close.statusCode, 408, 'Baileys only sees its QR refs run out');
    assert.equal(sim.state().linking.at(-1)?.outcome, 'stalled');
    await u.cleanup();
  });
});
