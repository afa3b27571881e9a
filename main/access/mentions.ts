// Was the agent addressed in a group message? Users miss mentions most often because the
// mention carries our LID or a `:device` suffix instead of the phone JID (failure-modes row 12),
// so every form is compared by user and server only.
import { isSelfAddress } from './identity.ts';
import { parseJid } from './phone.ts';
import type { SelfIds } from './types.ts';

export type MentionVia = 'native' | 'reply' | 'pattern' | 'number';

export interface MentionInput {
  /** Message text (including captions). */
  text: string;
  /** `contextInfo.mentionedJid` of the message. */
  mentionedJids?: readonly (string | null | undefined)[] | null;
  /** `contextInfo.participant`: author of the quoted message when this is a reply. */
  quotedParticipant?: string | null;
  /** `contextInfo.stanzaId`: id of the quoted message when this is a reply. */
  quotedStanzaId?: string | null;
  self: SelfIds;
  /** Whether a message id is one we sent (the echo guard's memory). */
  isOurMessageId?: (id: string) => boolean;
  /** Configured `mentionPatterns` (regular expressions, matched case-insensitively). */
  mentionPatterns?: readonly string[];
}

export interface MentionResult {
  mentioned: boolean;
  via?: MentionVia;
  /** Patterns that are not valid regular expressions (ignored; the caller may log them). */
  invalidPatterns?: string[];
}

// Compiled patterns by source: compiling on every group message would be wasteful, and the
// source string is the key, so a changed config still takes effect on the next message.
const patternCache = new Map<string, RegExp | null>();
function compile(source: string): RegExp | null {
  let re = patternCache.get(source);
  if (re !== undefined) return re;
  try {
    re = new RegExp(source, 'i');
  } catch {
    re = null;
  }
  if (patternCache.size > 500) patternCache.clear();
  patternCache.set(source, re);
  return re;
}

function containsNumber(text: string, digits: string): boolean {
  if (digits.length < 6) return false; // too short to be a phone number rather than chance
  // Allow the usual separators people type: "+1 (555) 123-4567", "@15551234567".
  const squashed = text.replace(/[\s\-().]/g, '');
  let from = 0;
  for (;;) {
    const i = squashed.indexOf(digits, from);
    if (i < 0) return false;
    const before = squashed[i - 1];
    const after = squashed[i + digits.length];
    if (!(before && /\d/.test(before)) && !(after && /\d/.test(after))) return true;
    from = i + 1;
  }
}

export function detectMention(input: MentionInput): MentionResult {
  const { self } = input;
  for (const jid of input.mentionedJids ?? []) {
    if (isSelfAddress(jid, self)) return { mentioned: true, via: 'native' };
  }
  if (input.quotedParticipant && isSelfAddress(input.quotedParticipant, self)) return { mentioned: true, via: 'reply' };
  if (input.quotedStanzaId && input.isOurMessageId?.(input.quotedStanzaId)) return { mentioned: true, via: 'reply' };
  const invalid: string[] = [];
  for (const source of input.mentionPatterns ?? []) {
    const re = compile(source);
    if (!re) {
      invalid.push(source);
      continue;
    }
    if (re.test(input.text)) return { mentioned: true, via: 'pattern' };
  }
  for (const jid of [self.pn, self.lid]) {
    const user = parseJid(jid)?.user;
    if (user && /^\d+$/.test(user) && containsNumber(input.text, user)) return { mentioned: true, via: 'number' };
  }
  return invalid.length ? { mentioned: false, invalidPatterns: invalid } : { mentioned: false };
}
