// The inbound message pipeline: from Baileys' `messages.upsert` to the agent's reply.
//
// Where Baileys acknowledges, and what window remains (Baileys 7.0.0-rc14,
// lib/Socket/messages-recv.js `handleMessage`): after decrypting a message, Baileys sends the
// delivery receipt (`sendReceipt`, which also serves as the server ack) and only THEN calls
// `upsertMessage`, which emits `messages.upsert` through the event buffer (possibly held back
// until the offline batch is flushed). So the server considers the message delivered before our
// handler runs; a crash between the receipt and our journal append loses it, and the server
// will not redeliver. This pipeline shrinks that window to the time between the receipt and our
// first fsync'd append: `handleUpsert` screens the batch synchronously (no awaits), then writes
// one journal record per message before any decision, read receipt, reaction or agent call.
// From there on nothing is lost: `resumePending()` after a restart finishes every entry that
// was received or accepted but not done, exactly once: the reply is journaled (outbox.ts) before
// its first message goes out, every message we send for it has an id derived from the question,
// and a resume sends the journaled reply again under the same ids, which the sender's phone
// shows once. Closing the remaining window needs Baileys to ack after the handler (whatsmeow's
// "synchronous ack"); see docs/message-pipeline.md.
//
// Order per accepted message: journal(accepted) -> read receipt -> ack reaction -> "composing"
// -> media download -> agent -> "paused" -> journal(outbox) -> reply chunks (paced, retried)
// -> journal(done).
// Messages of one chat are handled one after another; different chats run side by side.
// A streamed agent reply is collected whole, then formatted and chunked: Markdown code blocks
// and chunk boundaries can only be placed right once the text is complete.
import { EventEmitter } from 'node:events';
import {
  ACCESS_DEFAULTS,
  decideDm,
  decideGroup,
  detectMention,
  isBroadcastJid,
  isGroupJid,
  isSelfAddress,
  pairingReplyText,
  resolveSender,
  selfE164,
  type AccessDecision,
  type AllowStore,
  type LidResolver,
  type MentionResult,
  type PairingStore,
  type SenderIdentity,
} from '../access/index.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import type { Agent, AgentInput, AgentOutput, HistoryEntry, InboundAttachment, OutboundMedia } from './agent-types.ts';
import { chunkText } from './chunk.ts';
import { extractMessage, mediaPlaceholder, toNumber, type Extracted } from './extract.ts';
import type { InboundJournal, JournalEntry, UpsertType } from './inbound-journal.ts';
import { markdownToWhatsApp } from './markdown.ts';
import { MediaTooLargeError, safeBaseName } from './media-store.ts';
import { OutboundSender, SendCancelledError } from './outbound.ts';
import { replyMessageId, type Outbox, type OutboxPart } from './outbox.ts';
import { SELF_CHAT_PREFIX, agentFailedText, mediaTooLargeText } from './replies.ts';
import { PIPELINE_DEFAULTS, type Logger, type PipelineSettings, type SentMessageRef, type Transport, type WAMessage } from './types.ts';

export interface PipelineStores {
  /** Durable inbound queue + dedupe memory. */
  journal: InboundJournal;
  pairing: PairingStore;
  /** This account's pairing approvals. */
  allow: AllowStore;
}

export interface PipelineDeps {
  accountId: string;
  transport: Transport;
  /** Read on every message: config changes apply to the next one. */
  getSettings: () => PipelineSettings;
  agent: Agent;
  stores: PipelineStores;
  /** Bound by the caller to the subsystem and account (the gateway: `inbound`, accountId). */
  logger: Logger;
  /** Where inbound media is saved (the state dir's media folder for this account). */
  mediaDir: string;
  clock?: Clock;
  /** Baileys' LID mapping (`sock.signalRepository.lidMapping.getPNForLID`). */
  resolveLidToPn?: LidResolver;
  /** Minimum gap between sends to one chat (default 1000 ms). */
  minSendIntervalMs?: number;
  /** Send retries on transient errors (default 3) and the first backoff (default 1000 ms, doubling). */
  sendRetries?: number;
  sendBackoffMs?: number;
  /** A reply taking longer than this is given up with an apology (default 10 min). */
  agentTimeoutMs?: number;
  /** Agents working at once across chats (default 4). */
  maxConcurrentAgents?: number;
  /** Times the agent is asked again for one message after restarts before it is given up (default 3: a message that crashes us is not retried forever). */
  maxResumeAttempts?: number;
}

export interface PipelineEvents {
  /** A message was accepted for the agent. */
  inbound: [{ chatId: string; messageId: string; isGroup: boolean; senderId: string; at: number }];
  /** A message finished without an agent reply (policy, staleness, pairing...). */
  dropped: [{ chatId: string; messageId: string; outcome: string }];
  /** The reply (or apology) was sent. */
  replied: [{ chatId: string; messageId: string; outcome: string; sent: number }];
}

type ScreenResult = { ok: true; chatId: string; id: string } | { ok: false; reason: string; level: 'debug' | 'info' | 'warn' };

interface Described {
  chatId: string;
  isGroup: boolean;
  selfChat: boolean;
  sender: SenderIdentity;
  extracted: Extract<Extracted, { kind: 'message' }>;
  mention?: MentionResult;
  /** Message time (epoch ms). */
  sentAt: number;
}

class AgentTimeoutError extends Error {
  constructor(ms: number) {
    super(`the agent did not answer within ${Math.round(ms / 1000)} s`);
    this.name = 'AgentTimeoutError';
  }
}

const MB = 1024 * 1024;
/** proto.WebMessageInfo.Status.PENDING (a number here: main/messages uses Baileys only for types). */
const WA_STATUS_PENDING = 1;
/** Accepted messages are answered after a restart unless they are older than this. */
const RESUME_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const SENT_IDS_KEPT = 2000;
const HISTORY_PER_GROUP = 20;
const HISTORY_GROUPS = 200;
const APOLOGY_COOLDOWN_MS = 10 * 60 * 1000;
/** WhatsApp truncates longer media captions. */
const CAPTION_LIMIT = 1024;

function isAsyncIterable(x: unknown): x is AsyncIterable<AgentOutput> {
  return !!x && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function sentId(ref: SentMessageRef | undefined | void): string | undefined {
  return ref?.key?.id ?? ref?.id ?? undefined;
}

export class InboundPipeline extends EventEmitter<PipelineEvents> {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly outbound: OutboundSender;
  private readonly abort = new AbortController();
  private closed = false;
  /** Per-chat processing chains: one message of a chat at a time, in arrival order. */
  private chains = new Map<string, Promise<void>>();
  private inFlight = new Set<string>();
  private tasks = new Set<Promise<void>>();
  /** Ids of messages we sent (echo guard, reply-to-us detection); bounded, oldest dropped first. */
  private sentIds = new Set<string>();
  private groupHistory = new Map<string, HistoryEntry[]>();
  private lastApologyAt = new Map<string, number>();
  private agentSlots: number;
  private agentWaiters: (() => void)[] = [];
  private timers = new Set<TimerHandle>();
  private lastInbound?: number;
  /** Invalid mention patterns already reported (once each, not on every group message). */
  private warnedPatterns = new Set<string>();

  constructor(private readonly deps: PipelineDeps) {
    super();
    this.clock = deps.clock ?? systemClock;
    // The caller binds the subsystem ("inbound") and the accountId; a second `subsystem` here
    // would shadow it with a name the log filters do not know.
    this.log = deps.logger;
    this.agentSlots = deps.maxConcurrentAgents ?? 4;
    this.outbound = new OutboundSender({
      clock: this.clock,
      minIntervalMs: deps.minSendIntervalMs,
      retries: deps.sendRetries,
      backoffMs: deps.sendBackoffMs,
      onRetry: ({ chatId, attempt, delayMs, err }) =>
        this.log.warn({ chatId, attempt, delayMs, err }, 'send failed, retrying'),
    });
  }

  /** Accepted messages still waiting for their reply. */
  get pendingReplies(): number {
    return this.deps.stores.journal.pending().length;
  }

  /** When the last message was seen (epoch ms). */
  get lastInboundAt(): number | undefined {
    return this.lastInbound;
  }

  /** Whether an id is one of the messages we sent. */
  isOwnMessage(id: string): boolean {
    return this.sentIds.has(id);
  }

  // ---------------------------------------------------------------- entry points

  /**
   * Baileys' `messages.upsert` (`notify` = live, `append` = catch-up after being offline).
   * Resolves once the batch is in the journal; replies follow asynchronously (see idle()).
   * Never throws.
   */
  async handleUpsert(upsert: { messages?: readonly WAMessage[] | null; type?: string }): Promise<void> {
    if (this.closed) return;
    const type = upsert?.type;
    if (type !== 'notify' && type !== 'append') {
      this.log.debug({ type }, 'ignored upsert type');
      return;
    }
    const items: { chatId: string; id: string; msg: WAMessage; upsertType: UpsertType }[] = [];
    const settings = this.settings();
    for (const msg of upsert.messages ?? []) {
      let verdict: ScreenResult;
      try {
        verdict = this.screen(msg, type, settings);
      } catch (err) {
        verdict = { ok: false, reason: `malformed: ${(err as Error).message}`, level: 'warn' };
      }
      if (!verdict.ok) {
        this.log[verdict.level]({ messageId: msg?.key?.id, chatId: msg?.key?.remoteJid, reason: verdict.reason }, 'inbound message skipped');
        continue;
      }
      this.lastInbound = this.clock.now();
      items.push({ chatId: verdict.chatId, id: verdict.id, msg, upsertType: type });
    }
    if (!items.length) return;
    const journal = this.deps.stores.journal;
    let entries: JournalEntry[];
    try {
      entries = await journal.receive(items);
    } catch (err) {
      // The disk refused: answering without durability beats dropping the message.
      this.log.error({ err, path: journal.path }, 'could not record inbound messages in the journal; handling them anyway');
      entries = items.map((i) => journal.get(i.chatId, i.id)).filter((e): e is JournalEntry => !!e && e.state !== 'done');
    }
    for (const entry of entries) this.schedule(entry, false);
  }

  /**
   * Finishes what a previous run left: entries received or accepted but not done are processed
   * once (pairing replies are never sent for them). Call after the connection opens; calling
   * again is safe (entries already in progress are skipped). Returns how many were resumed.
   */
  async resumePending(): Promise<number> {
    if (this.closed) return 0;
    const journal = this.deps.stores.journal;
    const maxAttempts = this.deps.maxResumeAttempts ?? 3;
    let resumed = 0;
    for (const entry of journal.pending()) {
      if (this.inFlight.has(entry.key)) continue;
      try {
        if (!entry.msg) {
          await journal.finish(entry, 'failed:no-message');
          continue;
        }
        if (this.clock.now() - entry.at > RESUME_MAX_AGE_MS) {
          this.log.warn({ chatId: entry.chatId, messageId: entry.id }, 'not resuming a message from more than a day ago');
          await journal.finish(entry, 'abandoned:too-old');
          continue;
        }
        // Attempts are counted when the agent is asked (answer()), the step a message that
        // crashes the gateway would crash it in; a journaled reply is only sent again.
        if (!entry.outbox && entry.attempts >= maxAttempts) {
          this.log.error({ chatId: entry.chatId, messageId: entry.id, attempts: entry.attempts }, 'giving up on a message that failed to complete after several restarts');
          await journal.finish(entry, 'abandoned:attempts');
          continue;
        }
      } catch (err) {
        this.log.error({ err, messageId: entry.id }, 'could not update the journal while resuming');
      }
      this.log.info({ chatId: entry.chatId, messageId: entry.id, state: entry.state }, 'resuming a message left unanswered by the previous run');
      this.schedule(entry, true);
      resumed++;
    }
    return resumed;
  }

  /** Resolves when every scheduled message has finished (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.tasks.size) await Promise.allSettled([...this.tasks]);
  }

  /**
   * Stops: no more sends, agents are signalled to abort, timers cleared. Messages in progress
   * stay pending in the journal and are resumed by the next run. The journal itself belongs
   * to the caller and is not closed here.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.outbound.cancel();
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers.clear();
    for (const wake of this.agentWaiters.splice(0)) wake();
  }

  // ---------------------------------------------------------------- screening

  private settings(): PipelineSettings {
    try {
      return this.deps.getSettings() ?? {};
    } catch (err) {
      this.log.error({ err }, 'could not read settings; using defaults');
      return {};
    }
  }

  /** Cheap synchronous checks before anything is written: shape, broadcasts, echoes, duplicates. */
  private screen(msg: WAMessage, type: UpsertType, settings: PipelineSettings): ScreenResult {
    const key = msg?.key;
    const chatId = key?.remoteJid;
    const id = key?.id;
    if (!chatId || !id) return { ok: false, reason: 'malformed: no chat or message id', level: 'warn' };
    if (isBroadcastJid(chatId)) return { ok: false, reason: 'broadcast or status', level: 'debug' };
    if (!msg.message) return { ok: false, reason: `no content${msg.messageStubType ? ` (stub ${msg.messageStubType})` : ''}`, level: 'debug' };
    const extracted = extractMessage(msg);
    if (extracted.kind === 'skip') {
      return { ok: false, reason: `${extracted.reason}${extracted.contentType ? ` (${extracted.contentType})` : ''}`, level: extracted.reason === 'unsupported' ? 'info' : 'debug' };
    }
    if (key.fromMe) {
      if (this.sentIds.has(id)) return { ok: false, reason: 'echo of our own reply', level: 'debug' };
      // Baileys hands every message sent from this device back as a fromMe "append" still marked
      // PENDING (generateWAMessageFromContent); what the owner sends from the phone arrives
      // decoded from the server, marked SERVER_ACK. This catches sends the pipeline did not make
      // (CLI, approval notices, the first-run check) and replies whose id is not noted yet.
      if (type === 'append' && msg.status === WA_STATUS_PENDING) return { ok: false, reason: 'echo of a message sent from this device', level: 'debug' };
      const self = this.deps.transport.selfIds();
      if (!isSelfAddress(chatId, self)) return { ok: false, reason: 'sent by the owner to someone else', level: 'debug' };
      if (!settings.selfChatMode) return { ok: false, reason: 'self-chat message while selfChatMode is off', level: 'debug' };
      if (extracted.text.startsWith(SELF_CHAT_PREFIX)) return { ok: false, reason: 'echo of our own reply', level: 'debug' };
    }
    if (this.deps.stores.journal.has(chatId, id)) return { ok: false, reason: 'duplicate', level: 'debug' };
    return { ok: true, chatId, id };
  }

  // ---------------------------------------------------------------- scheduling

  private schedule(entry: JournalEntry, resumed: boolean): void {
    this.inFlight.add(entry.key);
    const chainKey = entry.chatId;
    const previous = this.chains.get(chainKey) ?? Promise.resolve();
    const task = previous
      .then(() => this.process(entry, resumed))
      .catch((err) => this.log.error({ err, messageId: entry.id }, 'unexpected error while handling a message'))
      .finally(() => {
        this.inFlight.delete(entry.key);
        this.tasks.delete(task);
        if (this.chains.get(chainKey) === task) this.chains.delete(chainKey);
      });
    this.chains.set(chainKey, task);
    this.tasks.add(task);
  }

  /** Every message ends here, whatever happened to it: one line per message with its outcome. */
  private async finish(entry: JournalEntry, outcome: string): Promise<void> {
    try {
      await this.deps.stores.journal.finish(entry, outcome);
    } catch (err) {
      this.log.error({ err, messageId: entry.id, outcome }, 'could not record a finished message in the journal');
    }
    this.log.debug({ chatId: entry.chatId, messageId: entry.id, outcome }, 'inbound message finished');
  }

  private async drop(entry: JournalEntry, outcome: string, level: 'debug' | 'info', fields: Record<string, unknown> = {}): Promise<void> {
    this.log[level]({ chatId: entry.chatId, messageId: entry.id, outcome, ...fields }, 'inbound message not answered');
    await this.finish(entry, outcome);
    this.emit('dropped', { chatId: entry.chatId, messageId: entry.id, outcome });
  }

  private async describe(entry: JournalEntry, msg: WAMessage, settings: PipelineSettings): Promise<Described | undefined> {
    const chatId = entry.chatId;
    const extracted = extractMessage(msg);
    if (extracted.kind === 'skip') return undefined;
    const self = this.deps.transport.selfIds();
    const isGroup = isGroupJid(chatId);
    const selfChat = !isGroup && isSelfAddress(chatId, self);
    // Our own messages reach this point only in self-chat mode: the sender is the owner.
    const sender: SenderIdentity = msg.key.fromMe
      ? { jid: self.pn ?? chatId, e164: selfE164(self) }
      : await resolveSender(msg.key, this.deps.resolveLidToPn, msg.participant);
    const sentAtSec = toNumber(msg.messageTimestamp);
    const described: Described = { chatId, isGroup, selfChat, sender, extracted, sentAt: sentAtSec ? sentAtSec * 1000 : entry.at };
    if (isGroup) {
      described.mention = detectMention({
        text: extracted.text,
        mentionedJids: extracted.context.mentionedJids,
        quotedParticipant: extracted.context.quotedParticipant,
        quotedStanzaId: extracted.context.quotedStanzaId,
        self,
        isOurMessageId: (id) => this.sentIds.has(id),
        mentionPatterns: settings.mentionPatterns,
      });
      const invalid = described.mention.invalidPatterns?.filter((p) => !this.warnedPatterns.has(p)) ?? [];
      if (invalid.length) {
        for (const p of invalid) this.warnedPatterns.add(p);
        this.log.warn({ patterns: invalid }, 'ignoring mentionPatterns that are not valid regular expressions; fix them in the config');
      }
    }
    return described;
  }

  // ---------------------------------------------------------------- processing

  private async process(entry: JournalEntry, resumed: boolean): Promise<void> {
    if (this.closed) return;
    const msg = entry.msg;
    if (!msg || entry.state === 'done') return;
    const settings = this.settings();
    const d = await this.describe(entry, msg, settings);
    if (!d) return this.drop(entry, 'skipped:no-content', 'debug');
    const windowMs = (settings.catchUpWindowSeconds ?? PIPELINE_DEFAULTS.catchUpWindowSeconds) * 1000;
    const age = this.clock.now() - d.sentAt;

    if (entry.state === 'received') {
      const decision = await this.decide(msg, d, settings);
      if (this.closed) return;
      if (decision.action === 'drop') {
        if (decision.reason === 'no-mention') this.remember(d, msg);
        return this.drop(entry, `dropped:${decision.reason}`, decision.reason === 'no-mention' ? 'debug' : 'info', { sender: d.sender.e164 ?? d.sender.jid });
      }
      if (decision.action === 'pairing') {
        const live = entry.upsertType === 'notify' && !resumed && age <= windowMs;
        if (!live) return this.drop(entry, 'dropped:pairing-catch-up', 'info', { sender: decision.e164, upsertType: entry.upsertType });
        // On a personal number the unknown senders are the owner's own contacts: a code
        // message to them is the complaint users have most (failure-modes row 11).
        if (settings.selfChatMode) return this.drop(entry, 'dropped:pairing-self-chat-mode', 'info', { sender: decision.e164 });
        return this.pairing(entry, msg, d, decision.e164);
      }
      if (age > windowMs) {
        return this.drop(entry, 'stale', 'info', { ageSeconds: Math.round(age / 1000), windowSeconds: windowMs / 1000 });
      }
      try {
        await this.deps.stores.journal.accept(entry);
      } catch (err) {
        this.log.error({ err, messageId: entry.id }, 'could not record acceptance in the journal; answering anyway');
      }
    }
    if (this.closed) return;
    if (entry.outbox) return this.resendOutbox(entry, d, entry.outbox);
    await this.answer(entry, msg, d, settings, resumed);
  }

  /** A reply journaled before a crash (or a failed send): the same messages under the same ids. */
  private async resendOutbox(entry: JournalEntry, d: Described, outbox: Outbox): Promise<void> {
    this.log.info({ chatId: d.chatId, messageId: entry.id, messages: outbox.parts.length }, 'sending a journaled reply again under its original message ids');
    try {
      await this.sendOutbox(entry, d, outbox);
    } catch (err) {
      if (this.closed || err instanceof SendCancelledError) return;
      this.log.error({ err, messageId: entry.id, chatId: d.chatId }, 'could not send the reply; it will be sent again after the next reconnect');
    }
  }

  /**
   * Journals the reply, sends its parts in order, then records the outcome. `sentBefore`: messages
   * already sent for this question in this run (a too-large notice), for the `replied` count.
   */
  private async sendOutbox(entry: JournalEntry, d: Described, outbox: Outbox, sentBefore = 0, onSent: () => void = () => {}): Promise<void> {
    if (entry.outbox !== outbox) await this.deps.stores.journal.planReply(entry, outbox);
    const { transport } = this.deps;
    const quoted = d.isGroup ? entry.msg : undefined;
    for (const part of outbox.parts) {
      const options = { messageId: part.id, ...(part.quote && quoted ? { quoted } : {}) };
      const ref = await this.outbound.send(d.chatId, () => (part.kind === 'text' ? transport.sendText(d.chatId, part.text, options) : transport.sendMedia(d.chatId, part.media, options)));
      this.noteSent(ref);
      onSent();
    }
    await this.finish(entry, outbox.outcome);
    const sent = sentBefore + outbox.parts.length;
    this.emit('replied', { chatId: d.chatId, messageId: entry.id, outcome: outbox.outcome, sent });
    if (outbox.outcome === 'replied') this.log.info({ chatId: d.chatId, messageId: entry.id, messages: sent }, 'reply sent');
  }

  /** The id of the `index`-th message we send for an inbound message (outbox.ts). */
  private replyId(entry: JournalEntry, index: number): string {
    return replyMessageId(this.deps.accountId, entry.key, index);
  }

  private async decide(msg: WAMessage, d: Described, settings: PipelineSettings): Promise<AccessDecision> {
    const self = this.deps.transport.selfIds();
    if (msg.key.fromMe) return { action: 'accept', reason: 'self' }; // screened: own self-chat in selfChatMode
    if (d.isGroup) return decideGroup({ groupJid: d.chatId, sender: d.sender, self, settings, mention: d.mention ?? { mentioned: false } });
    let approved: string[] = [];
    const policy = settings.dmPolicy ?? ACCESS_DEFAULTS.dmPolicy;
    try {
      // Only these policies consult pairing approvals: skip the file check for the others.
      if (policy === 'pairing' || policy === 'allowlist') approved = await this.deps.stores.allow.list();
    } catch (err) {
      this.log.error({ err }, 'could not read pairing approvals; treating as none');
    }
    return decideDm({ sender: d.sender, self, settings, approved });
  }

  private async pairing(entry: JournalEntry, msg: WAMessage, d: Described, e164: string): Promise<void> {
    const store = this.deps.stores.pairing;
    let outcome;
    try {
      outcome = await store.request({ accountId: this.deps.accountId, e164, name: msg.pushName ?? undefined });
    } catch (err) {
      this.log.error({ err, messageId: entry.id }, 'could not record a pairing request');
      return this.drop(entry, 'failed:pairing-store', 'info');
    }
    if (outcome.kind === 'pending') return this.drop(entry, 'dropped:pairing-pending', 'debug', { sender: e164 });
    if (outcome.kind === 'full') {
      return this.drop(entry, 'dropped:pairing-full', 'info', { sender: e164, note: 'too many pending pairing requests; approve or dismiss some' });
    }
    // The owner may have approved this sender after decide() read the approvals: approving writes
    // the allow list, then removes the old request, so a request created since is a leftover.
    if (await this.deps.stores.allow.has(e164).catch(() => false)) {
      await store.dismiss(outcome.request.code, { accountId: this.deps.accountId }).catch((err) => this.log.warn({ err }, 'could not remove a leftover pairing request'));
      return this.drop(entry, 'dropped:pairing-approved-meanwhile', 'info', { sender: e164 });
    }
    const text = pairingReplyText({ code: outcome.request.code, e164, ttlMinutes: store.ttlMinutes });
    try {
      await this.sendText(d.chatId, text, undefined, this.replyId(entry, 0));
      this.log.info({ sender: e164, pushName: msg.pushName, messageId: entry.id }, 'pairing request created; access code sent to the sender');
    } catch (err) {
      this.log.error({ err, sender: e164, messageId: entry.id }, 'pairing request created, but the access code could not be sent');
    }
    await this.finish(entry, 'pairing-requested');
    this.emit('dropped', { chatId: entry.chatId, messageId: entry.id, outcome: 'pairing-requested' });
  }

  /** Non-triggering group messages are kept (in memory) as context for the next reply there. */
  private remember(d: Described, msg: WAMessage): void {
    const text = d.extracted.text || (d.extracted.media ? mediaPlaceholder(d.extracted.media) : '');
    if (!text) return;
    let list = this.groupHistory.get(d.chatId);
    if (!list) {
      if (this.groupHistory.size >= HISTORY_GROUPS) this.groupHistory.delete(this.groupHistory.keys().next().value!);
      list = [];
      this.groupHistory.set(d.chatId, list);
    }
    const item: HistoryEntry = { senderId: d.sender.e164 ?? d.sender.jid, text: text.slice(0, 2000), at: d.sentAt };
    if (msg.pushName) item.senderName = msg.pushName;
    list.push(item);
    if (list.length > HISTORY_PER_GROUP) list.shift();
  }

  private async bestEffort(what: string, op: () => Promise<unknown>): Promise<void> {
    try {
      await op();
    } catch (err) {
      this.log.warn({ err }, `${what} failed`);
    }
  }

  private async answer(entry: JournalEntry, msg: WAMessage, d: Described, settings: PipelineSettings, resumed: boolean): Promise<void> {
    const { transport } = this.deps;
    const senderId = d.sender.e164 ?? d.sender.jid;
    const self = transport.selfIds();
    this.log.info(
      { chatId: d.chatId, messageId: entry.id, from: senderId, kind: d.isGroup ? 'group' : 'direct', chars: d.extracted.text.length },
      `Inbound message ${senderId} -> ${self.pn ?? 'us'} (${d.isGroup ? 'group' : 'direct'}, ${d.extracted.text.length} chars)`,
    );
    this.emit('inbound', { chatId: d.chatId, messageId: entry.id, isGroup: d.isGroup, senderId, at: this.clock.now() });

    // 1. Read receipt (not in self-chat, not for a personal number in selfChatMode).
    const receipts = (settings.sendReadReceipts ?? PIPELINE_DEFAULTS.sendReadReceipts) && !settings.selfChatMode && !d.selfChat && !msg.key.fromMe;
    if (receipts) await this.bestEffort('read receipt', () => transport.readMessages([msg.key]));
    // 2. Ack reaction.
    const emoji = settings.ackReaction?.emoji?.trim();
    if (emoji) {
      const groupMode = settings.ackReaction?.group ?? PIPELINE_DEFAULTS.ackReactionGroup;
      const react = d.isGroup
        ? groupMode === 'always' || (groupMode === 'mentions' && !!d.mention?.mentioned)
        : settings.ackReaction?.direct ?? PIPELINE_DEFAULTS.ackReactionDirect;
      if (react) await this.bestEffort('ack reaction', () => transport.sendReaction(d.chatId, msg.key, emoji));
    }
    // 3. Typing indicator while the agent works.
    await this.bestEffort('composing presence', () => transport.sendPresence(d.chatId, 'composing'));

    const quoteFor = d.isGroup ? msg : undefined;
    let sent = 0;
    if (resumed) {
      // Counted here, not when the resume is scheduled: a kill while the message only waited
      // (behind a catch-up, for a send slot) says nothing about the message itself.
      try {
        await this.deps.stores.journal.attempt(entry);
      } catch (err) {
        this.log.error({ err, messageId: entry.id }, 'could not update the journal while resuming');
      }
    }
    try {
      // 4. Media.
      const attachments: InboundAttachment[] = [];
      let text = d.extracted.text;
      const media = d.extracted.media;
      if (media) {
        const maxBytes = (settings.mediaMaxMb ?? PIPELINE_DEFAULTS.mediaMaxMb) * MB;
        let tooLarge: MediaTooLargeError | undefined;
        if (media.declaredSize !== undefined && media.declaredSize > maxBytes) tooLarge = new MediaTooLargeError(media.declaredSize, maxBytes);
        else {
          try {
            const file = await transport.downloadMedia(msg, { maxBytes, dir: this.deps.mediaDir, baseName: safeBaseName(entry.id) });
            const att: InboundAttachment = { kind: media.kind, path: file.path, mimetype: file.mimetype || media.mimetype, size: file.size };
            if (media.fileName) att.fileName = media.fileName;
            attachments.push(att);
          } catch (err) {
            if (err instanceof MediaTooLargeError) tooLarge = err;
            else {
              this.log.warn({ err, messageId: entry.id, kind: media.kind }, 'media download failed; passing the text on without it');
              if (!text) text = `${mediaPlaceholder(media)} (the file could not be downloaded)`;
            }
          }
        }
        if (tooLarge) {
          this.log.warn({ messageId: entry.id, kind: media.kind, size: tooLarge.size ?? media.declaredSize, maxBytes }, 'media refused: larger than mediaMaxMb');
          await this.sendText(d.chatId, mediaTooLargeText(tooLarge.size ?? media.declaredSize, maxBytes), quoteFor, this.replyId(entry, sent));
          sent++;
          if (!text) {
            await this.bestEffort('paused presence', () => transport.sendPresence(d.chatId, 'paused'));
            await this.finish(entry, 'refused:media-too-large');
            this.emit('replied', { chatId: d.chatId, messageId: entry.id, outcome: 'refused:media-too-large', sent });
            return;
          }
        }
      }

      // 5. The agent.
      const input: AgentInput = {
        accountId: this.deps.accountId,
        chatId: d.chatId,
        sender: { id: senderId, jid: d.sender.jid },
        isGroup: d.isGroup,
        text,
        attachments,
        messageId: entry.id,
      };
      if (msg.pushName) input.sender.name = msg.pushName;
      const q = d.extracted.quoted;
      if (q) {
        input.quoted = {
          text: q.text,
          fromMe: (!!q.participant && isSelfAddress(q.participant, self)) || (!!q.stanzaId && this.sentIds.has(q.stanzaId)),
        };
      }
      if (d.isGroup) {
        const history = this.groupHistory.get(d.chatId);
        if (history?.length) input.history = [...history];
        this.groupHistory.delete(d.chatId);
      }
      let output: AgentOutput;
      try {
        output = await this.runAgent(input);
      } catch (err) {
        if (this.closed) return; // stopping: the entry stays pending for the next run
        await this.bestEffort('paused presence', () => transport.sendPresence(d.chatId, 'paused'));
        // The whole error: an AgentError carries its code and the owner's next step.
        this.log.error({ err, messageId: entry.id, chatId: d.chatId }, 'the agent failed to answer');
        const last = this.lastApologyAt.get(d.chatId);
        const parts: OutboxPart[] = [];
        if (last === undefined || this.clock.now() - last >= APOLOGY_COOLDOWN_MS) {
          this.lastApologyAt.set(d.chatId, this.clock.now());
          parts.push({ id: this.replyId(entry, sent), quote: !!quoteFor, kind: 'text', text: this.prefixed(agentFailedText(), d, settings) });
        }
        await this.sendOutbox(entry, d, { parts, outcome: 'failed:agent' }, sent, () => sent++);
        return;
      }
      if (this.closed) return;
      await this.bestEffort('paused presence', () => transport.sendPresence(d.chatId, 'paused'));

      // 6. The reply.
      if (output.reaction?.trim()) {
        const emoji = output.reaction.trim();
        await this.bestEffort('agent reaction', () => this.outbound.send(d.chatId, () => transport.sendReaction(d.chatId, msg.key, emoji)));
      }
      await this.sendOutbox(entry, d, { parts: this.replyParts(entry, d, output, settings, !!quoteFor, sent), outcome: 'replied' }, sent, () => sent++);
    } catch (err) {
      if (this.closed || err instanceof SendCancelledError) return;
      // Left pending: resumePending() after the next connection open sends it (again), under the
      // same message ids, so what already reached the sender is not shown twice.
      this.log.error({ err, messageId: entry.id, chatId: d.chatId, sent }, 'could not send the reply; it will be sent after the next reconnect');
    }
  }

  private prefixed(text: string, d: Described, settings: PipelineSettings): string {
    return d.selfChat && settings.selfChatMode ? SELF_CHAT_PREFIX + text : text;
  }

  /** The agent's output as the messages to send, in order; ids continue from `firstIndex`. */
  private replyParts(entry: JournalEntry, d: Described, output: AgentOutput, settings: PipelineSettings, quote: boolean, firstIndex: number): OutboxPart[] {
    const limit = Math.max(1, settings.textChunkLimit ?? PIPELINE_DEFAULTS.textChunkLimit);
    const prefix = d.selfChat && settings.selfChatMode ? SELF_CHAT_PREFIX : '';
    const body = output.text ? markdownToWhatsApp(output.text) : '';
    const chunks = chunkText(body, { limit: Math.max(1, limit - prefix.length), mode: settings.chunkMode ?? PIPELINE_DEFAULTS.chunkMode }).map((c) => prefix + c);
    const media: OutboundMedia[] = (output.media ?? []).map((m) => ({ ...m }));
    // As OpenClaw does: the first text chunk becomes the first media item's caption.
    const first = media[0];
    if (first && !first.caption && chunks.length && chunks[0]!.length <= CAPTION_LIMIT) first.caption = chunks.shift();
    const texts = chunks.map((text) => ({ kind: 'text' as const, text }));
    const files = media.map((m) => ({ kind: 'media' as const, media: m }));
    const ordered = first?.caption ? [...files, ...texts] : [...texts, ...files];
    // Only the first message of a reply quotes the question.
    return ordered.map((p, i): OutboxPart => ({ ...p, id: this.replyId(entry, firstIndex + i), quote: quote && i === 0 }));
  }

  private noteSent(ref: SentMessageRef | undefined | void): void {
    const id = sentId(ref);
    if (!id) return;
    this.sentIds.add(id);
    if (this.sentIds.size > SENT_IDS_KEPT) this.sentIds.delete(this.sentIds.values().next().value!);
  }

  private async sendText(chatId: string, text: string, quoted: WAMessage | undefined, messageId: string): Promise<void> {
    const ref = await this.outbound.send(chatId, () => this.deps.transport.sendText(chatId, text, { messageId, ...(quoted ? { quoted } : {}) }));
    this.noteSent(ref);
  }

  private async acquireAgentSlot(): Promise<void> {
    while (this.agentSlots <= 0) {
      if (this.closed) throw new SendCancelledError();
      await new Promise<void>((resolve) => this.agentWaiters.push(resolve));
    }
    this.agentSlots--;
  }

  private releaseAgentSlot(): void {
    this.agentSlots++;
    this.agentWaiters.shift()?.();
  }

  private async runAgent(request: AgentInput): Promise<AgentOutput> {
    await this.acquireAgentSlot();
    const timeoutMs = this.deps.agentTimeoutMs ?? 10 * 60 * 1000;
    // Aborted on timeout or when the pipeline stops: the agent is told to stop, and we stop
    // waiting for it (so idle() settles after close() even if the agent ignores the signal).
    const controller = new AbortController();
    const onStop = () => controller.abort(new SendCancelledError());
    if (this.abort.signal.aborted) onStop();
    else this.abort.signal.addEventListener('abort', onStop, { once: true });
    const aborted = new Promise<never>((_, reject) => {
      if (controller.signal.aborted) reject(controller.signal.reason);
      else controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    aborted.catch(() => {}); // only the race below observes it
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      controller.abort(new AgentTimeoutError(timeoutMs));
    }, timeoutMs);
    this.timers.add(timer);
    const input: AgentInput = { ...request, signal: controller.signal };
    try {
      const work = (async (): Promise<AgentOutput> => {
        const result = this.deps.agent.reply(input);
        if (!isAsyncIterable(result)) return await result;
        const collected: AgentOutput = {};
        for await (const part of result) {
          if (controller.signal.aborted) break;
          if (part.text) collected.text = (collected.text ?? '') + part.text;
          if (part.media?.length) collected.media = [...(collected.media ?? []), ...part.media];
          if (part.reaction) collected.reaction = part.reaction;
        }
        return collected;
      })();
      work.catch(() => {}); // a rejection after the race was decided is not unhandled
      return await Promise.race([work, aborted]);
    } finally {
      this.clock.clearTimeout(timer);
      this.timers.delete(timer);
      this.abort.signal.removeEventListener('abort', onStop);
      this.releaseAgentSlot();
    }
  }
}
