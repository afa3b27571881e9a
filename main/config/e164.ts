// Phone numbers as OpenClaw writes them: "+<country><number>". Everything that compares a
// sender with an allowlist goes through this one function, so "+1 (415) 555-1234",
// "whatsapp:+14155551234" and "14155551234@s.whatsapp.net" all mean the same person.

export type E164Result =
  | { ok: true; e164: string }
  | { ok: false; normalized: string; reason: string };

/** E.164: a plus, then 7 to 15 digits, the first not 0. */
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Strips a `whatsapp:`-style prefix, keeps digits and `+`, forces one leading `+`.
 * A user JID (`digits[:device]@s.whatsapp.net`) maps to `+digits`; group and LID ids are refused
 * because they are not phone numbers.
 */
export function normalizeE164(input: string): E164Result {
  let s = String(input).trim();
  const at = s.indexOf('@');
  if (at >= 0) {
    const server = s.slice(at + 1).toLowerCase();
    const user = s.slice(0, at).split(':')[0] ?? '';
    if (server === 'lid') return { ok: false, normalized: s, reason: 'is a WhatsApp LID (a hidden id), not a phone number' };
    if (server === 'g.us') return { ok: false, normalized: s, reason: 'is a group id, not a phone number' };
    s = user;
  }
  s = s.replace(/^[a-z][a-z0-9+.-]*:/i, '');
  const digits = s.replace(/\D/g, '');
  const normalized = `+${digits}`;
  if (E164.test(normalized)) return { ok: true, e164: normalized };
  let reason: string;
  if (digits.length === 0) reason = 'contains no digits';
  else if (digits.startsWith('0')) reason = 'starts with 0 after the "+": write the country code without a leading 00 or 0 (e.g. +44..., not 0044... or 07...)';
  else if (digits.length < 7) reason = `has ${digits.length} digits; a full international number has 7 to 15`;
  else reason = `has ${digits.length} digits; E.164 allows at most 15`;
  return { ok: false, normalized, reason };
}

/** True for `"*"` (anyone) or a valid E.164 number after normalization. */
export function isAllowEntry(entry: string): boolean {
  return entry === '*' || normalizeE164(entry).ok;
}
