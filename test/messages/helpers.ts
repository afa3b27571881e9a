// Shared test doubles for the message pipeline tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FakeClock } from '../../main/shared/clock.ts';
import {
  saveMediaStream,
  type DownloadOptions,
  type Logger,
  type OutboundMedia,
  type PresenceState,
  type SendOptions,
  type Transport,
  type WAMessage,
  type WAMessageKey,
} from '../../main/messages/index.ts';

/**
 * Runs `p` to completion, moving fake time only when the code is waiting on a fake timer
 * (straight to the earliest one), so real I/O (fsync, file locks) never makes fake time pass.
 */
export async function drive<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = p.finally(() => {
    settled = true;
  });
  tracked.catch(() => {}); // the caller sees the rejection; don't report it as unhandled meanwhile
  const started = Date.now();
  while (!settled) {
    await new Promise((r) => setImmediate(r));
    if (settled) break;
    const next = clock.pending()[0];
    if (next !== undefined) clock.advance(next);
    else await new Promise((r) => setTimeout(r, 1));
    if (Date.now() - started > 60_000) throw new Error('drive: the promise did not settle within 60 s');
  }
  return tracked;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-msg-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export type TransportCall =
  | { op: 'text'; jid: string; text: string; quoted?: string }
  | { op: 'media'; jid: string; media: OutboundMedia }
  | { op: 'reaction'; jid: string; id: string; emoji: string }
  | { op: 'read'; ids: string[] }
  | { op: 'presence'; jid: string; state: PresenceState }
  | { op: 'download'; id: string };

/** An in-memory Transport that records every call in order. */
export class FakeTransport implements Transport {
  calls: TransportCall[] = [];
  self = { pn: '15550000001:12@s.whatsapp.net', lid: '900000001:12@lid' };
  /** Bytes each message's media download yields (by message id); missing = 1 KB. */
  mediaBytes = new Map<string, number>();
  private nextId = 1;
  /** Makes the next N text sends fail with this error. */
  failTexts: { count: number; error: Error } | undefined;

  selfIds() {
    return this.self;
  }
  texts(jid?: string) {
    return this.calls.filter((c): c is Extract<TransportCall, { op: 'text' }> => c.op === 'text' && (!jid || c.jid === jid)).map((c) => c.text);
  }
  ops() {
    return this.calls.map((c) => c.op);
  }
  /** The message ids the pipeline chose for each text and media sent, in order ('' if none). */
  messageIds: string[] = [];
  async sendText(jid: string, text: string, options?: SendOptions) {
    if (this.failTexts && this.failTexts.count > 0) {
      this.failTexts.count--;
      throw this.failTexts.error;
    }
    const call: TransportCall = { op: 'text', jid, text };
    if (options?.quoted?.key?.id) call.quoted = options.quoted.key.id;
    this.calls.push(call);
    this.messageIds.push(options?.messageId ?? '');
    return { key: { id: options?.messageId ?? `OUT-${this.nextId++}` } };
  }
  async sendMedia(jid: string, media: OutboundMedia, options?: SendOptions) {
    this.calls.push({ op: 'media', jid, media });
    this.messageIds.push(options?.messageId ?? '');
    return { key: { id: options?.messageId ?? `OUT-${this.nextId++}` } };
  }
  async sendReaction(jid: string, key: WAMessageKey, emoji: string) {
    this.calls.push({ op: 'reaction', jid, id: key.id ?? '', emoji });
  }
  async readMessages(keys: WAMessageKey[]) {
    this.calls.push({ op: 'read', ids: keys.map((k) => k.id ?? '') });
  }
  async sendPresence(jid: string, state: PresenceState) {
    this.calls.push({ op: 'presence', jid, state });
  }
  async downloadMedia(msg: WAMessage, options: DownloadOptions) {
    this.calls.push({ op: 'download', id: msg.key.id ?? '' });
    const size = this.mediaBytes.get(msg.key.id ?? '') ?? 1024;
    // Stream it in 64 KB pieces, like a real download.
    async function* chunks() {
      for (let left = size; left > 0; left -= 65536) yield new Uint8Array(Math.min(65536, left)).fill(7);
    }
    return saveMediaStream(chunks(), { dir: options.dir, baseName: options.baseName, maxBytes: options.maxBytes, mimetype: 'image/jpeg' });
  }
}

export interface LogLine {
  level: string;
  msg?: string;
  [k: string]: unknown;
}

/** A pino-shaped logger that keeps lines for assertions. */
export function memoryLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}): Logger & { lines: LogLine[] } {
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, ...bindings, ...obj, msg });
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b) => memoryLogger(lines, { ...bindings, ...b }),
  };
}
