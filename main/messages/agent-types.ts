// The contract between the message pipeline and an agent (main/agents implements it).
// Plain data only, so an agent can live in-process, behind HTTP, or in a test.

export type AttachmentKind = 'image' | 'video' | 'audio' | 'voice' | 'document' | 'sticker';

/** A file the sender attached, already downloaded under the state dir's media folder. */
export interface InboundAttachment {
  kind: AttachmentKind;
  path: string;
  mimetype: string;
  /** Bytes on disk. */
  size: number;
  fileName?: string;
}

/** An earlier message in the same group that did not address the agent, kept as context. */
export interface HistoryEntry {
  senderId: string;
  senderName?: string;
  text: string;
  /** Epoch ms. */
  at: number;
}

export interface AgentInput {
  accountId: string;
  /** The chat to answer in (group JID, or the sender's JID for a DM; may be an `@lid` address). */
  chatId: string;
  sender: {
    /** +E164 when known; otherwise the sender's JID (an unresolved LID under the `open` policy). */
    id: string;
    jid: string;
    name?: string;
  };
  isGroup: boolean;
  /** The message text (captions, contacts and locations rendered as text). May be empty for media-only messages. */
  text: string;
  /** The message this one replies to. */
  quoted?: { text: string; fromMe: boolean };
  attachments: InboundAttachment[];
  /** Recent group messages that did not address the agent, oldest first. */
  history?: HistoryEntry[];
  /** WhatsApp message id, for logs and idempotency on the agent's side. */
  messageId: string;
  /** Aborted when the gateway stops or the reply times out; a well-behaved agent stops working. */
  signal?: AbortSignal;
}

export interface OutboundMedia {
  kind: AttachmentKind;
  /** A file to send, or its bytes. */
  path?: string;
  buffer?: Uint8Array;
  mimetype: string;
  fileName?: string;
  caption?: string;
}

/**
 * What the agent answers. When streamed, each item adds to the reply: texts are concatenated,
 * media appended, the last reaction wins.
 */
export interface AgentOutput {
  text?: string;
  media?: OutboundMedia[];
  /** An emoji reaction to put on the sender's message. */
  reaction?: string;
}

export interface Agent {
  reply(input: AgentInput): AsyncIterable<AgentOutput> | Promise<AgentOutput>;
}
