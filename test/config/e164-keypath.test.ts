import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatKeyPath, normalizeE164, parseKeyPath } from '../../main/config/index.ts';

test('normalizeE164 accepts the spellings people paste and returns +digits', () => {
  const ok: [string, string][] = [
    ['+14155551234', '+14155551234'],
    ['+1 (415) 555-1234', '+14155551234'],
    ['whatsapp:+14155551234', '+14155551234'],
    ['WhatsApp:+44 7700 900123', '+447700900123'],
    ['14155551234', '+14155551234'],
    ['14155551234:12@s.whatsapp.net', '+14155551234'],
    ['  +49 30 1234567  ', '+49301234567'],
  ];
  for (const [input, e164] of ok) assert.deepEqual(normalizeE164(input), { ok: true, e164 }, input);
});

test('normalizeE164 refuses non-numbers with the normalized form and a reason', () => {
  const bad = normalizeE164('0044 20 7946 0958');
  assert.equal(bad.ok, false);
  assert.ok(!bad.ok && bad.normalized === '+00442079460958' && /starts with 0/.test(bad.reason));
  const short = normalizeE164('+1 415');
  assert.ok(!short.ok && short.normalized === '+1415' && /4 digits/.test(short.reason));
  const long = normalizeE164('+1234567890123456');
  assert.ok(!long.ok && /at most 15/.test(long.reason));
  const none = normalizeE164('call me');
  assert.ok(!none.ok && none.normalized === '+' && /no digits/.test(none.reason));
  const lid = normalizeE164('123456789@lid');
  assert.ok(!lid.ok && /LID/.test(lid.reason));
  const group = normalizeE164('120363012345678901@g.us');
  assert.ok(!group.ok && /group/.test(group.reason));
});

test('key paths parse dots, quoted keys and indexes, and print back the same way', () => {
  assert.deepEqual(parseKeyPath('channels.whatsapp.dmPolicy'), ['channels', 'whatsapp', 'dmPolicy']);
  assert.deepEqual(parseKeyPath('channels.whatsapp.groups["120363@g.us"].requireMention'), ['channels', 'whatsapp', 'groups', '120363@g.us', 'requireMention']);
  assert.deepEqual(parseKeyPath("a['x.y'][2].b"), ['a', 'x.y', 2, 'b']);
  assert.deepEqual(parseKeyPath('channels.whatsapp.allowFrom[0]'), ['channels', 'whatsapp', 'allowFrom', 0]);
  assert.equal(formatKeyPath(['channels', 'whatsapp', 'groups', '120363@g.us', 'requireMention']), 'channels.whatsapp.groups["120363@g.us"].requireMention');
  assert.equal(formatKeyPath(['channels', 'whatsapp', 'allowFrom', 1]), 'channels.whatsapp.allowFrom[1]');
  for (const bad of ['', 'a..b', 'a.', 'a[x]', 'a["x"', 'a[0]b']) assert.throws(() => parseKeyPath(bad), /Write keys as/, bad);
});
