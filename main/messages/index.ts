// The message pipeline: Baileys upserts in, agent replies out, durable in between.
// No Electron; Baileys only as types (the lead wires a socket behind `Transport`).
export type { Agent, AgentInput, AgentOutput, AttachmentKind, HistoryEntry, InboundAttachment, OutboundMedia } from './agent-types.ts';
export {
  PIPELINE_DEFAULTS,
  type AckReactionGroupMode,
  type DownloadedMedia,
  type DownloadOptions,
  type Logger,
  type PipelineSettings,
  type PresenceState,
  type SendOptions,
  type SentMessageRef,
  type Transport,
  type WAMessage,
  type WAMessageKey,
} from './types.ts';
export { InboundPipeline, type PipelineDeps, type PipelineEvents, type PipelineStores } from './pipeline.ts';
export { InboundJournal, journalPath, messageKey, type JournalEntry, type JournalOptions, type JournalState, type UpsertType } from './inbound-journal.ts';
export { extractMessage, unwrapContent, contentTypeOf, mediaPlaceholder, toNumber, type Extracted, type MediaRef, type ContextRef } from './extract.ts';
export { replyMessageId, type Outbox, type OutboxPart } from './outbox.ts';
export { markdownToWhatsApp } from './markdown.ts';
export { chunkText, type ChunkMode } from './chunk.ts';
export { OutboundSender, SendCancelledError, isTransientSendError, type OutboundOptions } from './outbound.ts';
export { EmptyMediaError, MediaTooLargeError, saveMediaStream, extensionFor, safeBaseName, formatMb } from './media-store.ts';
export { SELF_CHAT_PREFIX, agentFailedText, mediaTooLargeText } from './replies.ts';
export { serializeMessage, reviveMessage } from './serialize.ts';
