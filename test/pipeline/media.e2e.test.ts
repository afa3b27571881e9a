// Inbound media end to end on the simulator: a file over mediaMaxMb is refused politely and
// nothing is saved; a small image is downloaded, verified, saved under the state dir's media
// folder and handed to the agent as an attachment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statePaths } from '../../main/shared/state-dir.ts';
import { pipelineHarness, sendAndSettle } from './helpers.ts';

async function listFiles(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

test('media over mediaMaxMb is refused with a polite reply and not saved; a small image reaches the agent', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'open', allowFrom: ['*'], mediaMaxMb: 1 } });
  const mediaDir = join(statePaths(h.stateDir).media, 'default');
  const alice = h.sim.addContact({ name: 'Alice' });

  const big = await sendAndSettle(h, alice.id, { media: { kind: 'image', bytes: 2 * 1024 * 1024 } });
  assert.equal(big.outcome.outcome, 'refused:media-too-large');
  const refusal = await h.sim.waitForMessage(alice.id, () => true);
  assert.match(refusal.text ?? '', /more than I can take/);
  assert.match(refusal.text ?? '', /2 MB.*up to 1 MB/, 'the reply names the size and the limit');
  assert.deepEqual(await listFiles(mediaDir), [], 'nothing (not even a partial file) was saved');
  assert.deepEqual(await h.agentCalls(), [], 'the agent was not bothered');
  assert.equal(h.sim.state().counts.mediaDownloads, 0, 'refused from the declared size, without downloading');

  const small = await h.sim.send(alice.id, { media: { kind: 'image', mimetype: 'image/png', caption: 'what is this?' } });
  const answer = await h.sim.waitForMessage(alice.id, (m) => /^got image/.test(m.text ?? ''));
  const [call] = await h.agentCalls();
  assert.equal(call!.messageId, small.messageId);
  assert.equal(call!.text, 'what is this?');
  assert.equal(call!.attachments.length, 1);
  const att = call!.attachments[0]!;
  assert.equal(att.kind, 'image');
  assert.equal(att.mimetype, 'image/png');
  assert.match(att.path, /\.png$/);
  assert.equal(att.size, small.media!.bytes);
  assert.equal(join(att.path, '..'), mediaDir, 'saved under the state dir\'s media folder');
  const saved = await readFile(att.path);
  assert.equal(createHash('sha256').update(saved).digest('hex'), small.media!.sha256, 'the saved file is exactly what the contact sent');
  assert.deepEqual(await listFiles(mediaDir), [att.path.slice(mediaDir.length + 1)], 'one file, no temporary leftovers');
  assert.equal(answer.text, `got image ${small.media!.bytes} bytes\n${att.path}`);
});

test('a caption sent with an oversized file still reaches the agent, after the refusal', async (t) => {
  const h = await pipelineHarness(t, { whatsapp: { dmPolicy: 'open', allowFrom: ['*'], mediaMaxMb: 1 } });
  const bob = h.sim.addContact({ name: 'Bob' });
  const { outcome } = await sendAndSettle(h, bob.id, { media: { kind: 'document', bytes: 3 * 1024 * 1024, fileName: 'scan.pdf', caption: 'ping' } });
  assert.equal(outcome.outcome, 'replied');
  const texts = h.sim.inbox(bob.id).messages.map((m) => m.text ?? '');
  assert.equal(texts.length, 2);
  assert.match(texts[0]!, /more than I can take/);
  assert.equal(texts[1], 'pong');
  const [call] = await h.agentCalls();
  assert.deepEqual(call!.attachments, []);
  assert.deepEqual(await listFiles(join(statePaths(h.stateDir).media, 'default')), []);
});
