// The pipeline's Transport on a real Baileys socket. Every call asks for the account's socket
// at the moment it runs, so a reply produced during a reconnect waits (bounded, by the
// connection layer) and goes out on the new socket once, instead of failing on the old one.
import { readFile } from 'node:fs/promises';
import { downloadMediaMessage, type AnyMessageContent, type WASocket } from '@whiskeysockets/baileys';
import type { SelfIds } from '../access/index.ts';
import type { OutboundMedia } from './agent-types.ts';
import { MediaTooLargeError, saveMediaStream } from './media-store.ts';
import type { DownloadedMedia, DownloadOptions, SendOptions, Transport, WAMessage } from './types.ts';
import { unwrapContent } from './extract.ts';

export interface BaileysTransportOptions {
  /** Resolves with the open socket (waits while reconnecting; rejects with "no active listener"). */
  socket: () => Promise<WASocket>;
  /** The socket we have now, if any, for our own identity. */
  currentSocket: () => WASocket | undefined;
  /** Baileys' logger for media re-upload requests (a quiet child of ours). */
  baileysLogger: Parameters<typeof downloadMediaMessage>[3] extends infer C ? C extends { logger: infer L } ? L : never : never;
}

async function mediaContent(media: OutboundMedia): Promise<AnyMessageContent> {
  const data = media.buffer ? Buffer.from(media.buffer) : media.path ? await readFile(media.path) : undefined;
  if (!data) throw new Error('outbound media has neither a path nor bytes');
  switch (media.kind) {
    case 'image':
    case 'sticker':
      return { image: data, mimetype: media.mimetype, caption: media.caption };
    case 'video':
      return { video: data, mimetype: media.mimetype, caption: media.caption };
    case 'audio':
    case 'voice':
      // WhatsApp plays ptt audio as a voice note, which is what a reply from an agent should be.
      return { audio: data, mimetype: media.mimetype, ptt: media.kind === 'voice' || media.mimetype.includes('ogg') };
    default:
      return { document: data, mimetype: media.mimetype, fileName: media.fileName ?? 'file', caption: media.caption };
  }
}

function mediaInfo(msg: WAMessage): { mimetype: string; fileName?: string; declaredBytes?: number } {
  const content = unwrapContent(msg.message ?? undefined) as Record<string, { mimetype?: string | null; fileName?: string | null; fileLength?: unknown } | undefined> | undefined;
  for (const key of ['imageMessage', 'videoMessage', 'audioMessage', 'documentMessage', 'stickerMessage'] as const) {
    const m = content?.[key];
    if (m) {
      const len = m.fileLength as { toNumber?: () => number } | number | string | null | undefined;
      const declaredBytes = typeof len === 'object' && len?.toNumber ? len.toNumber() : len != null ? Number(len) : undefined;
      return { mimetype: m.mimetype ?? 'application/octet-stream', fileName: m.fileName ?? undefined, declaredBytes };
    }
  }
  return { mimetype: 'application/octet-stream' };
}

function sendOptions(opts: SendOptions | undefined): { quoted?: WAMessage; messageId?: string } | undefined {
  if (!opts?.quoted && !opts?.messageId) return undefined;
  return { ...(opts.quoted ? { quoted: opts.quoted } : {}), ...(opts.messageId ? { messageId: opts.messageId } : {}) };
}

export function createBaileysTransport(options: BaileysTransportOptions): Transport {
  return {
    async sendText(jid, text, opts) {
      const sock = await options.socket();
      return sock.sendMessage(jid, { text }, sendOptions(opts));
    },
    async sendMedia(jid, media, opts) {
      const sock = await options.socket();
      return sock.sendMessage(jid, await mediaContent(media), sendOptions(opts));
    },
    async sendReaction(jid, key, emoji) {
      const sock = await options.socket();
      return sock.sendMessage(jid, { react: { text: emoji, key } });
    },
    async readMessages(keys) {
      const sock = await options.socket();
      return sock.readMessages(keys);
    },
    async sendPresence(jid, presence) {
      const sock = await options.socket();
      return sock.sendPresenceUpdate(presence, jid);
    },
    async downloadMedia(msg, opts: DownloadOptions): Promise<DownloadedMedia> {
      const info = mediaInfo(msg);
      const sock = await options.socket();
      // Refuse before downloading when the sender's own size already exceeds the cap;
      // saveMediaStream still enforces the cap on the bytes actually received.
      if (info.declaredBytes !== undefined && info.declaredBytes > opts.maxBytes) throw new MediaTooLargeError(info.declaredBytes, opts.maxBytes);
      const stream = await downloadMediaMessage(msg, 'stream', {}, { reuploadRequest: sock.updateMediaMessage, logger: options.baileysLogger });
      return saveMediaStream(stream as AsyncIterable<Uint8Array>, { dir: opts.dir, baseName: opts.baseName, mimetype: info.mimetype, maxBytes: opts.maxBytes, fileName: info.fileName });
    },
    selfIds(): SelfIds {
      const user = options.currentSocket()?.user;
      return { pn: user?.id, lid: user?.lid ?? undefined };
    },
  };
}
