// Pieces of the simulator that need no Baileys socket: transport framing, media crypto, the
// offline queue's ack matching, fault validation and the in-process API's input errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FakeClock } from '../../main/shared/clock.ts';
import { frame, FrameReader } from '../../sim/protocol/frames.ts';
import { decryptMedia, encryptMedia } from '../../sim/media/media-crypto.ts';
import { ackKeyOf, Delivery, settledKeys } from '../../sim/server/delivery.ts';
import type { Connection } from '../../sim/server/connection.ts';
import { CompanionDevice } from '../../sim/world/accounts.ts';
import type { World } from '../../sim/world/world.ts';
import { node } from '../../sim/protocol/nodes.ts';
import { SimInputError, startSimulator } from '../../sim/index.ts';

describe('simulator units', () => {
  it('reassembles frames split and merged across WebSocket messages, after the prologue', () => {
    const r = new FrameReader();
    const a = randomBytes(70_000);
    const b = Buffer.from('second');
    const wire = Buffer.concat([Buffer.from([0x57, 0x41, 6, 3]), frame(a), frame(b)]);
    const out: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 1000) out.push(...r.push(wire.subarray(i, i + 1000)));
    assert.equal(out.length, 2);
    assert.ok(out[0]!.equals(a));
    assert.ok(out[1]!.equals(b));
    assert.deepEqual([...r.prologue!], [0x57, 0x41, 6, 3]);
  });

  it('skips an edge-routing prefix before the prologue and rejects non-WhatsApp clients', () => {
    const r = new FrameReader();
    const routing = Buffer.from('route');
    const head = Buffer.concat([Buffer.from('ED'), Buffer.from([0, 1, 0, 0, routing.length]), routing, Buffer.from([0x57, 0x41, 6, 3])]);
    assert.deepEqual(r.push(Buffer.concat([head, frame(Buffer.from('x'))])).map(String), ['x']);
    assert.throws(() => new FrameReader().push(Buffer.from('GET / HTTP/1.1\r\n')), /not a WhatsApp Web client/);
  });

  it('encrypts media the way WhatsApp does and refuses a tampered body', () => {
    const plain = randomBytes(5000);
    const enc = encryptMedia(plain, 'document');
    assert.ok(decryptMedia(enc.body, enc.mediaKey, 'document').equals(plain));
    const tampered = Buffer.from(enc.body);
    tampered[10] = tampered[10]! ^ 1;
    assert.throws(() => decryptMedia(tampered, enc.mediaKey, 'document'), /MAC/);
    assert.throws(() => decryptMedia(enc.body, enc.mediaKey, 'image'), /MAC/, 'keys depend on the media kind');
  });

  it('matches client receipts and acks to the stanzas they settle', () => {
    const message = node('message', { from: '1555@s.whatsapp.net', id: 'M1' });
    const receiptToClient = node('receipt', { from: '1555@s.whatsapp.net', id: 'R1', type: 'read' });
    const clientReceipt = node('receipt', { to: '1555@s.whatsapp.net', id: 'X' }, [node('list', {}, [node('item', { id: 'M1' })])]);
    assert.ok(settledKeys(clientReceipt).includes(ackKeyOf(message)));
    const clientAck = node('ack', { class: 'receipt', id: 'R1', to: '1555@s.whatsapp.net', type: 'read' });
    assert.deepEqual(settledKeys(clientAck), [ackKeyOf(receiptToClient)]);
    const nack = node('ack', { class: 'message', id: 'M1', to: '1555@s.whatsapp.net', error: '487' });
    assert.deepEqual(settledKeys(nack), [ackKeyOf(message)]);
  });

  it("keeps a contact's resend queued when the client nacks the original after it (retry flow)", () => {
    // Baileys: retry receipt, then nack 500 for the copy it could not decrypt; the contact's
    // resend (same id, same sender) is often queued in between. A kill before the resend is
    // handled must still get it redelivered on the next login.
    const world = { now: () => 0, changed: () => undefined, contactByJid: () => undefined, counts: { messagesOut: 0, receiptsOut: 0, retryReceiptsOut: 0, offlineRedelivered: 0 } } as unknown as World;
    const delivery = new Delivery(world);
    const device = Object.create(CompanionDevice.prototype) as CompanionDevice;
    Object.assign(device, { pending: new Map() });
    const socket = (id: number) => {
      const sent: { tag: string; attrs: Record<string, unknown> }[] = [];
      const conn = { id, isOpen: true, deliveryOpen: true, device, send: (n: (typeof sent)[number]) => sent.push(n) } as unknown as Connection;
      return { conn, sent };
    };
    const first = socket(1);
    Object.assign(device, { connection: first.conn });
    const from = '1555@s.whatsapp.net';
    delivery.deliver(device, node('message', { from, id: 'M1' }, [node('enc', { type: 'msg' })]));
    delivery.settle(device, node('receipt', { to: from, id: 'M1', type: 'retry' }), first.conn);
    delivery.deliver(device, node('message', { from, id: 'M1' }, [node('enc', { type: 'pkmsg', count: 1 })]));
    delivery.settle(device, node('ack', { class: 'message', id: 'M1', to: from, error: '500' }), first.conn);
    assert.equal(device.pending.size, 1, 'the nack took out the original only');

    // Killed before the resend was handled: the next login gets it.
    const second = socket(2);
    Object.assign(device, { connection: second.conn });
    delivery.flush(second.conn);
    const redelivered = second.sent.filter((n) => n.tag === 'message');
    assert.equal(redelivered.length, 1);
    assert.equal(redelivered[0]!.attrs.offline, '1');
    delivery.settle(device, node('receipt', { to: from, id: 'M1', type: 'inactive' }), second.conn);
    assert.equal(device.pending.size, 0, 'the delivery receipt settles it');

    // A delivery receipt settles every queued copy of the message at once.
    delivery.deliver(device, node('message', { from, id: 'M2' }));
    delivery.deliver(device, node('message', { from, id: 'M2' }));
    delivery.settle(device, node('receipt', { to: from, id: 'M2' }), second.conn);
    assert.equal(device.pending.size, 0);
  });

  it('explains bad input instead of failing later', async () => {
    const sim = await startSimulator({ quiet: true, clock: new FakeClock(Date.now()) });
    try {
      assert.throws(() => sim.fault({ kind: 'stream-error' }), (e: Error) => e instanceof SimInputError && /code/.test(e.message));
      assert.throws(() => sim.fault({ kind: 'nope' as never }), /unknown fault kind/);
      assert.throws(() => sim.fault({ kind: 'drop', device: '1:1@s.whatsapp.net' }), /not a linked device/);
      const c = sim.addContact({ name: 'Ann', phone: '+1 (555) 000-1234' });
      assert.equal(c.phone, '15550001234');
      assert.throws(() => sim.addContact({ name: 'Dup', phone: '15550001234' }), /already taken/);
      await assert.rejects(sim.send(c.id, { text: 'hi' }), /no linked account yet/);
      await assert.rejects(sim.phone.scan('garbage'), /not a WhatsApp linking QR/);
      assert.throws(() => sim.inbox('c999'), /no contact "c999"/);
    } finally {
      await sim.close();
    }
  });
});
