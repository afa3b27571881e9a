// Bringing a side up on the simulator: spawn its process, link every account by scanning the QR
// the side shows (as a phone would), wait until the simulator sees each device ready.
import type { Simulator } from '../../sim/index.ts';
import type { ChildConfig } from '../child/protocol.ts';
import { spawnSide, type ChildScripts, type SideProcess, type SpawnOptions } from './sides.ts';

export interface LinkedSide {
  proc: SideProcess;
  /** accountId -> device JID on the simulator. */
  devices: Map<string, string>;
}

export async function startLinked(sim: Simulator, scripts: ChildScripts, config: ChildConfig, phones: Record<string, string>, options: SpawnOptions = {}): Promise<LinkedSide> {
  const proc = spawnSide(scripts, config, options);
  const devices = new Map<string, string>();
  try {
    await proc.ready;
    for (const accountId of config.accounts) {
      proc.link(accountId);
      const shown = await proc.waitAccount(accountId, (m) => m.state === 'qr' && !!m.qr, 60_000, 'QR');
      const result = await sim.phone.scan(shown.qr!, { phone: phones[accountId] });
      if (result.outcome !== 'linked' || !result.device) throw new Error(`${config.side} ${accountId}: the phone could not link (${result.outcome}: ${result.error ?? ''})`);
      devices.set(accountId, result.device);
      await proc.waitAccount(accountId, (m) => m.state === 'connected', 60_000, 'connected after linking');
      await sim.waitForReady(result.device, { timeoutMs: 60_000 });
    }
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return { proc, devices };
}

/** Waits until every account of a (re)started side is connected and ready on the simulator. */
export async function waitConnected(sim: Simulator, side: LinkedSide, timeoutMs = 60_000): Promise<void> {
  for (const [accountId, device] of side.devices) {
    await side.proc.waitAccount(accountId, (m) => m.state === 'connected', timeoutMs, 'connected');
    await sim.waitForReady(device, { timeoutMs });
  }
}
