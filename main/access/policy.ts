// Who may talk to the agent: pure decisions over the current settings, taken per message.
// Mirrors OpenClaw's rules (see docs/message-pipeline.md) so its users' configs mean the same here.
import { selfE164 } from './identity.ts';
import type { MentionResult, MentionVia } from './mentions.ts';
import { bareJid, listAllows } from './phone.ts';
import { ACCESS_DEFAULTS, type AccessSettings, type SelfIds, type SenderIdentity } from './types.ts';

export type AcceptReason = 'self' | 'open' | 'allowFrom' | 'approved' | 'group-open' | 'group-allowFrom';
export type DropReason =
  | 'dm-disabled'
  | 'not-allowed'
  | 'unresolved-lid'
  | 'group-disabled'
  | 'group-not-allowed'
  | 'sender-not-allowed'
  | 'no-mention';

export type AccessDecision =
  | { action: 'accept'; reason: AcceptReason; mentionedVia?: MentionVia }
  /** An unknown sender under `pairing`: the caller may create an access request (live DMs only). */
  | { action: 'pairing'; e164: string }
  | { action: 'drop'; reason: DropReason };

export interface DmDecisionInput {
  sender: SenderIdentity;
  self: SelfIds;
  settings: AccessSettings;
  /** Numbers approved through pairing (the per-account allow store). DMs only. */
  approved?: readonly string[];
}

export function decideDm({ sender, self, settings, approved = [] }: DmDecisionInput): AccessDecision {
  const own = selfE164(self);
  // The linked number is the owner: always allowed, whatever the policy.
  if (own && sender.e164 === own) return { action: 'accept', reason: 'self' };
  const policy = settings.dmPolicy ?? ACCESS_DEFAULTS.dmPolicy;
  switch (policy) {
    case 'disabled':
      return { action: 'drop', reason: 'dm-disabled' };
    case 'open':
      return { action: 'accept', reason: 'open' };
    case 'allowlist':
    case 'pairing': {
      if (listAllows(settings.allowFrom, sender.e164)) return { action: 'accept', reason: 'allowFrom' };
      if (!sender.e164) return { action: 'drop', reason: 'unresolved-lid' };
      if (listAllows(approved, sender.e164)) return { action: 'accept', reason: 'approved' };
      if (policy === 'pairing') return { action: 'pairing', e164: sender.e164 };
      return { action: 'drop', reason: 'not-allowed' };
    }
    default:
      // An unknown policy value is a config error the config engine reports; fail closed.
      return { action: 'drop', reason: 'not-allowed' };
  }
}

export interface GroupDecisionInput {
  groupJid: string;
  sender: SenderIdentity;
  self: SelfIds;
  settings: AccessSettings;
  mention: MentionResult;
}

/** The `groups` entry that applies to a group: its own, else `"*"`, else none. */
export function groupEntry(settings: AccessSettings, groupJid: string) {
  const groups = settings.groups;
  if (!groups) return { listed: false, entry: undefined };
  const bare = bareJid(groupJid) ?? groupJid;
  const own = groups[groupJid] ?? groups[bare];
  if (own !== undefined) return { listed: true, entry: own };
  if (groups['*'] !== undefined) return { listed: true, entry: groups['*'] };
  return { listed: false, entry: undefined };
}

export function decideGroup({ groupJid, sender, self, settings, mention }: GroupDecisionInput): AccessDecision {
  const policy = settings.groupPolicy ?? ACCESS_DEFAULTS.groupPolicy;
  if (policy === 'disabled') return { action: 'drop', reason: 'group-disabled' };
  const hasGroupMap = !!settings.groups && Object.keys(settings.groups).length > 0;
  const { listed, entry } = groupEntry(settings, groupJid);
  if (hasGroupMap && !listed) return { action: 'drop', reason: 'group-not-allowed' };
  let reason: AcceptReason = 'group-open';
  if (policy !== 'open') {
    const own = selfE164(self);
    // Pairing approvals never grant group access: only the configured lists count.
    const list = settings.groupAllowFrom ?? settings.allowFrom;
    const senderOk = (own !== undefined && sender.e164 === own) || listAllows(list, sender.e164);
    if (!senderOk) return { action: 'drop', reason: sender.e164 ? 'sender-not-allowed' : 'unresolved-lid' };
    reason = 'group-allowFrom';
  }
  const requireMention = entry?.requireMention ?? ACCESS_DEFAULTS.requireMention;
  if (requireMention && !mention.mentioned) return { action: 'drop', reason: 'no-mention' };
  return mention.mentioned ? { action: 'accept', reason, mentionedVia: mention.via } : { action: 'accept', reason };
}
