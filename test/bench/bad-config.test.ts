// The bad-config corpus (huge files at 1 MB here; the soak uses 20 MB): every broken
// openclaw.json gives a clear finding, the running gateway keeps its last good settings and the
// file is never rewritten; duplicate keys give a warning and the last one wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badConfigCorpus, runBadConfig } from '../../bench/suites/bad-config.ts';
import { Progress } from '../../bench/lib/progress.ts';
import { prepareChildScripts } from '../../bench/lib/sides.ts';

test('the corpus covers every kind of broken file', () => {
  const groups = new Set(badConfigCorpus({ huge: false }).map((c) => c.group));
  for (const g of ['syntax', 'duplicate keys', 'wrong types', 'invalid numbers', 'huge', 'binary', 'hostile keys']) assert.ok(groups.has(g as never), g);
});

test('every broken openclaw.json: clear finding, last good config kept, file untouched', async (t) => {
  const scripts = await prepareChildScripts();
  t.after(() => scripts.dispose());
  const r = await runBadConfig({ scripts, progress: new Progress(null), huge: false });
  assert.ok(r.cases.length >= 30);
  const failed = r.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.problem}`);
  assert.deepEqual(failed, []);
  for (const c of r.cases) {
    assert.ok(c.finding && c.finding.length > 20, `${c.name}: finding "${c.finding}"`);
    assert.ok(c.gatewayNoticed && c.keptSettings && c.fileUntouched && c.noPollution, c.name);
  }
});
