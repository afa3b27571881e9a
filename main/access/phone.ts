// Phone numbers and WhatsApp addresses. JIDs look like `digits[:device]@s.whatsapp.net`
// (phone), `digits[:device]@lid` (privacy id), `id@g.us` (group) or `status@broadcast`.
// Hand-written: Baileys' jidDecode would pull the whole library into the CLI for three regexes.

/**
 * `+E164` from any common spelling: `+1 (555) 123-4567`, `whatsapp:+15551234567`, `15551234567`,
 * or a phone JID. Undefined when there are no digits (the caller reports the bad entry).
 */
export function normalizeE164(raw: string): string | undefined {
  let s = String(raw).trim();
  if (s.includes('@')) {
    const jid = jidToE164(s);
    return jid;
  }
  s = s.replace(/^[a-z][a-z0-9+.-]*:/i, ''); // whatsapp:, tel:, wa:
  const digits = s.replace(/\D/g, '');
  if (!digits) return undefined;
  return `+${digits}`;
}

/** The user part and server of a JID with any `:device` suffix removed. */
export function parseJid(jid: string | null | undefined): { user: string; server: string; device?: number } | undefined {
  if (!jid) return undefined;
  const at = jid.indexOf('@');
  if (at < 0) return undefined;
  const server = jid.slice(at + 1).toLowerCase();
  const userPart = jid.slice(0, at);
  const [userAgent, device] = userPart.split(':');
  // `user_agent` forms (`123_1`) only appear in old multi-device ids; the user is before the `_`.
  const user = (userAgent ?? '').split('_')[0] ?? '';
  if (!user) return undefined;
  return { user, server, device: device !== undefined && /^\d+$/.test(device) ? Number(device) : undefined };
}

/** `user@server` with no device suffix; `c.us` spelled as `s.whatsapp.net`. */
export function bareJid(jid: string | null | undefined): string | undefined {
  const p = parseJid(jid);
  if (!p) return undefined;
  return `${p.user}@${p.server === 'c.us' ? 's.whatsapp.net' : p.server}`;
}

export function isPhoneJid(jid: string | null | undefined): boolean {
  const server = parseJid(jid)?.server;
  return server === 's.whatsapp.net' || server === 'c.us';
}

export function isLidJid(jid: string | null | undefined): boolean {
  return parseJid(jid)?.server === 'lid';
}

export function isGroupJid(jid: string | null | undefined): boolean {
  return parseJid(jid)?.server === 'g.us';
}

/** Status updates, broadcast lists and newsletters: never conversations with the agent. */
export function isBroadcastJid(jid: string | null | undefined): boolean {
  const server = parseJid(jid)?.server;
  return server === 'broadcast' || server === 'newsletter';
}

/** `+digits` for a phone JID (device suffix ignored); undefined for LIDs, groups and garbage. */
export function jidToE164(jid: string | null | undefined): string | undefined {
  const p = parseJid(jid);
  if (!p || (p.server !== 's.whatsapp.net' && p.server !== 'c.us')) return undefined;
  if (!/^\d+$/.test(p.user)) return undefined;
  return `+${p.user}`;
}

/** The phone JID to message a +E164 number at. */
export function e164ToJid(e164: string): string {
  return `${e164.replace(/\D/g, '')}@s.whatsapp.net`;
}

/** True when both JIDs name the same user on the same server, whatever their device suffixes. */
export function sameUser(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = bareJid(a);
  return x !== undefined && x === bareJid(b);
}

/**
 * Whether `e164` is in `list` (entries in any spelling, `"*"` admits everyone). Entries that are
 * not numbers at all are ignored here; the config engine reports them.
 */
export function listAllows(list: readonly string[] | undefined, e164: string | undefined): boolean {
  if (!list || list.length === 0) return false;
  for (const entry of list) {
    if (entry.trim() === '*') return true;
    if (e164 && normalizeE164(entry) === e164) return true;
  }
  return false;
}
