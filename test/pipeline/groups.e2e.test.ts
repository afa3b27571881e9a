// Groups end to end on the simulator, in a LID-addressed group (what WhatsApp uses for new
// groups): participants write from LIDs, a native mention carries our LID, a reply to one of our
// messages counts as a mention, and nobody in a group ever gets a pairing reply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAIRING_REPLY, pipelineHarness, received, sendAndSettle } from './helpers.ts';

test('LID group: mention of our LID or a reply to us gets an answer; no mention, none', async (t) => {
  const h = await pipelineHarness(t, {
    whatsapp: { dmPolicy: 'pairing', groupPolicy: 'allowlist', groupAllowFrom: ['+4915150000001'] },
  });
  const alice = h.sim.addContact({ name: 'Alice', phone: '4915150000001' });
  const bob = h.sim.addContact({ name: 'Bob', phone: '4915150000002' });
  const group = h.sim.addGroup({ subject: 'Hiking', members: [alice.id, bob.id], addressing: 'lid' });
  assert.ok(group.participants.every((p) => p.endsWith('@lid')), 'the group lists participants by LID');
  assert.match(h.self.lid, /@lid$/);
  const ourLidUser = h.self.lid.split('@')[0]!.split(':')[0]!;
  const groupReplies = () => h.sim.inbox(alice.id).messages.filter((m) => m.group === group.id);

  // requireMention (the default): chatter without a mention gets nothing, but is kept as context.
  const chatter = await sendAndSettle(h, alice.id, { group: group.id, text: 'who is coming on saturday?' });
  assert.equal(chatter.outcome.outcome, 'dropped:no-mention');
  assert.equal(groupReplies().length, 0);

  // A native mention of our LID (as WhatsApp sends it in a LID group).
  const asked = await h.sim.send(alice.id, { group: group.id, text: `@${ourLidUser} can you check the weather?`, mentions: [h.self.lid] });
  const answer = await h.sim.waitForMessage(alice.id, (m) => m.group === group.id && /^echo: /.test(m.text ?? ''));
  assert.equal(answer.text, `echo: @${ourLidUser} can you check the weather?`);
  assert.equal(answer.quoted?.id, asked.messageId, 'the first message of a group reply quotes the question');
  const [call] = await h.agentCalls();
  assert.equal(call!.isGroup, true);
  assert.equal(call!.sender.id, '+4915150000001', 'the LID participant was resolved to the phone number');
  assert.deepEqual(call!.history?.map((e) => e.text), ['who is coming on saturday?'], 'earlier chatter is passed as history');

  // A reply to our message, without any mention, also counts.
  const followUp = await h.sim.send(alice.id, { group: group.id, text: 'and on sunday?', quote: answer.id });
  await h.sim.waitForMessage(alice.id, (m) => m.group === group.id && m.text === 'echo: and on sunday?');
  const calls = await h.agentCalls();
  assert.equal(calls.at(-1)!.messageId, followUp.messageId);
  assert.deepEqual(calls.at(-1)!.quoted, { text: answer.text, fromMe: true });

  // Bob is not in groupAllowFrom: his mention is dropped, and he gets no pairing code anywhere.
  const bobAsks = await sendAndSettle(h, bob.id, { group: group.id, text: `@${ourLidUser} hi, can I use you too?`, mentions: [h.self.lid] });
  assert.equal(bobAsks.outcome.outcome, 'dropped:sender-not-allowed');
  assert.equal(received(h.sim.inbox(bob.id), PAIRING_REPLY).length, 0);
  assert.equal(h.sim.inbox(bob.id).messages.filter((m) => !m.group).length, 0, 'no direct message to Bob');
  assert.equal((await h.gateway.handle('pairing.list', {})).requests.length, 0);
  assert.equal(groupReplies().length, 2, 'two answers in the group, nothing for the rest');
});

test('groups never get a pairing reply, even from a stranger under dmPolicy "pairing" and groupPolicy "open"', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'pairing', groupPolicy: 'open', groups: { '*': { requireMention: false } } } });
  const stranger = h.sim.addContact({ name: 'Stranger', phone: '4915160000001' });
  const group = h.sim.addGroup({ subject: 'Open group', members: [stranger.id], addressing: 'lid' });

  // requireMention off: every message in the group is answered, none triggers pairing.
  const { outcome } = await sendAndSettle(h, stranger.id, { group: group.id, text: 'anyone here?' });
  assert.equal(outcome.outcome, 'replied');
  assert.equal(received(h.sim.inbox(stranger.id), PAIRING_REPLY).length, 0);
  assert.deepEqual(h.sim.inbox(stranger.id).messages.map((m) => [m.group, m.text]), [[group.id, 'echo: anyone here?']]);
  assert.equal((await h.gateway.handle('pairing.list', {})).requests.length, 0);

  // The same stranger writing directly does get a code: the group did not change that.
  const dm = await sendAndSettle(h, stranger.id, 'hi directly');
  assert.equal(dm.outcome.outcome, 'pairing-requested');
});
