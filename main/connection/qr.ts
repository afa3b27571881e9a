// QR codes for linking: a large PNG data URL for the window, a terminal rendering for the
// CLI, and how long each code stays valid (Baileys gives the first ref ~60 s, then ~20 s each).
import QRCode from 'qrcode';

export const FIRST_QR_TTL_MS = 60_000;
export const NEXT_QR_TTL_MS = 20_000;

/** Lifetime of the n-th QR (0-based) of one socket; `fixedTtlMs` mirrors Baileys' `qrTimeout` option. */
export function qrLifetimeMs(index: number, fixedTtlMs?: number): number {
  if (fixedTtlMs && fixedTtlMs > 0) return fixedTtlMs;
  return index === 0 ? FIRST_QR_TTL_MS : NEXT_QR_TTL_MS;
}

/**
 * PNG data URL, error correction M (readable from a screen photo, still a small symbol even
 * for Baileys 7's long wa.me URL) and 512 px: large enough to scan from across a desk.
 */
export function renderQrDataUrl(qr: string): Promise<string> {
  return QRCode.toDataURL(qr, { errorCorrectionLevel: 'M', width: 512, margin: 2, type: 'image/png' });
}

/** Text rendering for a terminal (half-block characters: fits an 80x24 window). */
export function renderQrTerminal(qr: string): Promise<string> {
  return QRCode.toString(qr, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}

/** Baileys returns the 8-character pairing code in one block; people read ABCD-EFGH. */
export function formatPairingCode(code: string): string {
  const clean = code.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return clean.length === 8 ? `${clean.slice(0, 4)}-${clean.slice(4)}` : clean;
}

/** Digits only, as Baileys' requestPairingCode wants them; undefined when it cannot be a phone number. */
export function normalizePhoneForPairing(phone: string): string | undefined {
  const digits = phone.replace(/^whatsapp:/i, '').replace(/[\s().\-+]/g, '');
  return /^\d{7,15}$/.test(digits) ? digits : undefined;
}
