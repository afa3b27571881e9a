// The Signal key-store traffic of a busy 1:1 session, as Baileys 7.0.0-rc14 generates it
// (recorded by wrapping the key store of a bot on the simulator, see docs/benchmarks.md):
//   linking:            812 pre-keys set in one call, creds saved
//   a contact's first:  lid-mapping get + set (2 entries), identity-key get + set, session get,
//                       pre-key get, session set, pre-key delete, device-list set
//   every echo:         decrypt  = session get + session set (the contact's session)
//                       reply    = session get (contact + our phone), tctoken get x2,
//                                  one set of both sessions (ours ~1.8 KB, the contact's growing)
// libsignal 6.0.0 keeps old receiving chains, so a contact's session grows ~79 bytes (~105 as
// JSON) per turn; the replay grows it the same way.

export interface KeyWorkload {
  messages: number;
  contacts: number;
  initialPreKeys: number;
  /** Raw bytes of a new session, of our phone's session, and growth per turn. */
  sessionStartBytes: number;
  ownSessionBytes: number;
  sessionGrowthBytes: number;
}

export const DEFAULT_KEY_WORKLOAD: KeyWorkload = {
  messages: 10_000,
  contacts: 10,
  initialPreKeys: 812,
  sessionStartBytes: 690,
  ownSessionBytes: 1_340,
  sessionGrowthBytes: 79,
};

export interface KeyStoreLike {
  get(type: string, ids: string[]): unknown;
  set(data: Record<string, Record<string, unknown>>): unknown;
}

export interface ReplayCounts {
  messages: number;
  /** get/set calls. */
  ops: number;
  /** Key entries written (a set call may carry several) or deleted. */
  entriesWritten: number;
}

const bytes = (n: number, seed: number) => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 31) & 0xff;
  return b;
};

/** The linking part: pre-keys in one call. */
export async function replayLinking(keys: KeyStoreLike, w: KeyWorkload, counts: ReplayCounts): Promise<void> {
  const preKeys: Record<string, unknown> = {};
  for (let id = 1; id <= w.initialPreKeys; id++) preKeys[String(id)] = { public: bytes(33, id), private: bytes(32, id + 7) };
  await keys.set({ 'pre-key': preKeys });
  counts.ops++;
  counts.entriesWritten += w.initialPreKeys;
}

/**
 * The messages: one worker per contact (Baileys handles different chats concurrently), each
 * replaying its messages in order and awaiting every call, as Baileys' transactions do.
 */
export async function replayMessages(keys: KeyStoreLike, w: KeyWorkload, counts: ReplayCounts): Promise<void> {
  const own = '96109474577752_1.0';
  const perContact = Math.ceil(w.messages / w.contacts);
  let issued = 0;
  const worker = async (c: number) => {
    const lid = String(77156683785100 + c);
    const session = `${lid}_1.0`;
    const pn = String(15550000100 + c);
    let size = w.sessionStartBytes;
    for (let turn = 0; turn < perContact && issued < w.messages; turn++) {
      issued++;
      if (turn === 0) {
        await keys.get('lid-mapping', [pn]);
        await keys.set({ 'lid-mapping': { [pn]: lid, [`${lid}_reverse`]: pn } });
        await keys.get('identity-key', [session]);
        await keys.set({ 'identity-key': { [session]: bytes(33, c) } });
        await keys.get('session', [session]);
        await keys.get('pre-key', [String(c + 1)]);
        await keys.set({ session: { [session]: bytes(size, c) } });
        await keys.set({ 'pre-key': { [String(c + 1)]: null } });
        await keys.set({ 'device-list': { [pn]: ['0'] } });
        counts.ops += 9;
        counts.entriesWritten += 7;
      } else {
        await keys.get('session', [session]);
        await keys.set({ session: { [session]: bytes(size, turn) } });
        counts.ops += 2;
        counts.entriesWritten += 1;
      }
      size += w.sessionGrowthBytes;
      await keys.get('session', [session, own]);
      await keys.get('tctoken', [`${lid}@lid`]);
      await keys.get('tctoken', ['__index']);
      await keys.set({ session: { [own]: bytes(w.ownSessionBytes, turn + 1), [session]: bytes(size, turn + 3) } });
      counts.ops += 4;
      counts.entriesWritten += 2;
      counts.messages++;
    }
  };
  await Promise.all(Array.from({ length: w.contacts }, (_, c) => worker(c)));
}
