// Hot reload: outside edits reach subscribers as a new effective config; an invalid edit keeps
// the last good config in force and reports the findings. Time moves only through FakeClock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rename, rm, writeFile } from 'node:fs/promises';
import { ConfigStore, type ConfigEvent } from '../../main/config/index.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { tempDir, waitFor } from './helpers.ts';

const DEBOUNCE = 200;

async function openStore(dir: string, text?: string) {
  const file = join(dir, 'openclaw.json');
  if (text !== undefined) await writeFile(file, text);
  const clock = new FakeClock();
  const store = await ConfigStore.open({ path: file, clock, debounceMs: DEBOUNCE });
  const events: ConfigEvent[] = [];
  store.subscribe((e) => events.push(e));
  return { file, clock, store, events };
}

/** Saves the way editors do (new file renamed over the old), so the watcher never sees a half-written file. */
async function save(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp-save`, text);
  await rename(`${file}.tmp-save`, file);
}

/** Waits for the watcher to schedule its debounce timer, then lets the quiet time pass. */
async function settle(clock: FakeClock, events: ConfigEvent[], count: number): Promise<ConfigEvent> {
  return waitFor(() => {
    if (clock.pending().length > 0) clock.advance(DEBOUNCE);
    return events.length >= count ? events[count - 1] : undefined;
  }, `config event #${count}`);
}

test('an outside edit (editor-style rename) is delivered after the debounce as the new effective config', async () => {
  const { dir, cleanup } = await tempDir();
  const { file, clock, store, events } = await openStore(dir, '{ channels: { whatsapp: { dmPolicy: "pairing" } } }\n');
  try {
    assert.equal(store.effective!.whatsapp.accounts[0]!.dmPolicy, 'pairing');
    await save(file, '{ channels: { whatsapp: { dmPolicy: "allowlist", allowFrom: ["+14155551234"] } } }\n');
    await waitFor(() => clock.pending().length > 0, 'the watcher to notice');
    assert.deepEqual(clock.pending(), [DEBOUNCE], 'nothing is re-read before the quiet time');
    assert.equal(events.length, 0);
    const event = await settle(clock, events, 1);
    assert.equal(event.type, 'changed');
    assert.ok(event.type === 'changed');
    assert.equal(event.effective.whatsapp.accounts[0]!.dmPolicy, 'allowlist');
    assert.deepEqual(event.effective.whatsapp.accounts[0]!.allowFrom, ['+14155551234']);
    assert.equal(event.previous!.whatsapp.accounts[0]!.dmPolicy, 'pairing');
    assert.equal(store.effective!.whatsapp.accounts[0]!.dmPolicy, 'allowlist');
  } finally {
    await store.close();
    await cleanup();
  }
});

test('an invalid edit keeps the last good config in force and reports the findings; fixing it applies again', async () => {
  const { dir, cleanup } = await tempDir();
  const { file, clock, store, events } = await openStore(dir, '{ channels: { whatsapp: { dmPolicy: "allowlist", allowFrom: ["+14155551234"] } } }\n');
  try {
    await save(file, '{ channels: { whatsapp: { dmPolicy: "open" } } }\n');
    const bad = await settle(clock, events, 1);
    assert.equal(bad.type, 'invalid');
    assert.ok(bad.type === 'invalid');
    assert.equal(bad.findings[0]!.path, 'channels.whatsapp.dmPolicy');
    assert.equal(bad.findings[0]!.line, 1);
    assert.equal(bad.effective!.whatsapp.accounts[0]!.dmPolicy, 'allowlist', 'the event carries the config still in force');
    assert.equal(store.effective!.whatsapp.accounts[0]!.dmPolicy, 'allowlist');
    assert.equal(store.findings[0]!.severity, 'error');

    await save(file, '{ channels: { whatsapp: { dmPolicy: "open", allowFrom: ["*"] '); // saved mid-edit: a syntax error
    const broken = await settle(clock, events, 2);
    assert.equal(broken.type, 'invalid');
    assert.ok(broken.type === 'invalid' && /JSON5 syntax error/.test(broken.findings[0]!.message));
    assert.equal(store.effective!.whatsapp.accounts[0]!.dmPolicy, 'allowlist');

    await save(file, '{ channels: { whatsapp: { dmPolicy: "open", allowFrom: ["*"] } } }\n');
    const fixed = await settle(clock, events, 3);
    assert.equal(fixed.type, 'changed');
    assert.equal(store.effective!.whatsapp.accounts[0]!.dmPolicy, 'open');
  } finally {
    await store.close();
    await cleanup();
  }
});

test('edits through the store apply at once, are not delivered twice by the watcher, and deleting the file means defaults', async () => {
  const { dir, cleanup } = await tempDir();
  const { file, clock, store, events } = await openStore(dir);
  try {
    assert.equal(store.current.exists, false);
    assert.equal(store.effective!.whatsapp.accounts[0]!.sendReadReceipts, true);
    const result = await store.set(['channels', 'whatsapp', 'sendReadReceipts'], false);
    assert.equal(result.ok, true);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, 'changed');
    assert.equal(store.effective!.whatsapp.accounts[0]!.sendReadReceipts, false);
    // The watcher sees our own save; re-reading finds the same text and stays quiet.
    await waitFor(() => clock.pending().length > 0, 'the watcher to see our save');
    clock.advance(DEBOUNCE);
    await store.reload();
    assert.equal(events.length, 1);

    const refused = await store.set(['channels', 'whatsapp', 'dmPolicy'], 'allowlist');
    assert.equal(refused.ok, false);
    assert.equal(events.length, 1, 'a refused edit changes nothing');

    await rm(file);
    const gone = await settle(clock, events, 2);
    assert.equal(gone.type, 'changed');
    assert.equal(store.effective!.whatsapp.accounts[0]!.sendReadReceipts, true);
  } finally {
    await store.close();
    await cleanup();
  }
});

test('close() stops the watcher and pending timers: later edits reach nobody', async () => {
  const { dir, cleanup } = await tempDir();
  const { file, clock, store, events } = await openStore(dir, '{}\n');
  try {
    await save(file, '{ web: { heartbeatSeconds: 30 } }\n');
    await waitFor(() => clock.pending().length > 0, 'the watcher to notice');
    await store.close();
    assert.deepEqual(clock.pending(), [], 'the debounce timer is cleared');
    await save(file, '{ web: { heartbeatSeconds: 40 } }\n');
    clock.advance(DEBOUNCE * 5);
    await store.reload();
    assert.equal(events.length, 0);
  } finally {
    await store.close();
    await cleanup();
  }
});
