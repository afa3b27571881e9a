// The logger handed to Baileys: a quiet child of ours that also feeds decryption failures to
// the decrypt monitor instead of printing one error line per message (Bad MAC floods of
// 100k+ lines were a user-reported failure), and keeps routine noise at debug.
import type { SocketConfig } from '@whiskeysockets/baileys';
import type { DecryptFailure } from './decrypt-monitor.ts';

export interface PinoLike {
  level: string;
  child(bindings: Record<string, unknown>, options?: { level?: string }): PinoLike;
  trace(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

type ILogger = SocketConfig['logger'];

/** Baileys messages that restate a disconnect we already log in plain words. */
const EXPECTED_ERRORS = new Set(['stream errored out', 'connection errored']);
/** Baileys warnings about nothing the user can act on (they would make the doctor's ladder stop at "recent errors"). */
const ROUTINE_WARNINGS = new Set(['no name present, ignoring presence update request...']);

export function makeBaileysLogger(inner: PinoLike, onDecryptFailure: (f: DecryptFailure) => void): ILogger {
  const wrap = (log: PinoLike): ILogger => ({
    get level() { return log.level; },
    set level(value: string) { log.level = value; },
    child: (obj) => wrap(log.child(obj)),
    trace: (obj, msg) => log.trace(obj, msg),
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => log.info(obj, msg),
    warn: (obj, msg) => (typeof obj === 'string' ? ROUTINE_WARNINGS.has(obj) : msg !== undefined && ROUTINE_WARNINGS.has(msg)) ? log.debug(obj, msg) : log.warn(obj, msg),
    error: (obj, msg) => {
      if (msg === 'failed to decrypt message') {
        const o = obj as { key?: { id?: string; remoteJid?: string }; err?: { message?: string } } | undefined;
        onDecryptFailure({ messageId: o?.key?.id ?? undefined, chat: o?.key?.remoteJid ?? undefined, error: o?.err?.message });
        return;
      }
      if (msg && EXPECTED_ERRORS.has(msg)) return log.debug(obj, msg);
      log.error(obj, msg);
    },
  });
  return wrap(inner);
}
