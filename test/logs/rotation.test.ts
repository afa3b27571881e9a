import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../main/shared/clock.ts';
import { createLogger } from '../../main/logs/index.ts';

const DAY = 24 * 60 * 60 * 1000;

function tempState(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'clawline-rotation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const msgs = (path: string) => readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);

test('a day file that reaches the size cap moves to .1, .2 ... and only the newest pieces are kept', async (t) => {
  const stateDir = tempState(t);
  const logs = createLogger({ stateDir, clock: new FakeClock(new Date(2025, 2, 10, 8).getTime()), maxFileBytes: 1000, maxRotatedFiles: 2 });
  const store = logs.child('store');
  for (let i = 0; i < 60; i++) store.info(`entry ${String(i).padStart(3, '0')}`);
  await logs.close();

  const dir = join(stateDir, 'logs');
  assert.deepEqual(readdirSync(dir).sort(), ['clawline-2025-03-10.log', 'clawline-2025-03-10.log.1', 'clawline-2025-03-10.log.2']);
  const oldest = msgs(join(dir, 'clawline-2025-03-10.log.2'));
  const middle = msgs(join(dir, 'clawline-2025-03-10.log.1'));
  const live = msgs(join(dir, 'clawline-2025-03-10.log'));
  const kept = [...oldest, ...middle, ...live];
  assert.equal(kept[kept.length - 1], 'entry 059');
  // The kept pieces are one unbroken, ordered run ending at the newest line.
  const first = Number(kept[0]!.slice(6));
  assert.ok(first > 0, 'older pieces beyond maxRotatedFiles were deleted');
  assert.deepEqual(kept, Array.from({ length: 60 - first }, (_, i) => `entry ${String(first + i).padStart(3, '0')}`));
  for (const name of readdirSync(dir)) {
    assert.ok(statSync(join(dir, name)).size <= 1000, `${name} is over the cap`);
    if (process.platform !== 'win32') assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, `${name} mode`);
  }
});

test('lines written after local midnight go to the next day\'s file', async (t) => {
  const stateDir = tempState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 23, 59, 58).getTime());
  const logs = createLogger({ stateDir, clock });
  const conn = logs.child('connection', { accountId: 'default' });
  conn.info('before midnight');
  clock.advance(1000);
  conn.info('still the 31st');
  clock.advance(2000);
  conn.info('after midnight');
  assert.equal(logs.currentFile(), join(stateDir, 'logs', 'clawline-2025-02-01.log'));
  await logs.close();

  const dir = join(stateDir, 'logs');
  assert.deepEqual(msgs(join(dir, 'clawline-2025-01-31.log')), ['before midnight', 'still the 31st']);
  assert.deepEqual(msgs(join(dir, 'clawline-2025-02-01.log')), ['after midnight']);
});

test('files older than the retention window are deleted at start and at each day switch', async (t) => {
  const stateDir = tempState(t);
  const dir = join(stateDir, 'logs');
  mkdirSync(dir, { recursive: true });
  const seed = ['clawline-2025-01-20.log', 'clawline-2025-01-25.log', 'clawline-2025-01-25.log.1', 'clawline-2025-01-28.log', 'clawline-2025-01-28.log.7', 'notes.txt'];
  for (const name of seed) writeFileSync(join(dir, name), '{"msg":"old"}\n');

  const clock = new FakeClock(new Date(2025, 0, 31, 10).getTime());
  const logs = createLogger({ stateDir, clock, retentionDays: 7, maxRotatedFiles: 5 });
  const app = logs.child('app');
  app.info('started');
  // Kept: 25th to 31st (7 days). The 20th is gone, and so is a .7 piece beyond the 5 kept.
  assert.deepEqual(readdirSync(dir).sort(), ['clawline-2025-01-25.log', 'clawline-2025-01-25.log.1', 'clawline-2025-01-28.log', 'clawline-2025-01-31.log', 'notes.txt']);

  clock.advance(3 * DAY); // Feb 3rd: the window is now Jan 28th to Feb 3rd
  app.info('three days later');
  await logs.close();
  assert.deepEqual(readdirSync(dir).sort(), ['clawline-2025-01-28.log', 'clawline-2025-01-31.log', 'clawline-2025-02-03.log', 'notes.txt']);
});

test('a log directory that becomes unwritable never throws into the app and is reported', async (t) => {
  const stateDir = tempState(t);
  const clock = new FakeClock(new Date(2025, 0, 31, 10).getTime());
  const logs = createLogger({ stateDir, clock });
  const app = logs.child('app');
  app.info('fine');
  rmSync(join(stateDir, 'logs'), { recursive: true, force: true });
  writeFileSync(join(stateDir, 'logs'), 'not a directory');
  clock.advance(DAY);
  assert.doesNotThrow(() => app.warn('cannot be written to disk'));
  assert.equal(logs.health().writeErrors, 1);
  assert.match(logs.health().lastError ?? '', /ENOTDIR|EEXIST|ENOENT/);
  assert.deepEqual(logs.recent().map((e) => e.msg), ['fine', 'cannot be written to disk'], 'still visible in the window');
  await logs.close();
});

test('bad rotation settings are refused with the setting named', (t) => {
  const stateDir = tempState(t);
  assert.throws(() => createLogger({ stateDir, maxFileBytes: 0 }), /maxFileBytes must be positive/);
  assert.throws(() => createLogger({ stateDir, retentionDays: 0 }), /retentionDays must be at least 1/);
});
