// The same crash harness against Baileys' own useMultiFileAuthState, for comparison. Its failure
// rate is reported (t.diagnostic), not asserted: it is the baseline our store exists to beat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { absorb, assessBaileysDir, prepareWriterRunner, randomInt, sleep, spawnWriter, type Lineage } from './crash-harness.ts';
import { tempDir } from './helpers.ts';

const KILLS = 60;

test(`Baileys useMultiFileAuthState under ${KILLS} SIGKILLs of the same busy writer (reported, not a failure)`, async (t) => {
  const runner = await prepareWriterRunner('bundle');
  t.after(runner.dispose);
  const tmp = await tempDir('clawline-crash-baileys-');
  t.after(tmp.cleanup);
  const dir = join(tmp.path, 'default');
  let lineage: Lineage = { floor: 0, ceiling: 0 };
  let credsLost = 0;
  let killsWithBrokenKeys = 0;
  let brokenKeyFiles = 0;
  let roundsCommitted = 0;
  const started = Date.now();
  for (let n = 1; n <= KILLS; n++) {
    const writer = spawnWriter(runner, { dir, store: 'baileys' });
    await Promise.race([writer.ready, writer.closed]);
    await sleep(randomInt(0, 50));
    await writer.kill();
    const exit = await writer.closed;
    assert.equal(exit.signal, 'SIGKILL', `writer ended by itself: ${writer.progress.stderr.slice(0, 2000)}`);
    const before = lineage.floor;
    absorb(lineage, writer.progress);
    roundsCommitted += lineage.floor - before;
    const damage = await assessBaileysDir(dir, lineage.floor > 0);
    if (damage.credsLost) {
      credsLost++;
      lineage = { floor: 0, ceiling: 0 }; // Baileys starts over with a new identity
    }
    if (damage.brokenKeyFiles.length) {
      killsWithBrokenKeys++;
      brokenKeyFiles += damage.brokenKeyFiles.length;
    }
  }
  const msg = `Baileys useMultiFileAuthState: ${credsLost} of ${KILLS} kills left creds.json unusable (a new identity on restart = logged out); ${killsWithBrokenKeys} kills left ${brokenKeyFiles} empty or corrupt key files (silently read as missing); ${roundsCommitted} rounds committed in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  t.diagnostic(msg);
  assert.ok(roundsCommitted > 0, 'the writer made progress between kills');
});
