// `clawline doctor` as a user runs it: the built CLI in a child process, against prepared state
// dirs, with the exit codes scripts rely on. A fake gateway (the real control server with a
// canned status) runs in this process when a test needs "gateway running". CLAWLINE_WA_URL
// points at a loopback listener, so the child never contacts the internet.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startControlServer, type ControlServer } from '../../main/control/server.ts';
import { loadOrCreateToken, writeEndpoint } from '../../main/control/discovery.ts';
import type { ControlHandler } from '../../main/control/contract.ts';
import { account, deadPid, linkedCredsText, summary, tempState, writeAccount, writeLock } from './helpers.ts';
import { createServer, type Server } from 'node:net';
import { ensureBuilt } from '../support/build-once.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let sim: Server;
let simPort: number;
let closedPort: number;

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

before(async () => {
  await ensureBuilt(); // bin/clawline.js runs dist/main/cli.js
  ({ server: sim, port: simPort } = await listen());
  const spare = await listen();
  closedPort = spare.port;
  await new Promise<void>((resolve) => spare.server.close(() => resolve()));
});
after(() => new Promise<void>((resolve) => sim.close(() => resolve())));

function clawline(stateDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CLAWLINE_WA_URL: `ws://127.0.0.1:${simPort}/ws/chat`, OPENCLAW_GATEWAY_PORT: String(closedPort) };
  delete env.OPENCLAW_STATE_DIR;
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/clawline.js', '--state-dir', stateDir, 'doctor', ...args], { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A gateway that answers status.get for this state dir (endpoint file + token, like the real one). */
async function fakeGateway(stateDir: string, accounts = [account({ lastConnectedAt: Date.now() })]): Promise<ControlServer> {
  const token = await loadOrCreateToken(stateDir);
  const handler: ControlHandler = {
    async handle(op) {
      if (op !== 'status.get') throw Object.assign(new Error('not in this test'), { code: 'not-found' });
      return summary(accounts) as never;
    },
    subscribe: () => () => {},
  };
  const server = await startControlServer({ handler, token, port: 0 });
  await writeEndpoint(stateDir, { url: server.url, port: server.port, pid: process.pid, startedAt: Date.now() - 3_600_000, kind: 'headless' });
  return server;
}

test('doctor --json: the stable {checks, ladder} shape, problems found, exit 1', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await writeFile(s.paths.config, '{ channels: { whatsapp: { groupPolicy: "disabled", groupPolicy: "open" } } }\n');
  await chmod(s.paths.config, 0o644);
  await writeAccount(s.dir, 'default', { 'creds.json': linkedCredsText(), 'creds.json.bak': linkedCredsText() }, { dir: 0o755, files: 0o644 });
  await writeLock(s.dir, 'default', await deadPid(), hostname());

  const r = await clawline(s.dir, ['--json']);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { checks: Array<{ id: string; title: string; status: string; finding: string; nextStep?: string; fix?: { label: string } }>; ladder: Array<{ id: string; status: string; action?: string }> };
  assert.deepEqual(Object.keys(out), ['checks', 'ladder']);
  for (const c of out.checks) {
    assert.equal(typeof c.id, 'string');
    assert.equal(typeof c.title, 'string');
    assert.ok(['ok', 'warn', 'fail', 'skipped'].includes(c.status));
    assert.equal(typeof c.finding, 'string');
  }
  const by = (id: string) => out.checks.find((c) => c.id === id)!;
  assert.equal(by('config').status, 'warn');
  assert.match(by('config').finding, /duplicate key "groupPolicy"/);
  assert.equal(by('config-mode').status, 'warn');
  assert.equal(by('permissions').status, 'fail');
  assert.equal(by('stale-lock').status, 'warn');
  assert.equal(by('gateway').status, 'warn');
  assert.equal(by('linked:default').status, 'ok');
  assert.equal(by('wa-reachable').status, 'ok', 'the loopback "simulator" answers');
  assert.equal(by('clock-skew').status, 'skipped');
  assert.deepEqual(out.ladder.map((x) => x.id), ['gateway']);
  assert.equal(out.ladder[0]!.action, 'start-gateway');
});

test('doctor --fix with a running gateway: repairs, prints the changes, re-runs clean, exit 0', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await writeFile(s.paths.config, '{ channels: { whatsapp: { dmPolicy: "pairing" } } }\n');
  await chmod(s.paths.config, 0o644);
  const dir = await writeAccount(s.dir, 'default', { 'creds.json': linkedCredsText(), 'creds.json.bak': linkedCredsText() }, { dir: 0o755, files: 0o644 });
  await writeLock(s.dir, 'old-account', await deadPid(), hostname());
  const gateway = await fakeGateway(s.dir);
  t.after(() => gateway.close());

  const before = await clawline(s.dir, []);
  assert.equal(before.code, 1);
  assert.match(before.stdout, /^! Config file permissions: .*mode 644/m);
  assert.match(before.stdout, /^✗ State folder and credential permissions: /m);
  assert.match(before.stdout, /^✓ Gateway: The gateway is running \(pid \d+/m);
  assert.match(before.stdout, /^    fix: Make it private \(mode 600\) \("clawline doctor --fix"\)$/m);
  assert.match(before.stdout, /Troubleshooting ladder stopped at step 3 of 6 \(Doctor checks\)/);

  const fixed = await clawline(s.dir, ['--fix']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /^Repairs:$/m);
  assert.match(fixed.stdout, new RegExp(`✓ Config file permissions: ${s.paths.config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: mode 644 -> 600`));
  assert.match(fixed.stdout, /✓ State folder and credential permissions: .*creds\.json: mode 644 -> 600/);
  assert.match(fixed.stdout, /✓ Leftover locks: removed the leftover lock of account "old-account"/);
  assert.match(fixed.stdout, /^After the repairs:$/m);
  assert.doesNotMatch(fixed.stdout.split('After the repairs:')[1]!, /^[!✗] /m);
  assert.match(fixed.stdout, /Troubleshooting ladder: no problem found\./);
  assert.equal((await stat(s.paths.config)).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'creds.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);

  const json = await clawline(s.dir, ['--json']);
  assert.equal(json.code, 0, json.stdout);
  const out = JSON.parse(json.stdout) as { checks: Array<{ status: string }>; ladder: Array<{ id: string; status: string }> };
  assert.ok(out.checks.every((c) => c.status === 'ok' || c.status === 'skipped'));
  assert.equal(out.ladder.length, 6);
});

test('doctor --fix refuses to touch the credentials of an account the gateway is running', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const dir = await writeAccount(s.dir, 'default', { 'creds.json': 'truncated{', 'creds.json.bak': linkedCredsText() });
  const gateway = await fakeGateway(s.dir, [account({ state: 'reconnecting', lastConnectedAt: Date.now() })]);
  t.after(() => gateway.close());
  const r = await clawline(s.dir, ['--fix', '--json']);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { fixes: Array<{ id: string; ok: boolean; refused?: string; changes: string[] }>; checks: Array<{ id: string; status: string }> };
  const fix = out.fixes.find((f) => f.id === 'credentials:default')!;
  assert.equal(fix.ok, false);
  assert.match(fix.refused ?? '', /gateway \(pid \d+\) is running account "default".*clawline gateway stop/);
  assert.equal(out.checks.find((c) => c.id === 'credentials:default')?.status, 'fail');
  assert.equal(await readFile(join(dir, 'creds.json'), 'utf8'), 'truncated{');
});

test('doctor --fix without a gateway restores damaged credentials and --account limits the checks', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const good = linkedCredsText();
  const dir = await writeAccount(s.dir, 'work', { 'creds.json': '', 'creds.json.bak': good });
  await writeAccount(s.dir, 'default', { 'creds.json': linkedCredsText(), 'creds.json.bak': linkedCredsText() });
  const r = await clawline(s.dir, ['--fix', '--json', '--account', 'work']);
  const out = JSON.parse(r.stdout) as { fixes: Array<{ id: string; ok: boolean; changes: string[] }>; checks: Array<{ id: string; status: string }> };
  assert.deepEqual(out.fixes.map((f) => [f.id, f.ok]), [['credentials:work', true]]);
  assert.match(out.fixes[0]!.changes.join('\n'), /restored .*creds\.json from creds\.json\.bak/);
  assert.equal(await readFile(join(dir, 'creds.json'), 'utf8'), good);
  assert.ok(!out.checks.some((c) => c.id.endsWith(':default')), 'only the chosen account is checked');
  assert.equal(r.code, 1, 'the gateway is still not running');
});

test('doctor usage errors exit 2', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const r = await clawline(s.dir, ['--account', '../etc']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--account needs an account id/);
  assert.equal((await clawline(s.dir, ['--frobnicate'])).code, 2);
});
