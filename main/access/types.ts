// The access-control slice of a WhatsApp account's effective settings. Field names are
// OpenClaw's `channels.whatsapp` keys so config values pass straight through; every field is
// optional and the defaults below apply when it is missing. Decisions take these settings as an
// argument on every call (never cached), so a config change applies to the next message.

export type DmPolicy = 'pairing' | 'allowlist' | 'open' | 'disabled';
export type GroupPolicy = 'open' | 'allowlist' | 'disabled';

export interface GroupSettings {
  /** Only answer when mentioned (native @mention, a mention pattern, our number, or a reply to us). Default true. */
  requireMention?: boolean;
}

export interface AccessSettings {
  /** Who may DM the agent. Default `pairing`. */
  dmPolicy?: DmPolicy;
  /** E.164 numbers (any common spelling) or `"*"`. Empty: only the linked number itself. */
  allowFrom?: string[];
  /** Group participation. Default `allowlist`. */
  groupPolicy?: GroupPolicy;
  /** Group JID or `"*"` -> per-group settings; when present it is also the group allowlist. */
  groups?: Record<string, GroupSettings | undefined>;
  /** Senders whose group messages count; falls back to `allowFrom` when unset. */
  groupAllowFrom?: string[];
  /** Extra regular expressions (case-insensitive) that count as a mention in groups. */
  mentionPatterns?: string[];
  /** Personal-number mode: the owner talks to the agent in their own "message yourself" chat. */
  selfChatMode?: boolean;
}

export const ACCESS_DEFAULTS = {
  dmPolicy: 'pairing' as DmPolicy,
  groupPolicy: 'allowlist' as GroupPolicy,
  requireMention: true,
};

/** Who sent a message, after resolving LIDs and device suffixes. */
export interface SenderIdentity {
  /** The address the message came from, exactly as Baileys gave it (may be `@lid`, may carry `:device`). */
  jid: string;
  /** Phone number as +E164 when known (from the JID, its alternate address, or the LID mapping). */
  e164?: string;
  /** The sender's LID (`digits@lid`, no device) when the message used one. */
  lid?: string;
}

/** Our own linked identity, as Baileys reports it (`sock.user.id` / `sock.user.lid`). */
export interface SelfIds {
  /** Phone JID, possibly with a `:device` suffix, e.g. `15551234567:12@s.whatsapp.net`. */
  pn?: string;
  /** LID, possibly with a `:device` suffix, e.g. `123456789:12@lid`. */
  lid?: string;
}

/** Looks a LID up in Baileys' mapping (`sock.signalRepository.lidMapping.getPNForLID`). */
export type LidResolver = (lid: string) => Promise<string | null | undefined>;
