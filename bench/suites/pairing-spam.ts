// Pairing spam: many unknown senders write to a gateway under the default `pairing` policy.
// At most 3 requests may be pending and at most 3 pairing replies may go out; memory must stay
// flat; a known contact must still get its answer afterwards.
import { rm } from 'node:fs/promises';
import { startSimulator } from '../../sim/index.ts';
import { startLinked, type LinkedSide } from '../lib/link.ts';
import type { Progress } from '../lib/progress.ts';
import type { ChildScripts } from '../lib/sides.ts';
import { tempDir, writeClawlineConfig } from '../lib/state.ts';
import { MB, round } from '../lib/stats.ts';

export interface PairingSpamOptions {
  senders: number;
  /** Every n-th sender writes a second time. */
  repeatEvery: number;
  /** Messages per second offered by the spammers together. */
  ratePerSec: number;
  scripts: ChildScripts;
  progress: Progress;
  gatewayCpu?: number;
}

export interface PairingSpamResult {
  senders: number;
  messages: number;
  /** Messages the gateway processed (journal-accepted or dropped): all of them should be seen. */
  pendingRequests: number;
  /** Pairing replies sent to spammers in total, and how many spammers got anything at all. */
  pairingReplies: number;
  sendersAnswered: number;
  /** RSS / heap after a full GC, at the start and after every quarter of the senders. */
  memory: { senders: number; rssMb: number; heapMb: number }[];
  heapGrowthMb: number;
  /** A contact in allowFrom wrote "ping" after the spam: how long until "pong" (null = never). */
  friendPongMs: number | null;
  durationSec: number;
  ok: boolean;
}

const FRIEND = '4915199999999';

export async function runPairingSpam(o: PairingSpamOptions): Promise<PairingSpamResult> {
  const started = Date.now();
  const sim = await startSimulator({ quiet: true });
  const stateDir = await tempDir('pairing-spam');
  let linked: LinkedSide | undefined;
  try {
    await writeClawlineConfig(stateDir, { accounts: ['default'], dmPolicy: 'pairing', allowFrom: [`+${FRIEND}`] });
    o.progress.set('pairing spam: linking');
    linked = await startLinked(sim, o.scripts, { side: 'clawline', stateDir, accounts: ['default'], simUrl: sim.url, simCa: sim.ca }, { default: '4915400000001' }, { cpu: o.gatewayCpu });
    const proc = linked.proc;
    const friend = sim.contact(sim.addContact({ name: 'Friend', phone: FRIEND }).id);
    const memory: PairingSpamResult['memory'] = [];
    const sampleAt = async (senders: number) => {
      const s = await proc.sample(true);
      memory.push({ senders, rssMb: round(s.rssBytes / MB, 1), heapMb: round(s.heapUsedBytes / MB, 1) });
    };
    // Warm-up like the other suites: one exchange with the known contact.
    await friend.send('ping');
    await sim.waitForMessage(friend.info.id, (m) => m.text === 'pong', { timeoutMs: 60_000 });
    await sampleAt(0);
    const spammers = Array.from({ length: o.senders }, (_, i) => sim.contact(sim.addContact({ name: `Stranger ${i + 1}` }).id));
    let messages = 0;
    const quarter = Math.max(1, Math.floor(o.senders / 4));
    const interval = 1000 / o.ratePerSec;
    let next = Date.now();
    for (let i = 0; i < spammers.length; i++) {
      const sends = [spammers[i]!.send(`hello, I am stranger ${i + 1}`)];
      messages++;
      if (o.repeatEvery > 0 && i % o.repeatEvery === 0) { sends.push(spammers[i]!.send('hello??')); messages++; }
      await Promise.all(sends);
      next += interval;
      if (next > Date.now()) await new Promise((r) => setTimeout(r, next - Date.now()));
      if ((i + 1) % quarter === 0) {
        // Let the gateway catch up before measuring: every spammer so far was acknowledged.
        await sim.waitFor(() => sim.devices().every((d) => d.pending === 0), { timeoutMs: 120_000 }).catch(() => {});
        await sampleAt(i + 1);
        o.progress.set(`pairing spam: ${i + 1}/${o.senders} senders`);
      }
    }
    await sim.waitFor(() => sim.devices().every((d) => d.pending === 0), { timeoutMs: 120_000 }).catch(() => {});
    const list = (await proc.call('pairing.list', {})) as { requests: unknown[] };
    const pairingReplies = spammers.reduce((n, s) => n + s.inbox.messages.length, 0);
    const sendersAnswered = spammers.filter((s) => s.inbox.messages.length > 0).length;
    const t0 = Date.now();
    const { messageId } = await friend.send('ping');
    const pong = await sim.waitForMessage(friend.info.id, (m) => m.text === 'pong' && m.at >= t0, { timeoutMs: 60_000 }).catch(() => undefined);
    const friendPongMs = pong ? pong.at - friend.sent.get(messageId)!.at : null;
    const heapGrowthMb = round((memory.at(-1)?.heapMb ?? 0) - (memory[0]?.heapMb ?? 0), 1);
    const result: PairingSpamResult = {
      senders: o.senders, messages, pendingRequests: list.requests.length, pairingReplies, sendersAnswered,
      memory, heapGrowthMb, friendPongMs, durationSec: Math.round((Date.now() - started) / 1000), ok: false,
    };
    result.ok = result.pendingRequests <= 3 && result.pairingReplies <= 3 && friendPongMs !== null;
    o.progress.line(`pairing spam: ${o.senders} senders, ${messages} messages: ${result.pendingRequests} pending, ${pairingReplies} pairing replies, heap ${heapGrowthMb >= 0 ? '+' : ''}${heapGrowthMb} MB, friend answered in ${friendPongMs ?? 'never'} ms`);
    return result;
  } finally {
    await linked?.proc.stop();
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
