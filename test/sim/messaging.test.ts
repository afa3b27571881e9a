// Raw Baileys (no Clawline code) chatting with simulated contacts: end-to-end encrypted text both
// ways, receipts, reactions, presence, LID-addressed contacts, reconnects with existing sessions,
// the offline queue, duplicate delivery and retry receipts in both directions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { proto } from '@whiskeysockets/baileys';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { linkRawBaileys, textOf, type RawClient } from './helpers.ts';

describe('simulator: messaging with raw Baileys', () => {
  let sim: Simulator;
  let client: RawClient;

  before(async () => {
    sim = await startSimulator({ quiet: true });
    client = await linkRawBaileys(sim);
  });

  after(async () => {
    await client?.cleanup();
    await sim?.close();
  });

  it('delivers a contact text to Baileys and our reply back to the contact, with receipts both ways', async () => {
    const carla = sim.addContact({ name: 'Carla' });
    const { messageId } = await sim.send(carla.id, { text: 'ping' });

    const got = await client.waitForUpsert((u) => u.message.key.id === messageId);
    assert.equal(textOf(got.message), 'ping');
    assert.equal(got.type, 'notify');
    assert.equal(got.message.key.remoteJid, carla.pnJid);
    assert.equal(got.message.pushName, 'Carla');

    // Baileys' automatic delivery receipt reaches the contact; readMessages sends "read".
    await sim.waitFor(() => sim.inbox(carla.id).receipts.some((r) => r.messageId === messageId && r.type === 'delivered'));
    await client.sock.readMessages([got.message.key]);
    await sim.waitFor(() => sim.inbox(carla.id).receipts.some((r) => r.messageId === messageId && r.type === 'read'));

    const sent = await client.sock.sendMessage(carla.pnJid, { text: 'pong' }, { quoted: got.message });
    const reply = await sim.waitForMessage(carla.id, (m) => m.id === sent!.key.id);
    assert.equal(reply.text, 'pong');
    assert.equal(reply.from, client.phone + '@s.whatsapp.net');
    assert.equal(reply.quoted?.id, messageId);
    assert.ok(reply.at > 0);

    // The contact's receipts (delivered, then read at once) update the message status at our side.
    await client.waitFor(() => client.updates.some((u) => u.id === sent!.key.id && u.status === proto.WebMessageInfo.Status.READ));
  });

  it('records our reactions and typing at the contact, and delivers the contact’s reaction and quote', async () => {
    const dan = sim.addContact({ name: 'Dan' });
    const first = await sim.send(dan.id, 'how are you?');
    const got = await client.waitForUpsert((u) => u.message.key.id === first.messageId);

    await client.sock.sendPresenceUpdate('composing', dan.pnJid);
    await client.sock.sendMessage(dan.pnJid, { react: { text: '👍', key: got.message.key } });
    const sent = await client.sock.sendMessage(dan.pnJid, { text: 'fine, thanks' });
    await sim.waitFor(() => sim.inbox(dan.id).reactions.length === 1 && sim.inbox(dan.id).presence.some((p) => p.type === 'composing'));
    assert.deepEqual(
      sim.inbox(dan.id).reactions.map((r) => [r.messageId, r.emoji]),
      [[first.messageId, '👍']],
    );
    await sim.waitForMessage(dan.id, (m) => m.id === sent!.key.id);

    const reaction = await sim.contact(dan.id).react(sent!.key.id!, '❤️');
    const quoted = await sim.send(dan.id, { text: 'great', quote: sent!.key.id! });
    const r = await client.waitForUpsert((u) => u.message.key.id === reaction.messageId);
    assert.equal(r.message.message?.reactionMessage?.text, '❤️');
    assert.equal(r.message.message?.reactionMessage?.key?.id, sent!.key.id);
    const q = await client.waitForUpsert((u) => u.message.key.id === quoted.messageId);
    assert.equal(q.message.message?.extendedTextMessage?.contextInfo?.stanzaId, sent!.key.id);
    assert.equal(q.message.message?.extendedTextMessage?.contextInfo?.quotedMessage?.conversation, 'fine, thanks');
  });

  it('handles a LID-addressed contact: from=<lid>@lid with sender_pn, replies go to the LID', async () => {
    const lena = sim.addContact({ name: 'Lena', lid: true });
    assert.match(lena.jid, /@lid$/);
    const { messageId } = await sim.send(lena.id, 'hi from a LID');
    const got = await client.waitForUpsert((u) => u.message.key.id === messageId);
    assert.equal(got.message.key.remoteJid, lena.lidJid);
    assert.equal(got.message.key.remoteJidAlt, lena.pnJid);

    const sent = await client.sock.sendMessage(got.message.key.remoteJid!, { text: 'hello Lena' });
    const reply = await sim.waitForMessage(lena.id, (m) => m.id === sent!.key.id);
    assert.equal(reply.text, 'hello Lena');
    assert.match(reply.from, /@lid$/, 'our reply arrives from our LID');
    // Receipts go back from the address our client used.
    await sim.waitFor(() => sim.inbox(lena.id).receipts.some((r) => r.messageId === messageId));
    assert.match(sim.inbox(lena.id).receipts.find((r) => r.messageId === messageId)!.from, /@lid$/);
  });

  it('keeps chatting over the existing session after a reconnect', async () => {
    const eve = sim.addContact({ name: 'Eve' });
    const before = await sim.send(eve.id, 'before');
    await client.waitForUpsert((u) => u.message.key.id === before.messageId);
    const bye = client.nextClose();
    await client.sock.end(undefined);
    await bye;

    await client.reconnect();
    const afterMsg = await sim.send(eve.id, 'after');
    const got = await client.waitForUpsert((u) => u.message.key.id === afterMsg.messageId);
    assert.equal(textOf(got.message), 'after');
    const sent = await client.sock.sendMessage(eve.pnJid, { text: 'still here' });
    assert.equal((await sim.waitForMessage(eve.id, (m) => m.id === sent!.key.id)).text, 'still here');
    assert.equal(sim.state().counts.contactDecryptFailures, 0);
  });

  it('a message our client sends again under the same id is receipted but shown to the contact once', async () => {
    const gus = sim.addContact({ name: 'Gus' });
    const first = await client.sock.sendMessage(gus.pnJid, { text: 'once only' }, { messageId: '3EB0AAAAAAAAAAAAAAAAAA' });
    await sim.waitForMessage(gus.id, (m) => m.id === first!.key.id);
    const ignoredBefore = sim.state().counts.contactDuplicatesIgnored;
    await client.sock.sendMessage(gus.pnJid, { text: 'once only' }, { messageId: '3EB0AAAAAAAAAAAAAAAAAA' });
    await sim.waitFor(() => sim.state().counts.contactDuplicatesIgnored === ignoredBefore + 1);
    const other = await client.sock.sendMessage(gus.pnJid, { text: 'a new one' });
    await sim.waitForMessage(gus.id, (m) => m.id === other!.key.id);
    assert.deepEqual(sim.inbox(gus.id).messages.map((m) => m.text), ['once only', 'a new one']);
  });

  it('queues messages while our client is away and redelivers them as offline on the next login', async () => {
    const fay = sim.addContact({ name: 'Fay' });
    const bye = client.nextClose();
    await client.sock.end(undefined);
    await bye;

    const missed = await sim.send(fay.id, 'sent while you were down');
    assert.equal(sim.devices().find((d) => d.jid === client.jid)!.pending, 1);

    await client.reconnect();
    const got = await client.waitForUpsert((u) => u.message.key.id === missed.messageId);
    assert.equal(textOf(got.message), 'sent while you were down');
    assert.equal(got.type, 'append', 'catch-up messages arrive as append, not notify');
    await sim.waitFor(() => sim.devices().find((d) => d.jid === client.jid)!.pending === 0, { what: 'the receipt to settle the queue' });
  });

  it('keeps a message queued until the client acknowledges it (a silenced socket never did)', async () => {
    const gus = sim.addContact({ name: 'Gus' });
    const closed = client.nextClose(30_000);
    sim.fault({ kind: 'silence', device: client.jid });
    const unseen = await sim.send(gus.id, 'lost in the silence');
    // Force the socket down instead of waiting for Baileys' ping timeout (faults.test covers 408).
    await client.sock.end(undefined);
    await closed;
    assert.equal(client.upserts.some((u) => u.message.key.id === unseen.messageId), false);

    await client.reconnect();
    const got = await client.waitForUpsert((u) => u.message.key.id === unseen.messageId);
    assert.equal(got.type, 'append');
  });

  it('delivers the same message id twice when the duplicate fault is armed', async () => {
    const hal = sim.addContact({ name: 'Hal' });
    sim.fault({ kind: 'duplicate' });
    const { messageId } = await sim.send(hal.id, 'say it twice');
    await client.waitFor(() => client.upserts.filter((u) => u.message.key.id === messageId).length === 2);
    const copies = client.upserts.filter((u) => u.message.key.id === messageId);
    assert.deepEqual(
      copies.map((u) => textOf(u.message)),
      ['say it twice', 'say it twice'],
    );
  });

  it('answers retry receipts both ways: our client lost its session, then the contact lost its', async () => {
    const ivy = sim.addContact({ name: 'Ivy' });
    const first = await sim.send(ivy.id, 'hello');
    await client.waitForUpsert((u) => u.message.key.id === first.messageId);

    // Our side loses its Signal session with Ivy (as after restoring an old auth backup).
    const files = await readdir(client.authDir);
    const ivyUsers = [ivy.phone, ivy.lidJid.split('@')[0]];
    for (const f of files) if (f.startsWith('session-') && ivyUsers.some((u) => f.includes(u!))) await rm(join(client.authDir, f));
    const retriesIn = sim.state().counts.retryReceiptsIn;
    const second = await sim.send(ivy.id, 'can you read this?');
    const got = await client.waitForUpsert((u) => u.message.key.id === second.messageId && textOf(u.message) === 'can you read this?');
    assert.equal(textOf(got.message), 'can you read this?');
    assert.ok(sim.state().counts.retryReceiptsIn > retriesIn, 'Baileys asked the contact to resend');
    // The message's trail tells whoever investigates a loss what happened to it.
    const trail = sim.contact(ivy.id).sent.get(second.messageId)!.trail!.map((step) => step.replace(/ #\d+$/, ''));
    assert.deepEqual(trail.slice(0, 3), ['live', 'retry', 'resent (1)']);
    await sim.waitFor(() => sim.contact(ivy.id).sent.get(second.messageId)!.trail!.some((step) => step.startsWith('receipt')), { what: 'the receipt in the trail' });

    // Now the contact's phone loses its sessions: it answers our next message (sent on the
    // established session, so not a prekey message it could start over from) with a retry receipt.
    const settle = await client.sock.sendMessage(ivy.pnJid, { text: 'got it' });
    await sim.waitForMessage(ivy.id, (m) => m.id === settle!.key.id);
    sim.contact(ivy.id).forgetSessions();
    const retriesOut = sim.state().counts.retryReceiptsOut;
    const sent = await client.sock.sendMessage(ivy.pnJid, { text: 'and this?' });
    const arrived = await sim.waitForMessage(ivy.id, (m) => m.id === sent!.key.id);
    assert.equal(arrived.text, 'and this?');
    assert.ok(sim.state().counts.retryReceiptsOut > retriesOut, 'the contact sent a retry receipt');
  });
});
