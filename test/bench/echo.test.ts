// The benchmark's short form: a tiny echo comparison (both sides, each in its own process) and
// the key-store replay produce a report with both sides and their ratios, and every message sent
// to Clawline is answered exactly once. No timing thresholds: speed is the benchmark's business.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmarks } from '../../bench/run.ts';
import { DEFAULT_KEY_WORKLOAD } from '../../bench/lib/key-workload.ts';
import { Progress } from '../../bench/lib/progress.ts';
import type { BenchPlan } from '../../bench/plans.ts';

const TINY: BenchPlan = {
  echo: {
    contacts: 2, reps: 1, burstPerContact: 3, closedTotal: 6, rates: [5], rateDurationMs: 2_000,
    scaling: [{ contacts: 1, closedTotal: 3, burstPerContact: 2 }],
    accounts: null,
    memory: { targetMessages: 0, sampleEvery: 5, contacts: 2 },
    startupRuns: 1, stallMs: 20_000,
  },
  store: { ...DEFAULT_KEY_WORKLOAD, messages: 200, contacts: 4 },
};

test('a quick run compares both sides and Clawline answers every message exactly once', async (t) => {
  const outDir = await mkdtemp(join(tmpdir(), 'clawline-bench-test-'));
  t.after(() => rm(outDir, { recursive: true, force: true }));
  const { report, jsonPath, mdPath } = await runBenchmarks({ mode: 'quick', plan: TINY, sections: ['echo', 'store'], outDir, pin: false, progress: new Progress(null) });

  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as typeof report;
  assert.equal(json.tool, 'clawline-bench');
  for (const key of ['throughputRatio', 'p99Ratio', 'cpuPerMsgRatio', 'startupRatio', 'storeOpsPerSecRatio'] as const) {
    assert.ok(key in json.headline, `headline.${key}`);
    const v = json.headline[key];
    assert.ok(v === null || (typeof v === 'number' && v > 0), `headline.${key} is a positive ratio or null (${v})`);
  }
  assert.ok(json.echo, 'echo section');
  for (const comparison of [json.echo.burst, json.echo.pingPong, ...json.echo.rates]) {
    for (const side of ['clawline', 'baseline'] as const) {
      const s = comparison[side];
      assert.ok(s.sent > 0, `${side} sent messages`);
      assert.equal(typeof s.throughput.median, 'number');
      assert.equal(typeof s.p99Ms.median, 'number');
      assert.equal(typeof s.cpuMsPerMsg.median, 'number');
      assert.equal(typeof s.fileWritesPerMsg, 'number');
    }
    assert.equal(typeof comparison.throughputRatio, 'number');
  }
  assert.equal(json.scaling?.contacts.length, 4, '1 and 2 contacts, ping-pong and burst');
  assert.equal(json.startup?.clawline.runs.length, 1);
  assert.equal(json.startup?.baseline.runs.length, 1);
  assert.ok(json.store && json.store.clawline.messages === 200 && json.store.baseline.messages === 200);
  assert.ok(json.store.clawline.fsyncs > 0, 'the Clawline store syncs its writes');

  // Exactly once, for every step of the Clawline side.
  const raw = json.raw.echo!.clawline;
  const steps = [...raw.steps.burst, ...raw.steps.pingPong, ...raw.steps.rates, ...raw.steps.scaling.flatMap((s) => [s.pingPong, s.burst])];
  for (const step of steps) {
    assert.equal(step.sendErrors, 0);
    assert.equal(step.lost, 0, `${step.mode} with ${step.contacts} contacts: lost replies`);
    assert.equal(step.duplicates, 0, `${step.mode} with ${step.contacts} contacts: duplicate replies`);
    assert.equal(step.answered, step.sent);
  }
  assert.deepEqual({ lost: raw.totals.lost, duplicates: raw.totals.duplicates }, { lost: 0, duplicates: 0 });

  const md = await readFile(mdPath, 'utf8');
  assert.match(md, /\| step \| side \| msg\/s \|/);
  assert.match(md, /## Credential\/key store/);
});
