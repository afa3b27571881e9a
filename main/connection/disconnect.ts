// Every way a connection or a linking attempt can end, as a typed value (whatsmeow style), so
// the rest of the code switches on `kind` instead of parsing status codes in several places.
// classifyDisconnect() is the only place that reads Baileys' Boom errors.

export type DisconnectReason =
  /** 515: the server asks for a new socket (always right after a successful scan). */
  | { kind: 'restart-required' }
  /** 401 / 403 / 406: the session is gone; `by` says who ended it. */
  | { kind: 'logged-out'; by: 'phone' | 'server' | 'user'; code: number }
  /** 440: another client opened this session and WhatsApp closed ours. */
  | { kind: 'replaced' }
  /** 428: the socket closed (network drop, server restart). */
  | { kind: 'connection-closed'; message?: string }
  /** 408 from Baileys' own keep-alive: no answer to pings. */
  | { kind: 'connection-lost' }
  /** 408 other than the two above (connect or query timeout). */
  | { kind: 'timed-out'; message?: string }
  /** 408 'QR refs attempts ended': every QR of this linking attempt expired unscanned. */
  | { kind: 'qr-refs-ended' }
  /** 503: WhatsApp is temporarily unavailable. */
  | { kind: 'service-unavailable' }
  /** 402 at login: temporary ban, maybe with an end time. */
  | { kind: 'temporary-ban'; until?: number }
  /** 405 at login: this WhatsApp Web version is too old. */
  | { kind: 'client-outdated' }
  /** 411: the account is not on multi-device. */
  | { kind: 'multidevice-mismatch' }
  /** 500 / unparseable stream error. */
  | { kind: 'bad-session'; message?: string }
  | { kind: 'unknown'; code?: number; message?: string }
  // --- reasons raised by us, not by Baileys ---
  /** Our liveness watch saw no frame at all for the window. */
  | { kind: 'liveness-timeout'; silentMs: number }
  /** Decryption failures burst: we reconnect to repair sessions. */
  | { kind: 'decrypt-repair'; failures: number }
  /** Backoff ran out of attempts. */
  | { kind: 'gave-up'; attempts: number; last: DisconnectReason }
  /** Another Clawline process on this computer holds the account's lock. */
  | { kind: 'lock-busy'; ownerPid?: number }
  /** The server refused to link a new device right now ("Can't link new devices at this time"). */
  | { kind: 'linking-refused'; code?: number }
  /** The phone scanned but never confirmed: since 2026 some accounts must approve a passkey on the phone. */
  | { kind: 'passkey-stall'; waitedMs: number }
  /** requestPairingCode failed or the phone rejected the code. */
  | { kind: 'code-rejected'; message?: string }
  /** The user stopped the account (or the app is quitting). */
  | { kind: 'stopped' };

export type DisconnectKind = DisconnectReason['kind'];

/** The parts of Baileys' `lastDisconnect.error` (a Boom) we look at. */
export interface BaileysCloseError {
  message?: string;
  output?: { statusCode?: number };
  data?: unknown;
}

const QR_REFS_ENDED = 'QR refs attempts ended';
const INTENTIONAL_LOGOUT = 'Intentional Logout';
const KEEPALIVE_LOST = 'Connection was lost';

/** Turns Baileys' close error into a typed reason. */
export function classifyDisconnect(error: BaileysCloseError | undefined, now: number = Date.now()): DisconnectReason {
  const code = error?.output?.statusCode;
  const message = error?.message;
  const data = (error?.data ?? undefined) as { tag?: string; attrs?: Record<string, string>; reason?: string; expire?: string; code?: string } | undefined;
  switch (code) {
    case 515:
      return { kind: 'restart-required' };
    case 401:
    case 403:
    case 406: {
      if (message === INTENTIONAL_LOGOUT) return { kind: 'logged-out', by: 'user', code };
      // <stream:error code=401><conflict type="device_removed"/>: removed from the phone's Linked devices.
      if (data?.tag === 'conflict' && data.attrs?.type === 'device_removed') return { kind: 'logged-out', by: 'phone', code };
      return { kind: 'logged-out', by: 'server', code };
    }
    case 440:
      return { kind: 'replaced' };
    case 428:
      return { kind: 'connection-closed', message };
    case 408:
      if (message === QR_REFS_ENDED) return { kind: 'qr-refs-ended' };
      if (message === KEEPALIVE_LOST) return { kind: 'connection-lost' };
      return { kind: 'timed-out', message };
    case 503:
      return { kind: 'service-unavailable' };
    case 402: {
      // <failure reason=402 expire=SECONDS>: whatsmeow reads the expiry the same way.
      const expire = Number(data?.expire ?? data?.attrs?.expire);
      return { kind: 'temporary-ban', until: Number.isFinite(expire) && expire > 0 ? now + expire * 1000 : undefined };
    }
    case 405:
      return { kind: 'client-outdated' };
    case 411:
      return { kind: 'multidevice-mismatch' };
    case 500:
      return { kind: 'bad-session', message };
    default:
      return { kind: 'unknown', code, message };
  }
}

/** The status code a reason stands for, for `lastDisconnect.code` (undefined for our own reasons). */
export function reasonCode(reason: DisconnectReason): number | undefined {
  switch (reason.kind) {
    case 'restart-required': return 515;
    case 'logged-out': return reason.code;
    case 'replaced': return 440;
    case 'connection-closed': return 428;
    case 'connection-lost':
    case 'timed-out':
    case 'qr-refs-ended': return 408;
    case 'service-unavailable': return 503;
    case 'temporary-ban': return 402;
    case 'client-outdated': return 405;
    case 'multidevice-mismatch': return 411;
    case 'bad-session': return 500;
    case 'unknown': return reason.code;
    case 'linking-refused': return reason.code;
    case 'gave-up': return reasonCode(reason.last);
    default: return undefined;
  }
}
