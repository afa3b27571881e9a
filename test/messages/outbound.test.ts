import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../main/shared/clock.ts';
import { OutboundSender, SendCancelledError, isTransientSendError } from '../../main/messages/index.ts';
import { drive } from './helpers.ts';

const closed = () => Object.assign(new Error('Connection Closed'), { output: { statusCode: 428 } });

test('sends to one chat are paced and keep their order; other chats are not held up', async () => {
  const clock = new FakeClock();
  const start = clock.now();
  const sender = new OutboundSender({ clock, minIntervalMs: 1000 });
  const log: [string, number][] = [];
  const send = (chat: string, label: string) => sender.send(chat, async () => log.push([label, clock.now() - start]));
  await drive(clock, Promise.all([send('A', 'a1'), send('A', 'a2'), send('B', 'b1'), send('A', 'a3')]));
  assert.deepEqual(
    log.map(([l]) => l),
    ['a1', 'b1', 'a2', 'a3'],
  );
  assert.deepEqual(Object.fromEntries(log), { a1: 0, b1: 0, a2: 1000, a3: 2000 });
});

test('transient failures are retried with doubling backoff; others are not', async () => {
  const clock = new FakeClock();
  const start = clock.now();
  const retries: number[] = [];
  const sender = new OutboundSender({ clock, minIntervalMs: 0, retries: 3, backoffMs: 1000, onRetry: ({ delayMs }) => retries.push(delayMs) });
  let attempts = 0;
  const result = await drive(
    clock,
    sender.send('A', async () => {
      attempts++;
      if (attempts < 3) throw closed();
      return clock.now() - start;
    }),
  );
  assert.equal(attempts, 3);
  assert.deepEqual(retries, [1000, 2000]);
  assert.equal(result, 3000);

  let permanent = 0;
  await assert.rejects(
    drive(clock, sender.send('A', async () => {
      permanent++;
      throw new Error('not-authorized');
    })),
    /not-authorized/,
  );
  assert.equal(permanent, 1);

  let always = 0;
  await assert.rejects(
    drive(clock, sender.send('A', async () => {
      always++;
      throw closed();
    })),
    /Connection Closed/,
  );
  assert.equal(always, 4, 'first try + 3 retries, then give up');
});

test('cancel stops waiting sends', async () => {
  const clock = new FakeClock();
  const sender = new OutboundSender({ clock, minIntervalMs: 5000 });
  await sender.send('A', async () => 1);
  const waiting = sender.send('A', async () => 2);
  sender.cancel();
  await assert.rejects(waiting, SendCancelledError);
  await assert.rejects(sender.send('B', async () => 3), SendCancelledError);
  assert.deepEqual(clock.pending(), [], 'no timers left behind');
});

test('which errors count as transient', () => {
  assert.ok(isTransientSendError(closed()));
  assert.ok(isTransientSendError(Object.assign(new Error('x'), { code: 'ECONNRESET' })));
  assert.ok(isTransientSendError(new Error('Timed Out')));
  assert.ok(isTransientSendError({ output: { statusCode: 503 } }));
  assert.ok(!isTransientSendError(new Error('bad-request')));
  assert.ok(!isTransientSendError({ output: { statusCode: 401 } }));
  assert.ok(!isTransientSendError(undefined));
});
