// What did the sender say? Pure functions over Baileys' decoded message (proto.IWebMessageInfo):
// text, quoted text, mentions, and a description of any media (downloaded later, by the
// pipeline). Reactions, edits, deletes and other protocol messages are not for the agent.
// Hand-written rather than Baileys' extractMessageContent/getContentType so this module stays
// importable without loading Baileys, and so unknown shapes are skipped with a reason.
import type { proto, WAMessage } from '@whiskeysockets/baileys';
import type { AttachmentKind } from './agent-types.ts';

export interface MediaRef {
  kind: AttachmentKind;
  mimetype: string;
  /** Size the sender's client declared (`fileLength`), when present. */
  declaredSize?: number;
  fileName?: string;
}

export interface ContextRef {
  mentionedJids: string[];
  /** Author of the quoted message. */
  quotedParticipant?: string;
  /** Id of the quoted message. */
  quotedStanzaId?: string;
}

export type Extracted =
  | { kind: 'skip'; reason: 'empty' | 'reaction' | 'protocol' | 'unsupported'; contentType?: string }
  | {
      kind: 'message';
      /** The content's type key, e.g. `conversation`, `imageMessage`. */
      contentType: string;
      text: string;
      quoted?: { text: string; participant?: string; stanzaId?: string };
      media?: MediaRef;
      context: ContextRef;
    };

/** Keys that travel alongside the real content and are not content themselves. */
const NON_CONTENT_KEYS = new Set(['messageContextInfo', 'senderKeyDistributionMessage', 'fastRatchetKeyDistributionMessage']);

/** Wrapper messages whose `.message` holds the real content. */
const WRAPPERS = [
  'ephemeralMessage',
  'viewOnceMessage',
  'viewOnceMessageV2',
  'viewOnceMessageV2Extension',
  'documentWithCaptionMessage',
  'deviceSentMessage',
  'groupMentionedMessage',
  'lottieStickerMessage',
  'botInvokeMessage',
] as const;

export function toNumber(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof value === 'object') {
    const long = value as { toNumber?: () => number; low?: number; high?: number; unsigned?: boolean };
    if (typeof long.toNumber === 'function') return long.toNumber();
    if (typeof long.low === 'number' && typeof long.high === 'number') {
      return long.high * 2 ** 32 + (long.low >>> 0);
    }
  }
  return undefined;
}

/** The innermost content of a message, with ephemeral / view-once / document-with-caption wrappers removed. */
export function unwrapContent(message: proto.IMessage | null | undefined): proto.IMessage | undefined {
  let m = message ?? undefined;
  for (let depth = 0; m && depth < 8; depth++) {
    let inner: proto.IMessage | null | undefined;
    for (const w of WRAPPERS) {
      const wrapped = (m as Record<string, { message?: proto.IMessage | null } | null | undefined>)[w];
      if (wrapped?.message) {
        inner = wrapped.message;
        break;
      }
    }
    if (!inner) return m;
    m = inner;
  }
  return m;
}

/** The content type key of an unwrapped message (first key holding real content). */
export function contentTypeOf(content: proto.IMessage | undefined): string | undefined {
  if (!content) return undefined;
  for (const [key, value] of Object.entries(content)) {
    if (value === null || value === undefined || NON_CONTENT_KEYS.has(key)) continue;
    return key;
  }
  return undefined;
}

function vcardSummary(vcard: string | null | undefined, displayName: string | null | undefined): string {
  const lines = (vcard ?? '').split(/\r?\n/);
  let name = displayName?.trim() || '';
  const numbers: string[] = [];
  for (const line of lines) {
    const upper = line.toUpperCase();
    if (!name && upper.startsWith('FN')) name = line.slice(line.indexOf(':') + 1).trim();
    if (upper.startsWith('TEL') || upper.startsWith('ITEM1.TEL') || /^ITEM\d+\.TEL/.test(upper)) {
      const waid = /waid=(\d+)/i.exec(line)?.[1];
      const shown = line.slice(line.lastIndexOf(':') + 1).trim();
      const number = waid ? `+${waid}` : shown;
      if (number && !numbers.includes(number)) numbers.push(number);
    }
  }
  return numbers.length ? `${name || 'Unnamed contact'} (${numbers.join(', ')})` : name || 'Unnamed contact';
}

function locationText(label: string, loc: proto.Message.ILocationMessage | proto.Message.ILiveLocationMessage): string {
  const lat = loc.degreesLatitude ?? 0;
  const lon = loc.degreesLongitude ?? 0;
  const named = 'name' in loc ? [loc.name, loc.address].filter(Boolean).join(', ') : '';
  const caption = 'caption' in loc && loc.caption ? `\n${loc.caption}` : 'comment' in loc && loc.comment ? `\n${loc.comment}` : '';
  return `${label}: ${named ? `${named} ` : ''}(${lat}, ${lon}) https://maps.google.com/?q=${lat},${lon}${caption}`;
}

const MEDIA_PLACEHOLDER: Record<AttachmentKind, string> = {
  image: '<image>',
  video: '<video>',
  audio: '<audio>',
  voice: '<voice note>',
  document: '<document>',
  sticker: '<sticker>',
};

export function mediaPlaceholder(media: MediaRef): string {
  return media.fileName ? `${MEDIA_PLACEHOLDER[media.kind]} ${media.fileName}` : MEDIA_PLACEHOLDER[media.kind];
}

interface ContentParts {
  text: string;
  media?: MediaRef;
  contextInfo?: proto.IContextInfo | null;
}

function media(kind: AttachmentKind, m: { mimetype?: string | null; fileLength?: unknown }, fallbackMime: string, fileName?: string | null): MediaRef {
  const ref: MediaRef = { kind, mimetype: m.mimetype || fallbackMime };
  const size = toNumber(m.fileLength);
  if (size !== undefined) ref.declaredSize = size;
  if (fileName) ref.fileName = fileName;
  return ref;
}

/** Text, media and context of one content type; undefined for types we do not handle. */
function partsOf(content: proto.IMessage, type: string): ContentParts | 'reaction' | 'protocol' | undefined {
  switch (type) {
    case 'conversation':
      return { text: content.conversation ?? '' };
    case 'extendedTextMessage':
      return { text: content.extendedTextMessage?.text ?? '', contextInfo: content.extendedTextMessage?.contextInfo };
    case 'imageMessage': {
      const m = content.imageMessage!;
      return { text: m.caption ?? '', media: media('image', m, 'image/jpeg'), contextInfo: m.contextInfo };
    }
    case 'videoMessage': {
      const m = content.videoMessage!;
      return { text: m.caption ?? '', media: media('video', m, 'video/mp4'), contextInfo: m.contextInfo };
    }
    case 'ptvMessage': {
      const m = content.ptvMessage!;
      return { text: m.caption ?? '', media: media('video', m, 'video/mp4'), contextInfo: m.contextInfo };
    }
    case 'audioMessage': {
      const m = content.audioMessage!;
      return { text: '', media: media(m.ptt ? 'voice' : 'audio', m, 'audio/ogg; codecs=opus'), contextInfo: m.contextInfo };
    }
    case 'documentMessage': {
      const m = content.documentMessage!;
      return { text: m.caption ?? '', media: media('document', m, 'application/octet-stream', m.fileName || m.title), contextInfo: m.contextInfo };
    }
    case 'stickerMessage': {
      const m = content.stickerMessage!;
      return { text: '', media: media('sticker', m, 'image/webp'), contextInfo: m.contextInfo };
    }
    case 'contactMessage': {
      const m = content.contactMessage!;
      return { text: `Contact: ${vcardSummary(m.vcard, m.displayName)}`, contextInfo: m.contextInfo };
    }
    case 'contactsArrayMessage': {
      const m = content.contactsArrayMessage!;
      const list = (m.contacts ?? []).map((c) => `- ${vcardSummary(c.vcard, c.displayName)}`);
      return { text: ['Contacts:', ...list].join('\n'), contextInfo: m.contextInfo };
    }
    case 'locationMessage':
      return { text: locationText('Location', content.locationMessage!), contextInfo: content.locationMessage!.contextInfo };
    case 'liveLocationMessage':
      return { text: locationText('Live location', content.liveLocationMessage!), contextInfo: content.liveLocationMessage!.contextInfo };
    case 'pollCreationMessage':
    case 'pollCreationMessageV2':
    case 'pollCreationMessageV3': {
      const m = (content as Record<string, proto.Message.IPollCreationMessage>)[type]!;
      const options = (m.options ?? []).map((o) => o.optionName).filter(Boolean);
      return { text: `Poll: ${m.name ?? ''}${options.length ? `\nOptions: ${options.join('; ')}` : ''}`, contextInfo: m.contextInfo };
    }
    case 'buttonsResponseMessage':
      return { text: content.buttonsResponseMessage?.selectedDisplayText ?? '', contextInfo: content.buttonsResponseMessage?.contextInfo };
    case 'templateButtonReplyMessage':
      return { text: content.templateButtonReplyMessage?.selectedDisplayText ?? '', contextInfo: content.templateButtonReplyMessage?.contextInfo };
    case 'listResponseMessage': {
      const m = content.listResponseMessage!;
      return { text: m.title || m.singleSelectReply?.selectedRowId || '', contextInfo: m.contextInfo };
    }
    case 'interactiveResponseMessage': {
      const m = content.interactiveResponseMessage!;
      return { text: m.body?.text ?? '', contextInfo: m.contextInfo };
    }
    case 'reactionMessage':
    case 'encReactionMessage':
      return 'reaction';
    case 'protocolMessage':
    case 'pollUpdateMessage':
    case 'keepInChatMessage':
    case 'pinInChatMessage':
    case 'editedMessage':
    case 'encEventResponseMessage':
      return 'protocol';
    default:
      return undefined;
  }
}

/** Text of a quoted message: its text or caption, else a placeholder naming the media. */
function quotedText(quoted: proto.IMessage): string {
  const content = unwrapContent(quoted);
  const type = contentTypeOf(content);
  if (!content || !type) return '';
  const parts = partsOf(content, type);
  if (!parts || typeof parts === 'string') return '';
  if (parts.text) return parts.text;
  return parts.media ? mediaPlaceholder(parts.media) : '';
}

/** Extracts what the agent should see from one upserted message. Never throws. */
export function extractMessage(msg: Pick<WAMessage, 'message'>): Extracted {
  const content = unwrapContent(msg.message);
  const type = contentTypeOf(content);
  if (!content || !type) return { kind: 'skip', reason: 'empty' };
  let parts: ReturnType<typeof partsOf>;
  try {
    parts = partsOf(content, type);
  } catch {
    return { kind: 'skip', reason: 'unsupported', contentType: type };
  }
  if (parts === 'reaction') return { kind: 'skip', reason: 'reaction', contentType: type };
  if (parts === 'protocol') return { kind: 'skip', reason: 'protocol', contentType: type };
  if (!parts) return { kind: 'skip', reason: 'unsupported', contentType: type };
  const ctx = parts.contextInfo ?? undefined;
  const context: ContextRef = { mentionedJids: (ctx?.mentionedJid ?? []).filter((j): j is string => typeof j === 'string') };
  if (ctx?.participant) context.quotedParticipant = ctx.participant;
  if (ctx?.stanzaId) context.quotedStanzaId = ctx.stanzaId;
  const result: Extract<Extracted, { kind: 'message' }> = { kind: 'message', contentType: type, text: parts.text, context };
  if (parts.media) result.media = parts.media;
  if (ctx?.quotedMessage) {
    let text = '';
    try {
      text = quotedText(ctx.quotedMessage);
    } catch {
      text = '';
    }
    const quoted: { text: string; participant?: string; stanzaId?: string } = { text };
    if (ctx.participant) quoted.participant = ctx.participant;
    if (ctx.stanzaId) quoted.stanzaId = ctx.stanzaId;
    result.quoted = quoted;
  }
  if (!result.text && !result.media) return { kind: 'skip', reason: 'empty', contentType: type };
  return result;
}
