// Benchmark child: replays the key-store traffic of a busy session (bench/lib/key-workload.ts)
// against one credential store, in its own process so fsyncs and writes are counted per store:
// Clawline's main/auth store, or Baileys' useMultiFileAuthState.
import { readdir } from 'node:fs/promises';
import { fsMeter, installFsMeter } from './fs-meter.ts';
import { childConfig, send } from './common.ts';
import { DEFAULT_KEY_WORKLOAD, replayLinking, replayMessages, type KeyStoreLike, type ReplayCounts } from '../lib/key-workload.ts';

await installFsMeter();
const config = childConfig();
const workload = config.replay ?? DEFAULT_KEY_WORKLOAD;
const dir = `${config.stateDir}/auth`;

let keys: KeyStoreLike;
let finish: () => Promise<void>;
if (config.side === 'clawline') {
  const { createAuthStore } = await import('../../main/auth/index.ts');
  const store = await createAuthStore({ dir });
  await store.saveCreds();
  keys = store.state.keys as unknown as KeyStoreLike;
  finish = () => store.close();
} else {
  const { useMultiFileAuthState } = await import('@whiskeysockets/baileys');
  const { state, saveCreds } = await useMultiFileAuthState(dir);
  await saveCreds();
  keys = state.keys as unknown as KeyStoreLike;
  finish = async () => {};
}

const counts: ReplayCounts = { messages: 0, ops: 0, entriesWritten: 0 };
const linkStart = performance.now();
await replayLinking(keys, workload, counts);
const linkMs = performance.now() - linkStart;
const fs0 = fsMeter();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const before = { ...counts };
await replayMessages(keys, workload, counts);
await finish();
const elapsedMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const fs1 = fsMeter();
const files = (await readdir(dir)).filter((n) => !n.startsWith('.'));
send({
  type: 'result',
  result: {
    side: config.side,
    workload,
    linkMs: Math.round(linkMs),
    messages: counts.messages,
    ops: counts.ops - before.ops,
    entriesWritten: counts.entriesWritten - before.entriesWritten,
    elapsedMs: Math.round(elapsedMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    fileWrites: fs1.writes - fs0.writes,
    bytesWritten: fs1.bytes - fs0.bytes,
    fsyncs: fs1.fsyncs - fs0.fsyncs,
    filesOnDisk: files.length,
  },
});
process.disconnect?.();
