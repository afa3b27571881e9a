import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBundleRedactor, scrubSecretsInText } from '../../main/logs/index.ts';

const salt = Buffer.from('fixed salt for the test');

test('phone numbers become the same token in every form they appear in', () => {
  const r = createBundleRedactor({ salt });
  const token = r.phone('14155551234');
  assert.match(token, /^\+1…#[0-9a-f]{8}$/);
  const hash = token.slice(token.indexOf('#'));
  assert.equal(r.scrubText('from +14155551234 ok'), `from ${token} ok`);
  assert.equal(r.scrubText('call +1 (415) 555-1234'), `call ${token}`);
  assert.equal(r.scrubText('14155551234@s.whatsapp.net'), `1…${hash}@s.whatsapp.net`);
  assert.equal(r.scrubText('14155551234:3@s.whatsapp.net'), `1…${hash}:3@s.whatsapp.net`, 'device suffix kept');
  assert.equal(r.scrubText('14155551234@c.us'), `1…${hash}@c.us`);
  const lid = r.scrubText('98765432109876@lid and 98765432109876:12@lid');
  assert.match(lid, /^…#[0-9a-f]{8}@lid and …#[0-9a-f]{8}:12@lid$/);
  assert.ok(!lid.includes('98765432109876'));
  assert.doesNotMatch(r.scrubText('group 14155551234-1600000000@g.us'), /4155551234/);
  assert.deepEqual(r.redactValue({ allowFrom: ['+14155551234', '14155551234', 14155551234, '*'] }), { allowFrom: [token, `1…${hash}`, `1…${hash}`, '*'] });
  assert.notEqual(createBundleRedactor({ salt: Buffer.from('another') }).phone('14155551234'), token, 'salted per bundle');
});

test('numbers that are not phone numbers are left alone', () => {
  const r = createBundleRedactor({ salt });
  const text = 'at 2025-01-31T10:00:00+01:00 took 1234567 ms, version 2.3000.1023223821, code 515, status@broadcast';
  assert.equal(r.scrubText(text), text);
  assert.deepEqual(r.redactValue({ time: 1738317600000, attempt: 3, code: 'ECONNRESET', statusCode: 440 }), { time: 1738317600000, attempt: 3, code: 'ECONNRESET', statusCode: 440 });
});

test('message text and contact names become hashes that still match each other', () => {
  const r = createBundleRedactor({ salt });
  const out = r.redactValue({ text: 'meet me at 5', quoted: { text: 'meet me at 5', caption: 'photo of the door' }, pushName: 'Jane Doe', msg: 'Inbound message (direct, 12 chars)' }) as Record<string, unknown>;
  assert.match(String(out.text), /^\[text #[0-9a-f]{8} len=12\]$/);
  assert.equal((out.quoted as { text: string }).text, out.text);
  assert.match(String((out.quoted as { caption: string }).caption), /^\[text #[0-9a-f]{8} len=17\]$/);
  assert.match(String(out.pushName), /^\[name #[0-9a-f]{8}\]$/);
  assert.equal(out.msg, 'Inbound message (direct, 12 chars)', 'log messages themselves stay readable');
});

test('bundle redaction hides QR data and pairing codes from status', () => {
  const r = createBundleRedactor({ salt });
  const out = r.redactValue({ linking: { method: 'code', qr: '2@abc,def', qrDataUrl: 'data:image/png;base64,AAAA', code: 'ABCD-EFGH', phone: '+14155551234' } }) as { linking: Record<string, string> };
  assert.deepEqual({ ...out.linking, phone: undefined }, { method: 'code', qr: '[redacted]', qrDataUrl: '[redacted]', code: '[redacted]', phone: undefined });
  assert.equal(out.linking.phone, r.phone('14155551234'));
});

test('the secret scrubber keeps a JSON line parseable', () => {
  const line = JSON.stringify({ msg: 'Authorization: Bearer abcdefghijklmnop, url https://user:pw@example.invalid/?token=zzz&x=1 said "password=hunter22"', path: 'C:\\Users\\me\\token=abc' });
  const scrubbed = scrubSecretsInText(line);
  const parsed = JSON.parse(scrubbed) as { msg: string; path: string };
  assert.equal(parsed.msg, 'Authorization: Bearer [redacted], url https://user:[redacted]@example.invalid/?token=[redacted]&x=1 said "password=[redacted]"');
  assert.ok(!scrubbed.includes('hunter22') && !scrubbed.includes('abcdefghijklmnop') && !scrubbed.includes('zzz'));
});

test('a torn JSON line still has its message text hidden', () => {
  const r = createBundleRedactor({ salt });
  const torn = '{"level":"info","msg":"Inbound message +14155551234","text":"the secret plan is \\"go\\" at noon","caption":"half a capt';
  const out = r.redactLogLine(torn);
  assert.ok(!out.includes('secret plan') && !out.includes('half a capt') && !out.includes('4155551234'), out);
  assert.match(out, /"text":"\[text hidden\]"/);
});
