// The reply outbox: the messages about to be sent for one inbound message, journaled before the
// first of them goes out, each under an id derived from the question. A crash between a send and
// the journal's `done` record is then repaired by sending the same messages again under the same
// ids, without asking the agent again: WhatsApp clients keep one message per sender and id (the
// protocol's own retry path resends under the original id), so the sender sees each part once.
import { createHash } from 'node:crypto';
import type { OutboundMedia } from './agent-types.ts';

export type OutboxPart = { id: string; quote: boolean } & ({ kind: 'text'; text: string } | { kind: 'media'; media: OutboundMedia });

export interface Outbox {
  parts: OutboxPart[];
  /** The journal outcome once every part is sent (replied, failed:agent, ...). */
  outcome: string;
}

/**
 * The id of the `index`-th message sent in answer to an inbound message. Same shape as Baileys'
 * own ids ("3EB0" + 18 upper-case hex digits), so nothing downstream treats ours as odd.
 */
export function replyMessageId(accountId: string, inboundKey: string, index: number): string {
  const digest = createHash('sha256').update(`clawline-reply\0${accountId}\0${inboundKey}\0${index}`).digest('hex');
  return `3EB0${digest.slice(0, 18).toUpperCase()}`;
}

type StoredMedia = Omit<OutboundMedia, 'buffer'> & { b64?: string };
type StoredPart = { id: string; q?: 1 } & ({ t: string } | { m: StoredMedia });
export interface StoredOutbox {
  p: StoredPart[];
  o: string;
}

/** JSON form for the journal (media bytes as base64: an agent's reply must survive the crash whole). */
export function storeOutbox(outbox: Outbox): StoredOutbox {
  return {
    o: outbox.outcome,
    p: outbox.parts.map((part): StoredPart => {
      const head = { id: part.id, ...(part.quote ? { q: 1 as const } : {}) };
      if (part.kind === 'text') return { ...head, t: part.text };
      const { buffer, ...rest } = part.media;
      return { ...head, m: { ...rest, ...(buffer ? { b64: Buffer.from(buffer).toString('base64') } : {}) } };
    }),
  };
}

export function reviveOutbox(stored: StoredOutbox): Outbox {
  if (!stored || !Array.isArray(stored.p) || typeof stored.o !== 'string') throw new Error('malformed outbox record');
  return {
    outcome: stored.o,
    parts: stored.p.map((part): OutboxPart => {
      const head = { id: part.id, quote: part.q === 1 };
      if ('t' in part) return { ...head, kind: 'text', text: part.t };
      const { b64, ...rest } = part.m;
      return { ...head, kind: 'media', media: { ...rest, ...(b64 !== undefined ? { buffer: Buffer.from(b64, 'base64') } : {}) } };
    }),
  };
}
