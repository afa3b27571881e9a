// `clawline channels | pairing | logs | reset | doctor` as a user runs them (the built CLI in
// child processes) against a gateway running on the simulator: link by QR and by code, see
// the status, approve a stranger, read and follow the logs, log out, reset. One simulator and
// one gateway are shared by the tests of this file, which build on each other in order.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startSimulator, type Simulator } from '../../sim/index.ts';
import { endpointFile } from '../../main/control/discovery.ts';
import { buildCli, clawline, killEverything, LiveCommand, parseJson, removeDir, runGateway, simEnv, tempStateDir, type CliResult } from './helpers.ts';

let sim: Simulator;
let env: NodeJS.ProcessEnv;
let dir: string;
let gateway: LiveCommand | undefined;
const dirs: string[] = [];
const OWN_NUMBER = '15550009001';
const CODE_NUMBER = '15550009002';
const STATUS_KEYS = ['accountId', 'state', 'cause', 'nextStep', 'self', 'lastConnectedAt', 'lastInboundAt', 'lastDisconnect', 'reconnectAttempts'];

interface StatusJson {
  accounts: Array<{ accountId: string; state: string; cause?: string; nextStep?: string; self?: { number: string; name?: string }; lastConnectedAt?: number; lastInboundAt?: number; lastDisconnect?: { at: number; code?: number; reason: string }; reconnectAttempts: number }>;
}

/** The documented `channels status --json` shape, field by field, and the one account in it. */
function statusOf(r: CliResult): StatusJson['accounts'][number] {
  const s = parseJson<StatusJson>(r);
  assert.deepEqual(Object.keys(s), ['accounts']);
  assert.equal(s.accounts.length, 1);
  const a = s.accounts[0]!;
  for (const key of Object.keys(a)) assert.ok(STATUS_KEYS.includes(key), `unexpected key ${key} in ${JSON.stringify(a)}`);
  assert.equal(a.accountId, 'default');
  assert.equal(typeof a.reconnectAttempts, 'number');
  if (a.self) {
    assert.match(a.self.number, /^\+\d+$/);
    for (const key of Object.keys(a.self)) assert.ok(['number', 'name'].includes(key));
  }
  if (a.lastDisconnect) for (const key of Object.keys(a.lastDisconnect)) assert.ok(['at', 'code', 'reason'].includes(key));
  if (a.state !== 'connected') {
    assert.ok(a.cause, 'every unhealthy state has a cause');
    assert.ok(a.nextStep, 'and a next step');
  }
  return a;
}

const run = (args: string[], stateDir = dir, e = env) => clawline(stateDir, args, e);

before(async () => {
  await buildCli();
  sim = await startSimulator({ quiet: true });
  env = simEnv(sim);
  dir = await tempStateDir('clw-cli-ch-');
  dirs.push(dir);
});

after(async () => {
  await killEverything(dirs);
  await sim?.close();
  await Promise.all(dirs.map(removeDir));
});

test('channels status without a gateway: exit 3 and the state from disk', async () => {
  const r = await run(['channels', 'status', '--json']);
  assert.equal(r.code, 3, r.stderr);
  const a = statusOf(r);
  assert.equal(a.state, 'not-linked');
  assert.match(a.nextStep!, /clawline channels login/);
  assert.match(r.stderr, /not running.*clawline gateway start/);
  const human = await run(['channels', 'status']);
  assert.equal(human.code, 3);
  assert.match(human.stdout, /Gateway: not running \(start it with: clawline gateway start\)/);
  const logout = await run(['channels', 'logout']);
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stdout, /not linked; there is nothing to log out/);
  assert.equal(existsSync(join(dir, 'backups')), false);
});

test('channels login --json against the running gateway: QR lines, the phone scans, linked', async () => {
  gateway = await runGateway(dir, env);
  const login = new LiveCommand(dir, ['channels', 'login', '--json'], env);
  const qrLine = await login.waitForLine((l) => l.startsWith('{"event":"qr"'), 'a QR');
  const qr = JSON.parse(qrLine) as { event: string; qr: string; expiresAt: number };
  assert.deepEqual(Object.keys(qr), ['event', 'qr', 'expiresAt']);
  assert.ok(qr.expiresAt > Date.now() - 5_000);
  const scanned = await sim.phone.scan(qr.qr, { phone: OWN_NUMBER });
  assert.equal(scanned.outcome, 'linked', scanned.error);
  assert.equal(await login.exited, 0, login.stderr);
  const events = login.json<{ event: string; number?: string; name?: string }>();
  assert.ok(login.lines.every((l) => l.startsWith('{')), 'only JSON lines on stdout');
  const linked = events.at(-1)!;
  assert.equal(linked.event, 'linked');
  assert.equal(linked.number, `+${OWN_NUMBER}`);
  for (const key of Object.keys(linked)) assert.ok(['event', 'number', 'name'].includes(key), key);
  // The profile name, when the gateway knows it (see docs/cli.md: "name" is optional).
  if (linked.name !== undefined) assert.equal(linked.name, sim.state().accounts.find((x) => x.phone === OWN_NUMBER)?.name);
  assert.ok(events.slice(0, -1).every((e) => e.event === 'qr'));
  await sim.waitForReady(scanned.device);

  const status = await run(['channels', 'status', '--json']);
  assert.equal(status.code, 0, status.stderr);
  const a = statusOf(status);
  assert.equal(a.state, 'connected');
  assert.equal(a.self?.number, `+${OWN_NUMBER}`);
  assert.equal(typeof a.lastConnectedAt, 'number');
  const gw = parseJson<{ accounts: Array<{ state: string }> }>(await run(['gateway', 'status', '--json']));
  assert.equal(gw.accounts[0]!.state, 'connected');

  // Linking again while linked is refused with what to do instead.
  const again = await run(['channels', 'login', '--json']);
  assert.equal(again.code, 1);
  const err = parseJson<{ event: string; cause: string; nextStep: string }>(again);
  assert.equal(err.event, 'error');
  assert.match(err.cause, /already linked/);
  assert.match(err.nextStep, /log out|reset/);
});

test('doctor --json against the running gateway (shape only)', async () => {
  const r = await run(['doctor', '--json']);
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
  const d = parseJson<{ checks: Array<Record<string, unknown>>; ladder: unknown[] }>(r);
  assert.deepEqual(Object.keys(d), ['checks', 'ladder']);
  assert.ok(d.checks.length > 0);
  for (const c of d.checks) {
    assert.equal(typeof c.id, 'string');
    assert.equal(typeof c.title, 'string');
    assert.ok(['ok', 'warn', 'fail', 'skipped'].includes(c.status as string));
    assert.equal(typeof c.finding, 'string');
  }
});

let approvedCode = '';

test('pairing: a stranger asks; list, approve whatsapp CODE --notify; unknown code exit 1', async () => {
  const stranger = sim.addContact({ name: 'Stranger', phone: '4915112345678' });
  await sim.send(stranger.id, 'hello, who is this?');
  const codeMsg = await sim.waitForMessage(stranger.id, (m) => /[A-HJ-NP-Z2-9]{8}/.test(m.text ?? ''));
  const code = /([A-HJ-NP-Z2-9]{8})/.exec(codeMsg.text!)![1]!;

  const list = await run(['pairing', 'list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  const { requests } = parseJson<{ requests: Array<Record<string, unknown>> }>(list);
  assert.equal(requests.length, 1);
  const req = requests[0]!;
  assert.equal(req.code, code);
  assert.equal(req.id, '+4915112345678');
  assert.equal(req.accountId, 'default');
  for (const key of ['createdAt', 'expiresAt', 'lastSeenAt']) assert.equal(typeof req[key], 'number', key);
  for (const key of Object.keys(req)) assert.ok(['accountId', 'code', 'id', 'name', 'createdAt', 'expiresAt', 'lastSeenAt'].includes(key), key);
  const human = await run(['pairing', 'list']);
  assert.match(human.stdout, new RegExp(`^${code}  \\+4915112345678`, 'm'));

  const approved = await run(['pairing', 'approve', 'whatsapp', code.toLowerCase(), '--notify']);
  assert.equal(approved.code, 0, approved.stderr);
  assert.match(approved.stdout, /Approved \+4915112345678.*They were told/);
  await sim.waitForMessage(stranger.id, (m) => m !== codeMsg && /approved|can now/i.test(m.text ?? ''));
  assert.deepEqual(parseJson(await run(['pairing', 'list', '--json'])), { requests: [] });
  approvedCode = code;

  const [unknown, dismissUnknown, malformed] = await Promise.all([
    run(['pairing', 'approve', code]),
    run(['pairing', 'dismiss', 'ABCDEFGH']),
    run(['pairing', 'approve', 'abc']),
  ]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, new RegExp(`No pending request with code ${code}.*clawline pairing list`));
  assert.equal(dismissUnknown.code, 1);
  assert.equal(malformed.code, 2);
});

test('logs --follow prints a line written after it started; pairing dismiss', async () => {
  const follow = new LiveCommand(dir, ['logs', '--follow', '--json', '--limit', '1'], env);
  await follow.waitForLine(() => true, 'the newest existing line');
  const second = sim.addContact({ name: 'Second', phone: '4915199999999' });
  await sim.send(second.id, 'hi');
  const line = await follow.waitForLine((l) => /pairing request created/.test(l), 'the new pairing request in the log');
  const entry = JSON.parse(line) as Record<string, unknown>;
  assert.equal(entry.level, 'info');
  assert.equal(typeof entry.time, 'number');
  assert.equal(entry.accountId, 'default');
  follow.signal('SIGTERM');
  assert.equal(await follow.exited, 0, follow.stderr);

  const { requests } = parseJson<{ requests: Array<{ code: string }> }>(await run(['pairing', 'list', '--json']));
  assert.equal(requests.length, 1);
  const dismissed = await run(['pairing', 'dismiss', requests[0]!.code]);
  assert.equal(dismissed.code, 0, dismissed.stderr);
  assert.match(dismissed.stdout, /Dismissed/);
  assert.deepEqual(parseJson(await run(['pairing', 'list', '--json'])), { requests: [] });
});

test('logs: the lines the gateway wrote, with --json, --limit, --level and --subsystem', async () => {
  const all = await run(['logs', '--json', '--limit', '500']);
  assert.equal(all.code, 0, all.stderr);
  const entries = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const e of entries) {
    assert.equal(typeof e.time, 'number');
    assert.equal(typeof e.level, 'string');
    assert.equal(typeof e.msg, 'string');
  }
  assert.ok(entries.some((e) => e.msg === 'Clawline gateway starting'));
  const approval = entries.find((e) => e.msg === 'pairing request approved');
  assert.ok(approval, 'the approval is logged');
  assert.equal(approval.subsystem, 'access');

  const three = await run(['logs', '--json', '--limit', '3']);
  assert.equal(three.stdout.trim().split('\n').length, 3);
  assert.deepEqual(three.stdout.trim().split('\n').map((l) => JSON.parse(l)), entries.slice(-3));

  const access = await run(['logs', '--json', '--subsystem', 'access']);
  const accessEntries = access.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(accessEntries.length >= 1 && accessEntries.every((e) => e.subsystem === 'access'));

  const warn = await run(['logs', '--json', '--level', 'warn']);
  assert.equal(warn.code, 0);
  for (const l of warn.stdout.split('\n').filter(Boolean)) assert.ok(['warn', 'error', 'fatal'].includes((JSON.parse(l) as { level: string }).level), l);

  const human = await run(['logs', '--limit', '500']);
  assert.match(human.stdout, /^\d\d:\d\d:\d\d\.\d{3} INFO +\[access default\] pairing request approved/m);
});

test('channels logout: the device is removed on the server, the credentials go to a backup', async () => {
  const r = await run(['channels', 'logout']);
  assert.equal(r.code, 0, r.stderr);
  const device = sim.devices().find((d) => d.account === OWN_NUMBER)!;
  assert.equal(device.status, 'removed');
  const backups = await readdir(join(dir, 'backups'));
  assert.equal(backups.length, 1);
  assert.match(backups[0]!, /logout/);
  assert.ok((await readdir(join(dir, 'backups', backups[0]!))).includes('creds.json'));
  assert.equal(existsSync(join(dir, 'credentials', 'whatsapp', 'default', 'creds.json')), false);
  const status = await run(['channels', 'status', '--json']);
  assert.equal(status.code, 1, 'not linked is a problem');
  assert.equal(statusOf(status).state, 'not-linked');
});

test('channels login --code: the pairing code, typed on the phone, links', async () => {
  const login = new LiveCommand(dir, ['channels', 'login', '--code', `+${CODE_NUMBER}`, '--json'], env);
  const line = await login.waitForLine((l) => l.startsWith('{"event":"code"'), 'a pairing code');
  const ev = JSON.parse(line) as { event: string; code: string };
  assert.deepEqual(Object.keys(ev), ['event', 'code']);
  assert.match(ev.code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  const typed = await sim.phone.code(ev.code, { phone: CODE_NUMBER });
  assert.equal(typed.outcome, 'linked', typed.error);
  assert.equal(await login.exited, 0, login.stderr);
  const linked = login.json<{ event: string; number?: string }>().at(-1)!;
  assert.equal(linked.event, 'linked');
  assert.equal(linked.number, `+${CODE_NUMBER}`);
  assert.ok(login.json().every((e) => e.event === 'code' || e.event === 'linked'));
  await sim.waitForReady(typed.device);
  assert.equal(statusOf(await run(['channels', 'status', '--json'])).self?.number, `+${CODE_NUMBER}`);
});

test('reset --channel whatsapp --yes: logged out, credentials in the printed backup folder, ready to link', async () => {
  const noYes = await run(['reset', '--channel', 'whatsapp']);
  assert.equal(noYes.code, 2, 'no terminal to ask: refuses without --yes');
  assert.ok(existsSync(join(dir, 'credentials', 'whatsapp', 'default', 'creds.json')), 'nothing changed');

  const r = await run(['reset', '--channel', 'whatsapp', '--yes', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const res = parseJson<{ ok: boolean; accountId: string; backupDir: string }>(r);
  assert.deepEqual(Object.keys(res), ['ok', 'accountId', 'backupDir']);
  assert.equal(res.ok, true);
  assert.equal(res.accountId, 'default');
  assert.ok(res.backupDir.startsWith(join(dir, 'backups')));
  assert.ok((await readdir(res.backupDir)).includes('creds.json'));
  assert.equal(sim.devices().find((d) => d.account === CODE_NUMBER)?.status, 'removed');
  const status = await run(['channels', 'status', '--json']);
  assert.equal(statusOf(status).state, 'not-linked');

  // The gateway stops on SIGTERM; the status is then read from disk (exit 3).
  gateway!.signal('SIGTERM');
  assert.equal(await gateway!.exited, 0, gateway!.stderr);
  assert.equal(existsSync(endpointFile(dir)), false);
  const offline = await run(['channels', 'status', '--json']);
  assert.equal(offline.code, 3);
  assert.equal(statusOf(offline).state, 'not-linked');
});

test('channels login without a gateway links on its own and exits; status then reads the disk', async () => {
  const solo = await tempStateDir('clw-cli-solo-');
  dirs.push(solo);
  const login = new LiveCommand(solo, ['channels', 'login', '--json'], env);
  const qr = JSON.parse(await login.waitForLine((l) => l.startsWith('{"event":"qr"'), 'a QR')) as { qr: string };
  assert.equal(existsSync(endpointFile(solo)), false, 'no gateway was started for it');
  const scanned = await sim.phone.scan(qr.qr, { phone: '15550009003' });
  assert.equal(scanned.outcome, 'linked', scanned.error);
  assert.equal(await login.exited, 0, login.stderr);
  assert.deepEqual(login.json().at(-1)?.event, 'linked');

  const status = await run(['channels', 'status', '--json'], solo);
  assert.equal(status.code, 3);
  const a = statusOf(status);
  assert.equal(a.state, 'stopped');
  assert.equal(a.self?.number, '+15550009003');
  assert.match(a.nextStep!, /clawline gateway start/);
  // It stopped only after the first sync: nothing failed on the way out.
  const errors = await run(['logs', '--json', '--level', 'error'], solo);
  assert.equal(errors.stdout, '', errors.stdout);
});

test('QR expired: the error line with cause and next step, exit 1', async (t) => {
  // Two QR refs per attempt on the server, each shown 300 ms by the client.
  const shortSim = await startSimulator({ quiet: true, linking: { refs: 2, refTtlMs: [300, 300] } });
  t.after(() => shortSim.close());
  const expDir = await tempStateDir('clw-cli-exp-');
  dirs.push(expDir);
  const r = await clawline(expDir, ['channels', 'login', '--json'], simEnv(shortSim, { CLAWLINE_TEST_TIMINGS: '{"qrTimeoutMs":300}' }));
  assert.equal(r.code, 1, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.slice(0, -1).map((e) => e.event), ['qr', 'qr'], 'one QR per ref');
  const last = events.at(-1)!;
  assert.deepEqual(Object.keys(last), ['event', 'cause', 'nextStep']);
  assert.equal(last.event, 'error');
  assert.match(last.cause as string, /expired/i);
  assert.match(last.nextStep as string, /QR expired/);
});
