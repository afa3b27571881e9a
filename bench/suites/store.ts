// The credential/key store benchmark: the same recorded key-store traffic replayed against
// Clawline's store and against Baileys' useMultiFileAuthState, each in its own process.
import { rm } from 'node:fs/promises';
import type { Side } from '../child/protocol.ts';
import type { KeyWorkload } from '../lib/key-workload.ts';
import type { Progress } from '../lib/progress.ts';
import { spawnChild, type ChildScripts } from '../lib/sides.ts';
import { tempDir } from '../lib/state.ts';
import { round } from '../lib/stats.ts';

export interface StoreFigures {
  side: Side;
  messages: number;
  ops: number;
  entriesWritten: number;
  elapsedMs: number;
  opsPerSec: number;
  messagesPerSec: number;
  cpuMs: number;
  fileWrites: number;
  bytesWritten: number;
  fsyncs: number;
  filesOnDisk: number;
  linkMs: number;
}

export async function runStoreSide(side: Side, workload: KeyWorkload, env: { scripts: ChildScripts; progress: Progress; gatewayCpu?: number }): Promise<StoreFigures> {
  const dir = await tempDir(`${side}-store`);
  try {
    env.progress.set(`${side}: replaying ${workload.messages} messages of key-store traffic`);
    const proc = spawnChild(env.scripts.storeReplay, { side, stateDir: dir, accounts: [], simUrl: '', simCa: '', replay: workload }, { cpu: env.gatewayCpu });
    const r = (await proc.result) as Omit<StoreFigures, 'opsPerSec' | 'messagesPerSec'>;
    await proc.exited;
    const secs = Math.max(0.001, r.elapsedMs / 1000);
    const figures: StoreFigures = { ...r, opsPerSec: round(r.ops / secs, 0), messagesPerSec: round(r.messages / secs, 1) };
    env.progress.line(`${side} store: ${figures.opsPerSec} ops/s (${figures.messagesPerSec} msg/s), ${figures.fsyncs} fsyncs, ${figures.filesOnDisk} files on disk`);
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
