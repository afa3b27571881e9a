// Words a person knows, from the status model and timestamps. Pure functions (no DOM), so they
// are tested under Node and the window, tray and tests all agree on the wording.
import type { AccountStatus, FixAction, LinkingStall } from '../main/connection/status.ts';
import type { GatewaySummary } from '../main/control/contract.ts';

export type Tone = 'ok' | 'busy' | 'warn' | 'bad' | 'off';

export interface AccountWords {
  /** Short status, e.g. "Connected", "Reconnecting in 12 s". */
  title: string;
  tone: Tone;
  /** One sentence on what is going on (the status model's cause when it has one). */
  cause?: string;
  nextStep?: string;
}

/** Whole seconds until `at`, never negative. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** "45 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  // Past ten minutes, seconds are noise.
  if (m >= 10 && m < 60) return `${Math.round(s / 60)} min`;
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const hrs = Math.floor(m / 60);
  return m % 60 ? `${hrs} h ${m % 60} min` : `${hrs} h`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(at: number, now: number): string {
  const s = Math.round((now - at) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hrs = Math.round(m / 60);
  if (hrs < 24) return `${hrs} h ago`;
  const days = Math.round(hrs / 24);
  return days === 1 ? 'yesterday' : `${days} days ago`;
}

/** "in 55 min", "in 20 s", "now". */
export function formatIn(at: number, now: number): string {
  const s = secondsUntil(at, now);
  return s === 0 ? 'now' : `in ${formatDuration(s)}`;
}

export function accountLabel(a: AccountStatus): string {
  if (a.name) return a.name;
  return a.accountId === 'default' ? 'WhatsApp' : `WhatsApp (${a.accountId})`;
}

export function describeAccount(a: AccountStatus, now: number): AccountWords {
  const base = { cause: a.cause, nextStep: a.nextStep };
  switch (a.state) {
    case 'connected':
      return { title: 'Connected', tone: 'ok', ...base };
    case 'connecting':
      return { title: 'Connecting…', tone: 'busy', ...base };
    case 'linking':
      return { title: a.linking?.scanned ? 'Finishing the link…' : 'Waiting for your phone', tone: 'busy', ...base };
    case 'reconnecting': {
      const title = a.nextRetryAt && a.nextRetryAt > now ? `Reconnecting in ${formatDuration(secondsUntil(a.nextRetryAt, now))}` : 'Reconnecting now…';
      return { title, tone: 'warn', ...base };
    }
    case 'not-linked':
      return { title: 'Not linked', tone: 'off', cause: a.cause ?? 'This computer is not linked to a WhatsApp account yet.', nextStep: a.nextStep ?? 'Link it with a QR code or your phone number.' };
    case 'logged-out':
      return { title: 'Logged out', tone: 'bad', cause: a.cause ?? 'WhatsApp ended this link (it was removed on the phone, or WhatsApp logged it out).', nextStep: a.nextStep ?? 'Link again to continue.' };
    case 'conflict':
      return { title: 'In use somewhere else', tone: 'bad', cause: a.cause ?? 'Another program is using this WhatsApp link at the same time, so WhatsApp disconnected this one.', nextStep: a.nextStep ?? 'Close the other program, or use the link here instead.' };
    case 'stopped':
      return { title: 'Stopped', tone: 'off', ...base };
  }
}

/** The one button that fixes the current problem. */
export const FIX_LABELS: Record<FixAction, string> = {
  link: 'Link WhatsApp',
  relink: 'Link again',
  start: 'Start Clawline',
  restart: 'Restart the connection',
  'reconnect-now': 'Reconnect now',
  'open-doctor': 'Find the problem',
  'take-over': 'Use it here instead',
};

/** What each linking stall needs from the person, when the gateway gave no words of its own. */
export const STALL_WORDS: Record<LinkingStall, { title: string; cause: string; nextStep: string; action?: 'new-qr' | 'new-code' | 'use-code' | 'use-qr' }> = {
  'passkey-required': {
    title: 'Your phone is asking for a passkey',
    cause: 'WhatsApp wants you to confirm this link with your passkey (fingerprint, face or screen lock) on the phone.',
    nextStep: 'Look at your phone and confirm the prompt there. If nothing appears, link with your phone number instead.',
    action: 'use-code',
  },
  'cannot-link-now': {
    title: 'WhatsApp says it can’t link new devices right now',
    cause: 'WhatsApp is temporarily refusing new linked devices for this number (this happens after many attempts).',
    nextStep: 'Wait a few hours, then try again. Nothing is wrong with this computer.',
  },
  'qr-expired': {
    title: 'The QR code expired',
    cause: 'Nobody scanned the code in time, so WhatsApp stopped offering new ones.',
    nextStep: 'Get a new QR code and scan it within a minute.',
    action: 'new-qr',
  },
  'code-expired': {
    title: 'The code expired',
    cause: 'The 8-character code was not typed on the phone in time.',
    nextStep: 'Get a new code and type it on your phone within a few minutes.',
    action: 'new-code',
  },
  'phone-offline-or-clock': {
    title: 'Your phone isn’t answering',
    cause: 'The phone seems to be offline, or its date and time are wrong.',
    nextStep: 'Make sure the phone has internet and the right time, then try again.',
    action: 'new-qr',
  },
  'code-rejected': {
    title: 'The phone did not accept the code',
    cause: 'WhatsApp on the phone rejected the code (it may have been mistyped or already used).',
    nextStep: 'Get a new code and type it carefully, or use the QR code instead.',
    action: 'new-code',
  },
};

export interface PhoneCheck {
  /** Normalized +E164, when the input is a valid number. */
  e164?: string;
  /** Why it is not valid (for the inline error), when it is not. */
  problem?: string;
}

/**
 * OpenClaw's normalization (strip a `whatsapp:` prefix, keep digits and `+`, force a leading `+`)
 * plus an E.164 check: 7 to 15 digits, no leading zero. `00` international prefixes become `+`.
 */
export function checkPhone(input: string): PhoneCheck {
  let s = input.trim();
  if (!s) return { problem: 'Type a phone number with its country code, like +44 7700 900123.' };
  s = s.replace(/^whatsapp:/i, '');
  if (/[a-z]/i.test(s)) return { problem: 'A phone number has only digits (and a + at the start).' };
  let digits = s.replace(/[^\d+]/g, '');
  if (digits.startsWith('00')) digits = '+' + digits.slice(2);
  if (digits.lastIndexOf('+') > 0) return { problem: 'The + can only be at the start.' };
  digits = digits.replace(/^\+/, '');
  if (!digits) return { problem: 'Type a phone number with its country code, like +44 7700 900123.' };
  if (digits.startsWith('0')) return { problem: 'Start with the country code (for example +44 or +1), not with 0.' };
  if (digits.length < 7) return { problem: `That is too short for a phone number with country code (${digits.length} digits).` };
  if (digits.length > 15) return { problem: `That is too long: phone numbers have at most 15 digits (this has ${digits.length}).` };
  return { e164: `+${digits}` };
}

/** An allowlist entry: a number, or `*` for everyone. */
export function checkAllowEntry(input: string): PhoneCheck {
  if (input.trim() === '*') return { e164: '*' };
  return checkPhone(input);
}

/** Pairing codes are shown in two groups of four so they are easy to read out. */
export function formatCode(code: string): string {
  const c = code.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return c.length === 8 ? `${c.slice(0, 4)}-${c.slice(4)}` : code;
}

/** Summary line for the header and the tray: worst account first. */
export function overallWords(summary: GatewaySummary | undefined, now: number): { title: string; tone: Tone } {
  if (!summary) return { title: 'Connecting to Clawline…', tone: 'busy' };
  if (!summary.running) return { title: 'Clawline is stopped', tone: 'off' };
  if (summary.accounts.length === 0) return { title: 'No WhatsApp account set up', tone: 'off' };
  const order: Tone[] = ['bad', 'warn', 'off', 'busy', 'ok'];
  const words = summary.accounts.map((a) => describeAccount(a, now));
  words.sort((x, y) => order.indexOf(x.tone) - order.indexOf(y.tone));
  return { title: words[0]!.title, tone: words[0]!.tone };
}

/** Finding paths come as `a.b[0]` or `a.b.0`; both become `a.b.0`. */
export function normalizeFindingPath(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}
