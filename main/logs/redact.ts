// Redaction, in two strengths:
//  - always (every log line): credentials. Keys that name a secret lose their value at any
//    depth, and secret-looking text (Bearer tokens, API keys, key material) is scrubbed from the
//    serialized line, so a secret interpolated into a message is caught too.
//  - in exported bundles, additionally: phone numbers (E.164, inside JIDs and LIDs, and
//    digit-only values of phone-ish keys) and message text become keyed hashes, so lines still
//    correlate (same number -> same token) without revealing who said what.
//
// Convention for the rest of the app: put message text in a `text`/`body`/`caption`/`quoted`
// field, never into `msg`, so bundles can hide it.
import { createHmac, randomBytes } from 'node:crypto';

/** Keys whose values are credentials wherever they appear (case-insensitive, match at the end). */
const SECRET_KEY = /(?:api[_-]?key|apikey|token|secret|password|passwd|passphrase|authorization|cookie|credentials?|private[_-]?key|privkey|noise[_-]?key|identity[_-]?key|signed[_-]?pre[_-]?key|adv[_-]?secret[_-]?key|enc[_-]?key|mac[_-]?key|media[_-]?key|session[_-]?key|pairing[_-]?code)$|^(?:creds|private|qr|qrdataurl)$/i;

/** Top-level keys for pino's own `redact`: it covers child-logger bindings, which bypass formatters.log. */
export const SECRET_BINDING_KEYS = ['apiKey', 'api_key', 'token', 'accessToken', 'refreshToken', 'secret', 'password', 'authorization', 'cookie', 'creds', 'credentials', 'noiseKey', 'signedIdentityKey', 'signedPreKey', 'privKey', 'private', 'advSecretKey', 'mediaKey', 'pairingCode', 'qr'];

export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

type Replacer = string | ((match: string, ...groups: string[]) => string);

// No pattern may consume a quote or backslash: the scrubber also runs over serialized JSON
// lines and must leave them parseable.
const SECRET_TEXT: Array<[RegExp, Replacer]> = [
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, 'Bearer [redacted]'],
  [/\bBasic\s+([A-Za-z0-9+/]{12,}={0,2})/g, (m, v: string) => (/[\d+/=]/.test(v) ? 'Basic [redacted]' : m)],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted jwt]'],
  [/\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}|\b(?:ghp|gho|ghu|ghs|github_pat)_[A-Za-z0-9_]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{30,}/g, '[redacted key]'],
  // user:password@ in URLs
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/"'\\]+):([^\s@/"'\\]+)@/gi, '$1$2:[redacted]@'],
  // ?token=... &api_key=...
  [/([?&](?:access_token|token|api[_-]?key|apikey|key|secret|sig|signature|password|auth)=)[^&\s"'\\#]+/gi, '$1[redacted]'],
  // free text "password: hunter2", "apiKey=abc"
  [/\b((?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|secret|password|passwd)\b)(\s*[=:]\s*)(?!\[redacted)([^\s"',;}\\]{4,})/gi, '$1$2[redacted]'],
  // base64 key material (32-byte keys are 44 chars). Mixed case and digits, and few slashes,
  // so words, hex digests and file paths are left alone.
  [/(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])/g, (m) => {
    const slashes = m.split('/').length - 1;
    return /[A-Z]/.test(m) && /[a-z]/.test(m) && /\d/.test(m) && slashes <= m.length / 16 ? '[redacted base64]' : m;
  }],
];

/** Removes secret-looking text from a string (safe to run over a serialized JSON line). */
export function scrubSecretsInText(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRET_TEXT) out = out.replace(re, replacement as string);
  return out;
}

export interface WalkRules {
  /** A replacement for the value under `key`, or undefined to keep walking into it. */
  byKey?(key: string, value: unknown): unknown;
  /** Rewrites every string value. */
  string?(s: string): string;
  /** Rewrites object keys (e.g. maps keyed by JID). */
  key?(k: string): string;
}

const MAX_DEPTH = 10;
const MAX_ARRAY = 500;
const MAX_STRING = 64 * 1024;

/**
 * A JSON-safe copy of `value` with the rules applied; the input is never mutated (Baileys
 * objects are logged by reference). Bytes become `[bytes N]`, errors plain objects, cycles
 * and very deep or long structures are cut with a marker.
 */
export function sanitize(value: unknown, rules: WalkRules, key?: string, depth = 0, seen = new WeakSet<object>()): unknown {
  if (key !== undefined && rules.byKey) {
    const replaced = rules.byKey(key, value);
    if (replaced !== undefined) return replaced;
  }
  switch (typeof value) {
    case 'string': {
      const s = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[+${value.length - MAX_STRING} chars]` : value;
      return rules.string ? rules.string(s) : s;
    }
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ArrayBuffer.isView(obj)) return `[bytes ${obj.byteLength}]`;
  if (obj instanceof ArrayBuffer) return `[bytes ${obj.byteLength}]`;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (seen.has(obj)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(obj);
  try {
    const next = (k: string | undefined, v: unknown) => sanitize(v, rules, k, depth + 1, seen);
    if (Array.isArray(obj)) {
      const out = obj.slice(0, MAX_ARRAY).map((v) => next(key, v)); // items inherit the array's key (allowFrom: [...])
      if (obj.length > MAX_ARRAY) out.push(`[+${obj.length - MAX_ARRAY} more]`);
      return out;
    }
    if (obj instanceof Error) {
      const e = obj as Error & { code?: unknown; cause?: unknown; errors?: unknown };
      const out: Record<string, unknown> = { type: e.name || e.constructor?.name || 'Error', message: next(undefined, e.message) };
      if (e.stack) out.stack = next(undefined, e.stack);
      for (const [k, v] of Object.entries(e)) if (!(k in out)) out[rules.key ? rules.key(k) : k] = next(k, v);
      if (e.cause !== undefined && !('cause' in out)) out.cause = next('cause', e.cause);
      if (Array.isArray(e.errors) && !('errors' in out)) out.errors = next('errors', e.errors);
      return out;
    }
    if (obj instanceof Map) return next(key, Object.fromEntries([...obj.entries()].map(([k, v]) => [String(k), v])));
    if (obj instanceof Set) return next(key, [...obj]);
    const withJson = obj as { toJSON?: () => unknown };
    if (typeof withJson.toJSON === 'function') return next(key, withJson.toJSON());
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const s = next(k, v);
      if (s !== undefined) out[rules.key ? rules.key(k) : k] = s;
    }
    return out;
  } finally {
    seen.delete(obj); // the same object twice side by side is not a cycle
  }
}

const secretRules: WalkRules = {
  byKey: (k, v) => (v !== null && v !== undefined && isSecretKey(k) ? REDACTED : undefined),
};

/** Copy of a log object with credential-named keys blanked at any depth. */
export function redactSecrets(value: unknown): unknown {
  return sanitize(value, secretRules);
}

// ---- bundle redaction: phone numbers and message text ---------------------------------------

const JID = /(?<![\w.+-])(\d{5,20}(?:-\d{5,20})?)(?:_\d{1,4})?(:\d{1,4})?@(s\.whatsapp\.net|c\.us|lid|hosted\.lid|hosted|g\.us|broadcast|newsletter)\b/g;
// Compact +14155551234, or grouped +1 (415) 555-1234; the callback keeps only 7-15 digits.
const E164 = /(?<![\w+])\+(?:\d{7,15}(?!\d)|\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?!\d))/g;
const TEXT_KEYS = new Set(['text', 'body', 'caption', 'quoted', 'quotedtext', 'conversation', 'content', 'reply', 'prompt']);
const NAME_KEYS = new Set(['pushname', 'notify', 'verifiedname', 'verifiedbizname', 'sendername', 'contactname', 'displayname']);
const TORN_TEXT_FIELD = /"(text|body|caption|quoted|quotedText|conversation|content|reply|prompt|pushName|notify|verifiedName)"\s*:\s*"(?:[^"\\]|\\.)*(?:"|$)/gi;
const PHONE_KEY = /^(?:phone|phonenumber|number|e164|msisdn|from|to|sender|recipient|participant|jid|lid|remotejid|chatid|peer|owner|author|user|allowfrom|groupallowfrom|selfe164|selfnumber)$|(?:jid|lid|e164|phone|number)$/i;
const PHONE_VALUE = /^\+?\d{7,15}$/;
/** Pairing codes look like ABCD-EFGH; errno-style codes (ECONNRESET) and numbers stay. */
const PAIRING_CODE = /^[A-Z0-9]{4}-?[A-Z0-9]{4}$/;

export interface BundleRedactor {
  /** `+1…#a1b2c3d4` for a number given as digits (with or without +). */
  phone(digits: string, withPlus?: boolean): string;
  /** Secrets and phone numbers scrubbed from free text (keeps the text itself). */
  scrubText(text: string): string;
  /** `[text #hash len=N]`: hides message text but keeps equal texts equal. */
  messageText(text: string): string;
  /** Any JSON value: secrets, phones, message text and contact names redacted. */
  redactValue(value: unknown): unknown;
  /** One log line (JSON or plain text), redacted, without newline. */
  redactLogLine(line: string): string;
}

/**
 * A redactor with its own random salt: tokens correlate within one bundle and cannot be
 * matched across bundles or brute-forced from the short hash without the salt. `homeDir`
 * (when given) is replaced by ~ in all text.
 */
export function createBundleRedactor(options: { salt?: Buffer; homeDir?: string } = {}): BundleRedactor {
  const salt = options.salt ?? randomBytes(32);
  const home = options.homeDir && options.homeDir.length > 1 ? options.homeDir : undefined;
  const hash = (kind: string, s: string) => createHmac('sha256', salt).update(kind).update('\0').update(s).digest('hex').slice(0, 8);
  const phone = (digits: string, withPlus = true) => `${withPlus ? '+' : ''}${digits[0] ?? ''}…#${hash('p', digits)}`;

  const scrubPhones = (text: string): string =>
    text
      .replace(JID, (_m, user: string, device: string | undefined, server: string) => {
        const isPhone = server === 's.whatsapp.net' || server === 'c.us';
        // A phone JID keeps its first digit like the E.164 form; group, LID and other ids do not.
        const token = isPhone ? phone(user, false) : `…#${hash('p', user.replace(/\D/g, ''))}`;
        return `${token}${device ?? ''}@${server}`;
      })
      .replace(E164, (m) => {
        const digits = m.replace(/\D/g, '');
        return digits.length >= 7 && digits.length <= 15 ? phone(digits) : m;
      });

  // The home directory names the user (/Users/jane); paths keep their shape as ~/...
  const scrubHome = (text: string) => (home ? text.split(home).join('~') : text);
  const scrubText = (text: string) => scrubPhones(scrubSecretsInText(scrubHome(text)));
  const messageText = (text: string) => `[text #${hash('t', text)} len=${text.length}]`;

  const rules: WalkRules = {
    byKey(key, value) {
      if (value === null || value === undefined) return undefined;
      if (isSecretKey(key)) return REDACTED;
      const k = key.toLowerCase();
      if (k === 'code' && typeof value === 'string' && PAIRING_CODE.test(value)) return REDACTED;
      if (TEXT_KEYS.has(k) && typeof value === 'string') return messageText(value);
      if (NAME_KEYS.has(k) && typeof value === 'string') return `[name #${hash('n', value)}]`;
      if (PHONE_KEY.test(key)) {
        if (typeof value === 'string' && PHONE_VALUE.test(value)) return phone(value.replace(/^\+/, ''), value.startsWith('+'));
        if (typeof value === 'number' && Number.isInteger(value) && PHONE_VALUE.test(String(value))) return phone(String(value), false);
      }
      return undefined;
    },
    string: scrubText,
    key: scrubPhones,
  };

  const redactValue = (value: unknown) => sanitize(value, rules);

  return {
    phone,
    scrubText,
    messageText,
    redactValue,
    redactLogLine(line) {
      if (line.startsWith('{')) {
        try {
          const parsed = JSON.parse(line) as unknown;
          if (parsed && typeof parsed === 'object') return JSON.stringify(redactValue(parsed));
        } catch {
          // not JSON after all: scrub as text
        }
      }
      // A torn JSON line (crash mid-write, cut by a size budget) can still carry message text.
      return scrubText(line.startsWith('{') ? line.replace(TORN_TEXT_FIELD, (_m, key: string) => `"${key}":"[text hidden]"`) : line);
    },
  };
}
