// Findings for a parsed openclaw.json: each names the key path, line and column, what is wrong
// and how to fix it. Schema problems come from zod and are mapped back to CST positions;
// the rules zod cannot express (policy combinations, phone numbers, duplicates) are checked here.
import type { Finding } from '../control/contract.ts';
import { normalizeE164 } from './e164.ts';
import { formatKeyPath, type KeyPath } from './key-path.ts';
import type { ParsedDocument, PathIndex, Position } from './document.ts';
import { closest } from './suggest.ts';
import {
  ACCOUNT_ID, DEFAULT_ACCOUNT_ID, DEFAULTS, OPENCLAW_ONLY_WHATSAPP_KEYS,
  describeAt, isStrictArea, knownKeysAt, rootSchema,
} from './schema.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

type ZodIssueLike = {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
  format?: string;
};

const GROUP_JID = /^\d+(-\d+)?@g\.us$/;

class FindingList {
  readonly items: Finding[] = [];
  constructor(private readonly index: PathIndex) {}

  add(severity: Finding['severity'], path: KeyPath, message: string, hint?: string, at?: Position): void {
    const pos = at ?? this.index.nearest(path)?.key;
    const finding: Finding = { severity, path: formatKeyPath(path), message };
    if (pos) { finding.line = pos.line; finding.column = pos.column; }
    if (hint) finding.hint = hint;
    if (!this.items.some((f) => f.path === finding.path && f.message === finding.message && f.line === finding.line)) this.items.push(finding);
  }
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isObj(cur)) cur = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[String(seg)] : undefined;
    else return undefined;
  }
  return cur;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') return 'an object';
  return typeof v;
}

const EXPECTED_WORDS: Record<string, string> = {
  boolean: 'true or false', number: 'a number', int: 'a whole number', string: 'text in quotes',
  array: 'a list [...]', object: 'an object { ... }', record: 'an object { ... }',
};

function lastKey(path: KeyPath): string {
  for (let i = path.length - 1; i >= 0; i--) if (typeof path[i] === 'string') return path[i] as string;
  return 'value';
}

function typeHint(expected: string, path: KeyPath, actual: unknown): string {
  const key = lastKey(path);
  const inNumberList = path.some((p) => p === 'allowFrom' || p === 'groupAllowFrom');
  switch (expected) {
    case 'boolean': return `Write ${key}: true or ${key}: false, without quotes.`;
    case 'int':
    case 'number': return `Write a number without quotes, e.g. ${key}: ${typeof actual === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(actual) ? actual.trim() : '100'}.`;
    case 'string':
      return inNumberList && typeof actual === 'number'
        ? `Phone numbers are text: write "+${String(actual).replace(/^\+/, '')}" with quotes (JSON5 reads +1415... without quotes as a number).`
        : `Put the value in quotes, e.g. ${key}: "${typeof actual === 'number' || typeof actual === 'boolean' ? String(actual) : '...'}".`;
    case 'array': return inNumberList || key === 'allowFrom' || key === 'groupAllowFrom'
      ? `Write a list in square brackets, e.g. ${key}: ["+14155551234"].`
      : `Write a list in square brackets, e.g. ${key}: ["..."].`;
    default:
      if (key === 'ackReaction' && typeof actual === 'string') return `Write ackReaction: { emoji: ${JSON.stringify(actual)} }.`;
      return `Write an object in braces, e.g. ${key}: { ... }.`;
  }
}

function mapZodIssue(issue: ZodIssueLike, value: unknown, out: FindingList): void {
  const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const actual = valueAt(value, path);
  const about = describeAt(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      for (const key of issue.keys ?? []) unknownKey([...path, key], out);
      return;
    }
    case 'invalid_type': {
      const expected = issue.expected ?? 'value';
      if (actual === undefined) return;
      out.add('error', path, `must be ${EXPECTED_WORDS[expected] ?? expected}, not ${describeValue(actual)}${about ? ` (${about})` : ''}`, typeHint(expected, path, actual));
      return;
    }
    case 'invalid_value': {
      const values = (issue.values ?? []).map(String);
      const guess = typeof actual === 'string' ? closest(actual, values) : undefined;
      out.add('error', path,
        `${describeValue(actual)} is not a valid choice${guess ? `; did you mean "${guess}"?` : ''}`,
        `Use one of: ${values.map((v) => `"${v}"`).join(', ')}${about ? ` (${about})` : ''}.`);
      return;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(small ? issue.minimum : issue.maximum);
      if (issue.origin === 'string') {
        out.add('error', path, 'must not be empty', `Give ${lastKey(path)} a value, or remove the key to use the default.`);
        return;
      }
      const word = small ? (issue.inclusive === false ? 'greater than' : 'at least') : (issue.inclusive === false ? 'less than' : 'at most');
      out.add('error', path, `${describeValue(actual)} is too ${small ? 'small' : 'large'}: it must be ${word} ${bound}`, `Set ${lastKey(path)} to a number ${word} ${bound}${about ? ` (${about})` : ''}.`);
      return;
    }
    case 'invalid_format': {
      if (issue.format === 'url') {
        out.add('error', path, `${describeValue(actual)} is not an http:// or https:// address`, `Write the full address, e.g. ${lastKey(path)}: "https://example.com/hook".`);
        return;
      }
      out.add('error', path, issue.message);
      return;
    }
    default:
      out.add('error', path, issue.message);
  }
}

/** Known key names anywhere in the areas we describe, to say "this belongs under X". */
const HOME_OF: Record<string, string> = {
  requireMention: 'channels.whatsapp.groups["<group id or *>"]',
  reconnect: 'web',
  heartbeatSeconds: 'web',
  initialMs: 'web.reconnect', maxMs: 'web.reconnect', factor: 'web.reconnect', jitter: 'web.reconnect', maxAttempts: 'web.reconnect',
  emoji: 'channels.whatsapp.ackReaction', direct: 'channels.whatsapp.ackReaction',
  agent: 'clawline', mentionPatterns: 'clawline', catchUpWindowSeconds: 'clawline', pacing: 'clawline', control: 'clawline',
  dmPolicy: 'channels.whatsapp', allowFrom: 'channels.whatsapp', groupPolicy: 'channels.whatsapp', groups: 'channels.whatsapp',
  groupAllowFrom: 'channels.whatsapp', sendReadReceipts: 'channels.whatsapp', ackReaction: 'channels.whatsapp',
  textChunkLimit: 'channels.whatsapp', chunkMode: 'channels.whatsapp', mediaMaxMb: 'channels.whatsapp', selfChatMode: 'channels.whatsapp',
  accounts: 'channels.whatsapp', defaultAccount: 'channels.whatsapp',
  model: 'clawline.agent.openai', baseUrl: 'clawline.agent.openai', apiKey: 'clawline.agent.openai', systemPrompt: 'clawline.agent.openai',
  historyTurns: 'clawline.agent.openai', url: 'clawline.agent.webhook', secret: 'clawline.agent.webhook', command: 'clawline.agent.command',
  args: 'clawline.agent.command', autoReply: 'clawline.agent.builtin', minIntervalMs: 'clawline.pacing', port: 'clawline.control',
};

function unknownKey(path: KeyPath, out: FindingList): void {
  const key = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  const known = knownKeysAt(parent) ?? [];
  const ours = known.filter((k) => !(OPENCLAW_ONLY_WHATSAPP_KEYS as readonly string[]).includes(k));
  const guess = closest(key, known);
  const home = HOME_OF[key];
  const where = formatKeyPath(parent);
  let hint: string;
  if (guess) hint = `Did you mean "${guess}"? Rename the key to ${guess}.`;
  else if (home && home !== where) hint = `"${key}" belongs under ${home}; move it there.`;
  else hint = `Remove it, or use one of: ${ours.join(', ')}.`;
  out.add('warning', path, `unknown key "${key}" in ${where}; Clawline ignores it${guess ? ` (did you mean "${guess}"?)` : ''}`, hint);
}

function checkNumbers(list: unknown, path: KeyPath, out: FindingList): void {
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    if (typeof entry !== 'string' || entry.trim() === '*') return;
    const r = normalizeE164(entry);
    if (!r.ok) {
      const isGroup = /@g\.us$/i.test(entry.trim());
      out.add('error', [...path, i],
        r.normalized.startsWith('+')
          ? `${JSON.stringify(entry)} is not a valid phone number: after normalization it is ${JSON.stringify(r.normalized)}, which ${r.reason}`
          : `${JSON.stringify(entry)} is not a valid phone number: it ${r.reason}`,
        isGroup
          ? `List people here ("+14155551234"); put group ids under ${formatKeyPath([...path.slice(0, -1), 'groups'])} instead.`
          : 'Write numbers in international E.164 form: "+", country code, number, e.g. "+14155551234" (or "*" for anyone).');
    }
  });
}

/** dmPolicy/allowFrom combinations OpenClaw refuses, for the channel and each account that overrides them. */
function checkPolicies(channel: Obj, out: FindingList): void {
  const scopes: { base: KeyPath; own: Obj; label: string }[] = [{ base: ['channels', 'whatsapp'], own: {}, label: '' }];
  if (isObj(channel.accounts)) {
    for (const [id, acc] of Object.entries(channel.accounts)) {
      if (isObj(acc) && (acc.dmPolicy !== undefined || acc.allowFrom !== undefined)) {
        scopes.push({ base: ['channels', 'whatsapp', 'accounts', id], own: acc, label: ` for account "${id}"` });
      }
    }
  }
  for (const scope of scopes) {
    const policySource: KeyPath = scope.own.dmPolicy !== undefined ? [...scope.base, 'dmPolicy'] : ['channels', 'whatsapp', 'dmPolicy'];
    const allowSource: KeyPath = scope.own.allowFrom !== undefined ? [...scope.base, 'allowFrom'] : ['channels', 'whatsapp', 'allowFrom'];
    const policy = scope.own.dmPolicy ?? channel.dmPolicy ?? DEFAULTS.whatsapp.dmPolicy;
    const allow = scope.own.allowFrom ?? channel.allowFrom;
    if (allow !== undefined && !Array.isArray(allow)) continue;
    const entries = (allow ?? []) as unknown[];
    if (policy === 'open' && !entries.includes('*')) {
      out.add('error', policySource,
        `dmPolicy "open"${scope.label} lets anyone DM your agent, which needs "*" in ${formatKeyPath(allowSource)} to confirm it`,
        `Add "*" to allowFrom (clawline config set ${formatKeyPath(allowSource)} '["*"]'), or use dmPolicy "pairing" or "allowlist".`);
    }
    if (policy === 'allowlist' && entries.filter((e) => typeof e === 'string' && e.trim() !== '').length === 0) {
      out.add('error', policySource,
        `dmPolicy "allowlist"${scope.label} has no numbers in ${formatKeyPath(allowSource)}, so nobody could DM your agent`,
        `Add at least one number (clawline config set ${formatKeyPath(allowSource)} '["+14155551234"]'), or use dmPolicy "pairing".`);
    }
  }
}

function checkRegexList(list: unknown, path: KeyPath, out: FindingList): void {
  if (!Array.isArray(list)) return;
  list.forEach((pattern, i) => {
    if (typeof pattern !== 'string') return;
    try { new RegExp(pattern, 'i'); } catch (err) {
      out.add('error', [...path, i], `${JSON.stringify(pattern)} is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: (\/.*\/\w*: )?/, '')})`,
        'Escape special characters with a backslash (in JSON5 strings write \\\\ for one backslash), e.g. "@?clawd\\\\b".');
    }
  });
}

function checkWhatsApp(channel: Obj, out: FindingList): void {
  const base: KeyPath = ['channels', 'whatsapp'];
  const scopes: [KeyPath, Obj][] = [[base, channel]];
  const accounts = isObj(channel.accounts) ? channel.accounts : undefined;
  if (accounts) {
    for (const [id, acc] of Object.entries(accounts)) {
      if (!ACCOUNT_ID.test(id)) {
        out.add('error', [...base, 'accounts', id], `account id ${JSON.stringify(id)} is not allowed: ids are 1-64 letters, digits, _ or -`,
          'Rename the account, e.g. "work" or "personal-2" (the id names its folder under credentials/whatsapp/).');
      }
      if (isObj(acc)) scopes.push([[...base, 'accounts', id], acc]);
    }
  }
  for (const [path, scope] of scopes) {
    checkNumbers(scope.allowFrom, [...path, 'allowFrom'], out);
    checkNumbers(scope.groupAllowFrom, [...path, 'groupAllowFrom'], out);
    if (isObj(scope.groups)) {
      for (const jid of Object.keys(scope.groups)) {
        if (jid !== '*' && !GROUP_JID.test(jid)) {
          out.add('warning', [...path, 'groups', jid], `${JSON.stringify(jid)} does not look like a WhatsApp group id, so it will never match a group`,
            'Group ids look like "120363012345678901@g.us"; use "*" for every group.');
        }
      }
    }
    for (const key of OPENCLAW_ONLY_WHATSAPP_KEYS) {
      if (scope[key] !== undefined) {
        out.add('info', [...path, key], `"${key}" is an OpenClaw setting that Clawline does not use; it is kept as is`);
      }
    }
  }
  checkPolicies(channel, out);
  const wanted = channel.defaultAccount;
  if (typeof wanted === 'string') {
    const ids = accounts ? Object.keys(accounts) : [DEFAULT_ACCOUNT_ID];
    if (!ids.includes(wanted)) {
      const guess = closest(wanted, ids);
      out.add('error', [...base, 'defaultAccount'], `defaultAccount ${JSON.stringify(wanted)} is not one of the configured accounts (${ids.join(', ')})`,
        guess ? `Did you mean "${guess}"?` : `Set it to one of: ${ids.map((i) => `"${i}"`).join(', ')}.`);
    }
  }
}

function checkAgent(claw: Obj, out: FindingList): void {
  const agent = isObj(claw.agent) ? claw.agent : undefined;
  if (!agent) return;
  const section = (k: string): Obj => (isObj(agent[k]) ? (agent[k] as Obj) : {});
  const need = (kind: string, key: string, example: string): void => {
    const value = section(kind)[key];
    if (value === undefined) {
      out.add('error', ['clawline', 'agent', kind, key], `the "${kind}" agent needs clawline.agent.${kind}.${key}`,
        `Set it: clawline config set clawline.agent.${kind}.${key} ${example}`);
    }
  };
  if (agent.kind === 'openai') need('openai', 'model', '"gpt-4o-mini"');
  if (agent.kind === 'webhook') need('webhook', 'url', '"https://example.com/hook"');
  if (agent.kind === 'command') need('command', 'command', '"/usr/local/bin/my-agent"');
}

function checkWeb(web: Obj, out: FindingList): void {
  const r = isObj(web.reconnect) ? web.reconnect : undefined;
  if (r && typeof r.initialMs === 'number' && typeof r.maxMs === 'number' && r.maxMs < r.initialMs) {
    out.add('warning', ['web', 'reconnect', 'maxMs'], `maxMs (${r.maxMs}) is below initialMs (${r.initialMs}), so every retry waits maxMs`,
      'Make maxMs at least as large as initialMs.');
  }
}

/** Typos of the keys we own at the top level, which would otherwise be silent (OpenClaw's keys are not judged). */
function checkNearMisses(root: Obj, out: FindingList): void {
  for (const key of Object.keys(root)) {
    if (key === 'clawline' || key === 'channels') continue;
    const guess = closest(key, ['clawline', 'channels']);
    if (guess && !Object.prototype.hasOwnProperty.call(root, guess)) {
      out.add('warning', [key], `top-level key "${key}" looks like a typo of "${guess}"; its settings are ignored`, `Rename it to ${guess}.`);
    }
  }
  const channels = root.channels;
  if (isObj(channels) && channels.whatsapp === undefined) {
    for (const key of Object.keys(channels)) {
      if (closest(key, ['whatsapp']) === 'whatsapp') {
        out.add('warning', ['channels', key], `"channels.${key}" looks like a typo of "channels.whatsapp"; its settings are ignored`, 'Rename it to whatsapp.');
      }
    }
  }
}

const SEVERITY_ORDER: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };

/** Every finding for a parsed document, in file order. */
export function validateDocument(doc: ParsedDocument): Finding[] {
  if (!doc.ok) {
    return [{ severity: 'error', path: '', line: doc.syntax.line, column: doc.syntax.column, message: `JSON5 syntax error: ${doc.syntax.message}`, hint: doc.syntax.hint }];
  }
  const out = new FindingList(doc.index);
  const value = doc.value;
  if (!isObj(value)) {
    out.add('error', [], `the top level must be an object { ... }, not ${describeValue(value)}`, 'Wrap the settings in braces: { channels: { whatsapp: { ... } } }', { line: 1, column: 1 });
    return out.items;
  }
  if ('cstError' in doc) {
    out.add('info', [], 'this file uses a JSON5 form the position-aware reader cannot follow, so findings have no line numbers and edits from Clawline are disabled',
      `Reader said: ${doc.cstError}`);
  }
  for (const dup of doc.duplicates) {
    const lines = dup.occurrences.map((o) => o.line);
    const last = dup.occurrences[dup.occurrences.length - 1]!;
    const key = String(dup.path[dup.path.length - 1]);
    out.add('warning', dup.path,
      `duplicate key "${key}" on lines ${lines.join(' and ')}: the last one (line ${last.line}, ${last.valueText}) wins and the others are ignored`,
      `Delete the copies you do not want so "${key}" appears once.`,
      { line: last.line, column: last.column });
  }
  const parsed = rootSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues as unknown as ZodIssueLike[]) {
      // Root, channels, web and messages are loose: only our areas can report unknown keys.
      if (issue.code === 'unrecognized_keys' && !isStrictArea(issue.path.map((p) => (typeof p === 'number' ? p : String(p))))) continue;
      mapZodIssue(issue, value, out);
    }
  }
  const channels = isObj(value.channels) ? value.channels : {};
  if (isObj(channels.whatsapp)) checkWhatsApp(channels.whatsapp, out);
  const claw = isObj(value.clawline) ? value.clawline : {};
  checkAgent(claw, out);
  checkRegexList(claw.mentionPatterns, ['clawline', 'mentionPatterns'], out);
  const groupChat = isObj(value.messages) && isObj(value.messages.groupChat) ? value.messages.groupChat : {};
  checkRegexList(groupChat.mentionPatterns, ['messages', 'groupChat', 'mentionPatterns'], out);
  if (isObj(value.web)) checkWeb(value.web, out);
  checkNearMisses(value, out);
  return out.items.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
