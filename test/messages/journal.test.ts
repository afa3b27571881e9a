import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsyncCounter } from '../../main/shared/atomic-write.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { InboundJournal, journalPath, messageKey, type WAMessage } from '../../main/messages/index.ts';

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-journal-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const msg = (chat: string, id: string, text = 'hi') =>
  ({ key: { remoteJid: chat, id, fromMe: false }, message: { conversation: text }, messageTimestamp: 1_700_000_000 }) as unknown as WAMessage;
const item = (chat: string, id: string) => ({ chatId: chat, id, msg: msg(chat, id), upsertType: 'notify' as const });
const A = '15551110001@s.whatsapp.net';

test('dedupe and pending entries survive a restart', async () => {
  await withDir(async (dir) => {
    const path = journalPath(dir, 'default');
    const j1 = await InboundJournal.open(path);
    const [e1, e2, e3] = await j1.receive([item(A, 'M1'), item(A, 'M2'), item(A, 'M3')]);
    assert.equal((await j1.receive([item(A, 'M1')])).length, 0, 'a duplicate is not added twice');
    await j1.accept(e2!);
    await j1.finish(e3!, 'replied');
    await j1.close();

    const j2 = await InboundJournal.open(path);
    assert.ok(j2.has(A, 'M1') && j2.has(A, 'M2') && j2.has(A, 'M3'));
    assert.ok(j2.has('15551110001:7@s.whatsapp.net', 'M1'), 'device suffix on the chat does not defeat dedupe');
    assert.ok(!j2.has(A, 'M4'));
    assert.ok(j2.has('123456789012345@lid', 'M1'), "the same message resent under the person's LID address is a duplicate");
    assert.equal((await j2.receive([item('123456789012345@lid', 'M2')])).length, 0);
    assert.ok(!j2.has('120363000000000001@g.us', 'M1'), 'group chats are keyed by chat and id');
    const pending = j2.pending();
    assert.deepEqual(pending.map((e) => [e.id, e.state]), [['M1', 'received'], ['M2', 'accepted']]);
    assert.equal(pending[1]!.msg?.message?.conversation, 'hi', 'the message itself is kept for resuming');
    assert.equal(j2.get(A, 'M3')?.outcome, 'replied');
    await j2.attempt(pending[0]!);
    await j2.close();
    const j3 = await InboundJournal.open(path);
    assert.equal(j3.get(A, 'M1')?.attempts, 1);
    await j3.close();
    assert.equal(e1!.key, messageKey(A, 'M1'));
  });
});

test('a planned reply (text and media bytes) survives restarts until done; its texts stay 10 minutes for retry receipts', async () => {
  await withDir(async (dir) => {
    const path = journalPath(dir, 'default');
    const clock = new FakeClock();
    const j1 = await InboundJournal.open(path, { clock });
    const [e] = await j1.receive([item(A, 'P1')]);
    await j1.accept(e!);
    const image = new Uint8Array([0, 1, 2, 250, 255]);
    await j1.planReply(e!, {
      outcome: 'replied',
      parts: [
        { id: 'ID-1', quote: true, kind: 'media', media: { kind: 'image', buffer: image, mimetype: 'image/png', caption: 'look' } },
        { id: 'ID-2', quote: false, kind: 'text', text: 'and more' },
      ],
    });
    await j1.close();
    // Opened twice: the first open compacts, the second reads the compacted file.
    await (await InboundJournal.open(path, { clock })).close();
    const j2 = await InboundJournal.open(path, { clock });
    const outbox = j2.get(A, 'P1')?.outbox;
    assert.equal(outbox?.outcome, 'replied');
    assert.deepEqual(outbox?.parts.map((p) => [p.id, p.quote, p.kind]), [['ID-1', true, 'media'], ['ID-2', false, 'text']]);
    const media = outbox?.parts[0]?.kind === 'media' ? outbox.parts[0].media : undefined;
    assert.deepEqual([...(media?.buffer ?? [])], [...image], 'media bytes intact');
    assert.equal(media?.caption, 'look');
    await j2.finish(j2.get(A, 'P1')!, 'replied');
    await j2.close();
    const j3 = await InboundJournal.open(path, { clock });
    assert.equal(j3.pending().length, 0);
    assert.equal(j3.sentText('ID-2'), 'and more', 'a sent text can be sent again on a retry receipt after a restart');
    assert.equal(j3.sentText('ID-1'), undefined, 'media bytes are not kept once done');
    assert.equal(j3.sentText('NOT-OURS'), undefined);
    await j3.close();
    clock.advance(11 * 60 * 1000);
    const j4 = await InboundJournal.open(path, { clock });
    assert.equal(j4.sentText('ID-2'), undefined, 'forgotten after 10 minutes');
    assert.equal(j4.get(A, 'P1')?.outbox, undefined);
    await j4.close();
  });
});

test('a torn last line (crash mid-write) is skipped, the rest loads', async () => {
  await withDir(async (dir) => {
    const path = journalPath(dir, 'default');
    const j1 = await InboundJournal.open(path);
    await j1.receive([item(A, 'M1')]);
    await j1.close();
    await appendFile(path, '{"t":"r","k":"x|M2","c":"x","i":"M2","at":1,"u":"noti');
    const j2 = await InboundJournal.open(path);
    assert.ok(j2.has(A, 'M1'));
    assert.equal(j2.size, 1);
    await j2.receive([item(A, 'M5')]);
    await j2.close();
    const j3 = await InboundJournal.open(path);
    assert.ok(j3.has(A, 'M5'), 'appends after the torn line are readable');
    await j3.close();
  });
});

test('bounded: at most maxDone finished entries, none older than the retention', async () => {
  await withDir(async (dir) => {
    const path = journalPath(dir, 'default');
    const clock = new FakeClock();
    const j1 = await InboundJournal.open(path, { clock, maxDone: 10 });
    for (let i = 0; i < 30; i++) {
      const [e] = await j1.receive([item(A, `D${i}`)]);
      await j1.finish(e!, 'replied');
    }
    const [p] = await j1.receive([item(A, 'PENDING')]);
    await j1.close();
    const j2 = await InboundJournal.open(path, { clock, maxDone: 10 });
    assert.equal(j2.size, 11, '10 newest done + the pending one');
    assert.ok(j2.has(A, 'D29') && !j2.has(A, 'D0'));
    await j2.close();
    clock.advance(25 * 60 * 60 * 1000);
    const j3 = await InboundJournal.open(path, { clock, maxDone: 10 });
    assert.equal(j3.size, 1, 'a day later only the pending entry remains');
    assert.equal(j3.pending()[0]!.key, p!.key);
    await j3.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    assert.equal(lines.length, 1, 'the file is compacted too');
  });
});

test('concurrent appends share fsyncs (group commit), each durable when its promise resolves', async () => {
  await withDir(async (dir) => {
    const path = journalPath(dir, 'default');
    const j = await InboundJournal.open(path);
    const before = fsyncCounter.count;
    const received = await Promise.all(Array.from({ length: 50 }, (_, i) => j.receive([item(A, `G${i}`)])));
    const used = fsyncCounter.count - before;
    assert.ok(used >= 1 && used < 50, `50 separate receives took ${used} fsyncs`);
    // Acceptance is appended without an fsync (a lost line only means deciding again).
    const beforeAccept = fsyncCounter.count;
    await Promise.all(received.flat().map((e) => j.accept(e)));
    assert.equal(fsyncCounter.count - beforeAccept, 0, 'accepting fsyncs nothing');
    await j.close();
    const again = await InboundJournal.open(path);
    assert.equal(again.pending().filter((e) => e.state === 'accepted').length, 50);
    await again.close();
    await assert.rejects(j.receive([item(A, 'late')]), /closed/);
  });
});
