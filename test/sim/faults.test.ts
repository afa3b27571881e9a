// Each fault maps to the status code raw Baileys reports in lastDisconnect, and (except the
// removal kinds) leaves the device linked so the next login works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import makeWASocket, { DisconnectReason } from '@whiskeysockets/baileys';
import { startSimulator, type FaultSpec, type Simulator } from '../../sim/index.ts';
import { closeOf, linkRawBaileys, rawSocketConfig, type RawClient } from './helpers.ts';

describe('simulator: faults as raw Baileys sees them', () => {
  let sim: Simulator;
  let client: RawClient;

  before(async () => {
    sim = await startSimulator({ quiet: true });
    // A 1 s keep-alive makes the silence fault show within ~6 s (Baileys adds a fixed 5 s).
    client = await linkRawBaileys(sim, { socket: { keepAliveIntervalMs: 1000 } });
  });

  after(async () => {
    await client?.cleanup();
    await sim?.close();
  });

  const cases: { spec: FaultSpec; code: number; name: string }[] = [
    { spec: { kind: 'stream-error', code: 515 }, code: DisconnectReason.restartRequired, name: 'stream error 515 -> 515 restart required' },
    { spec: { kind: 'stream-error', code: 503 }, code: DisconnectReason.unavailableService, name: 'stream error 503 -> 503' },
    { spec: { kind: 'stream-error', code: 440 }, code: DisconnectReason.connectionReplaced, name: 'conflict replaced -> 440' },
    { spec: { kind: 'drop' }, code: DisconnectReason.connectionClosed, name: 'dropped socket -> 428' },
    { spec: { kind: 'drop', mode: 'xmlstreamend' }, code: DisconnectReason.connectionClosed, name: '<xmlstreamend/> -> 428' },
    { spec: { kind: 'silence' }, code: DisconnectReason.connectionLost, name: 'unanswered pings -> 408' },
  ];

  for (const { spec, code, name } of cases) {
    it(`${name}, and the device stays linked`, async () => {
      const closed = client.nextClose();
      const record = sim.fault(spec);
      assert.equal(record.status, 'fired', 'fired at once on the connected device');
      assert.equal((await closed).statusCode, code);
      assert.equal(sim.device(client.jid).status, 'linked');
      await client.reconnect();
    });
  }

  it('login failure -> <failure reason=401> once, then the device logs in again', async () => {
    const closed = client.nextClose();
    await client.sock.end(undefined);
    await closed;
    const record = sim.fault({ kind: 'login-failure', device: client.jid });
    assert.equal(record.status, 'armed');
    await assert.rejects(client.reconnect(), (err: Error & { close?: { statusCode?: number } }) => err.close?.statusCode === 401);
    assert.equal(sim.faults().find((f) => f.id === record.id)?.status, 'fired');
    await client.reconnect();
    assert.equal(sim.device(client.jid).status, 'linked');
  });

  it('a fault armed while the device is offline fires after its next login', async () => {
    const closed = client.nextClose();
    await client.sock.end(undefined);
    await closed;
    sim.fault({ kind: 'stream-error', code: 503, device: client.jid });
    const next = client.reconnect();
    await next;
    assert.equal((await client.nextClose()).statusCode, 503);
    await client.reconnect();
  });

  it('a second socket for the same device replaces the first -> 440', async () => {
    const closed = client.nextClose();
    const second = makeWASocket(rawSocketConfig(sim, client.state));
    const secondClosed = closeOf(second);
    assert.equal((await closed).statusCode, DisconnectReason.connectionReplaced);
    await second.end(undefined);
    await secondClosed;
    await client.reconnect();
  });

  it('slow responses delay what the server answers', async () => {
    sim.fault({ kind: 'slow', ms: 400 });
    const started = Date.now();
    await client.sock.query({ tag: 'iq', attrs: { to: 's.whatsapp.net', type: 'get', xmlns: 'w:p' }, content: [{ tag: 'ping', attrs: {} }] });
    assert.ok(Date.now() - started >= 390, 'the ping answer came late');
    const closed = client.nextClose();
    await client.sock.end(undefined);
    await closed;
    await client.reconnect();
  });

  it('stream error 401 (device_removed) -> 401 and every later login is refused', async () => {
    const closed = client.nextClose();
    sim.fault({ kind: 'stream-error', code: 401 });
    assert.equal((await closed).statusCode, DisconnectReason.loggedOut);
    assert.equal(sim.device(client.jid).status, 'removed');
    await assert.rejects(client.reconnect(), (err: Error & { close?: { statusCode?: number } }) => err.close?.statusCode === 401);
  });
});
