// Exactly one answer per message, end to end on the simulator: through a SIGKILL between
// acceptance and reply, duplicated deliveries, a replay after a restart, and our own sends
// coming back to us.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { journalPath } from '../../main/messages/index.ts';
import { PAIRING_REPLY, pipelineHarness, received, sendAndSettle, texts, waitOutcome, type PipelineHarness } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./fixtures/gateway-child.ts', import.meta.url));
const OPEN = { dmPolicy: 'open', allowFrom: ['*'] };

/** A gateway process on the harness's state dir; resolves once it has started. */
async function startChild(h: PipelineHarness, t: { after(fn: () => Promise<void> | void): void }): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, h.stateDir], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, CLAWLINE_WA_URL: h.sim.url, CLAWLINE_WA_CA: h.sim.ca },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      if (output.includes('started')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the gateway process exited (${code}) before starting:\n${output}`)));
  });
  return child;
}

/** Polls for a file the fixture agent writes (it has no other way to say it started). */
async function waitForFile(path: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text) return text;
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a SIGKILL while the agent works: exactly one reply after the restart', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: OPEN });
  // The account moves to a gateway in a child process, which this test can kill.
  await h.gateway.stop();
  const logins = h.sim.state().logins;
  const child = await startChild(h, t);
  await h.sim.waitForLogins(logins + 1);
  await h.sim.waitForReady();

  const alice = h.sim.addContact({ name: 'Alice' });
  const { messageId } = await h.sim.send(alice.id, 'slow');
  const agentPid = Number(await waitForFile(join(h.agentDir, `slow-${messageId}.pid`)));
  // Accepted (blue ticks sent), agent running: now the power goes out.
  child.kill('SIGKILL');
  await once(child, 'exit');
  process.kill(-agentPid, 'SIGKILL'); // the orphaned agent runs in its own process group
  assert.deepEqual(texts(h.sim.inbox(alice.id)), [], 'no reply before the restart');
  const journal = await readFile(journalPath(h.stateDir, 'default'), 'utf8');
  assert.ok(journal.split('\n').some((l) => l.includes(messageId) && l.includes('"t":"a"')), 'the journal holds the message as accepted');

  // The killed process could not release its account lock; a restart must take it over (the
  // owner pid is gone) rather than report "another Clawline process is running".
  await h.restart();
  await h.waitAccount((a) => a.state === 'connected');
  await h.sim.waitForMessage(alice.id, (m) => m.text === 'slow done');
  // Anything still to come would be answered before this, in the same chat.
  await h.sim.send(alice.id, 'ping');
  await h.sim.waitForMessage(alice.id, (m) => m.text === 'pong');
  assert.deepEqual(texts(h.sim.inbox(alice.id)), ['slow done', 'pong']);
  assert.deepEqual((await h.agentCalls()).map((c) => c.text), ['slow', 'slow', 'ping'], 'the interrupted message was given to the agent again');
});

test('a graceful stop while the agent works stops the agent instead of waiting; one reply after the restart', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: OPEN });
  const alice = h.sim.addContact({ name: 'Alice' });
  const { messageId } = await h.sim.send(alice.id, 'slow');
  await waitForFile(join(h.agentDir, `slow-${messageId}.pid`));

  // Quitting the app or `clawline gateway stop` must not hang until the agent is done (up to
  // its timeout); the unanswered message stays in the journal for the next run.
  await h.restart();
  const finished = await readFile(join(h.agentDir, `slow-${messageId}.finished`), 'utf8').catch(() => undefined);
  assert.equal(finished, undefined, 'the stop waited for the agent to finish instead of stopping it');
  await h.sim.waitForMessage(alice.id, (m) => m.text === 'slow done');
  await h.sim.send(alice.id, 'ping');
  await h.sim.waitForMessage(alice.id, (m) => m.text === 'pong');
  assert.deepEqual(texts(h.sim.inbox(alice.id)), ['slow done', 'pong']);
});

test('a duplicated delivery gets one reply', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: OPEN });
  const bob = h.sim.addContact({ name: 'Bob' });

  // The same message id delivered twice, freshly encrypted each time (a sender's resend).
  h.sim.fault({ kind: 'duplicate' });
  const first = await h.sim.send(bob.id, 'ping');
  const skipped = waitOutcome(h.gateway, first.messageId, { skippedReason: 'duplicate' });
  assert.equal((await waitOutcome(h.gateway, first.messageId, { only: 'finished' })).outcome, 'replied');
  await skipped;
  assert.equal(h.sim.faults().filter((f) => f.status === 'fired').length, 1, 'the fault fired');

  // The very same stanza twice (a server redelivery).
  h.sim.fault({ kind: 'duplicate', mode: 'same-stanza' });
  const second = await h.sim.send(bob.id, 'again');
  assert.equal((await waitOutcome(h.gateway, second.messageId, { only: 'finished' })).outcome, 'replied');
  await h.sim.waitFor(() => h.sim.faults().every((f) => f.status === 'fired') && h.sim.devices().every((d) => d.pending === 0));

  await h.sim.send(bob.id, 'ping');
  await h.sim.waitForMessage(bob.id, (m) => texts(h.sim.inbox(bob.id)).filter((x) => x === 'pong').length === 2);
  assert.deepEqual(texts(h.sim.inbox(bob.id)), ['pong', 'echo: again', 'pong']);
  assert.deepEqual((await h.agentCalls()).map((c) => c.text), ['ping', 'again', 'ping']);
});

test('a first message delivered twice: the copy the session cannot decrypt again is asked for, not dropped', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: OPEN });
  const dora = h.sim.addContact({ name: 'Dora' });
  h.sim.fault({ kind: 'duplicate', mode: 'same-stanza' });
  const first = await h.sim.send(dora.id, 'ping');
  assert.equal((await waitOutcome(h.gateway, first.messageId, { only: 'finished' })).outcome, 'replied');
  await h.sim.waitFor(() => h.sim.devices().every((d) => d.pending === 0));
  // Baileys alone nacks such a copy 487 and the server drops it for good: harmless here, fatal
  // when a killed process had decrypted the message (its session saved) but never acknowledged it.
  const trail = h.sim.contact(dora.id).sent.get(first.messageId)?.trail ?? [];
  assert.ok(trail.some((s) => s.startsWith('retry')), `the gateway asked for it again: ${trail.join(', ')}`);
  assert.ok(!trail.some((s) => s.startsWith('nack 487')), `not dropped: ${trail.join(', ')}`);
  await h.sim.waitFor(() => trail.some((s) => s.startsWith('resent')));
  await h.sim.send(dora.id, 'and now?');
  await h.sim.waitForMessage(dora.id, (m) => m.text === 'echo: and now?');
  assert.deepEqual(texts(h.sim.inbox(dora.id)), ['pong', 'echo: and now?'], 'the resent copy was a duplicate: one reply');
  assert.deepEqual((await h.agentCalls()).map((c) => c.text), ['ping', 'and now?']);
});

test('dedupe survives a restart: a message delivered again after it is not answered twice', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: OPEN });
  const carol = h.sim.addContact({ name: 'Carol' });
  const id = '3EB0D0D0D0D0D0D0D0D0D1';
  assert.equal((await sendAndSettle(h, carol.id, { text: 'ping', id })).outcome.outcome, 'replied');

  await h.restart();
  await h.waitAccount((a) => a.state === 'connected');
  await h.sim.waitForReady();
  // The same message (same id, same chat) again, after the restart.
  await h.sim.send(carol.id, { text: 'ping', id });
  assert.equal((await waitOutcome(h.gateway, id)).outcome, 'skipped:duplicate');
  await h.sim.send(carol.id, 'ping');
  await h.sim.waitForMessage(carol.id, () => texts(h.sim.inbox(carol.id)).length === 2);
  assert.deepEqual(texts(h.sim.inbox(carol.id)), ['pong', 'pong']);
  assert.equal((await h.agentCalls()).length, 2);
});

test('our own sends never reach the agent: replies, messages to contacts, notes to self', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'pairing', allowFrom: ['+4915170000001'] } });
  const dan = h.sim.addContact({ name: 'Dan', phone: '4915170000001' });
  const stranger = h.sim.addContact({ name: 'Stranger', phone: '4915170000002' });

  // A conversation: Baileys hands our own replies back to us (fromMe, "append").
  await h.sim.send(dan.id, 'ping');
  await h.sim.waitForMessage(dan.id, (m) => m.text === 'pong');
  const pongId = h.sim.inbox(dan.id).messages[0]!.id;
  assert.match((await waitOutcome(h.gateway, pongId)).outcome, /^skipped:echo/);

  // The owner (through Clawline) writes to a contact and to their own chat.
  await h.gateway.sendText('default', dan.pnJid, 'hello from the owner');
  const ownId = (await h.sim.waitForMessage(dan.id, (m) => m.text === 'hello from the owner')).id;
  assert.match((await waitOutcome(h.gateway, ownId)).outcome, /^skipped:echo/);

  const noteId = await noteToSelf(h, 'note to self');
  assert.match((await waitOutcome(h.gateway, noteId)).outcome, /^skipped:echo/);

  // In selfChatMode the owner's own chat goes to the agent, but not what Clawline itself sent there.
  const set = await h.gateway.handle('settings.set', { path: ['channels', 'whatsapp', 'selfChatMode'], value: true });
  assert.equal(set.ok, true, JSON.stringify(set.findings));
  const selfNoteId = await noteToSelf(h, 'sent by clawline into self-chat');
  assert.match((await waitOutcome(h.gateway, selfNoteId)).outcome, /^skipped:echo/);
  // ...and on a personal number, strangers (the owner's contacts) never get a pairing code.
  assert.equal((await sendAndSettle(h, stranger.id, 'hi, are you there?')).outcome.outcome, 'dropped:pairing-self-chat-mode');
  assert.equal(received(h.sim.inbox(stranger.id), PAIRING_REPLY).length, 0);

  assert.deepEqual((await h.agentCalls()).map((c) => c.text), ['ping'], 'the agent saw only what Dan wrote');
});

/** Sends a text from Clawline to our own number; resolves with its id (as the phone logged it). */
async function noteToSelf(h: PipelineHarness, text: string): Promise<string> {
  await h.gateway.sendText('default', h.self.jid, text);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const hit = (await h.sim.phone.log()).find((e) => e.text === text);
    if (hit) return hit.id;
    if (Date.now() > deadline) throw new Error(`the phone never got "${text}"`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a reply the contact cannot decrypt three times in a row still arrives, once', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: OPEN });
  const erin = h.sim.addContact({ name: 'Erin' });
  await h.sim.send(erin.id, 'ping');
  await h.sim.waitForMessage(erin.id, (m) => m.text === 'pong');
  // What a session left behind by a crash looks like to the phone: it asks again, with new keys,
  // each time. Baileys' own budget stops after two resends (main/connection/signal-repository.ts).
  for (let i = 0; i < 3; i++) h.sim.fault({ kind: 'unreadable' });
  await h.sim.send(erin.id, 'again');
  await h.sim.waitForMessage(erin.id, (m) => m.text === 'echo: again', { timeoutMs: 30_000, what: 'the reply after three failed decryptions' });
  assert.equal(h.sim.faults().filter((f) => f.status === 'fired').length, 3, 'the phone failed to read it three times first');
  assert.deepEqual(texts(h.sim.inbox(erin.id)), ['pong', 'echo: again']);
});
