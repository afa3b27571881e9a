import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import JSON5 from 'json5';
import { FakeClock } from '../../main/shared/clock.ts';
import { createDiagnosticsBundle } from '../../main/doctor/diagnostics-bundle.ts';

/** Minimal unzip: central directory -> local headers -> stored or deflated data. */
function unzip(zip: Buffer): Map<string, string> {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'end of central directory found');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    files.set(name, (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return files;
}

const PHONE = '+14155551234';
const OTHER_PHONE = '+447700900123';
const LID = '98765432109876';
const API_KEY = 'sk-ant-api03-VERYSECRETKEY0123456789';
const GATEWAY_TOKEN = 'c0ffee00deadbeefc0ffee00deadbeef';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const TEXTS = ['can you book the dentist for Tuesday', 'here is the door code', 'my address is 12 Elm Street'];
const PUSH_NAME = 'Jane Q. Example';

function seedState(t: { after(fn: () => void): void }): string {
  const stateDir = mkdtempSync(join(tmpdir(), 'clawline-bundle-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  writeFileSync(join(stateDir, 'openclaw.json'), `{
  // who may talk to the agent (owner: ${PHONE})
  channels: {
    whatsapp: {
      dmPolicy: 'allowlist',
      allowFrom: ['${PHONE}', '${OTHER_PHONE.slice(1)}'],
      accounts: { default: { name: 'Personal', enabled: true } },
    },
  },
  models: { providers: { anthropic: { apiKey: '${API_KEY}' } } },
  gateway: { port: 18789, auth: { mode: 'token', token: "${GATEWAY_TOKEN}" } },
  env: { OPENAI_API_KEY: 'sk-proj-ANOTHERSECRET987654321' },
}
`);
  const logs = join(stateDir, 'logs');
  mkdirSync(logs);
  const jid = `${PHONE.slice(1)}:3@s.whatsapp.net`;
  const lines = [
    { level: 'info', time: 1, subsystem: 'inbound', accountId: 'default', msg: `Inbound message ${PHONE} -> ${OTHER_PHONE} (direct, ${TEXTS[0]!.length} chars)`, from: jid, text: TEXTS[0], pushName: PUSH_NAME },
    { level: 'info', time: 2, subsystem: 'inbound', accountId: 'default', msg: 'media received', from: `${LID}@lid`, caption: TEXTS[1], quoted: { text: TEXTS[0] } },
    { level: 'info', time: 3, subsystem: 'outbound', accountId: 'default', msg: 'reply sent', to: PHONE.slice(1), body: TEXTS[2] },
    { level: 'warn', time: 4, subsystem: 'agent', msg: `agent call failed with header Authorization: Bearer ${BEARER}`, apiKey: API_KEY, path: `${homedir()}/.openclaw/openclaw.json` },
  ];
  writeFileSync(join(logs, 'clawline-2025-01-30.log.1'), `${JSON.stringify(lines[0])}\n`);
  writeFileSync(join(logs, 'clawline-2025-01-30.log'), `${lines.slice(1).map((l) => JSON.stringify(l)).join('\n')}\nplain line about ${PHONE.slice(1)}@s.whatsapp.net and ${OTHER_PHONE}\n`);
  return stateDir;
}

const versions = { app: '0.1.0', node: process.versions.node, baileys: '7.0.0-rc14', waWeb: [2, 3000, 1023223821] };
const statusHistory = [{ accountId: 'default', state: 'linking', linking: { method: 'code', code: 'ABCD-EFGH', phone: PHONE, qr: '2@secretqrref,abc' }, self: { number: PHONE.slice(1), lid: `${LID}@lid` }, reconnectAttempts: 0, enabled: true }];
const lastDisconnects = [{ accountId: 'default', at: 5, code: 428, reason: `connection closed for ${PHONE.slice(1)}@s.whatsapp.net` }];
const doctorResults = [{ id: 'config-mode', ok: false, detail: `allowFrom lists ${OTHER_PHONE}`, fix: 'chmod 600' }];

test('the bundle holds versions, redacted config, status, doctor results and logs, with no secret, number or message text', async (t) => {
  const stateDir = seedState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 14, 5, 9).getTime());
  const path = await createDiagnosticsBundle({ stateDir, versions, statusHistory, lastDisconnects, doctorResults, clock })

  assert.equal(path, join(stateDir, 'clawline', 'diagnostics', 'clawline-diagnostics-20250131-140509.zip'));
  if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
  const files = unzip(readFileSync(path));
  assert.deepEqual([...files.keys()].sort(), ['config.redacted.json5', 'doctor.json', 'logs/clawline-2025-01-30.1.log', 'logs/clawline-2025-01-30.log', 'manifest.json', 'status.json', 'versions.json']);

  const everything = [...files.values()].join('\n');
  const forbidden = [
    API_KEY, 'VERYSECRETKEY', GATEWAY_TOKEN, 'ANOTHERSECRET', BEARER.slice(0, 30), 'secretqrref', 'ABCD-EFGH',
    '4155551234', '7700900123', LID, ...TEXTS, PUSH_NAME, homedir(),
  ];
  for (const s of forbidden) assert.ok(!everything.includes(s), `"${s}" is in the bundle`);

  // Still useful: versions, structure, states and codes survive.
  assert.deepEqual(JSON.parse(files.get('versions.json')!).waWeb, [2, 3000, 1023223821]);
  const config = JSON5.parse(files.get('config.redacted.json5')!) as { channels: { whatsapp: { dmPolicy: string; allowFrom: string[]; accounts: unknown } }; gateway: { port: number; auth: { mode: string; token: string } }; models: { providers: { anthropic: { apiKey: string } } } };
  assert.equal(config.channels.whatsapp.dmPolicy, 'allowlist');
  assert.deepEqual(config.channels.whatsapp.accounts, { default: { name: 'Personal', enabled: true } });
  assert.deepEqual(config.gateway.auth, { mode: 'token', token: '[redacted]' });
  assert.equal(config.models.providers.anthropic.apiKey, '[redacted]');
  assert.match(files.get('config.redacted.json5')!, /\/\/ who may talk to the agent \(owner: \+1…#[0-9a-f]{8}\)/, 'comments survive, scrubbed');
  const status = JSON.parse(files.get('status.json')!) as { statusHistory: Array<{ state: string; linking: { qr: string } }>; lastDisconnects: Array<{ code: number }> };
  assert.equal(status.statusHistory[0]!.state, 'linking');
  assert.equal(status.lastDisconnects[0]!.code, 428);
  assert.equal(JSON.parse(files.get('doctor.json')!)[0].fix, 'chmod 600');

  // Correlation: the owner's number has one token in config, status and every log form.
  const owner = config.channels.whatsapp.allowFrom[0]!;
  assert.match(owner, /^\+1…#[0-9a-f]{8}$/);
  const hash = owner.slice(owner.indexOf('#'));
  const logText = files.get('logs/clawline-2025-01-30.1.log')! + files.get('logs/clawline-2025-01-30.log')!;
  assert.ok(logText.includes(`Inbound message ${owner}`), 'E.164 in messages');
  assert.ok(logText.includes(`1…${hash}:3@s.whatsapp.net`), 'inside a JID, device kept');
  assert.ok(files.get('status.json')!.includes(hash));
  const other = config.channels.whatsapp.allowFrom[1]!;
  assert.ok(logText.includes(other.slice(other.indexOf('#'))), 'a number written without + in config matches its +E.164 form in logs');

  // Same message text -> same token, so a quoted reply is still linkable to its original.
  const logLines = logText.trim().split('\n');
  const parsed = logLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(parsed.length, 4, 'every JSON line is still JSON');
  assert.match(String(parsed[0]!.text), /^\[text #[0-9a-f]{8} len=36\]$/);
  assert.equal((parsed[1]!.quoted as { text: string }).text, parsed[0]!.text);
  assert.equal(parsed[3]!.apiKey, '[redacted]');
  assert.match(String(parsed[3]!.path), /^~\/\.openclaw\/openclaw\.json$/);
  assert.equal(parsed[0]!.subsystem, 'inbound');
});

test('two bundles do not share hashes, and the log budget keeps whole newest lines only', async (t) => {
  const stateDir = seedState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 14, 5, 9).getTime());
  const a = unzip(readFileSync(await createDiagnosticsBundle({ stateDir, versions, clock, outPath: join(stateDir, 'a.zip') })));
  const b = unzip(readFileSync(await createDiagnosticsBundle({ stateDir, versions, clock, outPath: join(stateDir, 'b.zip'), maxLogBytes: 300, configText: '{ broken: "+14155551234", ' })));
  const tokenA = /\+1…#([0-9a-f]{8})/.exec(a.get('config.redacted.json5')!)![1];
  const tokenB = /\+1…#([0-9a-f]{8})/.exec(b.get('config.redacted.json5')!)![1];
  assert.notEqual(tokenA, tokenB);

  assert.deepEqual([...b.keys()].filter((k) => k.startsWith('logs/')), ['logs/clawline-2025-01-30.log'], 'only the newest file fits 300 bytes');
  const lines = b.get('logs/clawline-2025-01-30.log')!.trim().split('\n');
  assert.ok(lines.length >= 1);
  assert.match(lines[lines.length - 1]!, /^plain line about 1…#[0-9a-f]{8}@s\.whatsapp\.net and \+4…#[0-9a-f]{8}$/, 'the newest line is kept');
  for (const l of lines) if (l.startsWith('{')) assert.doesNotThrow(() => JSON.parse(l), 'a cut never leaves half a JSON line');
  const manifest = JSON.parse(b.get('manifest.json')!) as { logs: Array<{ cut: boolean }> };
  assert.equal(manifest.logs[0]!.cut, true);
});

test('a missing config is noted in the bundle instead of failing the export', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'clawline-bundle-empty-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const files = unzip(readFileSync(await createDiagnosticsBundle({ stateDir, versions, clock: new FakeClock() })));
  assert.match(files.get('config.redacted.json5')!, /openclaw\.json could not be read: ENOENT/);
  assert.deepEqual([...files.keys()].filter((k) => k.startsWith('logs/')), []);
});
