// What the message pipeline needs from the outside world, as narrow interfaces: the lead wires a
// Baileys socket behind `Transport`, tests use an in-memory double.
import type { WAMessage, WAMessageKey } from '@whiskeysockets/baileys';
import type { AccessSettings, SelfIds } from '../access/index.ts';
import type { OutboundMedia } from './agent-types.ts';

export type { WAMessage, WAMessageKey };

export type AckReactionGroupMode = 'always' | 'mentions' | 'never';

/** Per-account settings the pipeline reads on every message (OpenClaw's key names). */
export interface PipelineSettings extends AccessSettings {
  /** Blue ticks on accepted messages. Default true; never in self-chat or selfChatMode. */
  sendReadReceipts?: boolean;
  /** Immediate reaction on acceptance, before the reply. Empty or missing emoji: off. */
  ackReaction?: { emoji?: string; direct?: boolean; group?: AckReactionGroupMode };
  /** Longest outgoing message in characters (UTF-16 units). Default 4000. */
  textChunkLimit?: number;
  /** `newline` sends each blank-line paragraph as its own message before splitting by length. Default `length`. */
  chunkMode?: 'length' | 'newline';
  /** Cap for inbound downloads. Default 50. */
  mediaMaxMb?: number;
  /** Messages older than this (catch-up after downtime, replays) are recorded but not answered. Default 600. */
  catchUpWindowSeconds?: number;
}

export const PIPELINE_DEFAULTS = {
  sendReadReceipts: true,
  textChunkLimit: 4000,
  chunkMode: 'length' as const,
  mediaMaxMb: 50,
  /**
   * 10 minutes: long enough that messages sent during a restart, a network blip or a laptop
   * lid-close are answered once the gateway is back; short enough that a replay of yesterday's
   * backlog does not make the agent answer stale questions (failure-modes row 10).
   */
  catchUpWindowSeconds: 600,
  ackReactionDirect: true,
  ackReactionGroup: 'mentions' as AckReactionGroupMode,
};

/** What a send returns: Baileys' `sendMessage` gives the sent WAMessage (we read `key.id`). */
export interface SentMessageRef {
  key?: { id?: string | null } | null;
  id?: string | null;
}

export interface DownloadedMedia {
  path: string;
  size: number;
  mimetype: string;
}

export interface DownloadOptions {
  /** Refuse (MediaTooLargeError) rather than save more than this many bytes. */
  maxBytes: number;
  /** Directory to save into (the state dir's media folder, per account). */
  dir: string;
  /** File name without extension to use (derived from the message id). */
  baseName: string;
}

export type PresenceState = 'composing' | 'paused';

/** How one message is sent: `messageId` makes a repeated send the same message (see outbox.ts). */
export interface SendOptions {
  quoted?: WAMessage;
  messageId?: string;
}

/** The socket as the pipeline sees it. Every method may reject; the pipeline logs and carries on. */
export interface Transport {
  sendText(jid: string, text: string, options?: SendOptions): Promise<SentMessageRef | undefined | void>;
  sendMedia(jid: string, media: OutboundMedia, options?: SendOptions): Promise<SentMessageRef | undefined | void>;
  sendReaction(jid: string, key: WAMessageKey, emoji: string): Promise<unknown>;
  readMessages(keys: WAMessageKey[]): Promise<unknown>;
  sendPresence(jid: string, presence: PresenceState): Promise<unknown>;
  /**
   * Downloads a message's media into `options.dir` (use `saveMediaStream`, which refuses
   * oversized and empty files without leaving a partial file). Throws MediaTooLargeError.
   */
  downloadMedia(msg: WAMessage, options: DownloadOptions): Promise<DownloadedMedia>;
  /** Our own linked identity; may be empty before the connection opened. */
  selfIds(): SelfIds;
}

/** A pino-compatible logger (pino's Logger satisfies this). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}
