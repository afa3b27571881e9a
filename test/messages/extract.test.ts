import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proto } from '@whiskeysockets/baileys';
import { extractMessage, reviveMessage, serializeMessage, type WAMessage } from '../../main/messages/index.ts';

const m = (message: Record<string, unknown>) => ({ key: { remoteJid: '1@s.whatsapp.net', id: 'X' }, message }) as unknown as WAMessage;
const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe\nTEL;type=CELL;type=VOICE;waid=15551234567:+1 555-123-4567\nEND:VCARD';

test('text extraction for each message shape', () => {
  const rows: { name: string; message: Record<string, unknown>; text: string; media?: string }[] = [
    { name: 'conversation', message: { conversation: 'hi there' }, text: 'hi there' },
    { name: 'extended text', message: { extendedTextMessage: { text: 'with preview https://x.y' } }, text: 'with preview https://x.y' },
    { name: 'image caption', message: { imageMessage: { caption: 'look', mimetype: 'image/jpeg' } }, text: 'look', media: 'image' },
    { name: 'video caption', message: { videoMessage: { caption: 'clip', mimetype: 'video/mp4' } }, text: 'clip', media: 'video' },
    { name: 'document caption', message: { documentMessage: { caption: 'the report', fileName: 'r.pdf', mimetype: 'application/pdf' } }, text: 'the report', media: 'document' },
    { name: 'document with caption wrapper', message: { documentWithCaptionMessage: { message: { documentMessage: { caption: 'wrapped', fileName: 'a.txt' } } } }, text: 'wrapped', media: 'document' },
    { name: 'ephemeral wrapper', message: { ephemeralMessage: { message: { extendedTextMessage: { text: 'disappearing' } } } }, text: 'disappearing' },
    { name: 'view once', message: { viewOnceMessage: { message: { imageMessage: { caption: 'once' } } } }, text: 'once', media: 'image' },
    { name: 'view once v2', message: { viewOnceMessageV2: { message: { videoMessage: { caption: 'once2' } } } }, text: 'once2', media: 'video' },
    { name: 'nested wrappers', message: { ephemeralMessage: { message: { viewOnceMessageV2: { message: { conversation: 'deep' } } } } }, text: 'deep' },
    { name: 'voice note', message: { audioMessage: { ptt: true, mimetype: 'audio/ogg; codecs=opus' } }, text: '', media: 'voice' },
    { name: 'audio file', message: { audioMessage: { ptt: false, mimetype: 'audio/mpeg' } }, text: '', media: 'audio' },
    { name: 'sticker', message: { stickerMessage: { mimetype: 'image/webp' } }, text: '', media: 'sticker' },
    { name: 'contact', message: { contactMessage: { displayName: 'Jane Doe', vcard } }, text: 'Contact: Jane Doe (+15551234567)' },
    {
      name: 'contacts array',
      message: { contactsArrayMessage: { contacts: [{ displayName: 'Jane Doe', vcard }, { vcard: 'BEGIN:VCARD\nFN:Bob\nTEL:+44 20 7946 0000\nEND:VCARD' }] } },
      text: 'Contacts:\n- Jane Doe (+15551234567)\n- Bob (+44 20 7946 0000)',
    },
    {
      name: 'location',
      message: { locationMessage: { degreesLatitude: 52.52, degreesLongitude: 13.405, name: 'Brandenburg Gate', address: 'Pariser Platz' } },
      text: 'Location: Brandenburg Gate, Pariser Platz (52.52, 13.405) https://maps.google.com/?q=52.52,13.405',
    },
    { name: 'poll', message: { pollCreationMessageV3: { name: 'Lunch?', options: [{ optionName: 'Pizza' }, { optionName: 'Sushi' }] } }, text: 'Poll: Lunch?\nOptions: Pizza; Sushi' },
    { name: 'button reply', message: { buttonsResponseMessage: { selectedDisplayText: 'Yes' } }, text: 'Yes' },
    { name: 'sender key distribution alongside text', message: { senderKeyDistributionMessage: { groupId: 'g' }, conversation: 'group hello' }, text: 'group hello' },
  ];
  for (const row of rows) {
    const r = extractMessage(m(row.message));
    assert.equal(r.kind, 'message', row.name);
    if (r.kind !== 'message') continue;
    assert.equal(r.text, row.text, row.name);
    assert.equal(r.media?.kind, row.media, row.name);
  }
});

test('media details: mimetype, declared size (Long too), file name', () => {
  const r = extractMessage(m({ documentMessage: { mimetype: 'application/pdf', fileLength: { low: 5, high: 1, unsigned: true }, fileName: 'big.pdf' } }));
  assert.equal(r.kind, 'message');
  if (r.kind !== 'message') return;
  assert.deepEqual(r.media, { kind: 'document', mimetype: 'application/pdf', declaredSize: 2 ** 32 + 5, fileName: 'big.pdf' });
});

test('reactions, protocol messages, empty and unknown types are skipped with a reason', () => {
  const rows: [string, Record<string, unknown> | null, string][] = [
    ['reaction', { reactionMessage: { text: '👍', key: { id: 'A' } } }, 'reaction'],
    ['revoke', { protocolMessage: { type: 0, key: { id: 'A' } } }, 'protocol'],
    ['edit', { protocolMessage: { type: 14, editedMessage: { conversation: 'x' } } }, 'protocol'],
    ['poll vote', { pollUpdateMessage: { vote: {} } }, 'protocol'],
    ['no content', null, 'empty'],
    ['only sender key', { senderKeyDistributionMessage: { groupId: 'g' } }, 'empty'],
    ['empty text', { conversation: '' }, 'empty'],
    ['unknown', { someFutureMessage: { foo: 1 } }, 'unsupported'],
  ];
  for (const [name, message, reason] of rows) {
    const r = extractMessage(m(message as Record<string, unknown>));
    assert.equal(r.kind, 'skip', name);
    assert.equal(r.kind === 'skip' && r.reason, reason, name);
  }
  assert.equal(extractMessage({} as WAMessage).kind, 'skip');
});

test('quoted replies and mentions come with the message', () => {
  const r = extractMessage(
    m({
      extendedTextMessage: {
        text: 'what about this?',
        contextInfo: {
          stanzaId: 'Q1',
          participant: '15550000001@s.whatsapp.net',
          quotedMessage: { imageMessage: { caption: 'the chart' } },
          mentionedJid: ['900000001@lid'],
        },
      },
    }),
  );
  assert.equal(r.kind, 'message');
  if (r.kind !== 'message') return;
  assert.deepEqual(r.quoted, { text: 'the chart', participant: '15550000001@s.whatsapp.net', stanzaId: 'Q1' });
  assert.deepEqual(r.context, { mentionedJids: ['900000001@lid'], quotedParticipant: '15550000001@s.whatsapp.net', quotedStanzaId: 'Q1' });
  const mediaOnlyQuote = extractMessage(m({ extendedTextMessage: { text: 'this?', contextInfo: { quotedMessage: { audioMessage: { ptt: true } } } } }));
  assert.equal(mediaOnlyQuote.kind === 'message' && mediaOnlyQuote.quoted?.text, '<voice note>');
});

test('real protobuf messages: extracted, and survive the journal round trip with bytes and longs', () => {
  const message = proto.Message.fromObject({
    imageMessage: { caption: 'proto caption', mimetype: 'image/png', mediaKey: Buffer.from([1, 2, 3, 250]), fileLength: 123456, directPath: '/v/t62/x' },
  });
  const wa = { key: { remoteJid: '15551110001@s.whatsapp.net', id: 'ABC', fromMe: false }, message, messageTimestamp: 1_700_000_000, pushName: 'Alice' } as unknown as WAMessage;
  const r = extractMessage(wa);
  assert.equal(r.kind === 'message' && r.text, 'proto caption');
  const revived = reviveMessage(JSON.parse(JSON.stringify(serializeMessage(wa))));
  assert.ok(Buffer.isBuffer(revived.message?.imageMessage?.mediaKey));
  assert.deepEqual([...(revived.message!.imageMessage!.mediaKey as Uint8Array)], [1, 2, 3, 250]);
  assert.equal(Number(revived.message?.imageMessage?.fileLength), 123456);
  assert.equal(revived.key.id, 'ABC');
  const again = extractMessage(revived);
  assert.equal(again.kind === 'message' && again.media?.declaredSize, 123456);
});
