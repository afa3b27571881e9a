// Encryption at rest through the gateway: new accounts are encrypted with the key provider,
// OpenClaw's plain folders keep working (and stay plain) when a key provider is present.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { staticKeyProvider } from '../../main/auth/index.ts';
import { gatewayHarness } from './helpers.ts';

const key = staticKeyProvider(Buffer.alloc(32, 7), 'test-key');

test('a plain (OpenClaw) credentials folder still connects when the app has a key, and is reported as unencrypted', async (t) => {
  const h = await gatewayHarness(t);
  await h.link();
  await h.restart({ keyProvider: key });
  const again = await h.waitAccount((a) => a.state === 'connected');
  assert.equal(again.state, 'connected');
  const creds = await readFile(join(h.stateDir, 'credentials/whatsapp/default/creds.json'), 'utf8');
  assert.ok(JSON.parse(creds).me, 'creds.json stays plain JSON that OpenClaw can read');
  const summary = await h.gateway.summary();
  assert.equal(summary.encryption?.enabled, true);
  assert.match(summary.encryption?.warning ?? '', /"default".*not encrypted/);
});

test('a new account linked with a key provider is stored encrypted and reconnects after a restart', async (t) => {
  const h = await gatewayHarness(t, { gateway: { keyProvider: key } });
  await h.link();
  const raw = await readFile(join(h.stateDir, 'credentials/whatsapp/default/creds.json'));
  assert.throws(() => JSON.parse(raw.toString('utf8')), 'creds.json is not readable without the key');
  await h.restart({ keyProvider: key });
  await h.waitAccount((a) => a.state === 'connected');
  assert.equal((await h.gateway.summary()).encryption?.warning, undefined);
});
