// Inbound media on disk: saved under the state dir's media folder, capped at mediaMaxMb, and
// never left half-written (bytes go to a temp file that is renamed only when complete and
// within the cap). A zero-byte download is an error, not a file (failure-modes row 14).
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DownloadedMedia } from './types.ts';

export class MediaTooLargeError extends Error {
  /**
   * @param size the size in bytes when known (declared or counted so far: "at least")
   * @param maxBytes the cap
   */
  constructor(readonly size: number | undefined, readonly maxBytes: number) {
    super(`media is larger than the ${formatMb(maxBytes)} limit${size ? ` (${formatMb(size)})` : ''}`);
    this.name = 'MediaTooLargeError';
  }
}

export class EmptyMediaError extends Error {
  constructor() {
    super('the media download was empty (0 bytes)');
    this.name = 'EmptyMediaError';
  }
}

export function formatMb(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 || Number.isInteger(mb) ? Math.round(mb) : mb.toFixed(1)} MB`;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'video/mp4': '.mp4',
  'video/3gpp': '.3gp',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'audio/aac': '.aac',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
};

export function extensionFor(mimetype: string, fileName?: string): string {
  const fromName = fileName ? extname(fileName).toLowerCase() : '';
  if (/^\.[a-z0-9]{1,8}$/.test(fromName)) return fromName;
  return EXTENSIONS[mimetype.split(';')[0]!.trim().toLowerCase()] ?? '.bin';
}

/** A file-name-safe form of a message id. */
export function safeBaseName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80) || 'media';
}

/**
 * Writes a download (a stream of chunks, e.g. Baileys' `downloadMediaMessage(msg, 'stream')`,
 * or a buffer) to `<dir>/<baseName><ext>`. Throws MediaTooLargeError as soon as more than
 * `maxBytes` arrive, EmptyMediaError for nothing; in both cases no file remains.
 */
export async function saveMediaStream(
  source: AsyncIterable<Uint8Array> | Uint8Array,
  options: { dir: string; baseName: string; mimetype: string; maxBytes: number; fileName?: string },
): Promise<DownloadedMedia> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const base = safeBaseName(options.baseName);
  const temp = join(options.dir, `.${base}.${randomBytes(4).toString('hex')}.part`);
  const final = join(options.dir, base + extensionFor(options.mimetype, options.fileName));
  const handle = await open(temp, 'wx', 0o600);
  let size = 0;
  let ok = false;
  try {
    const chunks = source instanceof Uint8Array ? [source] : source;
    for await (const chunk of chunks) {
      size += chunk.byteLength;
      if (size > options.maxBytes) throw new MediaTooLargeError(size, options.maxBytes);
      await handle.write(chunk);
    }
    if (size === 0) throw new EmptyMediaError();
    ok = true;
  } finally {
    await handle.close();
    if (!ok) await unlink(temp).catch(() => {});
  }
  await rename(temp, final);
  return { path: final, size, mimetype: options.mimetype };
}
