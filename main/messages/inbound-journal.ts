// The durable inbound queue and the dedupe memory, in one append-only journal per account
// (`<state>/clawline/inbound/<accountId>.jsonl`). Why one file: "have we seen this message?"
// and "did we answer it?" must agree after a crash, and one fsync'd append covers both.
//
// Life of an entry:  received (with the full message) -> accepted -> done(outcome)
//   received: written the moment the handler sees the message, before any decision or side effect
//   accepted: access control let it through; written before the read receipt / ack reaction
//   (outbox: the reply about to be sent, written before its first message goes out; outbox.ts)
//   done:     answered (right after the last send was acknowledged), or dropped with a reason
//   (accepted, outbox and done are written without fsync: see accept, planReply and finish)
// After a restart, entries still `received` or `accepted` are handed back by pending(); every
// other key is remembered for dedupe (bounded: newest `maxDone` entries, none older than
// `retentionMs`). Appends are group-committed: concurrent callers share one write + fsync.
// Each line is one JSON record; a torn last line (crash mid-write) is skipped on load and the
// file is rewritten compacted on every open.
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic, fsyncCounter } from '../shared/atomic-write.ts';
import { systemClock, type Clock } from '../shared/clock.ts';
import { statePaths } from '../shared/state-dir.ts';
import { reviveOutbox, storeOutbox, type Outbox, type OutboxPart, type StoredOutbox } from './outbox.ts';
import { reviveMessage, serializeMessage } from './serialize.ts';
import type { Logger, WAMessage } from './types.ts';

export type JournalState = 'received' | 'accepted' | 'done';
export type UpsertType = 'notify' | 'append';

export interface JournalEntry {
  key: string;
  chatId: string;
  id: string;
  state: JournalState;
  /** When we first saw it (epoch ms). */
  at: number;
  upsertType: UpsertType;
  /** How many times the agent was asked again for it after a restart (the poison-message guard). */
  attempts: number;
  /** Present while pending (received/accepted). */
  msg?: WAMessage;
  /** Why it is done: replied, dropped:<reason>, stale, failed:<reason>, ... */
  outcome?: string;
  /**
   * The reply: while pending, a resume sends it again instead of asking the agent; once done, its
   * texts stay `SENT_KEPT_MS` so a contact's retry receipt for one of them can still be answered.
   */
  outbox?: Outbox;
  /** When the outbox was journaled (epoch ms). */
  outboxAt?: number;
}

/** How long the texts of a sent reply are kept for retry receipts (Baileys' getMessage). */
export const SENT_KEPT_MS = 10 * 60 * 1000;

/**
 * What is remembered of a finished entry, as a new object. Deleting `msg` from the live one would
 * turn each of the (up to 5,000) remembered entries into a V8 dictionary-mode object, ~1 KB more
 * each (seen in heap snapshots of the memory benchmark).
 */
function finishedEntry(e: JournalEntry, outcome: string, outbox: Outbox | undefined): JournalEntry {
  const done: JournalEntry = { key: e.key, chatId: e.chatId, id: e.id, state: 'done', at: e.at, upsertType: e.upsertType, attempts: e.attempts, outcome };
  if (outbox) {
    done.outbox = outbox;
    if (e.outboxAt !== undefined) done.outboxAt = e.outboxAt;
  }
  return done;
}

/**
 * Media bytes are not kept once a reply is done: only texts are answered from the journal. Parts
 * are rebuilt in one literal shape (copies made by object spread each got their own hidden class).
 */
function textsOnly(outbox: Outbox): Outbox {
  const parts: OutboxPart[] = [];
  for (const p of outbox.parts) if (p.kind === 'text') parts.push({ id: p.id, quote: p.quote, kind: 'text', text: p.text });
  return { outcome: outbox.outcome, parts };
}

type JournalRecord =
  | { t: 'r'; k: string; c: string; i: string; at: number; u: UpsertType; m: unknown }
  | { t: 'a'; k: string; at: number }
  | { t: 'x'; k: string; at: number }
  | { t: 'o'; k: string; at: number; o: StoredOutbox }
  | { t: 'd'; k: string; at: number; o: string; c?: string; i?: string };

export interface JournalOptions {
  clock?: Clock;
  logger?: Logger;
  /** Done entries remembered for dedupe (default 5,000). */
  maxDone?: number;
  /** How long done entries are remembered (default 24 h). */
  retentionMs?: number;
}

/** The journal file for an account under a state dir. */
export function journalPath(stateDir: string, accountId: string): string {
  return join(statePaths(stateDir).clawline, 'inbound', `${accountId}.jsonl`);
}

/** Dedupe key: chat (device suffix removed) + message id; the journal is per account. */
export function messageKey(chatId: string, id: string): string {
  const at = chatId.indexOf('@');
  const colon = chatId.indexOf(':');
  const bare = colon >= 0 && at > colon ? chatId.slice(0, colon) + chatId.slice(at) : chatId;
  return `${bare}|${id}`;
}

function isDirectChat(chatId: string): boolean {
  return chatId.endsWith('@s.whatsapp.net') || chatId.endsWith('@lid');
}

export class InboundJournal {
  private entries = new Map<string, JournalEntry>();
  /** Sent message id -> entry key, for sentText(). */
  private sentIndex = new Map<string, string>();
  /**
   * Message ids of direct chats: one person's chat has two addresses (phone number and LID) and
   * a message resent after a retry receipt may come under the other one.
   */
  private directIds = new Set<string>();
  private handle?: FileHandle;
  private queue: string[] = [];
  private waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Whether anything queued asked for an fsync. */
  private syncQueued = false;
  private flushing?: Promise<void>;
  private linesSinceCompact = 0;
  private closed = false;
  private readonly clock: Clock;
  private readonly maxDone: number;
  private readonly retentionMs: number;

  private constructor(readonly path: string, private readonly options: JournalOptions) {
    this.clock = options.clock ?? systemClock;
    this.maxDone = options.maxDone ?? 5000;
    this.retentionMs = options.retentionMs ?? 24 * 60 * 60 * 1000;
  }

  static async open(path: string, options: JournalOptions = {}): Promise<InboundJournal> {
    const journal = new InboundJournal(path, options);
    await journal.load();
    return journal;
  }

  private async load(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let bad = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        this.apply(JSON.parse(line) as JournalRecord);
      } catch {
        bad++;
      }
    }
    if (bad) this.options.logger?.warn({ path: this.path, badLines: bad }, 'skipped unreadable lines in the inbound journal (a crash mid-write leaves one)');
    await this.compact();
  }

  private apply(r: JournalRecord): void {
    switch (r.t) {
      case 'r':
        if (!this.entries.has(r.k)) {
          this.entries.set(r.k, { key: r.k, chatId: r.c, id: r.i, state: 'received', at: r.at, upsertType: r.u, attempts: 0, msg: reviveMessage(r.m) });
          this.noteId(r.c, r.i);
        }
        break;
      case 'a': {
        const e = this.entries.get(r.k);
        if (e && e.state === 'received') e.state = 'accepted';
        break;
      }
      case 'x': {
        const e = this.entries.get(r.k);
        if (e) e.attempts++;
        break;
      }
      case 'o': {
        const e = this.entries.get(r.k);
        if (e) this.setOutbox(e, e.state === 'done' ? textsOnly(reviveOutbox(r.o)) : reviveOutbox(r.o), r.at);
        break;
      }
      case 'd': {
        const e = this.entries.get(r.k);
        if (e) {
          if (e.state !== 'done') this.entries.set(r.k, finishedEntry(e, r.o, e.outbox && textsOnly(e.outbox)));
        } else if (r.c !== undefined && r.i !== undefined) {
          this.entries.set(r.k, { key: r.k, chatId: r.c, id: r.i, state: 'done', at: r.at, upsertType: 'notify', attempts: 0, outcome: r.o });
          this.noteId(r.c, r.i);
        }
        break;
      }
      default:
        throw new Error('unknown record');
    }
  }

  /** Rewrites the file with only what is still needed; reopens it for appending. */
  private async compact(): Promise<void> {
    const now = this.clock.now();
    const done = [...this.entries.values()].filter((e) => e.state === 'done');
    const keepDone = new Set(done.filter((e) => now - e.at <= this.retentionMs).slice(-this.maxDone).map((e) => e.key));
    const lines: string[] = [];
    for (const e of [...this.entries.values()]) {
      if (e.state === 'done') {
        if (!keepDone.has(e.key)) {
          this.entries.delete(e.key);
          continue;
        }
        lines.push(JSON.stringify({ t: 'd', k: e.key, at: e.at, o: e.outcome ?? 'done', c: e.chatId, i: e.id } satisfies JournalRecord));
        if (e.outbox && now - (e.outboxAt ?? 0) <= SENT_KEPT_MS) lines.push(JSON.stringify({ t: 'o', k: e.key, at: e.outboxAt!, o: storeOutbox(e.outbox) } satisfies JournalRecord));
        else if (e.outbox) this.entries.set(e.key, finishedEntry(e, e.outcome ?? 'done', undefined));
        continue;
      }
      lines.push(JSON.stringify({ t: 'r', k: e.key, c: e.chatId, i: e.id, at: e.at, u: e.upsertType, m: serializeMessage(e.msg!) } satisfies JournalRecord));
      if (e.state === 'accepted') lines.push(JSON.stringify({ t: 'a', k: e.key, at: e.at } satisfies JournalRecord));
      for (let i = 0; i < e.attempts; i++) lines.push(JSON.stringify({ t: 'x', k: e.key, at: e.at } satisfies JournalRecord));
      if (e.outbox) lines.push(JSON.stringify({ t: 'o', k: e.key, at: e.outboxAt ?? e.at, o: storeOutbox(e.outbox) } satisfies JournalRecord));
    }
    this.sentIndex = new Map([...this.entries.values()].flatMap((e) => (e.outbox?.parts ?? []).map((p) => [p.id, e.key] as const)));
    this.directIds = new Set();
    for (const e of this.entries.values()) this.noteId(e.chatId, e.id);
    await this.handle?.close();
    this.handle = undefined;
    try {
      await writeFileAtomic(this.path, lines.length ? lines.join('\n') + '\n' : '');
      this.linesSinceCompact = 0;
    } finally {
      this.handle = await open(this.path, 'a', 0o600);
    }
  }

  /**
   * Appends records; with `sync` (the default) the promise resolves once they are fsync'd, else
   * once written (a process crash keeps them, only a power cut can lose them).
   */
  private write(records: JournalRecord[], sync = true): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the inbound journal is closed'));
    for (const r of records) this.queue.push(JSON.stringify(r));
    this.syncQueued ||= sync;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushLoop();
    return done;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length) {
        const lines = this.queue;
        const waiters = this.waiters;
        const sync = this.syncQueued;
        this.queue = [];
        this.waiters = [];
        this.syncQueued = false;
        try {
          await this.handle!.write(lines.join('\n') + '\n');
          if (sync) {
            await this.handle!.sync();
            fsyncCounter.count++;
          }
          this.linesSinceCompact += lines.length;
          for (const w of waiters) w.resolve();
        } catch (err) {
          for (const w of waiters) w.reject(err as Error);
        }
        if (this.linesSinceCompact > Math.max(1000, this.maxDone)) {
          // The snapshot is taken from memory, which already holds every queued change, so
          // the queue is folded into it (re-appending would double-count attempts).
          const folded = this.waiters;
          const foldedLines = this.queue;
          this.queue = [];
          this.waiters = [];
          try {
            await this.compact();
            for (const w of folded) w.resolve();
          } catch (err) {
            // Keep appending to the old file instead: put the folded records back in front.
            this.options.logger?.error({ err, path: this.path }, 'inbound journal compaction failed');
            this.queue = [...foldedLines, ...this.queue];
            this.waiters = [...folded, ...this.waiters];
            this.syncQueued = true;
            this.linesSinceCompact = 0;
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private noteId(chatId: string, id: string): void {
    if (isDirectChat(chatId)) this.directIds.add(id);
  }

  has(chatId: string, id: string): boolean {
    return this.entries.has(messageKey(chatId, id)) || (isDirectChat(chatId) && this.directIds.has(id));
  }

  get(chatId: string, id: string): JournalEntry | undefined {
    return this.entries.get(messageKey(chatId, id));
  }

  /**
   * Records newly seen messages (one write + fsync for the batch). Messages already known are
   * left out; returns the entries actually added.
   */
  async receive(items: { chatId: string; id: string; msg: WAMessage; upsertType: UpsertType }[]): Promise<JournalEntry[]> {
    const now = this.clock.now();
    const added: JournalEntry[] = [];
    const records: JournalRecord[] = [];
    for (const item of items) {
      const key = messageKey(item.chatId, item.id);
      if (this.has(item.chatId, item.id)) continue;
      const entry: JournalEntry = { key, chatId: item.chatId, id: item.id, state: 'received', at: now, upsertType: item.upsertType, attempts: 0, msg: item.msg };
      this.entries.set(key, entry);
      this.noteId(item.chatId, item.id);
      added.push(entry);
      records.push({ t: 'r', k: key, c: item.chatId, i: item.id, at: now, u: item.upsertType, m: serializeMessage(item.msg) });
    }
    if (records.length) await this.write(records);
    return added;
  }

  /** Access control accepted it: durable before any receipt, reaction or agent call. */
  async accept(entry: JournalEntry): Promise<void> {
    if (entry.state !== 'received') return;
    entry.state = 'accepted';
    // Not fsync'd: the `received` before it was, so a power cut that loses this line leaves the
    // entry pending and the resume decides it again (never with a pairing reply).
    await this.write([{ t: 'a', k: entry.key, at: this.clock.now() }], false);
  }

  /** A resumed processing attempt (counted so a message that crashes us is not retried forever). */
  async attempt(entry: JournalEntry): Promise<void> {
    entry.attempts++;
    await this.write([{ t: 'x', k: entry.key, at: this.clock.now() }]);
  }

  /** The reply about to be sent: written before its first message goes out. */
  async planReply(entry: JournalEntry, outbox: Outbox): Promise<void> {
    if (entry.state === 'done') return;
    const at = this.clock.now();
    this.setOutbox(entry, outbox, at);
    // Not fsync'd: lost only in a power cut, and then the resume asks the agent again and sends
    // under the same message ids, which the phone already has.
    await this.write([{ t: 'o', k: entry.key, at, o: storeOutbox(outbox) }], false);
  }

  private setOutbox(entry: JournalEntry, outbox: Outbox, at: number): void {
    entry.outbox = outbox;
    entry.outboxAt = at;
    for (const p of outbox.parts) this.sentIndex.set(p.id, entry.key);
  }

  /**
   * The text we sent under a message id in the last `SENT_KEPT_MS`, for a contact whose phone
   * could not decrypt it and asks for it again (also after a restart).
   */
  sentText(messageId: string): string | undefined {
    const entry = this.entries.get(this.sentIndex.get(messageId) ?? '');
    if (!entry?.outbox || this.clock.now() - (entry.outboxAt ?? 0) > SENT_KEPT_MS) return undefined;
    const part = entry.outbox.parts.find((p) => p.id === messageId);
    return part?.kind === 'text' ? part.text : undefined;
  }

  /** Finished: answered, or dropped with a reason; a restart does not handle it again. */
  async finish(entry: JournalEntry, outcome: string): Promise<void> {
    if (entry.state === 'done') return;
    entry.state = 'done';
    entry.outcome = outcome;
    if (this.entries.get(entry.key) === entry) this.entries.set(entry.key, finishedEntry(entry, outcome, entry.outbox && textsOnly(entry.outbox)));
    // Not fsync'd: a `done` lost in a power cut makes the resume send the outbox again under the
    // same ids (or decide a dropped message again, never with a pairing reply): nothing shows twice.
    await this.write([{ t: 'd', k: entry.key, at: this.clock.now(), o: outcome }], false);
  }

  /** Entries not yet done, oldest first. */
  pending(): JournalEntry[] {
    return [...this.entries.values()].filter((e) => e.state !== 'done').sort((a, b) => a.at - b.at);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Waits for queued appends, then closes the file. Later writes reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing) await this.flushing;
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
  }
}
