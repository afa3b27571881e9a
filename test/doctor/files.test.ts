// Doctor checks on what lies on disk: each test prepares a state dir with one problem, checks
// that the doctor finds it, repairs it with fixCheck and that the files end up as expected.
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, stat, writeFile, chmod } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixAll, fixCheck, runDoctor } from '../../main/doctor/index.ts';
import {
  account, deadPid, find, linkedCredsText, runningGateway, tempState, testContext, unlinkedCredsText, writeAccount, writeLock,
} from './helpers.ts';

const mode = async (p: string) => (await stat(p)).mode & 0o777;

test('a missing config is fine: defaults apply', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const { checks } = await runDoctor(testContext(s.dir));
  const c = find(checks, 'config');
  assert.equal(c.status, 'ok');
  assert.match(c.finding, /using the defaults/);
});

test('a duplicate key in openclaw.json is reported with its line, and an error fails the check', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await writeFile(s.paths.config, '{\n  channels: {\n    whatsapp: {\n      groupPolicy: "disabled",\n      groupPolicy: "open",\n    },\n  },\n}\n', { mode: 0o600 });
  let c = find((await runDoctor(testContext(s.dir))).checks, 'config');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /duplicate key "groupPolicy" on lines 4 and 5/);
  assert.match(c.finding, /openclaw\.json:5/);
  assert.match(c.nextStep ?? '', /line 5/);
  assert.equal(c.fix, undefined, 'config edits are the user\'s call');

  await writeFile(s.paths.config, '{ channels: { whatsapp: { dmPolicy: "sometimes" } } }\n');
  c = find((await runDoctor(testContext(s.dir))).checks, 'config');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /dmPolicy/);
});

test('a config readable by others is found and made private', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await writeFile(s.paths.config, '{}\n');
  await chmod(s.paths.config, 0o644);
  const ctx = testContext(s.dir);
  const c = find((await runDoctor(ctx)).checks, 'config-mode');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /mode 644/);
  assert.ok(c.fix);
  const fixed = await fixCheck('config-mode', ctx);
  assert.equal(fixed.ok, true);
  assert.equal(fixed.check.status, 'ok');
  assert.deepEqual(fixed.changes, [`${s.paths.config}: mode 644 -> 600`]);
  assert.equal(await mode(s.paths.config), 0o600);
});

test('credentials open to other users fail the permissions check, and the fix makes them 700/600', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const dir = await writeAccount(s.dir, 'default', { 'creds.json': linkedCredsText(), 'creds.json.bak': linkedCredsText(), 'pre-key-1.json': '{"private":1}' }, { dir: 0o755, files: 0o644 });
  await chmod(s.paths.credentials, 0o755);
  await writeFile(join(s.paths.credentials, 'oauth.json'), '{"token":"not ours"}');
  await chmod(join(s.paths.credentials, 'oauth.json'), 0o644);
  await chmod(s.dir, 0o755);
  const ctx = testContext(s.dir);
  const c = find((await runDoctor(ctx)).checks, 'permissions');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /credentials can be read by other users/);
  assert.ok(c.fix);

  const fixed = await fixCheck('permissions', ctx);
  assert.equal(fixed.ok, true, fixed.refused);
  assert.equal(fixed.check.status, 'ok');
  assert.equal(await mode(s.dir), 0o700);
  assert.equal(await mode(s.paths.credentials), 0o700);
  assert.equal(await mode(dir), 0o700);
  for (const f of ['creds.json', 'creds.json.bak', 'pre-key-1.json']) assert.equal(await mode(join(dir, f)), 0o600, f);
  assert.equal(await mode(join(s.paths.credentials, 'oauth.json')), 0o644, 'other tools\' files are left alone');
  assert.ok(fixed.changes.some((ch) => ch.includes('creds.json: mode 644 -> 600')));
});

test('a corrupt creds.json with a valid backup fails, and the fix restores it and keeps the damaged file', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const good = linkedCredsText();
  const dir = await writeAccount(s.dir, 'default', { 'creds.json': '{"noiseKey": {"priv', 'creds.json.bak': good });
  const ctx = testContext(s.dir);
  const c = find((await runDoctor(ctx)).checks, 'credentials:default');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /creds\.json/);
  assert.match(c.finding, /backup/);
  assert.equal(c.fix?.label, 'Restore creds.json from its backup');

  const fixed = await fixCheck('credentials:default', ctx);
  assert.equal(fixed.ok, true, fixed.refused);
  assert.equal(fixed.check.status, 'ok');
  assert.match(fixed.check.finding, /linked as \+15551234567/);
  assert.equal(await readFile(join(dir, 'creds.json'), 'utf8'), good);
  const names = await readdir(dir);
  assert.ok(names.some((n) => /^creds\.json\.\d+\.corrupt$/.test(n)), `damaged file kept: ${names.join(', ')}`);
  assert.ok(fixed.changes.some((ch) => ch.startsWith('restored')));
});

test('valid creds without a backup warn; the fix writes one', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const dir = await writeAccount(s.dir, 'default', { 'creds.json': linkedCredsText() });
  const ctx = testContext(s.dir);
  const c = find((await runDoctor(ctx)).checks, 'credentials:default');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /creds\.json\.bak is missing/);
  const fixed = await fixCheck('credentials:default', ctx);
  assert.equal(fixed.ok, true, fixed.refused);
  assert.equal(fixed.check.status, 'ok');
  assert.equal(await readFile(join(dir, 'creds.json.bak'), 'utf8'), await readFile(join(dir, 'creds.json'), 'utf8'));
});

test('creds and backup both broken: fail with a relink step and no automatic fix', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await writeAccount(s.dir, 'default', { 'creds.json': '', 'creds.json.bak': '{broken' });
  const { checks } = await runDoctor(testContext(s.dir));
  const c = find(checks, 'credentials:default');
  assert.equal(c.status, 'fail');
  assert.equal(c.fix, undefined);
  assert.match(c.nextStep ?? '', /clawline channels login --account default/);
  const fixed = await fixCheck('credentials:default', testContext(s.dir));
  assert.equal(fixed.ok, false);
  assert.match(fixed.refused ?? '', /no automatic repair/);
});

test('restoring the credentials of an account the gateway is running is refused', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const dir = await writeAccount(s.dir, 'default', { 'creds.json': 'garbage', 'creds.json.bak': linkedCredsText() });
  const ctx = testContext(s.dir, { gateway: runningGateway([account({ state: 'reconnecting' })], { pid: 777 }) });
  const fixed = await fixCheck('credentials:default', ctx);
  assert.equal(fixed.ok, false);
  assert.match(fixed.refused ?? '', /gateway \(pid 777\) is running account "default".*clawline gateway stop/);
  assert.equal(await readFile(join(dir, 'creds.json'), 'utf8'), 'garbage', 'nothing touched');
});

test('the old flat layout is found and moved; oauth.json stays untouched', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await mkdir(s.paths.credentials, { recursive: true, mode: 0o700 });
  const creds = linkedCredsText();
  await writeFile(join(s.paths.credentials, 'creds.json'), creds, { mode: 0o600 });
  await writeFile(join(s.paths.credentials, 'pre-key-1.json'), '{"public":"x"}', { mode: 0o600 });
  await writeFile(join(s.paths.credentials, 'oauth.json'), '{"token":"openai"}', { mode: 0o600 });
  const oauthBefore = await stat(join(s.paths.credentials, 'oauth.json'));
  const ctx = testContext(s.dir);
  const c = find((await runDoctor(ctx)).checks, 'legacy-layout');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /2 WhatsApp credential files/);
  assert.ok(c.fix);

  const fixed = await fixCheck('legacy-layout', ctx);
  assert.equal(fixed.ok, true, fixed.refused);
  assert.equal(fixed.check.status, 'ok');
  const target = s.paths.accountAuthDir('default');
  assert.deepEqual((await readdir(target)).sort(), ['creds.json', 'pre-key-1.json']);
  assert.equal(await readFile(join(target, 'creds.json'), 'utf8'), creds);
  assert.deepEqual((await readdir(s.paths.credentials)).sort(), ['oauth.json', 'whatsapp']);
  const oauthAfter = await stat(join(s.paths.credentials, 'oauth.json'));
  assert.equal(await readFile(join(s.paths.credentials, 'oauth.json'), 'utf8'), '{"token":"openai"}');
  assert.equal(oauthAfter.mtimeMs, oauthBefore.mtimeMs);
  assert.equal(oauthAfter.ino, oauthBefore.ino);
  // The moved account now reads as linked.
  assert.equal(find((await runDoctor(ctx)).checks, 'linked:default').status, 'ok');
});

test('creds without "me" read as linked but logged out, with relink as the next step', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await writeAccount(s.dir, 'default', { 'creds.json': unlinkedCredsText(), 'creds.json.bak': unlinkedCredsText() });
  const { checks } = await runDoctor(testContext(s.dir));
  const c = find(checks, 'linked:default');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /logged out/);
  assert.match(c.nextStep ?? '', /channels logout --account default.*channels login --account default/);
  assert.equal(c.fix, undefined, 'relinking needs the phone: the UI handles it');
  assert.equal(find(checks, 'credentials:default').status, 'ok', 'the files themselves are intact');
});

test('a logged-out account reported by the running gateway fails the linked check', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const ctx = testContext(s.dir, { gateway: runningGateway([account({ state: 'logged-out', cause: 'Removed from the phone.' })]) });
  const c = find((await runDoctor(ctx)).checks, 'linked:default');
  assert.equal(c.status, 'fail');
  assert.match(c.finding, /Linked session logged out\. Removed from the phone\./);
});

test('a lock left by a dead process is found and removed', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const { lockDir, ownerFile } = await writeLock(s.dir, 'default', await deadPid(), hostname());
  const ctx = testContext(s.dir);
  const { checks } = await runDoctor(ctx);
  const c = find(checks, 'stale-lock');
  assert.equal(c.status, 'warn');
  assert.match(c.finding, /account "default" \(its owner, process \d+, is no longer running\)/);
  assert.equal(find(checks, 'instance-lock').status, 'ok', 'a dead owner is no second instance');

  const fixed = await fixCheck('stale-lock', ctx);
  assert.equal(fixed.ok, true, fixed.refused);
  assert.equal(fixed.check.status, 'ok');
  await assert.rejects(stat(lockDir), { code: 'ENOENT' });
  await assert.rejects(stat(ownerFile), { code: 'ENOENT' });
});

test('a lock from another computer that nobody refreshes is stale; a fresh one is not', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const { lockDir } = await writeLock(s.dir, 'default', 1234, 'some-other-host');
  const fresh = testContext(s.dir);
  const instance = find((await runDoctor(fresh)).checks, 'instance-lock');
  assert.equal(instance.status, 'warn');
  assert.match(instance.finding, /another computer \(some-other-host/);
  const later = testContext(s.dir, { clock: { now: () => (Date.now() + 60_000), setTimeout: () => ({ id: 0 }), clearTimeout: () => {} } });
  const stale = find((await runDoctor(later)).checks, 'stale-lock');
  assert.equal(stale.status, 'warn');
  assert.match(stale.finding, /nobody has refreshed it/);
  assert.ok((await stat(lockDir)).isDirectory());
});

test('fixAll repairs everything safe in one go and reports it', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await mkdir(s.paths.credentials, { recursive: true });
  await chmod(s.paths.credentials, 0o755);
  await writeFile(join(s.paths.credentials, 'creds.json'), linkedCredsText(), { mode: 0o644 });
  await chmod(join(s.paths.credentials, 'creds.json'), 0o644);
  await writeFile(join(s.paths.credentials, 'oauth.json'), 'keep', { mode: 0o644 });
  await writeFile(s.paths.config, '{}\n');
  await chmod(s.paths.config, 0o644);
  await writeLock(s.dir, 'old', await deadPid(), hostname());
  const report = await fixAll(testContext(s.dir));
  const ids = report.fixes.map((f) => f.id);
  for (const id of ['config-mode', 'legacy-layout', 'permissions', 'stale-lock']) assert.ok(ids.includes(id), `${id} repaired (${ids.join(', ')})`);
  assert.ok(report.fixes.every((f) => f.ok), JSON.stringify(report.fixes.filter((f) => !f.ok)));
  const left = report.checks.filter((c) => (c.status === 'warn' || c.status === 'fail') && c.fix);
  assert.deepEqual(left.map((c) => c.id), [], 'nothing repairable is left');
  assert.equal(await mode(join(s.paths.accountAuthDir('default'), 'creds.json')), 0o600);
  assert.equal(await readFile(join(s.paths.credentials, 'oauth.json'), 'utf8'), 'keep');
});

test('fixCheck of an unknown id says so', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const r = await fixCheck('no-such-check', testContext(s.dir));
  assert.equal(r.ok, false);
  assert.match(r.check.finding, /no doctor check "no-such-check"/);
});
