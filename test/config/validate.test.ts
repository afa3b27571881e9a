// Every kind of finding, on real files from fixtures/: each names the key path, line and column,
// what is wrong and how to fix it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { checkConfig, loadConfig, type LoadedConfig } from '../../main/config/index.ts';
import type { Finding } from '../../main/control/contract.ts';
import { FIXTURES, columnOf, fixture, lineOf, tempDir } from './helpers.ts';

async function load(name: string): Promise<{ cfg: LoadedConfig; text: string }> {
  return { cfg: await loadConfig(join(FIXTURES, name)), text: await fixture(name) };
}

function only(findings: Finding[], path: string, severity?: Finding['severity']): Finding {
  const hits = findings.filter((f) => f.path === path && (!severity || f.severity === severity));
  assert.equal(hits.length, 1, `one finding for ${path}, got ${JSON.stringify(findings, null, 1)}`);
  return hits[0]!;
}

test('a valid, commented OpenClaw file has no findings; unknown top-level keys and other channels are silent', async () => {
  const { cfg } = await load('valid-commented.json5');
  assert.deepEqual(cfg.findings, []);
  assert.ok(cfg.effective);
  const raw = cfg.raw as Record<string, any>;
  assert.deepEqual(raw.gateway, { port: 18789, auth: { mode: 'token' } }, 'OpenClaw keys are read and kept as they are');
  assert.deepEqual(raw.channels.telegram, { botToken: 'not-ours' });
  const result = await checkConfig(join(FIXTURES, 'valid-commented.json5'));
  assert.equal(result.status, 'ok');
});

test('JSON5 syntax error: line and column from the parser, plain words and a hint', async () => {
  const { cfg, text } = await load('syntax-error.json5');
  assert.equal(cfg.effective, undefined);
  assert.equal(cfg.raw, undefined);
  const f = only(cfg.findings, '');
  assert.equal(f.severity, 'error');
  assert.equal(f.line, lineOf(text, 'allowFrom'));
  assert.equal(f.column, columnOf(text, 'allowFrom'));
  assert.match(f.message, /JSON5 syntax error: a comma is missing/);
  assert.match(f.hint!, /commas/);
});

test('wrong types name the key, what was found and how to write it', async () => {
  const { cfg, text } = await load('wrong-types.json5');
  const rr = only(cfg.findings, 'channels.whatsapp.sendReadReceipts');
  assert.equal(rr.severity, 'error');
  assert.equal(rr.line, lineOf(text, 'sendReadReceipts'));
  assert.equal(rr.column, columnOf(text, 'sendReadReceipts'));
  assert.match(rr.message, /must be true or false, not the text "yes"/);
  assert.match(rr.hint!, /sendReadReceipts: true or sendReadReceipts: false/);

  const limit = only(cfg.findings, 'channels.whatsapp.textChunkLimit');
  assert.match(limit.message, /must be a number, not the text "4000"/);
  assert.match(limit.hint!, /textChunkLimit: 4000/);

  const unquoted = only(cfg.findings, 'channels.whatsapp.allowFrom[0]');
  assert.equal(unquoted.line, lineOf(text, '+14155551234'));
  assert.equal(unquoted.column, columnOf(text, '+14155551234'));
  assert.match(unquoted.hint!, /"\+14155551234" with quotes/);

  const ack = only(cfg.findings, 'channels.whatsapp.ackReaction');
  assert.match(ack.hint!, /ackReaction: \{ emoji: "👀" \}/);

  const port = only(cfg.findings, 'clawline.control.port');
  assert.match(port.message, /70000 is too large: it must be at most 65535/);
  assert.equal(cfg.effective, undefined, 'a file with errors has no effective config');
});

test('bad enum values list the choices and suggest the near miss', async () => {
  const { cfg, text } = await load('bad-enum.json5');
  const dm = only(cfg.findings, 'channels.whatsapp.dmPolicy');
  assert.equal(dm.severity, 'error');
  assert.equal(dm.line, lineOf(text, 'dmPolicy'));
  assert.match(dm.message, /"allow-list" is not a valid choice; did you mean "allowlist"\?/);
  assert.match(dm.hint!, /"pairing", "allowlist", "open", "disabled"/);
  assert.match(only(cfg.findings, 'channels.whatsapp.chunkMode').hint!, /"length", "newline"/);
  assert.match(only(cfg.findings, 'clawline.agent.kind').hint!, /"builtin", "openai", "webhook", "command"/);
});

test('dmPolicy "open" without "*" in allowFrom is an error with the fix', async () => {
  const { cfg, text } = await load('open-without-star.json5');
  const f = only(cfg.findings, 'channels.whatsapp.dmPolicy');
  assert.equal(f.severity, 'error');
  assert.equal(f.line, lineOf(text, 'dmPolicy: "open"'));
  assert.match(f.message, /dmPolicy "open" lets anyone DM your agent, which needs "\*"/);
  assert.match(f.hint!, /Add "\*" to allowFrom/);
});

test('dmPolicy "allowlist" with no entries is an error, for the channel and for an account that inherits the empty list', async () => {
  const { cfg, text } = await load('allowlist-empty.json5');
  const channel = only(cfg.findings, 'channels.whatsapp.dmPolicy');
  assert.equal(channel.severity, 'error');
  assert.equal(channel.line, lineOf(text, 'dmPolicy: "allowlist",'));
  assert.match(channel.message, /has no numbers in channels\.whatsapp\.allowFrom/);
  const work = only(cfg.findings, 'channels.whatsapp.accounts.work.dmPolicy');
  assert.equal(work.line, lineOf(text, 'work:'));
  assert.match(work.message, /for account "work"/);
  assert.equal(cfg.findings.filter((f) => f.path.includes('home')).length, 0, 'the home account has its own numbers');
});

test('numbers that are not E.164 after normalization show the normalized form', async () => {
  const { cfg, text } = await load('bad-numbers.json5');
  assert.equal(cfg.findings.filter((f) => f.path === 'channels.whatsapp.allowFrom[0]').length, 0, '"whatsapp:+1 (415) 555-1234" normalizes fine');
  const zero = only(cfg.findings, 'channels.whatsapp.allowFrom[1]');
  assert.equal(zero.line, lineOf(text, '0044'));
  assert.match(zero.message, /"0044 20 7946 0958" is not a valid phone number: after normalization it is "\+00442079460958", which starts with 0/);
  assert.match(zero.hint!, /E\.164/);
  const short = only(cfg.findings, 'channels.whatsapp.allowFrom[2]');
  assert.match(short.message, /"\+1415", which has 4 digits/);
  const group = only(cfg.findings, 'channels.whatsapp.groupAllowFrom[0]');
  assert.match(group.message, /is a group id/);
  assert.match(group.hint!, /channels\.whatsapp\.groups/);
});

test('unknown keys inside channels.whatsapp and clawline warn with "did you mean"; OpenClaw-only keys are information', async () => {
  const { cfg, text } = await load('unknown-keys.json5');
  const typo = only(cfg.findings, 'channels.whatsapp.groupPolicyy');
  assert.equal(typo.severity, 'warning');
  assert.equal(typo.line, lineOf(text, 'groupPolicyy'));
  assert.equal(typo.column, columnOf(text, 'groupPolicyy'));
  assert.match(typo.message, /unknown key "groupPolicyy".*did you mean "groupPolicy"\?/);
  assert.match(typo.hint!, /Rename the key to groupPolicy/);
  const misplaced = only(cfg.findings, 'channels.whatsapp.requireMention');
  assert.match(misplaced.hint!, /belongs under channels\.whatsapp\.groups/);
  assert.match(only(cfg.findings, 'clawline.agnet').message, /did you mean "agent"/);
  assert.equal(only(cfg.findings, 'channels.whatsapp.configWrites').severity, 'info');
  assert.equal(cfg.findings.filter((f) => f.path.startsWith('someFutureOpenClawKey')).length, 0, 'unknown top-level keys are silent');
  assert.ok(cfg.effective, 'warnings alone keep the config usable');
  assert.equal((await checkConfig(join(FIXTURES, 'unknown-keys.json5'))).status, 'problems');
});

test('duplicate keys: both lines and the winner (the last) are reported; the last value is in force', async () => {
  const { cfg, text } = await load('duplicate-keys.json5');
  const f = only(cfg.findings, 'channels.whatsapp.groupPolicy');
  const first = lineOf(text, 'groupPolicy: "disabled"');
  const last = lineOf(text, 'groupPolicy: "open"');
  assert.equal(f.severity, 'warning');
  assert.equal(f.line, last);
  assert.equal(f.message, `duplicate key "groupPolicy" on lines ${first} and ${last}: the last one (line ${last}, "open") wins and the others are ignored`);
  assert.equal(cfg.effective!.whatsapp.accounts[0]!.groupPolicy, 'open');
});

test('the default account id "default" is an unquoted reserved word JSON5 allows; positions still work', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    await writeFile(file, '{\n  channels: { whatsapp: { accounts: {\n    default: { dmPolicy: "bogus" },\n  } } },\n}\n');
    const cfg = await loadConfig(file);
    const f = only(cfg.findings, 'channels.whatsapp.accounts.default.dmPolicy');
    assert.equal(f.line, 3);
    assert.equal(f.column, 16);
  } finally {
    await cleanup();
  }
});

test('a missing file means defaults for loading, and "missing" for check', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'openclaw.json');
    const cfg = await loadConfig(file);
    assert.equal(cfg.exists, false);
    assert.equal(cfg.effective!.whatsapp.accounts[0]!.dmPolicy, 'pairing');
    const check = await checkConfig(file);
    assert.equal(check.status, 'missing');
    assert.match(check.message!, new RegExp(`no config file at ${file}.*defaults.*clawline config set`));
  } finally {
    await cleanup();
  }
});
