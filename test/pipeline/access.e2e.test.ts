// Who gets an answer, end to end on the simulator: the pairing cap, no pairing reply under
// allowlist or for catch-up, and config changes applying to the very next message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, type Clock } from '../../main/shared/clock.ts';
import { PAIRING_REPLY, assertNoReply, pipelineHarness, received, sendAndSettle, texts, waitOutcome } from './helpers.ts';

test('at most 3 pairing requests are pending: a fourth stranger gets nothing', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'pairing' } });
  const strangers = ['4915110000001', '4915110000002', '4915110000003', '4915110000004'].map((phone, i) =>
    h.sim.addContact({ name: `Stranger ${i + 1}`, phone }),
  );
  for (const s of strangers.slice(0, 3)) {
    const { outcome } = await sendAndSettle(h, s.id, 'hello?');
    assert.equal(outcome.outcome, 'pairing-requested');
    await h.sim.waitForMessage(s.id, (m) => PAIRING_REPLY.test(m.text ?? ''));
  }
  const fourth = strangers[3]!;
  const { outcome } = await sendAndSettle(h, fourth.id, 'hello? me too');
  assert.equal(outcome.outcome, 'dropped:pairing-full');
  assertNoReply(h.sim.inbox(fourth.id), 0, 'the fourth stranger');
  assert.equal(h.sim.inbox(fourth.id).receipts.filter((r) => r.type === 'read').length, 0, 'no blue ticks for the fourth stranger');

  const pending = (await h.gateway.handle('pairing.list', {})).requests;
  assert.deepEqual(pending.map((r) => r.id).sort(), ['+4915110000001', '+4915110000002', '+4915110000003']);
  // Strangers were never handed to the agent, and each of the first three got exactly one code.
  assert.deepEqual(await h.agentCalls(), []);
  for (const s of strangers.slice(0, 3)) assert.equal(received(h.sim.inbox(s.id), PAIRING_REPLY).length, 1);

  // Dismissing one frees a slot: the fourth stranger's next message now gets a code.
  await h.gateway.handle('pairing.dismiss', { code: pending[0]!.code });
  assert.equal((await sendAndSettle(h, fourth.id, 'anyone?')).outcome.outcome, 'pairing-requested');
  assert.equal(received(h.sim.inbox(fourth.id), PAIRING_REPLY).length, 1);
});

test('allowlist mode: strangers get no pairing reply, listed numbers get answers', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'allowlist', allowFrom: ['+49 151 2000 0001'] } });
  const friend = h.sim.addContact({ name: 'Friend', phone: '4915120000001' });
  const stranger = h.sim.addContact({ name: 'Stranger', phone: '4915120000002' });

  const { outcome } = await sendAndSettle(h, stranger.id, 'hi, who is this?');
  assert.equal(outcome.outcome, 'dropped:not-allowed');
  assertNoReply(h.sim.inbox(stranger.id), 0, 'a stranger under allowlist');
  assert.equal((await h.gateway.handle('pairing.list', {})).requests.length, 0, 'no pairing request was created');

  await h.sim.send(friend.id, 'ping');
  await h.sim.waitForMessage(friend.id, (m) => m.text === 'pong');
  assert.deepEqual((await h.agentCalls()).map((c) => c.sender.id), ['+4915120000001']);
});

test('config hot reload: a dmPolicy change applies to the next message', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'disabled' } });
  const alice = h.sim.addContact({ name: 'Alice', phone: '4915130000001' });
  const bob = h.sim.addContact({ name: 'Bob', phone: '4915130000002' });

  assert.equal((await sendAndSettle(h, alice.id, 'ping')).outcome.outcome, 'dropped:dm-disabled');

  const set = async (key: string, value: unknown) => {
    const result = await h.gateway.handle('settings.set', { path: ['channels', 'whatsapp', key], value });
    assert.equal(result.ok, true, JSON.stringify(result.findings));
  };
  // "open" needs "*" in allowFrom to confirm it (OpenClaw's rule, enforced on write).
  await set('allowFrom', ['*']);
  await set('dmPolicy', 'open');
  await h.sim.send(alice.id, 'ping');
  await h.sim.waitForMessage(alice.id, (m) => m.text === 'pong');

  await set('dmPolicy', 'pairing');
  await set('allowFrom', []);
  assert.equal((await sendAndSettle(h, bob.id, 'hello')).outcome.outcome, 'pairing-requested');
  await h.sim.waitForMessage(bob.id, (m) => PAIRING_REPLY.test(m.text ?? ''));

  await set('allowFrom', ['+4915130000002']);
  await set('dmPolicy', 'allowlist');
  const before = h.sim.inbox(alice.id).messages.length;
  assert.equal((await sendAndSettle(h, alice.id, 'ping')).outcome.outcome, 'dropped:not-allowed');
  assertNoReply(h.sim.inbox(alice.id), before, 'Alice after the switch to allowlist');

  // The change is in the file too (comment-preserving edit), so a restart keeps it.
  const current = await h.gateway.handle('settings.get', {});
  assert.match(current.text, /dmPolicy["']?\s*:\s*["']allowlist["']/);
});

test('catch-up: messages older than the window get neither an answer nor a pairing reply', async (t) => {
  // The simulator's clock stamps each message; moving it back makes "old" messages without sleeping.
  let skewMs = 0;
  const clock: Clock = { ...systemClock, now: () => Date.now() + skewMs };
  const h = await pipelineHarness(t, {
    whatsapp: { dmPolicy: 'pairing', allowFrom: ['+4915140000001'] },
    clawline: { catchUpWindowSeconds: 600 },
    sim: { clock },
  });
  const friend = h.sim.addContact({ name: 'Friend', phone: '4915140000001' });
  const oldStranger = h.sim.addContact({ name: 'Old stranger', phone: '4915140000002' });
  const freshStranger = h.sim.addContact({ name: 'Fresh stranger', phone: '4915140000003' });

  // While the gateway is stopped, messages queue on the server.
  await h.gateway.handle('gateway.stop', {});
  skewMs = -3600_000;
  const oldFriend = await h.sim.send(friend.id, 'an hour ago: are you there?');
  const oldStrangerMsg = await h.sim.send(oldStranger.id, 'an hour ago: hello');
  skewMs = 0;
  const freshFriend = await h.sim.send(friend.id, 'just now: ping');
  const freshStrangerMsg = await h.sim.send(freshStranger.id, 'just now: hello');

  const outcomes = Promise.all([oldFriend, oldStrangerMsg, freshFriend, freshStrangerMsg].map((m) => waitOutcome(h.gateway, m.messageId)));
  await h.gateway.handle('gateway.start', {});
  const [oldF, oldS, freshF, freshS] = await outcomes;

  assert.equal(oldF!.outcome, 'stale', 'an allowed sender\'s hour-old message is not answered');
  assert.equal(oldS!.outcome, 'dropped:pairing-catch-up');
  // Delivered as catch-up (offline): never a pairing reply, however recent.
  assert.equal(freshS!.outcome, 'dropped:pairing-catch-up');
  // A recent message from an allowed sender is answered after the restart.
  assert.equal(freshF!.outcome, 'replied');

  assert.deepEqual(texts(h.sim.inbox(friend.id)), ['echo: just now: ping']);
  assertNoReply(h.sim.inbox(oldStranger.id), 0, 'an old stranger');
  assertNoReply(h.sim.inbox(freshStranger.id), 0, 'a stranger caught up after downtime');
  assert.equal((await h.gateway.handle('pairing.list', {})).requests.length, 0);
  assert.deepEqual((await h.agentCalls()).map((c) => c.text), ['just now: ping']);
});
