// What the sender sees, end to end on the simulator: blue ticks, the ack reaction and "typing…"
// before the answer, a long answer in ordered chunks, and a polite apology when the agent fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pipelineHarness, received, sendAndSettle } from './helpers.ts';

test('read receipt, ack reaction and typing reach the contact before the reply', async (t) => {
  const h = await pipelineHarness(t, {
    whatsapp: { dmPolicy: 'open', allowFrom: ['*'], ackReaction: { emoji: '👀', direct: true } },
  });
  const alice = h.sim.addContact({ name: 'Alice' });
  const { messageId } = await h.sim.send(alice.id, 'ping');
  const pong = await h.sim.waitForMessage(alice.id, (m) => m.text === 'pong');
  const inbox = h.sim.inbox(alice.id);

  const read = inbox.receipts.find((r) => r.messageId === messageId && r.type === 'read');
  assert.ok(read, 'the contact sees blue ticks on their message');
  const reaction = inbox.reactions.find((r) => r.messageId === messageId);
  assert.equal(reaction?.emoji, '👀');
  const composing = inbox.presence.find((p) => p.type === 'composing');
  assert.ok(composing, 'the contact saw "typing…"');
  assert.ok(inbox.presence.some((p) => p.type === 'paused' && p.at >= composing.at), 'typing stopped');
  // In the order a person would notice them: ticks, reaction, typing, then the answer.
  assert.ok(read.at <= reaction!.at && reaction!.at <= composing.at && composing.at <= pong.at);
  assert.equal(inbox.messages.length, 1, 'only the answer itself arrived as a message');
});

test('without sendReadReceipts and ackReaction: no ticks, no reaction, still an answer', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'open', allowFrom: ['*'], sendReadReceipts: false } });
  const bob = h.sim.addContact({ name: 'Bob' });
  const { messageId, outcome } = await sendAndSettle(h, bob.id, 'ping');
  assert.equal(outcome.outcome, 'replied');
  const inbox = h.sim.inbox(bob.id);
  assert.equal(inbox.receipts.filter((r) => r.messageId === messageId && r.type === 'read').length, 0);
  assert.equal(inbox.reactions.length, 0);
  assert.deepEqual(inbox.messages.map((m) => m.text), ['pong']);
});

test('a 10,000-character answer arrives as ordered chunks, none over textChunkLimit', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'open', allowFrom: ['*'] } });
  const carol = h.sim.addContact({ name: 'Carol' });
  const { outcome } = await sendAndSettle(h, carol.id, 'long');
  assert.equal(outcome.outcome, 'replied');
  const chunks = h.sim.inbox(carol.id).messages.map((m) => m.text ?? '');
  assert.equal(chunks.length, 3, `10,000 characters at the default limit of 4,000 are three messages (got ${chunks.map((c) => c.length).join(', ')})`);
  for (const c of chunks) assert.ok(c.length <= 4000, `a chunk of ${c.length} characters is over the limit`);
  // Every line arrives whole and in order (chunks break at line ends, which may be dropped).
  const lines = chunks.join('\n').split('\n').filter(Boolean);
  assert.equal(lines.length, 125);
  lines.forEach((line, i) => assert.ok(line.startsWith(`line ${String(i + 1).padStart(3, '0')} `), `line ${i + 1} out of place: ${line.slice(0, 12)}`));
  assert.equal(lines.join('').length, 10_000 - 124, 'no characters lost besides the line breaks');

  // A smaller limit from the config applies to the next answer.
  const set = await h.gateway.handle('settings.set', { path: ['channels', 'whatsapp', 'textChunkLimit'], value: 1500 });
  assert.equal(set.ok, true, JSON.stringify(set.findings));
  await sendAndSettle(h, carol.id, 'long');
  const second = h.sim.inbox(carol.id).messages.slice(3).map((m) => m.text ?? '');
  assert.ok(second.length >= 7, `expected at least 7 chunks at 1,500, got ${second.length}`);
  for (const c of second) assert.ok(c.length <= 1500, `a chunk of ${c.length} characters is over the limit of 1500`);
  assert.deepEqual(second.join('\n').split('\n').filter(Boolean), lines);
});

test('an agent failure: one apology to the sender, and the log line carries the next step', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'open', allowFrom: ['*'] } });
  const dave = h.sim.addContact({ name: 'Dave' });
  const { messageId, outcome } = await sendAndSettle(h, dave.id, 'fail');
  assert.equal(outcome.outcome, 'failed:agent');
  assert.equal(received(h.sim.inbox(dave.id), /^Sorry, I couldn't answer that/).length, 1);

  const line = h.gateway.logs.recent({ level: 'error' }).find((l) => l.msg === 'the agent failed to answer' && l.fields.messageId === messageId);
  assert.ok(line, 'the failure is logged');
  const err = line.fields.err as { code?: string; nextStep?: string; message?: string };
  assert.equal(err.code, 'exit-code');
  assert.match(err.message ?? '', /the model server is on fire/, 'what the command printed on stderr');
  assert.match(err.nextStep ?? '', /Run it yourself/, "the owner's next step");
  assert.equal(line.subsystem, 'inbound');

  // A second failure in the same chat soon after: no apology flood.
  assert.equal((await sendAndSettle(h, dave.id, 'fail')).outcome.outcome, 'failed:agent');
  assert.equal(received(h.sim.inbox(dave.id), /^Sorry/).length, 1);
  // And the next good message is answered as usual.
  await h.sim.send(dave.id, 'ping');
  await h.sim.waitForMessage(dave.id, (m) => m.text === 'pong');
});
