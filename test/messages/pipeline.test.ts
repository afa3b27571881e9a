import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AllowStore, PairingStore } from '../../main/access/index.ts';
import { AgentError } from '../../main/agents/index.ts';
import { FakeClock } from '../../main/shared/clock.ts';
import { statePaths } from '../../main/shared/state-dir.ts';
import {
  InboundJournal,
  InboundPipeline,
  SELF_CHAT_PREFIX,
  journalPath,
  type Agent,
  type AgentInput,
  type AgentOutput,
  type PipelineSettings,
  type WAMessage,
} from '../../main/messages/index.ts';
import { FakeTransport, drive, memoryLogger, withTempDir, type LogLine } from './helpers.ts';

const ALICE = '15551110001@s.whatsapp.net';
const BOB = '15552220002@s.whatsapp.net';
const GROUP = '120363000000000001@g.us';
const SELF_CHAT = '15550000001@s.whatsapp.net';

class EchoAgent implements Agent {
  inputs: AgentInput[] = [];
  reply(input: AgentInput): Promise<AgentOutput> {
    this.inputs.push(input);
    return Promise.resolve({ text: `echo: ${input.text}` });
  }
}

interface Rig {
  dir: string;
  clock: FakeClock;
  transport: FakeTransport;
  agent: Agent;
  settings: PipelineSettings;
  journal: InboundJournal;
  pairing: PairingStore;
  allow: AllowStore;
  pipeline: InboundPipeline;
  logs: LogLine[];
  /** Feeds an upsert and waits until everything it caused has finished. */
  feed(messages: WAMessage[], type?: 'notify' | 'append'): Promise<void>;
  stop(): Promise<void>;
}

async function rig(
  dir: string,
  options: { settings?: PipelineSettings; agent?: Agent; clock?: FakeClock; transport?: FakeTransport; lidMap?: Record<string, string> } = {},
): Promise<Rig> {
  const clock = options.clock ?? new FakeClock();
  const transport = options.transport ?? new FakeTransport();
  const settings: PipelineSettings = options.settings ?? { dmPolicy: 'allowlist', allowFrom: ['+15551110001'] };
  const agent = options.agent ?? new EchoAgent();
  const logger = memoryLogger();
  const journal = await InboundJournal.open(journalPath(dir, 'default'), { clock, logger });
  const pairing = PairingStore.open(dir, { clock });
  const allow = AllowStore.forAccount(dir, 'default');
  const pipeline = new InboundPipeline({
    accountId: 'default',
    transport,
    getSettings: () => settings,
    agent,
    stores: { journal, pairing, allow },
    logger,
    clock,
    mediaDir: join(statePaths(dir).media, 'default'),
    resolveLidToPn: async (lid) => options.lidMap?.[lid],
  });
  const r: Rig = {
    dir,
    clock,
    transport,
    agent,
    settings,
    journal,
    pairing,
    allow,
    pipeline,
    logs: logger.lines,
    async feed(messages, type = 'notify') {
      await drive(clock, pipeline.handleUpsert({ messages, type }));
      await drive(clock, pipeline.idle());
    },
    async stop() {
      pipeline.close();
      await journal.close();
    },
  };
  return r;
}

/** Waits (in real time, without moving the fake clock) until a condition holds. */
async function until(cond: () => boolean): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > 10_000) throw new Error('condition not reached within 10 s');
    await new Promise((r) => setTimeout(r, 2));
  }
}

let seq = 0;
function dm(clock: FakeClock, from: string, text: string, extra: { id?: string; ageSeconds?: number; key?: Record<string, unknown>; message?: Record<string, unknown>; pushName?: string } = {}): WAMessage {
  return {
    key: { remoteJid: from, id: extra.id ?? `IN-${++seq}`, fromMe: false, ...extra.key },
    message: extra.message ?? { conversation: text },
    messageTimestamp: Math.floor(clock.now() / 1000) - (extra.ageSeconds ?? 0),
    pushName: extra.pushName ?? 'Sender',
  } as unknown as WAMessage;
}

function groupMsg(clock: FakeClock, participant: string, text: string, context: Record<string, unknown> = {}, id?: string): WAMessage {
  return {
    key: { remoteJid: GROUP, participant, id: id ?? `G-${++seq}`, fromMe: false },
    message: { extendedTextMessage: { text, contextInfo: context } },
    messageTimestamp: Math.floor(clock.now() / 1000),
    pushName: 'Member',
  } as unknown as WAMessage;
}

test('pairing: an unknown sender gets one code, no receipt, no agent; approval lets the next message through', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: {} }); // dmPolicy defaults to pairing
    const requests: string[] = [];
    r.pairing.on('request', (req) => requests.push(req.id));
    await r.feed([dm(r.clock, BOB, 'hello?')]);
    const texts = r.transport.texts();
    assert.equal(texts.length, 1);
    const code = /access code: ([A-Z2-9]{8})/.exec(texts[0]!)?.[1];
    assert.ok(code, texts[0]);
    assert.match(texts[0]!, /clawline pairing approve/);
    assert.deepEqual(requests, ['+15552220002']);
    assert.ok(!r.transport.ops().includes('read'), 'no read receipt for a pairing request');
    assert.equal((r.agent as EchoAgent).inputs.length, 0);

    await r.feed([dm(r.clock, BOB, 'hello??')]);
    await r.feed([dm(r.clock, BOB, 'anyone?')]);
    assert.equal(r.transport.texts().length, 1, 'repeat DMs get nothing more');

    await r.pairing.approve(code!);
    await r.feed([dm(r.clock, BOB, 'now?')]);
    assert.deepEqual(r.transport.texts(), [texts[0], 'echo: now?']);
    await r.stop();
  });
});

test('pairing: an approval that lands while a message is being decided sends no code and leaves no request', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: {} });
    await r.feed([dm(r.clock, BOB, 'hello?')]);
    const code = /access code: ([A-Z2-9]{8})/.exec(r.transport.texts()[0]!)![1]!;
    // The owner approves between the access decision on the next message and its pairing request.
    const request = r.pairing.request.bind(r.pairing);
    r.pairing.request = async (input) => {
      await r.pairing.approve(code);
      return request(input);
    };
    await r.feed([dm(r.clock, BOB, 'hello??')]);
    assert.equal(r.transport.texts().length, 1, 'no second access code');
    assert.deepEqual(await r.pairing.list(), [], 'no leftover request');
    r.pairing.request = request;
    await r.feed([dm(r.clock, BOB, 'now?')]);
    assert.equal(r.transport.texts().at(-1), 'echo: now?');
    await r.stop();
  });
});

test('pairing: never for catch-up, stale, allowlist or group messages, and a 4th sender gets nothing', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: { groupPolicy: 'open', groups: { '*': { requireMention: false } }, groupAllowFrom: ['+15551110001'] } });
    await r.feed([dm(r.clock, BOB, 'from while you were away')], 'append');
    await r.feed([dm(r.clock, '15553330003@s.whatsapp.net', 'old live one', { ageSeconds: 3600 })]);
    await r.feed([groupMsg(r.clock, '15554440004@s.whatsapp.net', 'hi group')]);
    assert.deepEqual(r.transport.texts(), ['echo: hi group'], 'the open group is answered by the agent, never with a code');
    assert.deepEqual(await r.pairing.list(), []);

    r.settings.dmPolicy = 'allowlist';
    const before = r.transport.calls.length;
    await r.feed([dm(r.clock, '15556660006@s.whatsapp.net', 'let me in')]);
    assert.deepEqual(await r.pairing.list(), [], 'allowlist never creates requests');
    assert.equal(r.transport.calls.length, before, 'and sends nothing');

    r.settings.dmPolicy = 'pairing';
    for (const n of ['1', '2', '3', '4']) await r.feed([dm(r.clock, `1555777000${n}@s.whatsapp.net`, 'hi')]);
    assert.equal(r.transport.texts().filter((t) => /access code/.test(t)).length, 3, 'three requests, the fourth sender gets no reply');
    assert.deepEqual(r.transport.texts('15557770004@s.whatsapp.net'), []);
    assert.equal((await r.pairing.list()).length, 3);
    await r.stop();
  });
});

test('accepted message: read receipt, ack reaction and composing come first, in that order, then the reply', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'], ackReaction: { emoji: '👀' } } });
    const msg = dm(r.clock, ALICE, 'hi', { id: 'ORDER-1' });
    await r.feed([msg]);
    assert.deepEqual(
      r.transport.calls.map((c) => (c.op === 'presence' ? `presence:${c.state}` : c.op)),
      ['read', 'reaction', 'presence:composing', 'presence:paused', 'text'],
    );
    assert.deepEqual(r.transport.calls[0], { op: 'read', ids: ['ORDER-1'] });
    assert.deepEqual(r.transport.calls[1], { op: 'reaction', jid: ALICE, id: 'ORDER-1', emoji: '👀' });
    assert.deepEqual(r.transport.texts(), ['echo: hi']);
    const input = (r.agent as EchoAgent).inputs[0]!;
    assert.deepEqual(input.sender, { id: '+15551110001', jid: ALICE, name: 'Sender' });
    assert.equal(input.isGroup, false);
    assert.equal(r.journal.get(ALICE, 'ORDER-1')?.outcome, 'replied');
    assert.ok(r.logs.some((l) => l.msg === 'Inbound message +15551110001 -> 15550000001:12@s.whatsapp.net (direct, 2 chars)'));

    // Turned off by settings, read on the next message.
    r.settings.sendReadReceipts = false;
    r.settings.ackReaction = { emoji: '👀', direct: false };
    r.transport.calls = [];
    await r.feed([dm(r.clock, ALICE, 'again')]);
    assert.deepEqual(r.transport.ops(), ['presence', 'presence', 'text']);
    await r.stop();
  });
});

test('catch-up: answered once within the window, older ones recorded but not answered', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir);
    const fresh = dm(r.clock, ALICE, 'sent while offline', { ageSeconds: 120 });
    const old = dm(r.clock, ALICE, 'yesterday', { ageSeconds: 24 * 3600 });
    await r.feed([fresh, old], 'append');
    assert.deepEqual(r.transport.texts(), ['echo: sent while offline']);
    assert.deepEqual(r.transport.calls.filter((c) => c.op === 'read'), [{ op: 'read', ids: [fresh.key.id!] }], 'no receipt for the stale one');
    assert.equal(r.journal.get(ALICE, old.key.id!)?.outcome, 'stale');
    await r.feed([fresh, old], 'append');
    await r.feed([fresh], 'notify');
    assert.equal(r.transport.texts().length, 1, 'redelivery is deduplicated');
    r.settings.catchUpWindowSeconds = 60;
    await r.feed([dm(r.clock, ALICE, 'two minutes old', { ageSeconds: 120 })], 'append');
    assert.equal(r.transport.texts().length, 1, 'the window is configurable');
    await r.stop();
  });
});

test('dedupe survives a restart (new pipeline on the same state dir)', async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock();
    const first = await rig(dir, { clock });
    const msg = dm(clock, ALICE, 'once only', { id: 'DEDUPE-1' });
    await first.feed([msg]);
    assert.equal(first.transport.texts().length, 1);
    await first.stop();

    const second = await rig(dir, { clock });
    assert.equal(await second.pipeline.resumePending(), 0);
    await second.feed([msg], 'append');
    await second.feed([msg], 'notify');
    assert.deepEqual(second.transport.calls, []);
    await second.stop();
  });
});

test('durable queue: a message accepted before a crash is answered exactly once after restart', async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock();
    let called = 0;
    const hanging: Agent = {
      reply: () => {
        called++;
        return new Promise<AgentOutput>(() => {});
      },
    };
    const first = await rig(dir, { clock, agent: hanging });
    const msg = dm(clock, ALICE, 'please answer', { id: 'CRASH-1' });
    // No fake time passes here: the agent's 10-minute timeout must not fire.
    await first.pipeline.handleUpsert({ messages: [msg], type: 'notify' });
    await until(() => called === 1);
    assert.equal(called, 1, 'the agent is working on it');
    assert.ok(first.transport.ops().includes('read'));
    assert.equal(first.pipeline.pendingReplies, 1);
    // The process dies: nothing more happens in the first run.
    await first.stop();
    await first.pipeline.idle(); // settles although the agent never answers
    assert.deepEqual(first.transport.texts(), []);

    clock.advance(30 * 60 * 1000); // restart half an hour later: accepted messages still get their answer
    const second = await rig(dir, { clock });
    assert.equal(await second.pipeline.resumePending(), 1);
    await drive(clock, second.pipeline.idle());
    assert.deepEqual(second.transport.texts(), ['echo: please answer']);
    await second.feed([msg], 'append'); // the server's redelivery, if any
    assert.equal(second.transport.texts().length, 1);
    await second.stop();

    const third = await rig(dir, { clock });
    assert.equal(await third.pipeline.resumePending(), 0, 'nothing left to answer');
    await third.stop();
  });
});

test('a crash after the reply went out but before it was recorded as done: sent again under the same ids, agent not asked again', async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock();
    const agent = new EchoAgent();
    const settings: PipelineSettings = { dmPolicy: 'allowlist', allowFrom: ['+15551110001'], textChunkLimit: 30 };
    const first = await rig(dir, { clock, agent, settings });
    // The process dies right after the last send: the `done` record never reaches the disk.
    first.journal.finish = () => new Promise<void>(() => {});
    const msg = dm(clock, ALICE, 'a question long enough for a reply in two parts', { id: 'KILL-1' });
    await first.pipeline.handleUpsert({ messages: [msg], type: 'notify' });
    await drive(clock, until(() => first.transport.texts().length === 2));
    const firstIds = [...first.transport.messageIds];
    assert.equal(new Set(firstIds).size, 2, 'each part has its own id');
    first.pipeline.close();

    const second = await rig(dir, { clock, agent: new EchoAgent(), settings });
    assert.equal(await second.pipeline.resumePending(), 1);
    await drive(clock, second.pipeline.idle());
    assert.deepEqual(second.transport.texts(), first.transport.texts(), 'the same reply, word for word');
    assert.deepEqual(second.transport.messageIds, firstIds, 'under the same message ids, so the phone shows it once');
    assert.equal((second.agent as EchoAgent).inputs.length, 0, 'the agent is not asked twice');
    assert.equal(second.journal.get(ALICE, 'KILL-1')?.state, 'done');
    await second.stop();
    const third = await rig(dir, { clock, settings });
    assert.equal(await third.pipeline.resumePending(), 0, 'nothing left to send');
    await third.stop();
  });
});

test('a reply cut off half-way by a dead connection is finished later, without repeating a part under a new id', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'], textChunkLimit: 30 } });
    const closed = Object.assign(new Error('Connection Closed'), { output: { statusCode: 428 } });
    // The connection dies after the first part: the second fails through every retry.
    let connected = 1;
    const send = r.transport.sendText.bind(r.transport);
    r.transport.sendText = (jid, text, options) => (connected-- > 0 ? send(jid, text, options) : Promise.reject(closed));
    await r.feed([dm(r.clock, ALICE, 'a question long enough for a reply in two parts', { id: 'CUT-1' })]);
    assert.equal(r.transport.texts().length, 1);
    assert.equal(r.journal.get(ALICE, 'CUT-1')?.state, 'accepted', 'left pending, not marked failed');
    connected = Infinity;
    assert.equal(await r.pipeline.resumePending(), 1);
    await drive(r.clock, r.pipeline.idle());
    const ids = r.transport.messageIds;
    assert.equal(ids.length, 3, 'the first part again, then the second');
    assert.equal(ids[0], ids[1], 'the repeated first part has the id the sender already has');
    assert.notEqual(ids[1], ids[2]);
    assert.equal((r.agent as EchoAgent).inputs.length, 1);
    await r.stop();
  });
});

test('a message that was only received (not yet decided) before the crash is decided on resume, without pairing', async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock();
    const journal = await InboundJournal.open(journalPath(dir, 'default'), { clock });
    await journal.receive([
      { chatId: ALICE, id: 'R-1', msg: dm(clock, ALICE, 'allowed one', { id: 'R-1' }), upsertType: 'notify' },
      { chatId: BOB, id: 'R-2', msg: dm(clock, BOB, 'unknown one', { id: 'R-2' }), upsertType: 'notify' },
    ]);
    await journal.close();
    const r = await rig(dir, { clock, settings: { dmPolicy: 'pairing', allowFrom: ['+15551110001'] } });
    assert.equal(await r.pipeline.resumePending(), 2);
    await drive(clock, r.pipeline.idle());
    assert.deepEqual(r.transport.texts(), ['echo: allowed one'], 'no pairing reply for a resumed message');
    await r.stop();
  });
});

test('a message that keeps crashing the gateway is given up after 3 resumes', async () => {
  // (A kill while the message only waits its turn is not its fault: see the next test.)
  await withTempDir(async (dir) => {
    const clock = new FakeClock();
    let asked = 0;
    const hanging: Agent = { reply: () => { asked++; return new Promise<AgentOutput>(() => {}); } };
    const first = await rig(dir, { clock, agent: hanging });
    await first.pipeline.handleUpsert({ messages: [dm(clock, ALICE, 'poison', { id: 'P-1' })], type: 'notify' });
    await first.stop();
    for (let run = 0; run < 3; run++) {
      const r = await rig(dir, { clock, agent: hanging });
      const before = asked;
      assert.equal(await r.pipeline.resumePending(), 1);
      // The gateway "dies" while the agent works on it: that is what counts as an attempt.
      await drive(clock, (async () => { while (asked === before) await new Promise((resolve) => setImmediate(resolve)); })());
      await r.stop();
    }
    const last = await rig(dir, { clock });
    assert.equal(await last.pipeline.resumePending(), 0);
    assert.equal(last.journal.get(ALICE, 'P-1')?.outcome, 'abandoned:attempts');
    assert.ok(last.logs.some((l) => l.level === 'error' && /giving up/.test(l.msg ?? '')));
    await last.stop();
  });
});

test('restarts while a resumed message only waits its turn do not use up its attempts', async () => {
  await withTempDir(async (dir) => {
    const clock = new FakeClock();
    const hanging: Agent = { reply: () => new Promise<AgentOutput>(() => {}) };
    const first = await rig(dir, { clock, agent: hanging });
    await first.pipeline.handleUpsert({ messages: [dm(clock, ALICE, 'patient', { id: 'W-1' })], type: 'notify' });
    await first.stop();
    // Five gateways stopped before the message's turn came (a crash loop during a catch-up).
    for (let run = 0; run < 5; run++) {
      const r = await rig(dir, { clock });
      assert.equal(await r.pipeline.resumePending(), 1);
      await r.stop();
    }
    const last = await rig(dir, { clock });
    assert.equal(await last.pipeline.resumePending(), 1, 'still resumed, not abandoned');
    await drive(clock, last.pipeline.idle());
    assert.deepEqual(last.transport.texts(), ['echo: patient']);
    await last.stop();
  });
});

test('media: saved and handed to the agent; oversized refused politely, never partially saved', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'], mediaMaxMb: 1 } });
    const mediaDir = join(statePaths(dir).media, 'default');
    const photo = dm(r.clock, ALICE, '', { id: 'PHOTO-1', message: { imageMessage: { caption: 'my cat', mimetype: 'image/jpeg', fileLength: 200_000 } } });
    r.transport.mediaBytes.set('PHOTO-1', 200_000);
    await r.feed([photo]);
    const input = (r.agent as EchoAgent).inputs[0]!;
    assert.equal(input.text, 'my cat');
    assert.equal(input.attachments.length, 1);
    assert.equal(input.attachments[0]!.kind, 'image');
    assert.equal(input.attachments[0]!.size, 200_000);
    assert.equal((await stat(input.attachments[0]!.path)).size, 200_000);
    assert.ok(input.attachments[0]!.path.startsWith(mediaDir));

    // Declared too large: refused without downloading.
    const declared = dm(r.clock, ALICE, '', { id: 'BIG-1', message: { videoMessage: { mimetype: 'video/mp4', fileLength: 5 * 1024 * 1024 } } });
    // Not declared, but the download runs over the cap.
    const undeclared = dm(r.clock, ALICE, '', { id: 'BIG-2', message: { documentMessage: { mimetype: 'application/pdf', fileName: 'x.pdf' } } });
    r.transport.mediaBytes.set('BIG-2', 3 * 1024 * 1024);
    await r.feed([declared, undeclared]);
    const refusals = r.transport.texts().filter((t) => /more than I can take/.test(t));
    assert.equal(refusals.length, 2);
    assert.match(refusals[0]!, /5 MB.*up to 1 MB/);
    assert.ok(!r.transport.calls.some((c) => c.op === 'download' && c.id === 'BIG-1'), 'no download when the declared size is too big');
    assert.equal((r.agent as EchoAgent).inputs.length, 1, 'the agent is not asked about refused media');
    const files = await readdir(mediaDir);
    assert.deepEqual(files, ['PHOTO-1.jpg'], `no partial files: ${files.join(', ')}`);
    assert.equal(r.logs.filter((l) => l.msg === 'media refused: larger than mediaMaxMb').length, 2);
    await r.stop();
  });
});

test('agent failure: one friendly message and a log line', async () => {
  await withTempDir(async (dir) => {
    let calls = 0;
    const failing: Agent = {
      reply: async () => {
        calls++;
        throw new AgentError('openai', 'server-error', 'model overloaded', 'Try a smaller model.');
      },
    };
    const r = await rig(dir, { agent: failing });
    await r.feed([dm(r.clock, ALICE, 'hi')]);
    assert.deepEqual(r.transport.texts(), ["Sorry, I couldn't answer that just now. Please try again in a little while."]);
    // The whole error is logged, so the owner sees the agent's next step, not only its message.
    const line = r.logs.find((l) => l.level === 'error' && l.msg === 'the agent failed to answer');
    assert.ok(line?.err instanceof AgentError);
    assert.equal((line.err as AgentError).nextStep, 'Try a smaller model.');
    await r.feed([dm(r.clock, ALICE, 'hello?')]);
    assert.equal(calls, 2);
    assert.equal(r.transport.texts().length, 1, 'no apology flood in the same chat');
    await r.stop();
  });
});

test('a streamed reply is collected, converted from Markdown and chunked in order', async () => {
  await withTempDir(async (dir) => {
    const streaming: Agent = {
      async *reply() {
        yield { text: '**Hello** ' };
        yield { text: 'world. '.repeat(20) };
        yield { reaction: '👍' };
      },
    } as unknown as Agent;
    const r = await rig(dir, { agent: streaming, settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'], textChunkLimit: 50 } });
    await r.feed([dm(r.clock, ALICE, 'hi', { id: 'S-1' })]);
    const texts = r.transport.texts();
    assert.ok(texts.length >= 3);
    assert.ok(texts[0]!.startsWith('*Hello* world.'));
    assert.ok(texts.every((t) => t.length <= 50));
    assert.equal(texts.join(' ').match(/world\./g)?.length, 20);
    assert.ok(r.transport.calls.some((c) => c.op === 'reaction' && c.emoji === '👍' && c.id === 'S-1'));
    await r.stop();
  });
});

test('groups: answered on a mention by LID (quoted), otherwise kept as context', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: { groupPolicy: 'allowlist', groupAllowFrom: ['+15551110001', '+15552220002'], ackReaction: { emoji: '👀' } } });
    await r.feed([groupMsg(r.clock, '15552220002@s.whatsapp.net', 'lunch at noon?')]);
    assert.equal(r.transport.calls.length, 0, 'no mention: silent, no receipt');
    const ask = groupMsg(r.clock, '15551110001:4@s.whatsapp.net', '@900000001 what did Bob say?', { mentionedJid: ['900000001@lid'] }, 'G-ASK');
    await r.feed([ask]);
    const reply = r.transport.calls.find((c) => c.op === 'text');
    assert.deepEqual(reply, { op: 'text', jid: GROUP, text: 'echo: @900000001 what did Bob say?', quoted: 'G-ASK' });
    assert.ok(r.transport.calls.some((c) => c.op === 'reaction'), 'ack reaction on mentions (default group mode)');
    const input = (r.agent as EchoAgent).inputs[0]!;
    assert.equal(input.isGroup, true);
    assert.equal(input.sender.id, '+15551110001');
    assert.deepEqual(input.history?.map((h) => h.text), ['lunch at noon?']);

    // A reply to our message counts as a mention.
    const ourId = r.transport.messageIds[0]!;
    await r.feed([groupMsg(r.clock, '15552220002@s.whatsapp.net', 'thanks!', { stanzaId: ourId, participant: '15559999999@s.whatsapp.net', quotedMessage: { conversation: 'x' } })]);
    assert.equal(r.transport.texts().length, 2);
    assert.equal((r.agent as EchoAgent).inputs[1]!.quoted?.fromMe, true);
    // A sender not on the list, even mentioning us.
    await r.feed([groupMsg(r.clock, '15553330003@s.whatsapp.net', 'hey', { mentionedJid: ['15550000001@s.whatsapp.net'] })]);
    assert.equal(r.transport.texts().length, 2);
    await r.stop();
  });
});

test('echo guard and self-chat mode', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir);
    // The owner writing to a friend from the phone, and our own sends echoed back.
    await r.feed([{ ...dm(r.clock, ALICE, 'I wrote this on my phone'), key: { remoteJid: ALICE, id: 'MINE-1', fromMe: true } } as WAMessage]);
    await r.feed([dm(r.clock, ALICE, 'hi')]);
    const ourReplyId = 'OUT-1';
    await r.feed([{ ...dm(r.clock, ALICE, 'echo: hi'), key: { remoteJid: ALICE, id: ourReplyId, fromMe: true } } as WAMessage], 'append');
    assert.deepEqual(r.transport.texts(), ['echo: hi']);
    // Self-chat without selfChatMode: ignored.
    const note = { ...dm(r.clock, SELF_CHAT, 'note to self'), key: { remoteJid: SELF_CHAT, id: 'SELF-1', fromMe: true } } as WAMessage;
    await r.feed([note]);
    assert.equal(r.transport.texts().length, 1);

    r.settings.selfChatMode = true;
    r.transport.calls = [];
    const ask = { ...dm(r.clock, SELF_CHAT, 'remind me of X'), key: { remoteJid: SELF_CHAT, id: 'SELF-2', fromMe: true } } as WAMessage;
    await r.feed([ask]);
    assert.deepEqual(r.transport.texts(), [`${SELF_CHAT_PREFIX}echo: remind me of X`]);
    assert.ok(!r.transport.ops().includes('read'), 'no read receipts in self-chat');
    // Our prefixed reply comes back (as the phone syncs it), by id or by prefix: never re-processed.
    const echoed = r.transport.texts()[0]!;
    await r.feed([{ ...dm(r.clock, SELF_CHAT, echoed), key: { remoteJid: SELF_CHAT, id: 'OUT-2', fromMe: true } } as WAMessage]);
    await r.feed([{ ...dm(r.clock, SELF_CHAT, echoed), key: { remoteJid: '900000001@lid', id: 'SYNCED-COPY', fromMe: true } } as WAMessage]);
    assert.equal(r.transport.texts().length, 1);
    assert.equal((r.agent as EchoAgent).inputs.at(-1)?.sender.id, '+15550000001');
    await r.stop();
  });
});

test('self-chat mode: what this device sent there (CLI, approvals) is an echo; what the phone sent is not', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: { dmPolicy: 'allowlist', allowFrom: ['+15551110001'], selfChatMode: true } });
    // Baileys hands a send from this device back as "append", still PENDING (1), before the
    // sender could note its id.
    const fromClawline = { ...dm(r.clock, SELF_CHAT, 'sent by clawline send'), key: { remoteJid: SELF_CHAT, id: 'LOCAL-1', fromMe: true }, status: 1 } as WAMessage;
    await r.feed([fromClawline], 'append');
    assert.deepEqual(r.transport.texts(), []);
    assert.ok(r.logs.some((l) => l.messageId === 'LOCAL-1' && l.reason === 'echo of a message sent from this device'));
    // The owner typing on the phone: decoded from the server, SERVER_ACK (2), live or caught up.
    const typed = { ...dm(r.clock, SELF_CHAT, 'typed on the phone'), key: { remoteJid: SELF_CHAT, id: 'PHONE-1', fromMe: true }, status: 2 } as WAMessage;
    await r.feed([typed]);
    const caughtUp = { ...dm(r.clock, SELF_CHAT, 'typed while offline'), key: { remoteJid: SELF_CHAT, id: 'PHONE-2', fromMe: true }, status: 2 } as WAMessage;
    await r.feed([caughtUp], 'append');
    assert.deepEqual(r.transport.texts(), [`${SELF_CHAT_PREFIX}echo: typed on the phone`, `${SELF_CHAT_PREFIX}echo: typed while offline`]);
    await r.stop();
  });
});

test('LID senders: resolved through the alternate address, replies go to the LID chat; unresolvable ones dropped', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { lidMap: { '777@lid': ALICE } });
    await r.feed([dm(r.clock, '123456@lid', 'via lid', { key: { remoteJidAlt: ALICE } })]);
    await r.feed([dm(r.clock, '777:3@lid', 'via mapping')]);
    assert.deepEqual(r.transport.texts('777:3@lid'), ['echo: via mapping']);
    r.transport.calls = r.transport.calls.filter((c) => c.op !== 'text' || c.jid !== '777:3@lid');
    assert.deepEqual(r.transport.calls.filter((c) => c.op === 'text'), [{ op: 'text', jid: '123456@lid', text: 'echo: via lid' }]);
    await r.feed([dm(r.clock, '654321@lid', 'who am I')]);
    assert.equal(r.transport.texts().length, 1);
    assert.ok(r.logs.some((l) => l.outcome === 'dropped:unresolved-lid'));
    await r.stop();
  });
});

test('bad input never crashes the pipeline; a 100,000-character message is handled', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir);
    const junk = [
      null,
      {},
      { key: {} },
      { key: { remoteJid: ALICE, id: 'NOCONTENT' } },
      { key: { remoteJid: ALICE, id: 'REACT' }, message: { reactionMessage: { text: '👍' } } },
      { key: { remoteJid: ALICE, id: 'PROTO' }, message: { protocolMessage: { type: 0 } } },
      { key: { remoteJid: ALICE, id: 'FUTURE' }, message: { hologramMessage: { x: 1 } } },
      { key: { remoteJid: 'status@broadcast', id: 'STATUS' }, message: { conversation: 'my status' } },
      { key: { remoteJid: ALICE, id: 'WEIRD' }, message: { conversation: 'ok' }, messageTimestamp: 'not a number' },
    ] as unknown as WAMessage[];
    await r.feed(junk);
    await r.feed([dm(r.clock, ALICE, 'x')], 'weird' as 'notify');
    assert.deepEqual(r.transport.texts(), ['echo: ok']);
    assert.ok(r.logs.some((l) => l.reason === 'unsupported (hologramMessage)' && l.level === 'info'));
    assert.ok(r.logs.some((l) => /malformed/.test(String(l.reason)) && l.level === 'warn'));

    const huge = 'word '.repeat(20_000); // 100,000 characters
    await r.feed([dm(r.clock, ALICE, huge, { id: 'HUGE' })]);
    const input = (r.agent as EchoAgent).inputs.at(-1)!;
    assert.equal(input.text.length, 100_000);
    const chunks = r.transport.texts().slice(1);
    assert.ok(chunks.length >= 25);
    assert.ok(chunks.every((c) => c.length <= 4000));
    assert.equal(chunks.join(' ').split(/\s+/).filter(Boolean).length, 20_001, '"echo:" plus every word, in order');
    await r.stop();
  });
});

test('sends are retried on transient errors; a reply that cannot be sent stays pending for the next run', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir);
    r.transport.failTexts = { count: 2, error: Object.assign(new Error('Connection Closed'), { output: { statusCode: 428 } }) };
    await r.feed([dm(r.clock, ALICE, 'flaky')]);
    assert.deepEqual(r.transport.texts(), ['echo: flaky']);

    r.transport.failTexts = { count: 100, error: Object.assign(new Error('Connection Closed'), { output: { statusCode: 428 } }) };
    await r.feed([dm(r.clock, ALICE, 'offline', { id: 'OFF-1' })]);
    assert.equal(r.journal.get(ALICE, 'OFF-1')?.state, 'accepted', 'kept for resumePending');
    r.transport.failTexts = undefined;
    assert.equal(await r.pipeline.resumePending(), 1);
    await drive(r.clock, r.pipeline.idle());
    assert.deepEqual(r.transport.texts(), ['echo: flaky', 'echo: offline']);
    await r.stop();
  });
});

test('an agent that never answers is given up after the timeout, with one apology, and told to stop', async () => {
  await withTempDir(async (dir) => {
    let signal: AbortSignal | undefined;
    const stuck: Agent = {
      reply: (input) => {
        signal = input.signal;
        return new Promise<AgentOutput>(() => {});
      },
    };
    const r = await rig(dir, { agent: stuck });
    const start = r.clock.now();
    await r.feed([dm(r.clock, ALICE, 'hello', { id: 'STUCK-1' })]);
    assert.equal(r.clock.now() - start, 10 * 60 * 1000, 'gave up after the 10-minute default');
    assert.deepEqual(r.transport.texts(), ["Sorry, I couldn't answer that just now. Please try again in a little while."]);
    assert.equal(signal?.aborted, true);
    assert.equal(r.journal.get(ALICE, 'STUCK-1')?.outcome, 'failed:agent');
    await r.stop();
  });
});

test('self-chat mode never sends pairing codes to the owner\'s contacts', async () => {
  await withTempDir(async (dir) => {
    const r = await rig(dir, { settings: { dmPolicy: 'pairing', selfChatMode: true } });
    await r.feed([dm(r.clock, BOB, 'hey, how are you?')]);
    assert.equal(r.transport.calls.length, 0);
    assert.deepEqual(await r.pairing.list(), []);
    await r.stop();
  });
});
