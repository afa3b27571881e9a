// Which key files can go. Baileys never releases unconsumed pre-keys (every top-up mints a new
// batch; OpenClaw users saw ~1,200 files a day), and after the PN->LID switch it can leave phone-
// number sessions behind that no code path reads any more. Everything else is kept: a session or
// sender key that looks old can still be the only way to read a contact's next message.

export interface PruneOptions {
  /**
   * Pre-keys among the newest `preKeyKeepRecentIds` ids below creds.firstUnuploadedPreKeyId are
   * always kept. Default 1,000: more than the 812 Baileys uploads when the server's pool is empty
   * plus its top-ups of 5, so the keys the server most plausibly still hands out stay.
   */
  preKeyKeepRecentIds?: number;
  /**
   * ...and pre-keys younger than this are kept whatever their id. Default 35 days: a contact uses a
   * pre-key in the first message it sends us, and WhatsApp holds undelivered messages for 30 days.
   */
  preKeyMinAgeMs?: number;
}

export const DEFAULT_PRUNE: Required<PruneOptions> = {
  preKeyKeepRecentIds: 1000,
  preKeyMinAgeMs: 35 * 24 * 60 * 60 * 1000,
};

export interface PreKeyFile {
  name: string;
  id: number;
  mtimeMs: number;
}

/**
 * Pre-key rule. A pre-key is needed only when a contact's first message (a pkmsg) names it; after
 * that libsignal deletes it itself. We cannot see which keys the server still holds, so this is
 * conservative rather than provable: keys at or above creds.firstUnuploadedPreKeyId are never
 * touched (not uploaded yet, or uploaded just before a crash lost the creds update); below it a
 * key goes only when it is outside the recent window AND older than the age floor. Should the
 * server still hand out such a key, that one sender's first message fails to decrypt and Baileys'
 * retry receipt (which carries fresh keys) recovers it; keeping every key forever is what piled
 * up ~1,200 files a day for OpenClaw users (Baileys mints a new batch at each top-up).
 */
export function planPreKeyPrune(files: PreKeyFile[], creds: { firstUnuploadedPreKeyId?: unknown }, now: number, options: PruneOptions = {}): string[] {
  const { preKeyKeepRecentIds, preKeyMinAgeMs } = { ...DEFAULT_PRUNE, ...options };
  const first = creds.firstUnuploadedPreKeyId;
  if (typeof first !== 'number' || !Number.isFinite(first)) return [];
  const below = first - preKeyKeepRecentIds;
  return files.filter((f) => f.id < below && now - f.mtimeMs >= preKeyMinAgeMs).map((f) => f.name);
}

/** Pre-key file name -> numeric id (Baileys names them pre-key-<id>.json). */
export function preKeyId(fileId: string): number | undefined {
  return /^\d+$/.test(fileId) ? Number(fileId) : undefined;
}

/**
 * Phone-number session rule. Baileys 7 resolves every session read and write for a phone-number
 * address to the contact's LID address once a lid-mapping for that number is stored
 * (signalStorage.resolveLIDSignalAddress), and migrates open PN sessions to LID. So a session file
 * "session-<digits>.<device>.json" is dead once lid-mapping-<digits>.json exists AND the LID
 * session "session-<lid>_1.<device>.json" exists: nothing reads it again, and a later migrateSession
 * could only copy the stale record over the live LID one.
 */
export function planPnSessionPrune(sessionFileIds: Iterable<string>, lidForPn: (pnUser: string) => string | undefined, sessionFileExists: (fileId: string) => boolean): string[] {
  const out: string[] = [];
  for (const fileId of sessionFileIds) {
    const m = /^(\d+)\.(\d+)$/.exec(fileId); // WhatsApp-domain PN address "<digits>.<device>"
    if (!m) continue;
    const lid = lidForPn(m[1]!);
    if (!lid || !/^\d+$/.test(lid)) continue;
    if (sessionFileExists(`${lid}_1.${m[2]}`)) out.push(fileId);
  }
  return out;
}
