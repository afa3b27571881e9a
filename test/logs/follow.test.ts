import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../main/shared/clock.ts';
import { createLogger, followLogs, tailLogs, type LogFollower } from '../../main/logs/index.ts';

// A broken follower would leave next() pending forever; fail instead of hanging CI.
const WAIT = { timeout: 30_000 };

function tempState(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'clawline-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function take(follower: LogFollower, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const r = await follower.next();
    if (r.done) break;
    out.push(r.value.msg);
  }
  return out;
}

test('follow yields appended lines in order, only new ones, and survives size rotation', WAIT, async (t) => {
  const stateDir = tempState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 10).getTime());
  const logs = createLogger({ stateDir, clock, maxFileBytes: 600, maxRotatedFiles: 3 });
  const conn = logs.child('connection', { accountId: 'default' });
  conn.info('before follow');

  const follower = followLogs({ logsDir: logs.logsDir, clock });
  t.after(() => follower.stop());
  await follower.check(); // the starting point is fixed: the end of today's file

  conn.info('one');
  conn.info('two');
  await follower.check();
  assert.deepEqual(await take(follower, 2), ['one', 'two']);

  // Each line is ~120 bytes: ten lines cross the 600-byte cap at least once between checks.
  const burst = Array.from({ length: 10 }, (_, i) => `burst ${i}`);
  for (const m of burst) conn.info(m);
  await follower.check();
  assert.deepEqual(await take(follower, 10), burst, 'the old file is finished before the new one starts');

  conn.info('after rotation');
  await follower.check();
  assert.deepEqual(await take(follower, 1), ['after rotation']);
  await logs.close();
});

test('follow moves on to the next day\'s file at midnight, driven by its poll timer alone', WAIT, async (t) => {
  const stateDir = tempState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 23, 59, 59).getTime());
  const logs = createLogger({ stateDir, clock });
  const app = logs.child('app');
  app.info('last of january');
  const follower = followLogs({ logsDir: logs.logsDir, clock, pollMs: 5000, watch: false });
  t.after(() => follower.stop());
  await follower.check();

  app.info('late on the 31st');
  clock.advance(1000); // past midnight
  app.info('first of february');
  assert.equal(logs.currentFile(), join(logs.logsDir, 'clawline-2025-02-01.log'));
  clock.advance(4000); // the poll timer (5 s) fires and reads both files
  assert.deepEqual(await take(follower, 2), ['late on the 31st', 'first of february']);
  await logs.close();
});

test('follow applies filters and holds back a line until it is complete', WAIT, async (t) => {
  const dir = join(tempState(t), 'logs');
  mkdirSync(dir);
  const file = join(dir, 'clawline-2025-01-31.log');
  appendFileSync(file, '');
  const clock = new FakeClock();
  const follower = followLogs({ logsDir: dir, clock, subsystem: 'inbound' });
  t.after(() => follower.stop());
  await follower.check();

  appendFileSync(file, `${JSON.stringify({ level: 'info', subsystem: 'outbound', msg: 'not for us' })}\n`);
  appendFileSync(file, JSON.stringify({ level: 'info', subsystem: 'inbound', msg: 'half' }).slice(0, 20));
  await follower.check();
  appendFileSync(file, `${JSON.stringify({ level: 'info', subsystem: 'inbound', msg: 'half' }).slice(20)}\n`);
  await follower.check();
  assert.deepEqual(await take(follower, 1), ['half']);
});

test('tail then follow from its cursor loses nothing in between', WAIT, async (t) => {
  const stateDir = tempState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 10).getTime());
  const logs = createLogger({ stateDir, clock });
  const agent = logs.child('agent');
  agent.info('a');
  agent.info('b');
  const tail = await tailLogs({ logsDir: logs.logsDir, limit: 1 });
  assert.deepEqual(tail.entries.map((e) => e.msg), ['b']);
  agent.info('written between tail and follow');
  const follower = followLogs({ logsDir: logs.logsDir, clock, from: tail.cursor });
  t.after(() => follower.stop());
  await follower.check();
  assert.deepEqual(await take(follower, 1), ['written between tail and follow']);
  await logs.close();
});

test('a follow that starts before any log exists picks up the first file from its start', WAIT, async (t) => {
  const stateDir = tempState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 10).getTime());
  const follower = followLogs({ logsDir: join(stateDir, 'logs'), clock });
  t.after(() => follower.stop());
  await follower.check();
  const logs = createLogger({ stateDir, clock });
  logs.child('app').info('hello');
  await follower.check();
  assert.deepEqual(await take(follower, 1), ['hello']);
  await logs.close();
});

test('stop ends a waiting reader and cancels the poll timer', WAIT, async (t) => {
  const dir = tempState(t);
  const clock = new FakeClock();
  const follower = followLogs({ logsDir: dir, clock, pollMs: 1000 });
  assert.deepEqual(clock.pending(), [1000]);
  const pending = follower.next();
  follower.stop();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.deepEqual(clock.pending(), []);
  const seen: string[] = [];
  for await (const e of follower) seen.push(e.msg);
  assert.deepEqual(seen, []);
});
