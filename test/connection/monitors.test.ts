import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../main/shared/clock.ts';
import { LivenessWatch } from '../../main/connection/liveness.ts';
import { DecryptFailureMonitor } from '../../main/connection/decrypt-monitor.ts';

test('a quiet socket whose pings are answered is never declared dead', () => {
  const clock = new FakeClock();
  const dead: number[] = [];
  const watch = new LivenessWatch(clock, 60_000, (ms) => dead.push(ms));
  watch.start();
  // Pings every 30 s get answered (a frame each); no messages at all for 3 hours.
  for (let i = 0; i < 360; i++) {
    clock.advance(30_000);
    watch.frame();
  }
  assert.deepEqual(dead, []);
  watch.stop();
  assert.deepEqual(clock.pending(), []);
});

test('a socket with no frames at all is declared dead once, after the window', () => {
  const clock = new FakeClock();
  const dead: number[] = [];
  const watch = new LivenessWatch(clock, 60_000, (ms) => dead.push(ms));
  watch.start();
  clock.advance(45_000);
  watch.frame();
  clock.advance(59_999);
  assert.deepEqual(dead, []);
  clock.advance(1);
  assert.deepEqual(dead, [60_000]);
  clock.advance(600_000);
  assert.equal(dead.length, 1);
  assert.deepEqual(clock.pending(), []);
});

const quietLog = () => {
  const lines: { obj: object; msg?: string }[] = [];
  return { lines, warn: (obj: object, msg?: string) => lines.push({ obj, msg }) };
};

test('a decrypt failure burst triggers one repair per cooldown, logs are throttled', () => {
  const clock = new FakeClock();
  const log = quietLog();
  const repairs: number[] = [];
  const m = new DecryptFailureMonitor(clock, log, (n) => repairs.push(n), { burstThreshold: 5, windowMs: 10_000, repairCooldownMs: 600_000, logEveryMs: 30_000 });
  for (let i = 0; i < 4; i++) { m.record({ messageId: `a${i}`, error: 'Bad MAC' }); clock.advance(1000); }
  assert.deepEqual(repairs, []);
  m.record({ messageId: 'a4', error: 'Bad MAC' });
  assert.deepEqual(repairs, [5]);
  // A flood: 100k failures over ~100 s. Still one repair in the cooldown, a handful of log lines.
  for (let i = 0; i < 100_000; i++) { m.record({ messageId: `f${i}`, error: 'Bad MAC' }); if (i % 1000 === 0) clock.advance(1000); }
  assert.equal(repairs.length, 1);
  assert.ok(log.lines.length <= 6, `${log.lines.length} log lines`);
  assert.equal(m.count, 100_005);
  clock.advance(600_000);
  for (let i = 0; i < 5; i++) m.record({ messageId: `g${i}` });
  assert.equal(repairs.length, 2);
});

test('slow trickles are counted but never repaired; duplicates count once', () => {
  const clock = new FakeClock();
  const repairs: number[] = [];
  const m = new DecryptFailureMonitor(clock, quietLog(), (n) => repairs.push(n), { burstThreshold: 5, windowMs: 10_000 });
  for (let i = 0; i < 50; i++) { m.record({ messageId: `t${i}` }); m.record({ messageId: `t${i}` }); clock.advance(3000); }
  assert.equal(m.count, 50);
  assert.deepEqual(repairs, []);
  m.resetCount();
  assert.equal(m.count, 0);
});

test('the phone\'s last sign of life is remembered across restarts, written at most hourly', async (t) => {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { PhoneActivity } = await import('../../main/connection/phone-activity.ts');
  const stateDir = await mkdtemp(join(tmpdir(), 'clw-phone-'));
  t.after(() => rm(stateDir, { recursive: true, force: true }));
  const file = join(stateDir, 'clawline', 'phone-seen-default.json');
  const errors: Error[] = [];
  const a = new PhoneActivity(stateDir, 'default', (e) => errors.push(e));
  await a.load();
  assert.equal(a.lastSeenAt, undefined);
  assert.equal(a.seen(1_000_000), true);
  assert.equal(a.seen(999_999), false, 'time never goes back');
  a.seen(1_000_000 + 60_000); // within the hour: memory only
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { lastSeenAt: 1_000_000 });
  a.seen(1_000_000 + 3_600_000);
  await new Promise((r) => setTimeout(r, 100));
  const b = new PhoneActivity(stateDir, 'default', (e) => errors.push(e));
  await b.load();
  assert.equal(b.lastSeenAt, 1_000_000 + 3_600_000);
  await b.forget();
  const c = new PhoneActivity(stateDir, 'default', (e) => errors.push(e));
  await c.load();
  assert.equal(c.lastSeenAt, undefined);
  assert.deepEqual(errors, []);
});
