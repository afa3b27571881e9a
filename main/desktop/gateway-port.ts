// What the tray app needs from the gateway, and nothing more: the same ControlHandler the
// loopback server uses, plus a way to stop everything when quitting. The gateway's composition
// root (main/gateway.ts, the lead's) provides startGateway(); this file states the shape the
// desktop calls so both sides can be checked against one type.
import type { ControlHandler } from '../control/contract.ts';
import type { KeyProvider } from '../auth/index.ts';
import type { EncryptionInfo } from './key-provider.ts';

export interface DesktopGatewayOptions {
  stateDir: string;
  /** Null: credentials stay plain (no usable keychain); `encryption` says why. */
  keyProvider: KeyProvider | null;
  encryption: EncryptionInfo;
  /** Also serve the browser dashboard on loopback (the tray app does, for `clawline dashboard`). */
  controlServer?: boolean;
}

export interface DesktopGateway {
  handler: ControlHandler;
  /** Stops connections, timers and the control server; resolves when all is flushed to disk. */
  stop(): Promise<void>;
}

export type StartGateway = (options: DesktopGatewayOptions) => Promise<DesktopGateway>;
