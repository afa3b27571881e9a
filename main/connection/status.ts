// The one state model per account: tray, window, CLI and logs all read this, nothing else.
// State names are fixed: other tooling (channels status --json) relies on them.
export const ACCOUNT_STATES = ['not-linked', 'linking', 'connecting', 'connected', 'reconnecting', 'logged-out', 'conflict', 'stopped'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

/** The single button that fixes the current problem, for the window and the tray. */
export type FixAction = 'link' | 'relink' | 'start' | 'restart' | 'reconnect-now' | 'open-doctor' | 'take-over';

/** Why linking is not moving, explained. */
export type LinkingStall = 'passkey-required' | 'cannot-link-now' | 'qr-expired' | 'code-expired' | 'phone-offline-or-clock' | 'code-rejected';

export interface LinkingInfo {
  method: 'qr' | 'code';
  /** Current QR string (raw, as Baileys emits it) and when it stops being valid. */
  qr?: string;
  qrDataUrl?: string;
  qrExpiresAt?: number;
  /** Pairing code shown as ABCD-EFGH, for link-by-phone-number. */
  code?: string;
  phone?: string;
  /** Set once the phone scanned and we wait for the 515 restart with saved creds. */
  scanned?: boolean;
  stall?: { kind: LinkingStall; cause: string; nextStep: string };
}

export interface AccountStatus {
  accountId: string;
  name?: string;
  enabled: boolean;
  state: AccountState;
  /** Plain-language cause and next step for every non-healthy state. */
  cause?: string;
  nextStep?: string;
  fix?: FixAction;
  linking?: LinkingInfo;
  self?: { number: string; name?: string; lid?: string };
  lastConnectedAt?: number;
  lastInboundAt?: number;
  lastDisconnect?: { at: number; code?: number; reason: string };
  reconnectAttempts: number;
  /** When state is reconnecting: when the next attempt starts (epoch ms). */
  nextRetryAt?: number;
  /** Decryption failures (Bad MAC etc.) since the connection opened. */
  decryptErrors?: number;
  /** Accepted messages still waiting for their reply. */
  pendingReplies?: number;
  /** Which WhatsApp Web version the socket announces, and where it came from. */
  waWebVersion?: WaWebVersionInfo;
  /** Last time any frame (ping answer, message, receipt) arrived on the socket: liveness, not chat activity. */
  lastFrameAt?: number;
  /** Last sign of life from the primary phone (a message written on it, the link itself). */
  phoneLastSeenAt?: number;
  /** Something to act on soon although the account works now (e.g. the phone offline for days). */
  warning?: { kind: 'phone-offline'; cause: string; nextStep: string };
}

export interface WaWebVersionInfo {
  /** Dotted form, e.g. "2.3000.1043857760". */
  version: string;
  source: 'fetched' | 'bundled' | 'simulator';
}

/** Emitted on every change of an account's status (the whole new snapshot). */
export type AccountStatusListener = (status: AccountStatus) => void;

/** States in which the account is fine or on its way to fine by itself; every other state carries a cause and a next step. */
export function isHealthyState(state: AccountState): boolean {
  return state === 'connected' || state === 'connecting';
}
