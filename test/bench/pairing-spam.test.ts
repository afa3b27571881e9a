// Pairing spam, short form: 50 unknown senders (5 of them twice) against the default pairing
// policy: at most 3 pending requests, at most 3 pairing replies, and a known contact still gets
// its answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPairingSpam } from '../../bench/suites/pairing-spam.ts';
import { Progress } from '../../bench/lib/progress.ts';
import { prepareChildScripts } from '../../bench/lib/sides.ts';

test('50 unknown senders get at most 3 pairing codes between them', async (t) => {
  const scripts = await prepareChildScripts();
  t.after(() => scripts.dispose());
  const r = await runPairingSpam({ senders: 50, repeatEvery: 10, ratePerSec: 25, scripts, progress: new Progress(null) });
  assert.equal(r.messages, 55);
  assert.ok(r.pendingRequests <= 3, `${r.pendingRequests} pending requests`);
  assert.ok(r.pendingRequests >= 1, 'the first strangers did get a request');
  assert.ok(r.pairingReplies <= 3, `${r.pairingReplies} pairing replies`);
  assert.equal(r.pairingReplies, r.sendersAnswered, 'nobody got two');
  assert.notEqual(r.friendPongMs, null, 'the known contact was answered after the spam');
  assert.equal(r.memory.length, 5);
});
