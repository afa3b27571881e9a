// The troubleshooting ladder stops at the first step that finds the cause and names one action.
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ladderVerdict, runLadder } from '../../main/doctor/index.ts';
import { logFileName, dayOf } from '../../main/logs/index.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { account, runningGateway, stoppedGateway, tempState, testContext } from './helpers.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const MIN = 60_000;

async function writeLogs(logsDir: string, lines: Array<{ time: number; level: string; msg: string; accountId?: string }>): Promise<void> {
  await mkdir(logsDir, { recursive: true });
  await writeFile(join(logsDir, logFileName(dayOf(NOW))), lines.map((l) => JSON.stringify({ ...l, subsystem: 'connection' })).join('\n') + '\n');
}

test('gateway not running: the ladder stops at step 1 with "start the gateway"', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const steps = await runLadder(testContext(s.dir, { gateway: stoppedGateway }));
  assert.deepEqual(steps.map((x) => x.id), ['gateway']);
  assert.equal(steps[0]!.status, 'fail');
  assert.equal(steps[0]!.action, 'start-gateway');
  assert.match(steps[0]!.nextStep ?? '', /clawline gateway start/);
  assert.match(ladderVerdict(steps), /stopped at step 1 of 6 \(Is the gateway running\?\)/);
});

test('running but not linked: stops at step 2 with relink', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  let steps = await runLadder(testContext(s.dir, { gateway: runningGateway([account({ state: 'not-linked', self: undefined })]) }));
  assert.deepEqual(steps.map((x) => x.id), ['gateway', 'linked']);
  assert.equal(steps[1]!.action, 'relink');
  assert.match(steps[1]!.finding, /"default" is not linked/);

  steps = await runLadder(testContext(s.dir, { gateway: runningGateway([account({ state: 'logged-out', cause: 'Removed on the phone.' })]) }));
  assert.deepEqual(steps.map((x) => x.id), ['gateway', 'linked']);
  assert.match(steps[1]!.finding, /was logged out\. Removed on the phone\./);
});

test('linked but a doctor check fails: stops at step 3 with that check\'s fix', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  await writeFile(s.paths.config, '{}\n');
  await chmod(s.paths.config, 0o644);
  const steps = await runLadder(testContext(s.dir, { gateway: runningGateway([account()]) }));
  assert.deepEqual(steps.map((x) => x.id), ['gateway', 'linked', 'doctor']);
  assert.equal(steps[2]!.status, 'warn');
  assert.equal(steps[2]!.action, 'fix:config-mode');
  assert.match(steps[2]!.finding, /^Config file permissions: /);
});

test('checks pass but the logs have recent errors: stops at step 4; old errors do not count', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const clock = new FakeClock(NOW);
  const ctx = testContext(s.dir, { clock, gateway: runningGateway([account()]) });
  await writeLogs(s.paths.logs, [
    { time: NOW - 40 * MIN, level: 'error', msg: 'old trouble' },
    { time: NOW - 2 * MIN, level: 'info', msg: 'Inbound message' },
  ]);
  let steps = await runLadder(ctx);
  assert.equal(steps.find((x) => x.id === 'logs')?.status, 'ok', 'an error 40 minutes ago is outside the window');

  await writeLogs(s.paths.logs, [
    { time: NOW - 40 * MIN, level: 'error', msg: 'old trouble' },
    { time: NOW - 6 * MIN, level: 'warn', msg: 'Reconnecting in 4 s', accountId: 'default' },
    { time: NOW - 3 * MIN, level: 'error', msg: 'Connection closed (428)', accountId: 'default' },
  ]);
  steps = await runLadder(ctx);
  assert.deepEqual(steps.map((x) => x.id), ['gateway', 'linked', 'doctor', 'logs']);
  assert.equal(steps[3]!.status, 'fail');
  assert.match(steps[3]!.finding, /1 error and 1 warning in the last 15 minutes; newest \(3 min ago, account "default"\): error Connection closed \(428\)/);
});

test('an account stuck reconnecting: restart first (step 5), relink once a recent restart did not help (step 6)', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const clock = new FakeClock(NOW);
  const stuck = account({ state: 'reconnecting', reconnectAttempts: 7, cause: 'Connection closed (428).' });
  let steps = await runLadder(testContext(s.dir, { clock, gateway: runningGateway([stuck], { startedAt: NOW - 3 * 3_600_000 }) }));
  assert.deepEqual(steps.map((x) => x.id), ['gateway', 'linked', 'doctor', 'logs', 'restart']);
  assert.equal(steps[4]!.action, 'restart-gateway');
  assert.match(steps[4]!.finding, /"default" is reconnecting: Connection closed \(428\)\./);

  steps = await runLadder(testContext(s.dir, { clock, gateway: runningGateway([stuck], { startedAt: NOW - 4 * MIN }) }));
  assert.deepEqual(steps.map((x) => x.id), ['gateway', 'linked', 'doctor', 'logs', 'restart', 'relink']);
  assert.equal(steps[4]!.status, 'ok');
  assert.equal(steps[5]!.status, 'fail');
  assert.equal(steps[5]!.action, 'relink');
  assert.match(ladderVerdict(steps), /step 6 of 6 \(Relink\)/);
});

test('everything healthy: all six steps pass and the verdict says so', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const steps = await runLadder(testContext(s.dir, { clock: new FakeClock(NOW), gateway: runningGateway([account()], { startedAt: NOW - 3_600_000 }) }));
  assert.deepEqual(steps.map((x) => x.id), ['gateway', 'linked', 'doctor', 'logs', 'restart', 'relink']);
  assert.ok(steps.every((x) => x.status === 'ok'), JSON.stringify(steps.filter((x) => x.status !== 'ok')));
  assert.equal(ladderVerdict(steps), 'Troubleshooting ladder: no problem found.');
});

test('precomputed checks are used as given (the CLI runs the doctor once)', async (t) => {
  const s = await tempState();
  t.after(s.cleanup);
  const steps = await runLadder(testContext(s.dir, { gateway: runningGateway([account()]) }), {
    checks: [{ id: 'disk-space', title: 'Disk space', status: 'fail', finding: 'Only 10 MB free.', nextStep: 'Free some space.' }],
  });
  assert.equal(steps.at(-1)!.id, 'doctor');
  assert.equal(steps.at(-1)!.finding, 'Disk space: Only 10 MB free.');
  assert.equal(steps.at(-1)!.action, undefined, 'no fix offered for disk space');
});
