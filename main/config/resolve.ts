// The settings in force: defaults applied, account values falling back to the channel's, numbers
// normalized. The gateway and every domain read only this typed result, never the raw file.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { statePaths } from '../shared/state-dir.ts';
import { normalizeE164 } from './e164.ts';
import {
  ACCOUNT_ID, ACK_GROUP_MODES, AGENT_KINDS, CHUNK_MODES, DEFAULT_ACCOUNT_ID, DEFAULTS, DM_POLICIES, GROUP_POLICIES,
  type AckGroupMode, type AgentKind, type ChunkMode, type DmPolicy, type GroupPolicy,
} from './schema.ts';

export interface GroupSettings {
  requireMention: boolean;
}

export interface AckReactionSettings {
  /** Empty string = no ack reaction. */
  emoji: string;
  direct: boolean;
  group: AckGroupMode;
}

/** Everything one WhatsApp account needs, already resolved account -> channel -> default. */
export interface AccountSettings {
  accountId: string;
  name?: string;
  /** False when channels.whatsapp.enabled, web.enabled or the account's own enabled is false. */
  enabled: boolean;
  /** Absolute folder of the Baileys auth state. */
  authDir: string;
  dmPolicy: DmPolicy;
  /** "+E164" entries (normalized) and possibly "*". Empty: only the linked number itself. */
  allowFrom: string[];
  groupPolicy: GroupPolicy;
  /**
   * Group JID (or "*") -> settings, requireMention filled in. Undefined when no `groups` map is
   * configured; when present it is also the group allowlist ("*" admits every group).
   */
  groups?: Record<string, GroupSettings>;
  /** Senders whose group messages count: groupAllowFrom, else allowFrom. Never the pairing store. */
  groupAllowFrom: string[];
  sendReadReceipts: boolean;
  ackReaction: AckReactionSettings;
  textChunkLimit: number;
  chunkMode: ChunkMode;
  mediaMaxMb: number;
  selfChatMode: boolean;
}

export interface ReconnectSettings {
  initialMs: number;
  maxMs: number;
  factor: number;
  jitter: number;
  /** 0 = unlimited. */
  maxAttempts: number;
}

export interface EffectiveWhatsAppConfig {
  enabled: boolean;
  /** In file order; exactly one account "default" when no accounts map is configured. */
  accounts: AccountSettings[];
  defaultAccount: string;
}

export interface WebSettings {
  enabled: boolean;
  heartbeatSeconds: number;
  reconnect: ReconnectSettings;
}

/**
 * `clawline.agent`: which agent answers, and the settings of each kind as written (validated).
 * `kind` is filled in (default "builtin"); per-kind defaults (base URL, timeouts, the built-in
 * auto-reply) belong to main/agents, which applies them when it builds the agent.
 */
export interface AgentConfig {
  kind: AgentKind;
  builtin?: { autoReply?: string };
  openai?: { baseUrl?: string; model?: string; apiKey?: string; systemPrompt?: string; timeoutMs?: number; historyTurns?: number };
  webhook?: { url?: string; secret?: string; timeoutMs?: number };
  command?: { command?: string; args?: string[]; timeoutMs?: number };
}

export interface ClawlineSettings {
  agent: AgentConfig;
  control: { port: number };
  catchUpWindowSeconds: number;
  /** Regular expression sources, matched case-insensitively: clawline.mentionPatterns, else OpenClaw's messages.groupChat.mentionPatterns. */
  mentionPatterns: string[];
  pacing: { minIntervalMs: number };
}

export interface EffectiveConfig {
  whatsapp: EffectiveWhatsAppConfig;
  web: WebSettings;
  clawline: ClawlineSettings;
}

export interface ResolveOptions {
  /** State dir for default auth dirs and relative authDir values. */
  stateDir: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const oneOf = <T extends string>(v: unknown, values: readonly T[]): T | undefined =>
  (typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : undefined);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/** "+E164" for valid numbers and "*" kept; anything invalid is dropped (validation reports it). */
function normalizeList(list: string[]): string[] {
  const out: string[] = [];
  for (const entry of list) {
    const value = entry.trim() === '*' ? '*' : (() => { const r = normalizeE164(entry); return r.ok ? r.e164 : undefined; })();
    if (value && !out.includes(value)) out.push(value);
  }
  return out;
}

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

function resolveAccount(accountId: string, channel: Obj, account: Obj, channelEnabled: boolean, stateDir: string): AccountSettings {
  const pick = (key: string): unknown => (account[key] !== undefined ? account[key] : channel[key]);
  const d = DEFAULTS.whatsapp;
  const allowFrom = normalizeList(strings(pick('allowFrom')) ?? []);
  const groupAllowRaw = strings(pick('groupAllowFrom'));
  const groupsRaw = pick('groups');
  let groups: Record<string, GroupSettings> | undefined;
  if (isObj(groupsRaw)) {
    groups = {};
    for (const [jid, g] of Object.entries(groupsRaw)) groups[jid] = { requireMention: bool(obj(g).requireMention) ?? d.requireMention };
  }
  const ackChannel = obj(channel.ackReaction);
  const ackAccount = obj(account.ackReaction);
  const ack = (key: string): unknown => (ackAccount[key] !== undefined ? ackAccount[key] : ackChannel[key]);
  const authDirRaw = str(account.authDir);
  const settings: AccountSettings = {
    accountId,
    enabled: channelEnabled && bool(account.enabled) !== false,
    authDir: authDirRaw
      ? (isAbsolute(expandHome(authDirRaw)) ? expandHome(authDirRaw) : resolvePath(stateDir, authDirRaw))
      : statePaths(stateDir).accountAuthDir(accountId),
    dmPolicy: oneOf(pick('dmPolicy'), DM_POLICIES) ?? d.dmPolicy,
    allowFrom,
    groupPolicy: oneOf(pick('groupPolicy'), GROUP_POLICIES) ?? d.groupPolicy,
    groups,
    groupAllowFrom: groupAllowRaw ? normalizeList(groupAllowRaw) : allowFrom,
    sendReadReceipts: bool(pick('sendReadReceipts')) ?? d.sendReadReceipts,
    ackReaction: {
      emoji: str(ack('emoji')) ?? d.ackReaction.emoji,
      direct: bool(ack('direct')) ?? d.ackReaction.direct,
      group: oneOf(ack('group'), ACK_GROUP_MODES) ?? d.ackReaction.group,
    },
    textChunkLimit: num(pick('textChunkLimit')) ?? d.textChunkLimit,
    chunkMode: oneOf(pick('chunkMode'), CHUNK_MODES) ?? d.chunkMode,
    mediaMaxMb: num(pick('mediaMaxMb')) ?? d.mediaMaxMb,
    selfChatMode: bool(pick('selfChatMode')) ?? d.selfChatMode,
  };
  const name = str(account.name);
  if (name !== undefined) settings.name = name;
  return settings;
}

/** Copies the keys of one section that have the right type (the loader refuses files with wrong ones). */
function pickSection<T extends object>(raw: unknown, fields: Record<string, 'string' | 'number' | 'strings'>): T | undefined {
  if (!isObj(raw)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, type] of Object.entries(fields)) {
    const v = type === 'string' ? str(raw[key]) : type === 'number' ? num(raw[key]) : strings(raw[key]);
    if (v !== undefined) out[key] = type === 'strings' ? [...(v as string[])] : v;
  }
  return out as T;
}

function resolveAgent(raw: Obj): AgentConfig {
  const agent: AgentConfig = { kind: oneOf(raw.kind, AGENT_KINDS) ?? DEFAULTS.clawline.agent.kind };
  const builtin = pickSection<NonNullable<AgentConfig['builtin']>>(raw.builtin, { autoReply: 'string' });
  const openai = pickSection<NonNullable<AgentConfig['openai']>>(raw.openai, {
    baseUrl: 'string', model: 'string', apiKey: 'string', systemPrompt: 'string', timeoutMs: 'number', historyTurns: 'number',
  });
  const webhook = pickSection<NonNullable<AgentConfig['webhook']>>(raw.webhook, { url: 'string', secret: 'string', timeoutMs: 'number' });
  const command = pickSection<NonNullable<AgentConfig['command']>>(raw.command, { command: 'string', args: 'strings', timeoutMs: 'number' });
  if (builtin) agent.builtin = builtin;
  if (openai) agent.openai = openai;
  if (webhook) agent.webhook = webhook;
  if (command) agent.command = command;
  return agent;
}

/**
 * Effective settings from the parsed file (any shape: wrong-typed values fall back to defaults,
 * so this never throws). Callers should only act on it when validation found no errors.
 */
export function resolveEffectiveConfig(raw: unknown, options: ResolveOptions): EffectiveConfig {
  const root = obj(raw);
  const channel = obj(obj(root.channels).whatsapp);
  const web = obj(root.web);
  const webEnabled = bool(web.enabled) ?? DEFAULTS.web.enabled;
  const channelEnabled = (bool(channel.enabled) ?? DEFAULTS.whatsapp.enabled) && webEnabled;
  const accountsRaw = obj(channel.accounts);
  // Ids become folder names; validation reports bad ones, resolution never uses them.
  const ids = Object.keys(accountsRaw).filter((id) => ACCOUNT_ID.test(id));
  const accounts = ids.length === 0
    ? [resolveAccount(DEFAULT_ACCOUNT_ID, channel, {}, channelEnabled, options.stateDir)]
    : ids.map((id) => resolveAccount(id, channel, obj(accountsRaw[id]), channelEnabled, options.stateDir));
  const wanted = str(channel.defaultAccount);
  const defaultAccount = wanted && accounts.some((a) => a.accountId === wanted)
    ? wanted
    : accounts.some((a) => a.accountId === DEFAULT_ACCOUNT_ID) ? DEFAULT_ACCOUNT_ID : accounts[0]!.accountId;

  const reconnect = obj(web.reconnect);
  const r = DEFAULTS.web.reconnect;
  const claw = obj(root.clawline);
  const c = DEFAULTS.clawline;
  return {
    whatsapp: { enabled: channelEnabled, accounts, defaultAccount },
    web: {
      enabled: webEnabled,
      heartbeatSeconds: num(web.heartbeatSeconds) ?? DEFAULTS.web.heartbeatSeconds,
      reconnect: {
        initialMs: num(reconnect.initialMs) ?? r.initialMs,
        maxMs: num(reconnect.maxMs) ?? r.maxMs,
        factor: num(reconnect.factor) ?? r.factor,
        jitter: num(reconnect.jitter) ?? r.jitter,
        maxAttempts: num(reconnect.maxAttempts) ?? r.maxAttempts,
      },
    },
    clawline: {
      agent: resolveAgent(obj(claw.agent)),
      control: { port: num(obj(claw.control).port) ?? c.control.port },
      catchUpWindowSeconds: num(claw.catchUpWindowSeconds) ?? c.catchUpWindowSeconds,
      mentionPatterns: strings(claw.mentionPatterns) ?? strings(obj(obj(root.messages).groupChat).mentionPatterns) ?? [],
      pacing: { minIntervalMs: num(obj(claw.pacing).minIntervalMs) ?? c.pacing.minIntervalMs },
    },
  };
}

/** The settings of one account, or undefined if no such account is configured. */
export function findAccount(config: EffectiveConfig, accountId: string = config.whatsapp.defaultAccount): AccountSettings | undefined {
  return config.whatsapp.accounts.find((a) => a.accountId === accountId);
}
