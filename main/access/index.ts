// Access control: who may talk to the agent (DM policies, pairing, groups, mentions) and the
// two stores behind it (pending pairing requests, approved numbers). No Electron, no Baileys.
export type { AccessSettings, DmPolicy, GroupPolicy, GroupSettings, LidResolver, SelfIds, SenderIdentity } from './types.ts';
export { ACCESS_DEFAULTS } from './types.ts';
export {
  bareJid,
  e164ToJid,
  isBroadcastJid,
  isGroupJid,
  isLidJid,
  isPhoneJid,
  jidToE164,
  listAllows,
  normalizeE164,
  parseJid,
  sameUser,
} from './phone.ts';
export { isSelfAddress, resolveSender, selfE164, type MessageKeyLike } from './identity.ts';
export { detectMention, type MentionInput, type MentionResult, type MentionVia } from './mentions.ts';
export {
  decideDm,
  decideGroup,
  groupEntry,
  type AcceptReason,
  type AccessDecision,
  type DmDecisionInput,
  type DropReason,
  type GroupDecisionInput,
} from './policy.ts';
export { AllowStore } from './allow-store.ts';
export {
  PAIRING_CODE_ALPHABET,
  PAIRING_CODE_LENGTH,
  PAIRING_MAX_PENDING_PER_ACCOUNT,
  PAIRING_TTL_MS,
  PairingCodeNotFoundError,
  PairingStore,
  generatePairingCode,
  type PairingEvents,
  type PairingRequestOutcome,
  type PairingRequestView,
  type PairingStoreOptions,
} from './pairing-store.ts';
export { approvedNoticeText, pairingReplyText } from './pairing-texts.ts';
export { StoreFileError, withFileLock } from './store-file.ts';
