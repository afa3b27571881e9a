// Groups (sender keys, LID-addressed participants, mentions of our LID, our reply into the group)
// and media both ways over the simulator's HTTPS media host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { downloadMediaMessage } from '@whiskeysockets/baileys';
import { startSimulator, trustCaForFetch, type Simulator } from '../../sim/index.ts';
import { linkRawBaileys, textOf, type RawClient } from './helpers.ts';

describe('simulator: groups and media with raw Baileys', () => {
  let sim: Simulator;
  let client: RawClient;
  let untrust: () => void;

  before(async () => {
    sim = await startSimulator({ quiet: true });
    // Baileys downloads with global fetch, which must trust the simulator's CA.
    untrust = trustCaForFetch(sim.caPem);
    client = await linkRawBaileys(sim);
  });

  after(async () => {
    await client?.cleanup();
    await sim?.close();
    untrust?.();
  });

  it('delivers a group message that mentions our LID, and our reply reaches every member', async () => {
    const ann = sim.addContact({ name: 'Ann' });
    const bob = sim.addContact({ name: 'Bob', lid: true });
    const group = sim.addGroup({ subject: 'Team', members: [ann.id, bob.id] });
    assert.equal(group.addressing, 'lid');
    const ourLid = client.lid.replace(/:\d+@/, '@');
    assert.ok(group.participants.includes(ourLid), 'we are a LID participant');

    const { messageId } = await sim.send(ann.id, { group: group.id, text: `@${ourLid.split('@')[0]} can you help?`, mentions: [ourLid] });
    const got = await client.waitForUpsert((u) => u.message.key.id === messageId);
    assert.equal(got.message.key.remoteJid, group.jid);
    assert.equal(got.message.key.participant, ann.lidJid);
    assert.equal(got.message.key.participantAlt, ann.pnJid);
    assert.equal(textOf(got.message), `@${ourLid.split('@')[0]} can you help?`);
    assert.deepEqual(got.message.message?.extendedTextMessage?.contextInfo?.mentionedJid, [ourLid]);

    const sent = await client.sock.sendMessage(group.jid, { text: 'on it', mentions: [ann.lidJid] }, { quoted: got.message });
    for (const member of [ann, bob]) {
      const m = await sim.waitForMessage(member.id, (x) => x.id === sent!.key.id);
      assert.equal(m.text, 'on it');
      assert.equal(m.group, group.id);
      assert.equal(m.chat, group.jid);
      assert.deepEqual(m.mentions, [ann.lidJid]);
      assert.equal(m.quoted?.id, messageId);
    }

    // A second member writes (its own sender key), and a second reply rides the existing keys.
    const fromBob = await sim.send(bob.id, { group: group.id, text: 'me too' });
    const second = await client.waitForUpsert((u) => u.message.key.id === fromBob.messageId);
    assert.equal(second.message.key.participant, bob.lidJid);
    const again = await client.sock.sendMessage(group.jid, { text: 'thanks both' });
    await sim.waitForMessage(bob.id, (x) => x.id === again!.key.id);
    await sim.waitForMessage(ann.id, (x) => x.id === again!.key.id);
    assert.equal(sim.state().counts.contactDecryptFailures, 0);
  });

  it('serves group metadata with LID participants and their phone numbers', async () => {
    const cat = sim.addContact({ name: 'Cat' });
    const group = sim.addGroup({ subject: 'Cats', members: [cat.id] });
    const meta = await client.sock.groupMetadata(group.jid);
    assert.equal(meta.subject, 'Cats');
    assert.equal(meta.addressingMode, 'lid');
    const catEntry = meta.participants.find((p) => p.id === cat.lidJid);
    assert.equal(catEntry?.phoneNumber, cat.pnJid);
  });

  it('delivers a contact’s image that Baileys downloads and decrypts byte for byte', async () => {
    const dee = sim.addContact({ name: 'Dee' });
    const sent = await sim.send(dee.id, { media: { kind: 'image', bytes: 20_000 }, text: 'a picture' });
    const got = await client.waitForUpsert((u) => u.message.key.id === sent.messageId);
    assert.equal(got.message.message?.imageMessage?.caption, 'a picture');
    const bytes = (await downloadMediaMessage(got.message, 'buffer', {})) as Buffer;
    assert.equal(bytes.length, 20_000);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sent.media!.sha256);
  });

  it('delivers an audio note from a contact', async () => {
    const eli = sim.addContact({ name: 'Eli' });
    const sent = await sim.send(eli.id, { media: { kind: 'audio', bytes: 3000 } });
    const got = await client.waitForUpsert((u) => u.message.key.id === sent.messageId);
    assert.equal(got.message.message?.audioMessage?.mimetype, 'audio/ogg; codecs=opus');
    const bytes = (await downloadMediaMessage(got.message, 'buffer', {})) as Buffer;
    assert.equal(createHash('sha256').update(bytes).digest('hex'), sent.media!.sha256);
  });

  it('uploads our document to the media host; the contact downloads and verifies it', async () => {
    const fin = sim.addContact({ name: 'Fin' });
    const content = Buffer.from('quarterly numbers\n'.repeat(200));
    const sent = await client.sock.sendMessage(fin.pnJid, { document: content, mimetype: 'text/plain', fileName: 'numbers.txt' });
    const m = await sim.waitForMessage(fin.id, (x) => x.id === sent!.key.id);
    assert.equal(m.media?.kind, 'document');
    assert.equal(m.media?.ok, true, m.media?.error);
    assert.equal(m.media?.fileName, 'numbers.txt');
    assert.equal(m.media?.bytes, content.length);
    assert.equal(m.media?.sha256, createHash('sha256').update(content).digest('hex'));
    assert.ok(sim.state().counts.mediaUploads >= 1);
  });
});
