// The crash suite's short form: 10 SIGKILLs of a Clawline gateway process while 10 contacts write
// at 1 msg/s each. Every restart must load its credentials (no QR, no damaged file) and no
// message may be answered twice. Messages lost in a kill are reported, not asserted: Baileys acks
// a message before our handler can journal it (docs/message-pipeline.md). Each lost message's
// trail in the simulator is printed. Plus: a restart right after a SIGKILL must connect without waiting for
// the dead process's account lock to go stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { startSimulator } from '../../sim/index.ts';
import { runCrash } from '../../bench/suites/crash.ts';
import { startLinked } from '../../bench/lib/link.ts';
import { Progress } from '../../bench/lib/progress.ts';
import { prepareChildScripts, spawnSide } from '../../bench/lib/sides.ts';
import { tempDir, writeClawlineConfig } from '../../bench/lib/state.ts';

test('10 SIGKILLs under load: credentials always load, no QR, no message answered twice', async (t) => {
  const scripts = await prepareChildScripts();
  t.after(() => scripts.dispose());
  const r = await runCrash({ side: 'clawline', kills: 10, contacts: 10, ratePerSec: 10, seed: 7, drainStallMs: 20_000, scripts, progress: new Progress(null) });
  assert.equal(r.kills, 10);
  assert.equal(r.corruptLoads, 0, r.notes.join('; '));
  assert.equal(r.qrNeeded, 0);
  assert.deepEqual(r.files.examples, [], 'no empty or unparsable state file after any kill');
  assert.equal(r.files.credsUnusable, 0);
  assert.ok(r.messages.sent > 50, `traffic flowed (${r.messages.sent} messages)`);
  const notOnce = r.failures.map((f) => `${f.id}: ${f.replies} replies, ${f.delivered ? 'acked' : 'not acked'}, sent ${f.sentVsKillMs} ms from a kill${f.delivered || f.read ? '' : ` [${f.trail.join(', ')}]`}`);
  assert.equal(r.messages.answeredTwice, 0, `answered more than once: ${notOnce.join('; ')}`);
  assert.equal(r.messages.acceptedNotAnsweredOnce, 0, `a message the gateway had journaled was not answered exactly once: ${notOnce.join('; ')}`);
  t.diagnostic(`${r.messages.answeredOnce} of ${r.messages.sent} answered exactly once; ${r.messages.lostAfterAck} lost after the ack, ${r.messages.lostBeforeAck} never acked ${JSON.stringify(r.messages.lostBeforeAckBy)}; lost: ${notOnce.join('; ') || 'none'}`);
});

test('a gateway restarted right after a SIGKILL connects without waiting for the old lock', async (t) => {
  const scripts = await prepareChildScripts();
  const sim = await startSimulator({ quiet: true });
  const stateDir = await tempDir('lock');
  await writeClawlineConfig(stateDir, { accounts: ['default'] });
  const config = { side: 'clawline' as const, stateDir, accounts: ['default'], simUrl: sim.url, simCa: sim.ca };
  const linked = await startLinked(sim, scripts, config, { default: '4915600000001' });
  let next = linked.proc;
  t.after(async () => {
    await next.kill();
    await sim.close();
    await scripts.dispose();
    await rm(stateDir, { recursive: true, force: true });
  });
  await linked.proc.kill();
  next = spawnSide(scripts, config);
  const m = await next.waitAccount('default', (x) => x.state === 'connected' || x.state === 'other', 30_000, 'connected or a failure');
  assert.equal(m.state, 'connected', `after the restart the account is ${m.detail}`);
});
