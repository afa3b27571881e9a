import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bareJid, isBroadcastJid, isGroupJid, isLidJid, jidToE164, listAllows, normalizeE164, sameUser } from '../../main/access/index.ts';

test('normalizeE164 accepts the spellings people type and JIDs', () => {
  const cases: [string, string | undefined][] = [
    ['+15551234567', '+15551234567'],
    ['15551234567', '+15551234567'],
    ['+1 (555) 123-4567', '+15551234567'],
    ['whatsapp:+15551234567', '+15551234567'],
    ['tel:+49 30 1234567', '+49301234567'],
    ['15551234567@s.whatsapp.net', '+15551234567'],
    ['15551234567:12@s.whatsapp.net', '+15551234567'],
    ['15551234567@c.us', '+15551234567'],
    ['123456789@lid', undefined],
    ['hello', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeE164(input), expected, input);
});

test('JID helpers ignore device suffixes and tell servers apart', () => {
  assert.equal(bareJid('15551234567:3@s.whatsapp.net'), '15551234567@s.whatsapp.net');
  assert.equal(bareJid('15551234567@c.us'), '15551234567@s.whatsapp.net');
  assert.equal(bareJid('987654321:7@lid'), '987654321@lid');
  assert.equal(bareJid('garbage'), undefined);
  assert.equal(jidToE164('15551234567:3@s.whatsapp.net'), '+15551234567');
  assert.equal(jidToE164('987654321@lid'), undefined);
  assert.equal(jidToE164('120363000000000000@g.us'), undefined);
  assert.ok(isLidJid('987654321:7@lid'));
  assert.ok(isGroupJid('120363000000000000@g.us'));
  assert.ok(isBroadcastJid('status@broadcast'));
  assert.ok(isBroadcastJid('120363000000000001@newsletter'));
  assert.ok(!isBroadcastJid('15551234567@s.whatsapp.net'));
  assert.ok(sameUser('15551234567:3@s.whatsapp.net', '15551234567@s.whatsapp.net'));
  assert.ok(!sameUser('15551234567@s.whatsapp.net', '15551234567@lid'));
});

test('listAllows matches any spelling and the "*" wildcard, never an empty list', () => {
  assert.ok(listAllows(['+1 555 123 4567'], '+15551234567'));
  assert.ok(listAllows(['*'], '+15550000000'));
  assert.ok(listAllows(['*'], undefined));
  assert.ok(!listAllows([], '+15551234567'));
  assert.ok(!listAllows(undefined, '+15551234567'));
  assert.ok(!listAllows(['+15551234567'], '+15551234568'));
  assert.ok(!listAllows(['+15551234567'], undefined));
});
