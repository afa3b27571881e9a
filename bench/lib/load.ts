// Load generation inside the simulator process (no HTTP per message): simulated contacts send
// "ping", and the replies are taken from each contact's inbox at the moment the contact decrypted
// them. Replies carry no reference to the question, so per contact the k-th reply is matched to
// the k-th ping (both sides answer a chat in order); a reply of the form "pong <id>" (the
// reliability suites) is matched by id instead.
import type { ContactHandle, InboxMessage, Simulator } from '../../sim/index.ts';
import { percentile, round } from './stats.ts';

export interface LoadContact {
  handle: ContactHandle;
  /** Our account (phone number) this contact writes to; default: the only/current one. */
  to?: string;
}

interface ContactState {
  c: LoadContact;
  pings: string[];
  replies: InboxMessage[];
  seen: number;
  /** Reply counts by question id (only for "pong <id>" replies). */
  byId: Map<string, number>;
}

export interface EchoResult {
  sent: number;
  answered: number;
  /** Pings that got no reply (by count per contact). */
  lost: number;
  /** Replies beyond one per ping (by count per contact). */
  duplicates: number;
  sendErrors: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  /** From the first ping to the last reply. */
  elapsedMs: number;
  /** Replies per second over elapsedMs. */
  throughput: number;
  stalled: boolean;
}

const isPong = (text: string | undefined) => text === 'pong' || (text?.startsWith('pong ') ?? false);

/** Follows the replies of a set of contacts from now on. */
export class EchoTracker {
  private readonly states: ContactState[];
  private readonly off: () => void;
  private listeners = new Set<(index: number) => void>();
  private firstSendAt: number | undefined;
  private lastReplyAt: number | undefined;
  lastProgressAt = Date.now();
  sendErrors = 0;
  sendErrorSample: string | undefined;

  constructor(private readonly sim: Simulator, contacts: LoadContact[]) {
    this.states = contacts.map((c) => ({ c, pings: [], replies: [], seen: c.handle.inbox.messages.length, byId: new Map() }));
    this.off = sim.onChange(() => this.scan());
  }

  get contacts(): number {
    return this.states.length;
  }

  private scan(): void {
    for (let i = 0; i < this.states.length; i++) {
      const s = this.states[i]!;
      const inbox = s.c.handle.inbox.messages;
      while (s.seen < inbox.length) {
        const m = inbox[s.seen++]!;
        if (!isPong(m.text)) continue;
        s.replies.push(m);
        if (m.text!.length > 5) {
          const id = m.text!.slice(5);
          s.byId.set(id, (s.byId.get(id) ?? 0) + 1);
        }
        this.lastReplyAt = m.at;
        this.lastProgressAt = Date.now();
        for (const l of this.listeners) l(i);
      }
    }
  }

  onReply(listener: (index: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The contact sends one ping; resolves once it is queued for delivery. */
  async send(index: number, text = 'ping'): Promise<string | undefined> {
    const s = this.states[index]!;
    this.firstSendAt ??= Date.now();
    try {
      const { messageId } = await s.c.handle.send(s.c.to ? { text, to: s.c.to } : { text });
      s.pings.push(messageId);
      return messageId;
    } catch (err) {
      this.sendErrors++;
      this.sendErrorSample ??= (err as Error).message;
      return undefined;
    }
  }

  sentBy(index: number): number {
    return this.states[index]!.pings.length;
  }

  repliesTo(index: number): number {
    return this.states[index]!.replies.length;
  }

  get totalSent(): number {
    return this.states.reduce((n, s) => n + s.pings.length, 0);
  }

  get totalReplies(): number {
    return this.states.reduce((n, s) => n + s.replies.length, 0);
  }

  /** Every contact has as many replies as pings. */
  allAnswered(): boolean {
    return this.states.every((s) => s.replies.length >= s.pings.length);
  }

  /**
   * Resolves when `done()` holds, or false once nothing new arrived for `stallMs` (or after
   * `capMs`). Checked on every simulator change and every 250 ms.
   */
  waitUntil(done: () => boolean, stallMs: number, capMs = Infinity): Promise<boolean> {
    const started = Date.now();
    this.lastProgressAt = Math.max(this.lastProgressAt, started);
    return new Promise((resolve) => {
      const check = () => {
        if (done()) return finish(true);
        const now = Date.now();
        if (now - this.lastProgressAt > stallMs || now - started > capMs) finish(false);
      };
      const finish = (ok: boolean) => {
        clearInterval(timer);
        off();
        resolve(ok);
      };
      const off = this.sim.onChange(check);
      const timer = setInterval(check, 250);
      check();
    });
  }

  /** Replies per question id ("pong <id>" replies only). */
  replyCount(index: number, id: string): number {
    return this.states[index]!.byId.get(id) ?? 0;
  }

  /**
   * Pings sent between `maxAgeMs` and `minAgeMs` ago that have no "pong <id>" reply yet: zero
   * means the side keeps up (older ones, given up on, do not count).
   */
  unansweredAged(minAgeMs: number, maxAgeMs: number): number {
    const now = Date.now();
    let n = 0;
    for (const s of this.states) {
      for (let k = s.pings.length - 1; k >= 0; k--) {
        const at = s.c.handle.sent.get(s.pings[k]!)?.at ?? 0;
        if (now - at > maxAgeMs) break;
        if (now - at >= minAgeMs && !s.byId.has(s.pings[k]!)) n++;
      }
    }
    return n;
  }

  pingsOf(index: number): readonly string[] {
    return this.states[index]!.pings;
  }

  result(stalled: boolean): EchoResult {
    const latencies: number[] = [];
    let lost = 0;
    let duplicates = 0;
    let answered = 0;
    for (const s of this.states) {
      const pairs = Math.min(s.pings.length, s.replies.length);
      answered += pairs;
      lost += s.pings.length - pairs;
      duplicates += s.replies.length - pairs;
      for (let k = 0; k < pairs; k++) {
        const sent = s.c.handle.sent.get(s.pings[k]!);
        if (sent) latencies.push(s.replies[k]!.at - sent.at);
      }
    }
    const elapsedMs = this.firstSendAt !== undefined && this.lastReplyAt !== undefined ? Math.max(1, this.lastReplyAt - this.firstSendAt) : 0;
    const p = (q: number) => { const v = percentile(latencies, q); return v === undefined ? null : round(v, 1); };
    return {
      sent: this.totalSent,
      answered,
      lost,
      duplicates,
      sendErrors: this.sendErrors,
      latencyMs: { p50: p(50), p95: p(95), p99: p(99), max: p(100) },
      elapsedMs,
      throughput: elapsedMs ? round((answered * 1000) / elapsedMs, 1) : 0,
      stalled,
    };
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }
}

/** Every contact sends `perContact` pings at once (the protocol's own pace). */
export async function burst(tracker: EchoTracker, perContact: number, stallMs: number): Promise<EchoResult> {
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < tracker.contacts; i++) for (let k = 0; k < perContact; k++) sends.push(tracker.send(i));
  await Promise.all(sends);
  const ok = await tracker.waitUntil(() => tracker.allAnswered(), stallMs);
  return tracker.result(!ok);
}

/**
 * Ping-pong: each contact sends its next ping when the previous one was answered, until `total`
 * pings were sent (spread over the contacts) and answered, or progress stalls.
 */
export async function closedLoop(tracker: EchoTracker, total: number, stallMs: number): Promise<EchoResult> {
  let issued = 0;
  const next = (i: number) => {
    if (issued >= total) return;
    issued++;
    void tracker.send(i);
  };
  const off = tracker.onReply((i) => {
    if (tracker.repliesTo(i) >= tracker.sentBy(i)) next(i);
  });
  for (let i = 0; i < tracker.contacts && issued < total; i++) next(i);
  const ok = await tracker.waitUntil(() => issued >= total && tracker.totalSent >= total - tracker.sendErrors && tracker.allAnswered(), stallMs);
  off();
  return tracker.result(!ok);
}

/** A fixed offered rate (messages per second over all contacts, round robin) for `durationMs`. */
export async function openLoop(tracker: EchoTracker, ratePerSec: number, durationMs: number, stallMs: number): Promise<EchoResult> {
  const started = Date.now();
  const target = Math.round((ratePerSec * durationMs) / 1000);
  let issued = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(target, Math.floor(((Date.now() - started) * ratePerSec) / 1000));
      while (issued < due) void tracker.send(issued++ % tracker.contacts);
      if (issued >= target) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 5);
    tick();
  });
  const ok = await tracker.waitUntil(() => tracker.totalSent >= issued - tracker.sendErrors && tracker.allAnswered(), stallMs);
  return tracker.result(!ok);
}
