// WhatsApp media encryption, as contacts' phones do it: HKDF-SHA256(mediaKey, 112 bytes,
// "WhatsApp <Kind> Keys") -> iv | cipherKey | macKey; AES-256-CBC, then the first 10 bytes of
// HMAC-SHA256(macKey, iv || ciphertext) appended. Written with node:crypto (not Baileys') so
// the two ends of a media transfer are independent implementations.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const HKDF_INFO: Record<string, string> = {
  image: 'Image',
  sticker: 'Image',
  video: 'Video',
  gif: 'Video',
  audio: 'Audio',
  ptt: 'Audio',
  document: 'Document',
};

export interface EncryptedMedia {
  /** Ciphertext + 10-byte MAC: what gets uploaded. */
  body: Buffer;
  mediaKey: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
}

function keys(mediaKey: Buffer, kind: string): { iv: Buffer; cipherKey: Buffer; macKey: Buffer } {
  const label = HKDF_INFO[kind];
  if (!label) throw new Error(`no media key derivation for kind "${kind}"`);
  const expanded = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(0), Buffer.from(`WhatsApp ${label} Keys`), 112));
  return { iv: expanded.subarray(0, 16), cipherKey: expanded.subarray(16, 48), macKey: expanded.subarray(48, 80) };
}

export function encryptMedia(plaintext: Buffer, kind: string): EncryptedMedia {
  const mediaKey = randomBytes(32);
  const { iv, cipherKey, macKey } = keys(mediaKey, kind);
  const c = createCipheriv('aes-256-cbc', cipherKey, iv);
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, 10);
  const body = Buffer.concat([ciphertext, mac]);
  return {
    body,
    mediaKey,
    fileSha256: createHash('sha256').update(plaintext).digest(),
    fileEncSha256: createHash('sha256').update(body).digest(),
  };
}

/** Verifies the MAC and decrypts; throws on a bad MAC or padding. */
export function decryptMedia(body: Buffer, mediaKey: Buffer, kind: string): Buffer {
  const { iv, cipherKey, macKey } = keys(mediaKey, kind);
  if (body.length < 10) throw new Error('media body too short');
  const ciphertext = body.subarray(0, body.length - 10);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, 10);
  if (!mac.equals(body.subarray(body.length - 10))) throw new Error('media MAC mismatch');
  const d = createDecipheriv('aes-256-cbc', cipherKey, iv);
  return Buffer.concat([d.update(ciphertext), d.final()]);
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// A valid 1x1 PNG, the default picture a contact sends.
export const SAMPLE_PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

const DEFAULT_MIME: Record<string, string> = {
  image: 'image/png',
  audio: 'audio/ogg; codecs=opus',
  video: 'video/mp4',
  document: 'application/pdf',
};

export function defaultMimetype(kind: string): string {
  return DEFAULT_MIME[kind] ?? 'application/octet-stream';
}

/** Content for a generated media message of `bytes` length (a real PNG when it fits). */
export function sampleContent(kind: string, bytes: number | undefined): Buffer {
  if (kind === 'image' && (bytes === undefined || bytes === SAMPLE_PNG.length)) return SAMPLE_PNG;
  if (kind === 'document' && bytes === undefined) return Buffer.from('%PDF-1.4\n% simulated document\n%%EOF\n');
  const size = bytes ?? 4096;
  const out = randomBytes(size);
  // Keep a recognisable header for the common kinds.
  if (kind === 'image' && size >= SAMPLE_PNG.length) SAMPLE_PNG.copy(out, 0, 0, 8);
  if (kind === 'audio' && size >= 4) out.write('OggS', 0, 'latin1');
  return out;
}
