import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { FakeClock } from '../../main/shared/clock.ts';
import { formatPairingCode, normalizePhoneForPairing, qrLifetimeMs, renderQrDataUrl, renderQrTerminal } from '../../main/connection/qr.ts';
import { BUNDLED_WA_VERSION, resolveWaVersion } from '../../main/connection/version.ts';

// pngjs ships no types and jsqr's default export is CJS: load both untyped, typed here.
const require = createRequire(import.meta.url);
const { PNG } = require('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } };
const jsQR = require('jsqr') as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

const QR = 'https://wa.me/settings/linked_devices#2@abcDEF123==,S0m3N01seKey+/=,Id3ntityKey+/=,Adv5ecret+/=,1';

test('the rendered QR is a large PNG that decodes back to the exact string', async () => {
  const url = await renderQrDataUrl(QR);
  assert.match(url, /^data:image\/png;base64,/);
  const png = PNG.sync.read(Buffer.from(url.split(',')[1]!, 'base64'));
  assert.ok(png.width >= 512, `width ${png.width}`);
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.equal(decoded?.data, QR);
});

test('terminal rendering is text blocks', async () => {
  const text = await renderQrTerminal(QR);
  assert.ok(text.split('\n').length > 20);
  assert.match(text, /[▀▄█]/);
});

test('QR lifetimes follow Baileys: 60 s then 20 s, or the fixed test value', () => {
  assert.deepEqual([0, 1, 2, 5].map((i) => qrLifetimeMs(i)), [60_000, 20_000, 20_000, 20_000]);
  assert.equal(qrLifetimeMs(0, 300), 300);
});

test('pairing codes and phone numbers', () => {
  assert.equal(formatPairingCode('abcd2345'), 'ABCD-2345');
  assert.equal(normalizePhoneForPairing('+49 170 123-4567'), '491701234567');
  assert.equal(normalizePhoneForPairing('whatsapp:+15551234567'), '15551234567');
  assert.equal(normalizePhoneForPairing('hello'), undefined);
  assert.equal(normalizePhoneForPairing('+12'), undefined);
});

test('with CLAWLINE_WA_URL set the version is never fetched', async () => {
  let called = false;
  const v = await resolveWaVersion({ env: { CLAWLINE_WA_URL: 'ws://127.0.0.1:1/ws/chat' }, fetchLatest: async () => { called = true; return { version: [2, 3000, 1], isLatest: true }; } });
  assert.equal(called, false);
  assert.equal(v.source, 'simulator');
  assert.deepEqual(v.tuple, BUNDLED_WA_VERSION);
});

test('the fetched version is used when it comes; the bundled one with a note when not', async () => {
  const fetched = await resolveWaVersion({ env: {}, fetchLatest: async () => ({ version: [2, 3000, 99], isLatest: true }) });
  assert.deepEqual([fetched.version, fetched.source], ['2.3000.99', 'fetched']);
  const failed = await resolveWaVersion({ env: {}, fetchLatest: async () => ({ version: BUNDLED_WA_VERSION, isLatest: false, error: { message: 'ENOTFOUND' } }) });
  assert.equal(failed.source, 'bundled');
  assert.match(failed.note!, /ENOTFOUND/);
});

test('a version fetch that hangs falls back after the timeout', async () => {
  const clock = new FakeClock();
  let aborted = false;
  const pending = resolveWaVersion({
    env: {}, clock, timeoutMs: 3000,
    fetchLatest: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => { aborted = true; reject(new Error('aborted')); })),
  });
  clock.advance(3000);
  const v = await pending;
  assert.equal(v.source, 'bundled');
  assert.ok(aborted);
  assert.match(v.note!, /no answer within 3000 ms/);
});
