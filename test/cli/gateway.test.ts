// `clawline gateway ...`, `dashboard` and the CLI's usage errors, as a user runs them: the built
// CLI in child processes. No account is linked here, so WhatsApp is never contacted;
// CLAWLINE_WA_URL points at a closed loopback port to make sure of that.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { endpointFile, pidAlive, readEndpoint } from '../../main/control/discovery.ts';
import { buildCli, clawline, root, killEverything, LiveCommand, parseJson, removeDir, runGateway, simEnv, tempStateDir } from './helpers.ts';

const env = simEnv(undefined, { CLAWLINE_WA_URL: 'ws://127.0.0.1:9/ws/chat' });
const dirs: string[] = [];
const state = async () => {
  const dir = await tempStateDir('clw-cli-gw-');
  dirs.push(dir);
  return dir;
};

before(() => buildCli());
after(async () => {
  await killEverything(dirs);
  await Promise.all(dirs.map(removeDir));
});

test('without a gateway: status, stop and dashboard exit 3 and say how to start it', async () => {
  const dir = await state();
  const [status, statusJson, stop, dashboard] = await Promise.all([
    clawline(dir, ['gateway', 'status'], env),
    clawline(dir, ['gateway', 'status', '--json'], env),
    clawline(dir, ['gateway', 'stop'], env),
    clawline(dir, ['dashboard', '--no-open'], env),
  ]);
  assert.equal(status.code, 3, status.stderr);
  assert.match(status.stdout, /not running/);
  assert.match(status.stdout, /clawline gateway start/);
  assert.equal(statusJson.code, 3);
  assert.deepEqual(parseJson(statusJson), { running: false });
  assert.match(statusJson.stderr, /clawline gateway start/);
  assert.equal(stop.code, 3);
  assert.match(stop.stderr, /clawline gateway start/);
  assert.equal(dashboard.code, 3);
  assert.match(dashboard.stderr, /not running/);
  assert.match(dashboard.stderr, /clawline gateway start/);
  assert.equal(dashboard.stdout, '');
});

test('gateway run: one foreground gateway per state dir; status, dashboard; SIGTERM stops it cleanly', async () => {
  const dir = await state();
  // Two started at the same moment: exactly one runs, the other says so and leaves.
  const a = new LiveCommand(dir, ['gateway', 'run', '--quiet'], env);
  const b = new LiveCommand(dir, ['gateway', 'run', '--quiet'], env);
  const first = await Promise.race([a, b].map((g) => g.waitForLine((l) => l.startsWith('Clawline gateway running'), 'a gateway to start', 90_000).then(() => g, () => new Promise<never>(() => {}))));
  const second = first === a ? b : a;
  assert.equal(await second.exited, 1, second.stderr);
  assert.match(second.stderr, /already running/);
  assert.match(second.stderr, new RegExp(`pid ${first.pid}`));
  assert.ok(first.running, 'the first gateway is untouched');

  // A third one, started later, is refused the same way.
  const third = await clawline(dir, ['gateway', 'run'], env);
  assert.equal(third.code, 1);
  assert.match(third.stderr, /already running/);
  assert.match(third.stderr, /clawline gateway stop/);

  const status = await clawline(dir, ['gateway', 'status', '--json'], env);
  assert.equal(status.code, 0, status.stderr);
  const s = parseJson<{ running: boolean; pid: number; kind: string; url: string; connections: boolean; version: string; accounts: Array<{ accountId: string; state: string }> }>(status);
  assert.deepEqual(Object.keys(s), ['running', 'pid', 'kind', 'url', 'connections', 'version', 'waWebVersion', 'accounts']);
  assert.equal(s.running, true);
  assert.equal(s.pid, first.pid);
  assert.equal(s.kind, 'headless');
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(s.accounts, [{ accountId: 'default', state: 'not-linked' }]);
  const human = await clawline(dir, ['gateway', 'status'], env);
  assert.equal(human.code, 0);
  assert.match(human.stdout, new RegExp(`running \\(pid ${first.pid}, headless\\)`));

  const dash = await clawline(dir, ['dashboard', '--no-open'], env);
  assert.equal(dash.code, 0, dash.stderr);
  const token = (await readFile(join(dir, 'clawline', 'control-token'), 'utf8')).trim();
  assert.equal(dash.stdout.trim(), `${s.url}/#token=${token}`);
  assert.match(dash.stdout.trim(), /^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{32,}$/);
  assert.equal((await stat(join(dir, 'clawline', 'control-token'))).mode & 0o777, 0o600);
  const page = await fetch(`${s.url}/`);
  assert.equal(page.status, 200, 'the dashboard page is served');
  await page.body?.cancel();
  const dashJson = await clawline(dir, ['dashboard', '--no-open', '--json'], env);
  assert.deepEqual(parseJson(dashJson), { url: dash.stdout.trim() });

  first.signal('SIGTERM');
  assert.equal(await first.exited, 0, first.stderr);
  assert.ok(first.lines.includes('Clawline gateway stopped.'), first.lines.join('\n'));
  assert.equal(existsSync(endpointFile(dir)), false, 'gateway.json is removed');
  assert.equal((await clawline(dir, ['gateway', 'status'], env)).code, 3);
});

test('gateway start returns once it answers; restart replaces it; stop stops it', async () => {
  const dir = await state();
  const started = await clawline(dir, ['gateway', 'start'], env);
  assert.equal(started.code, 0, started.stderr);
  const e1 = await readEndpoint(dir);
  assert.ok(e1 && pidAlive(e1.pid));
  assert.match(started.stdout, new RegExp(`started in the background \\(pid ${e1.pid}\\)`));
  assert.equal((await clawline(dir, ['gateway', 'status'], env)).code, 0, 'up as soon as start returned');

  const again = await clawline(dir, ['gateway', 'start'], env);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already running/);
  assert.equal((await readEndpoint(dir))?.pid, e1.pid);

  const restarted = await clawline(dir, ['gateway', 'restart'], env);
  assert.equal(restarted.code, 0, restarted.stderr);
  const e2 = await readEndpoint(dir);
  assert.ok(e2 && e2.pid !== e1.pid && pidAlive(e2.pid));
  assert.equal(pidAlive(e1.pid), false, 'the old process is gone');
  const status = parseJson<{ running: boolean; pid: number }>(await clawline(dir, ['gateway', 'status', '--json'], env));
  assert.equal(status.pid, e2.pid);

  const stopped = await clawline(dir, ['gateway', 'stop'], env);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, new RegExp(`stopped \\(pid ${e2.pid}\\)`));
  assert.equal(pidAlive(e2.pid), false);
  assert.equal(existsSync(endpointFile(dir)), false);
  const after = await clawline(dir, ['gateway', 'status', '--json'], env);
  assert.equal(after.code, 3);
  // Its output went to the log folder, not to the terminal that started it.
  assert.match(await readFile(join(dir, 'logs', 'gateway.out.log'), 'utf8'), /Clawline gateway running/);
});

test('gateway install writes a user service and prints the commands to enable it', async () => {
  const dir = await state();
  const home = await mkdtemp(join(tmpdir(), 'clw-cli-home-'));
  dirs.push(home);
  const r = await clawline(dir, ['gateway', 'install'], { ...env, HOME: home });
  assert.equal(r.code, 0, r.stderr);
  if (process.platform === 'darwin') {
    const plist = join(home, 'Library', 'LaunchAgents', 'app.clawline.gateway.plist');
    assert.match(await readFile(plist, 'utf8'), /<string>gateway<\/string>\s*<string>run<\/string>/);
    assert.match(r.stdout, /launchctl bootstrap/);
    return;
  }
  const unitPath = join(home, '.config', 'systemd', 'user', 'clawline-gateway.service');
  assert.match(r.stdout, new RegExp(`Wrote ${unitPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const unit = await readFile(unitPath, 'utf8');
  assert.ok(unit.includes(`ExecStart=${process.execPath} ${join(root, 'bin', 'clawline.js')} --state-dir ${dir} gateway run`), unit);
  assert.match(unit, /^Restart=on-failure$/m);
  assert.match(unit, /^WantedBy=default\.target$/m);
  assert.match(r.stdout, /systemctl --user daemon-reload/);
  assert.match(r.stdout, /systemctl --user enable --now clawline-gateway\.service/);
  assert.match(r.stdout, /loginctl enable-linger/);
});

test('unknown commands, subcommands and options exit 2 with the usage', async () => {
  const dir = await state();
  const cases: Array<[string[], RegExp]> = [
    [['bogus'], /unknown command "bogus"[\s\S]*Usage: clawline/],
    [[], /Usage: clawline/],
    [['gateway'], /usage: clawline gateway/],
    [['gateway', 'fly'], /unknown subcommand "fly"[\s\S]*usage: clawline gateway/],
    [['gateway', 'status', '--bogus'], /unknown option --bogus[\s\S]*usage: clawline gateway/],
    [['gateway', 'stop', '--port', '1'], /does not take --port/],
    [['gateway', 'run', '--port', 'x'], /--port must be a port number/],
    [['gateway', 'start', '--log-level', 'loud'], /--log-level must be one of/],
    [['channels', 'status', '--json=yes'], /--json does not take a value/],
    [['channels', 'login', '--code'], /--code needs a value/],
    [['channels', 'login', '--channel', 'telegram'], /only has the "whatsapp" channel/],
    [['channels', 'logout', '--account', 'a b'], /--account needs an account id/],
    [['pairing'], /usage: clawline pairing/],
    [['pairing', 'approve'], /needs the 8-character code/],
    [['pairing', 'approve', 'ABC'], /needs the 8-character code[\s\S]*got "ABC"/],
    [['pairing', 'dismiss', 'ABCDEFG0'], /needs the 8-character code/],
    [['logs', '--limit', 'many'], /--limit must be a whole number/],
    [['logs', '--level', 'loud'], /--level must be one of/],
    [['logs', 'extra'], /unexpected "extra"/],
    [['reset'], /--channel whatsapp/],
    [['reset', '--channel', 'whatsapp'], /Add --yes to confirm|add --yes to confirm/],
    [['dashboard', '--open'], /unknown option --open/],
  ];
  const results = await Promise.all(cases.map(([args]) => clawline(dir, args, env)));
  results.forEach((r, i) => {
    const [args, message] = cases[i]!;
    assert.equal(r.code, 2, `clawline ${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, `clawline ${args.join(' ')}`);
  });
  // Nothing was changed by any of them: no credentials, no backups.
  assert.equal(existsSync(join(dir, 'backups')), false);

  const missingDir = await clawline(null, ['gateway', 'status', '--state-dir'], env);
  assert.equal(missingDir.code, 2);
  assert.match(missingDir.stderr, /--state-dir needs a folder/);

  const help = await clawline(dir, ['help'], env);
  assert.equal(help.code, 0);
  for (const name of ['config', 'gateway', 'channels', 'pairing', 'doctor', 'logs', 'reset', 'dashboard']) assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'));
  const sub = await clawline(dir, ['channels', '--help'], env);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /usage: clawline channels/);
});
