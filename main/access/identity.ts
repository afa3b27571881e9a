// Who is this message from, as a phone number? Baileys 7 addresses many contacts by LID
// (`digits@lid`) and gives the phone form alongside (`remoteJidAlt` / `participantAlt`, formerly
// `senderPn`); when it does not, the LID mapping Baileys keeps in the auth state knows it.
import { bareJid, isGroupJid, isLidJid, isPhoneJid, jidToE164 } from './phone.ts';
import type { LidResolver, SelfIds, SenderIdentity } from './types.ts';

/** The parts of a Baileys `WAMessageKey` we read (structural, so this module stays Baileys-free). */
export interface MessageKeyLike {
  remoteJid?: string | null;
  participant?: string | null;
  fromMe?: boolean | null;
  id?: string | null;
  remoteJidAlt?: string | null;
  participantAlt?: string | null;
  /** Baileys 6.x names for the alternate phone address. */
  senderPn?: string | null;
  participantPn?: string | null;
}

/**
 * Resolves the sender of a message: group messages by `participant`, DMs by `remoteJid`.
 * Order: the JID itself when it is a phone JID, then the alternate address on the key, then the
 * injected LID lookup. A lookup that throws counts as unresolved (the caller drops the message
 * under allowlist/pairing rather than guessing).
 */
export async function resolveSender(
  key: MessageKeyLike,
  resolveLidToPn?: LidResolver,
  fallbackParticipant?: string | null,
): Promise<SenderIdentity> {
  const group = isGroupJid(key.remoteJid);
  const jid = (group ? key.participant ?? fallbackParticipant : key.remoteJid) ?? '';
  const alts = group ? [key.participantAlt, key.participantPn, key.senderPn] : [key.remoteJidAlt, key.senderPn];
  const identity: SenderIdentity = { jid };
  if (isLidJid(jid)) identity.lid = bareJid(jid);
  if (isPhoneJid(jid)) {
    identity.e164 = jidToE164(jid);
    // The alternate may be the LID when the primary address is the phone JID.
    const lidAlt = alts.find((a) => isLidJid(a));
    if (lidAlt) identity.lid = bareJid(lidAlt);
    return identity;
  }
  for (const alt of alts) {
    const e164 = jidToE164(alt);
    if (e164) {
      identity.e164 = e164;
      return identity;
    }
  }
  if (identity.lid && resolveLidToPn) {
    try {
      const pn = await resolveLidToPn(identity.lid);
      const e164 = jidToE164(pn ?? undefined);
      if (e164) identity.e164 = e164;
    } catch {
      // Unresolvable: left without e164 on purpose.
    }
  }
  return identity;
}

/** Our own number as +E164, from the linked phone JID. */
export function selfE164(self: SelfIds): string | undefined {
  return jidToE164(self.pn);
}

/** Whether an address (any device, phone or LID form) is our own account. */
export function isSelfAddress(jid: string | null | undefined, self: SelfIds): boolean {
  const bare = bareJid(jid);
  if (!bare) return false;
  return bare === bareJid(self.pn) || bare === bareJid(self.lid);
}
