// Small helpers over WhatsApp's binary node shape ({tag, attrs, content}). Written here instead of
// using Baileys' getBinaryNodeChild*: those cache a per-node index, which goes stale when the
// simulator builds or edits nodes in place.
import { jidDecode, jidEncode, type BinaryNode } from '@whiskeysockets/baileys';

export type { BinaryNode };

export const SERVER_JID = 's.whatsapp.net';
export const LID_SERVER = 'lid';
export const GROUP_SERVER = 'g.us';

type AttrValue = string | number | boolean | undefined | null;

/** Builds a node, dropping undefined/null attributes and stringifying the rest. */
export function node(tag: string, attrs: Record<string, AttrValue> = {}, content?: BinaryNode['content']): BinaryNode {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) clean[k] = String(v);
  return content === undefined ? { tag, attrs: clean } : { tag, attrs: clean, content };
}

export function children(n: BinaryNode | undefined, tag?: string): BinaryNode[] {
  if (!n || !Array.isArray(n.content)) return [];
  return tag === undefined ? n.content : n.content.filter((c) => c.tag === tag);
}

export function child(n: BinaryNode | undefined, tag: string): BinaryNode | undefined {
  if (!n || !Array.isArray(n.content)) return undefined;
  return n.content.find((c) => c.tag === tag);
}

export function firstChild(n: BinaryNode | undefined): BinaryNode | undefined {
  return n && Array.isArray(n.content) ? n.content[0] : undefined;
}

/** The node's content as bytes (strings are taken as UTF-8), or undefined for child lists. */
export function bytes(n: BinaryNode | undefined): Buffer | undefined {
  if (!n || n.content === undefined || Array.isArray(n.content)) return undefined;
  return typeof n.content === 'string' ? Buffer.from(n.content, 'utf8') : Buffer.from(n.content);
}

export function childBytes(n: BinaryNode | undefined, tag: string): Buffer | undefined {
  return bytes(child(n, tag));
}

export function childUInt(n: BinaryNode | undefined, tag: string): number | undefined {
  const b = childBytes(n, tag);
  return b && b.length > 0 && b.length <= 6 ? b.readUIntBE(0, b.length) : undefined;
}

export function uintBE(value: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeUIntBE(value, 0, length);
  return b;
}

export interface Jid {
  user: string;
  server: string;
  device: number;
}

export function parseJid(jid: string | undefined): Jid | undefined {
  if (!jid) return undefined;
  const d = jidDecode(jid);
  if (!d || !d.user) return d && d.server ? { user: '', server: d.server, device: 0 } : undefined;
  return { user: d.user, server: d.server, device: d.device ?? 0 };
}

export function pnJid(user: string, device = 0): string {
  return jidEncode(user, SERVER_JID, device || undefined);
}

export function lidJid(user: string, device = 0): string {
  return jidEncode(user, LID_SERVER, device || undefined);
}

export function groupJid(id: string): string {
  return `${id}@${GROUP_SERVER}`;
}

/** Short one-line rendering of a node for logs. */
export function describe(n: BinaryNode): string {
  const attrs = Object.entries(n.attrs)
    .map(([k, v]) => `${k}=${v.length > 40 ? v.slice(0, 40) + '…' : v}`)
    .join(' ');
  const kids = Array.isArray(n.content) ? ` [${n.content.map((c) => c.tag).join(',')}]` : n.content ? ` (${n.content.length}b)` : '';
  return `<${n.tag}${attrs ? ' ' + attrs : ''}>${kids}`;
}
