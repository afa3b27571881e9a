// THE crash test: a busy writer is SIGKILLed at random moments, over and over, on the same
// account directory; after every kill the store must load with creds and keys that the writer
// had committed (or had begun writing just before it died), nothing corrupt, nothing restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createAuthStore, inspectAuthDir, staticKeyProvider } from '../../main/auth/index.ts';
import { DEFAULT_WORKLOAD, absorb, checkSnapshot, preKeyIds, preKeyValue, prepareWriterRunner, randomInt, sessionValue, sessionWriters, sleep, spawnWriter, type Lineage } from './crash-harness.ts';
import { fixedKey, linkedCreds, tempDir } from './helpers.ts';

const KILLS = 200;

async function snapshotThroughStore(dir: string, lineage: Lineage, keyProvider: ReturnType<typeof staticKeyProvider> | null): Promise<{ values: Map<string, unknown>; problems: string[] }> {
  const store = await createAuthStore({ dir, keyProvider });
  try {
    const values = new Map<string, unknown>([['creds.json', store.state.creds]]);
    const sessions = await store.state.keys.get('session', Array.from({ length: DEFAULT_WORKLOAD.sessions }, (_, i) => `${i}.0`));
    for (const [id, v] of Object.entries(sessions)) values.set(`session-${id}.json`, v);
    const ids: string[] = [];
    for (let q = 1; q <= lineage.ceiling + 2; q++) ids.push(...preKeyIds(q, DEFAULT_WORKLOAD.preKeysPerRound).map(String));
    for (const [id, v] of Object.entries(await store.state.keys.get('pre-key', ids))) values.set(`pre-key-${id}.json`, v);
    const s = store.stats();
    const problems: string[] = [];
    if (s.quarantined.length) problems.push(`store quarantined ${s.quarantined.map((q) => `${q.file} (${q.problem})`).join(', ')}`);
    if (s.restoredFromBackup) problems.push(`store had to restore creds from backup: ${s.restoredFromBackup.reason}`);
    return { values, problems };
  } finally {
    await store.close();
  }
}

for (const variant of [{ label: 'plain', key: null, kills: KILLS }, { label: 'encrypted', key: staticKeyProvider(fixedKey(11)), kills: 30 }] as const) {
  test(`${variant.kills} SIGKILLs of a busy writer (${variant.label} store): every kill leaves a store that loads with committed state`, async (t) => {
    const runner = await prepareWriterRunner('bundle');
    t.after(runner.dispose);
    const tmp = await tempDir('clawline-crash-');
    t.after(tmp.cleanup);
    const dir = join(tmp.path, 'default');
    const key = variant.key ? fixedKey(11).toString('base64') : undefined;
    const lineage: Lineage = { floor: 0, ceiling: 0 };
    const failures: string[] = [];
    let startupKills = 0;
    let tempFilesSeen = 0;
    let roundsBegun = 0;
    let readyMsAvg = 150;
    const started = Date.now();

    for (let n = 1; n <= variant.kills && failures.length === 0; n++) {
      const writer = spawnWriter(runner, { dir, store: 'clawline', ...(key ? { key } : {}) });
      if (n % 5 === 0) {
        // Aim inside start-up: the store is scanning, repairing and loading.
        await sleep(randomInt(Math.floor(readyMsAvg * 0.4), Math.ceil(readyMsAvg)));
      } else if (n % 5 === 2) {
        // After this child made something durable (slow disks may not get there in 50 ms).
        await Promise.race([writer.firstCommit, writer.closed]);
        await sleep(randomInt(0, 50));
      } else {
        await Promise.race([writer.ready, writer.closed]);
        await sleep(randomInt(0, 50));
      }
      await writer.kill();
      const exit = await writer.closed;
      if (exit.signal !== 'SIGKILL') {
        failures.push(`kill ${n}: writer ended by itself (code ${exit.code}): ${writer.progress.stderr.slice(0, 2000)}`);
        break;
      }
      if (writer.progress.readyAt === undefined) startupKills++;
      else readyMsAvg = readyMsAvg * 0.8 + (writer.progress.readyAt - writer.startedAt) * 0.2;
      roundsBegun += Math.max(0, writer.progress.begun - (writer.progress.readyRound ?? writer.progress.begun));
      absorb(lineage, writer.progress);

      // Read-only look first (what the next start-up will find, temp files and all)...
      const report = await inspectAuthDir(dir, { includeValues: true, keyProvider: variant.key });
      tempFilesSeen += report.tempFiles.length;
      const problems = report.unreadableFiles.map((f) => `unreadable ${f.file}: ${f.problem}`);
      if (report.link.source === 'creds.json.bak') problems.push(`creds.json unusable: ${report.link.problem}`);
      problems.push(...checkSnapshot(report.values!, lineage));
      // ...and every 4th time through the store itself (which also cleans up for the next child).
      if (n % 4 === 0) {
        const viaStore = await snapshotThroughStore(dir, lineage, variant.key);
        problems.push(...viaStore.problems, ...checkSnapshot(viaStore.values, lineage).map((p) => `via store: ${p}`));
      }
      for (const p of problems) failures.push(`kill ${n} (committed ${lineage.floor}, begun ${lineage.ceiling}): ${p}`);
    }

    t.diagnostic(`${variant.label}: ${variant.kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s; ${startupKills} landed before the writer was ready (start-up ~${Math.round(readyMsAvg)} ms); ${roundsBegun} rounds begun (~${roundsBegun * 42} key sets/deletes issued), ${lineage.floor} committed, ${tempFilesSeen} leftover temp files seen and cleaned`);
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(lineage.floor > 0, 'the writer made progress between kills');
  });
}

test('the crash checks themselves catch lost, stale, resurrected and corrupted state', () => {
  const lineage: Lineage = { floor: 6, ceiling: 7 };
  const good = new Map<string, unknown>();
  const creds = { ...linkedCreds(), additionalData: { crashRound: 7 } };
  good.set('creds.json', creds);
  const k = DEFAULT_WORKLOAD.preKeysPerRound;
  for (let i = 0; i < DEFAULT_WORKLOAD.sessions; i++) {
    let r = 7;
    while (!sessionWriters(i)(r)) r--;
    good.set(`session-${i}.0.json`, sessionValue(r, i));
  }
  // Rounds up to 7 created pre-keys; committed rounds deleted round q-2's (up to 4); round 7 may have deleted 5's.
  for (const q of [5, 6, 7]) for (const id of preKeyIds(q, k)) good.set(`pre-key-${id}.json`, preKeyValue(id));
  assert.deepEqual(checkSnapshot(good, lineage), []);

  const broken = (edit: (m: Map<string, unknown>) => void) => {
    const m = new Map(good);
    edit(m);
    return checkSnapshot(m, lineage);
  };
  assert.match(broken((m) => m.set('creds.json', { ...creds, additionalData: { crashRound: 5 } })).join(), /creds round 5 outside/);
  assert.match(broken((m) => m.delete('creds.json')).join(), /creds.json missing/);
  assert.match(broken((m) => m.set('session-0.0.json', sessionValue(3, 0))).join(), /session 0 holds round 3/);
  assert.match(broken((m) => m.delete('session-1.0.json')).join(), /session 1 missing/);
  assert.match(broken((m) => m.set('session-2.0.json', { ...sessionValue(7, 2), chain: Buffer.alloc(3) })).join(), /content differs/);
  assert.match(broken((m) => m.delete(`pre-key-${preKeyIds(6, k)[0]}.json`)).join(), /missing; created and committed/);
  assert.match(broken((m) => m.set(`pre-key-${preKeyIds(3, k)[0]}.json`, preKeyValue(preKeyIds(3, k)[0]!))).join(), /deletion was committed/);
});
