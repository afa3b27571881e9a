// What Clawline reads from openclaw.json, as zod schemas. The file is shared with OpenClaw:
// the root and `channels`/`web`/`messages` are loose (their other keys belong to OpenClaw and
// are kept untouched), while `channels.whatsapp` and our own `clawline` key are strict so a
// typo becomes a warning with a "did you mean" instead of a setting that silently does nothing.
import { z } from 'zod';

export const DM_POLICIES = ['pairing', 'allowlist', 'open', 'disabled'] as const;
export const GROUP_POLICIES = ['open', 'allowlist', 'disabled'] as const;
export const CHUNK_MODES = ['length', 'newline'] as const;
export const ACK_GROUP_MODES = ['always', 'mentions', 'never'] as const;
export const AGENT_KINDS = ['builtin', 'openai', 'webhook', 'command'] as const;

export type DmPolicy = (typeof DM_POLICIES)[number];
export type GroupPolicy = (typeof GROUP_POLICIES)[number];
export type ChunkMode = (typeof CHUNK_MODES)[number];
export type AckGroupMode = (typeof ACK_GROUP_MODES)[number];
export type AgentKind = (typeof AGENT_KINDS)[number];

/** Account ids become folder names under credentials/whatsapp/, so they stay path-safe. */
export const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_ACCOUNT_ID = 'default';
/** Near OpenClaw's gateway (18789) but outside the ports its gateway family uses (18789-18793). */
export const DEFAULT_CONTROL_PORT = 18781;

/** Defaults, from OpenClaw's behaviour (see the reference) and our own choices for `clawline.*`. */
export const DEFAULTS = {
  whatsapp: {
    enabled: true,
    dmPolicy: 'pairing' as DmPolicy,
    groupPolicy: 'allowlist' as GroupPolicy,
    sendReadReceipts: true,
    textChunkLimit: 4000,
    chunkMode: 'length' as ChunkMode,
    mediaMaxMb: 50,
    selfChatMode: false,
    ackReaction: { emoji: '', direct: true, group: 'mentions' as AckGroupMode },
    requireMention: true,
  },
  web: {
    enabled: true,
    heartbeatSeconds: 60,
    reconnect: { initialMs: 2000, maxMs: 30000, factor: 1.8, jitter: 0.25, maxAttempts: 12 },
  },
  clawline: {
    /** Only the kind: each agent's own defaults (base URL, timeouts, auto-reply text) live in main/agents. */
    agent: { kind: 'builtin' as AgentKind },
    control: { port: DEFAULT_CONTROL_PORT },
    /** Catch-up (offline) messages older than this are recorded but not answered. */
    catchUpWindowSeconds: 300,
    pacing: { minIntervalMs: 1000 },
  },
} as const;

/**
 * OpenClaw keys under channels.whatsapp that Clawline does not act on. They are accepted
 * (an OpenClaw user's file must check clean) and reported as information only.
 */
export const OPENCLAW_ONLY_WHATSAPP_KEYS = [
  'configWrites', 'historyLimit', 'dmHistoryLimit', 'dms', 'blockStreaming', 'blockStreamingCoalesce',
  'actions', 'debounceMs', 'markdown', 'responsePrefix', 'messagePrefix', 'reactionLevel',
  'contextVisibility', 'heartbeat', 'capabilities',
] as const;

const openclawOnly = Object.fromEntries(OPENCLAW_ONLY_WHATSAPP_KEYS.map((k) => [k, z.unknown().optional()]));

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const stringList = z.array(z.string());

const groupSettings = z.strictObject({
  requireMention: z.boolean().optional().describe('reply only when mentioned (default true)'),
});

const ackReaction = z.strictObject({
  emoji: z.string().optional().describe('reaction sent on receipt; empty = off'),
  direct: z.boolean().optional().describe('react to direct messages (default true)'),
  group: z.enum(ACK_GROUP_MODES).optional().describe('react in groups: always, mentions (default) or never'),
});

/** Keys valid both on the channel and on each account (account values win). */
const accountLevel = {
  enabled: z.boolean().optional().describe('false turns WhatsApp (or this account) off'),
  dmPolicy: z.enum(DM_POLICIES).optional().describe('who may DM the agent'),
  allowFrom: stringList.optional().describe('E.164 numbers allowed to DM; "*" = anyone'),
  groupPolicy: z.enum(GROUP_POLICIES).optional().describe('group participation'),
  groups: z.record(z.string(), groupSettings).optional().describe('group JIDs (or "*") the agent joins in'),
  groupAllowFrom: stringList.optional().describe('senders whose group messages count'),
  sendReadReceipts: z.boolean().optional().describe('blue ticks on accepted messages'),
  ackReaction: ackReaction.optional(),
  textChunkLimit: int(1).optional().describe('longest single reply message, in characters'),
  chunkMode: z.enum(CHUNK_MODES).optional().describe('how long replies are split'),
  mediaMaxMb: z.number().positive().optional().describe('largest media downloaded or sent, in MB'),
  selfChatMode: z.boolean().optional().describe('personal-number mode'),
  ...openclawOnly,
};

const accountSchema = z.strictObject({
  ...accountLevel,
  name: z.string().optional().describe('a label for this account'),
  authDir: z.string().min(1).optional().describe('where this account keeps its WhatsApp session'),
});

export const whatsappSchema = z.strictObject({
  ...accountLevel,
  accounts: z.record(z.string(), accountSchema).optional().describe('several WhatsApp numbers'),
  defaultAccount: z.string().optional().describe('account used when none is named'),
});

const reconnectSchema = z.strictObject({
  initialMs: int(1).optional(),
  maxMs: int(1).optional(),
  factor: z.number().min(1).optional(),
  jitter: z.number().min(0).max(1).optional(),
  maxAttempts: int(0).optional().describe('0 = unlimited'),
});

const webSchema = z.looseObject({
  enabled: z.boolean().optional(),
  heartbeatSeconds: int(1).optional(),
  reconnect: reconnectSchema.optional(),
});

const httpUrl = z.url({ protocol: /^https?$/ });

export const agentSchema = z.strictObject({
  kind: z.enum(AGENT_KINDS).optional().describe('which agent answers: builtin, openai, webhook or command'),
  builtin: z.strictObject({
    autoReply: z.string().optional().describe('text sent back to every accepted message; empty = no reply'),
  }).optional(),
  openai: z.strictObject({
    baseUrl: httpUrl.optional().describe('OpenAI-compatible API base, e.g. http://127.0.0.1:11434/v1'),
    model: z.string().min(1).optional(),
    apiKey: z.string().optional(),
    systemPrompt: z.string().optional(),
    timeoutMs: int(1).optional(),
    historyTurns: int(0, 200).optional().describe('earlier turns of the chat sent along'),
  }).optional(),
  webhook: z.strictObject({
    url: httpUrl.optional(),
    secret: z.string().optional().describe('HMAC key for signing requests'),
    timeoutMs: int(1).optional(),
  }).optional(),
  command: z.strictObject({
    command: z.string().min(1).optional(),
    args: stringList.optional(),
    timeoutMs: int(1).optional(),
  }).optional(),
});

export const clawlineSchema = z.strictObject({
  agent: agentSchema.optional(),
  control: z.strictObject({
    port: int(0, 65535).optional().describe('loopback port of the control server; 0 = any free port'),
  }).optional(),
  catchUpWindowSeconds: int(0, 7 * 24 * 3600).optional().describe('answer messages that arrived while offline if younger than this'),
  mentionPatterns: stringList.optional().describe('regular expressions that count as mentioning the agent in groups'),
  pacing: z.strictObject({
    minIntervalMs: int(0, 60_000).optional().describe('least time between two messages to one chat'),
  }).optional(),
});

export const rootSchema = z.looseObject({
  channels: z.looseObject({ whatsapp: whatsappSchema.optional() }).optional(),
  web: webSchema.optional(),
  messages: z.looseObject({
    groupChat: z.looseObject({ mentionPatterns: stringList.optional() }).optional(),
  }).optional(),
  clawline: clawlineSchema.optional(),
});

type AnySchema = z.ZodType;

/** Strips optional/default/nullable wrappers. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema as { _zod: { def: { type: string; innerType?: AnySchema } } };
  while (s._zod.def.innerType && ['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(s._zod.def.type)) {
    s = s._zod.def.innerType as unknown as typeof s;
  }
  return s as unknown as AnySchema;
}

/** The schema that governs `path`, or undefined where we do not describe the file (OpenClaw's parts). */
export function schemaAt(path: readonly (string | number)[]): AnySchema | undefined {
  let current: AnySchema = rootSchema;
  for (const seg of path) {
    const def = (unwrap(current) as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
    if (def.type === 'object') {
      const shape = def.shape as Record<string, AnySchema>;
      const next = Object.prototype.hasOwnProperty.call(shape, String(seg)) ? shape[String(seg)] : undefined;
      if (!next) return undefined;
      current = next;
    } else if (def.type === 'record') {
      current = def.valueType as AnySchema;
    } else if (def.type === 'array') {
      current = def.element as AnySchema;
    } else {
      return undefined;
    }
  }
  return current;
}

/** Known keys of the object schema at `path` (for "did you mean"), or undefined if it is not an object we describe. */
export function knownKeysAt(path: readonly (string | number)[]): string[] | undefined {
  const schema = schemaAt(path);
  if (!schema) return undefined;
  const def = (unwrap(schema) as unknown as { _zod: { def: { type: string; shape?: Record<string, unknown> } } })._zod.def;
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/** The one-line description attached to the schema at `path`, if any. */
export function describeAt(path: readonly (string | number)[]): string | undefined {
  const schema = schemaAt(path);
  return schema?.description ?? (schema ? unwrap(schema).description : undefined);
}

/** Is `path` one we validate strictly (inside channels.whatsapp or clawline, or web.reconnect)? */
export function isStrictArea(path: readonly (string | number)[]): boolean {
  const [a, b] = path;
  return a === 'clawline' || (a === 'channels' && b === 'whatsapp') || (a === 'web' && b === 'reconnect');
}

/** Defaults laid out like the file, for "not set; the default is ..." answers. */
const FILE_DEFAULTS = {
  channels: { whatsapp: { ...DEFAULTS.whatsapp, allowFrom: [] as string[], accounts: {} } },
  web: DEFAULTS.web,
  clawline: { ...DEFAULTS.clawline, mentionPatterns: [] as string[] },
};

/** The default that applies when `path` is absent from the file (account keys fall back like the channel's). */
export function defaultValueAt(path: readonly (string | number)[]): unknown {
  let p = [...path];
  if (p[0] === 'channels' && p[1] === 'whatsapp' && p[2] === 'accounts' && p.length > 4) p = ['channels', 'whatsapp', ...p.slice(4)];
  if (p[0] === 'channels' && p[1] === 'whatsapp' && p[2] === 'groups' && p[4] === 'requireMention') return DEFAULTS.whatsapp.requireMention;
  if (p[0] === 'channels' && p[1] === 'whatsapp' && p[2] === 'requireMention') return undefined;
  let cur: unknown = FILE_DEFAULTS;
  for (const seg of p) {
    if (typeof cur !== 'object' || cur === null || !Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}
