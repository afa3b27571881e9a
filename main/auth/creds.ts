// What makes a creds.json usable, and reading one without trusting it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseValue } from './buffer-json.ts';
import { FileDecodeError, type FileCodec } from './codec.ts';
import { CREDS_FILE } from './layout.ts';

function isBytes(v: unknown, lengths: number[]): boolean {
  if (v instanceof Uint8Array) return lengths.includes(v.length);
  // Raw JSON form (readers that skip the Buffer reviver).
  if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && typeof (v as { data?: unknown }).data === 'string') {
    return lengths.includes(Buffer.from((v as { data: string }).data, 'base64').length);
  }
  return false;
}

function isKeyPair(v: unknown): boolean {
  const kp = v as { public?: unknown; private?: unknown } | null;
  return typeof kp === 'object' && kp !== null && isBytes(kp.public, [32, 33]) && isBytes(kp.private, [32]);
}

/**
 * Problems that make a creds object unusable (empty list = valid). Only fields Baileys needs to
 * reconnect with the same identity: losing any of them means a new identity, i.e. logged out.
 */
export function credsProblems(creds: unknown): string[] {
  if (typeof creds !== 'object' || creds === null || Array.isArray(creds)) return ['not a JSON object'];
  const c = creds as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['noiseKey', 'signedIdentityKey', 'pairingEphemeralKeyPair']) {
    if (!isKeyPair(c[field])) problems.push(`${field} missing or not a key pair`);
  }
  const spk = c.signedPreKey as { keyPair?: unknown; signature?: unknown; keyId?: unknown } | undefined;
  if (!spk || !isKeyPair(spk.keyPair) || !isBytes(spk.signature, [64]) || typeof spk.keyId !== 'number') problems.push('signedPreKey missing or incomplete');
  if (typeof c.registrationId !== 'number') problems.push('registrationId missing');
  if (typeof c.advSecretKey !== 'string' || c.advSecretKey.length === 0) problems.push('advSecretKey missing');
  for (const field of ['nextPreKeyId', 'firstUnuploadedPreKeyId']) {
    if (typeof c[field] !== 'number') problems.push(`${field} missing`);
  }
  if (c.me !== undefined && c.me !== null && typeof (c.me as { id?: unknown }).id !== 'string') problems.push('me.id missing');
  return problems;
}

export type CredsFileState =
  | { state: 'ok'; creds: Record<string, unknown>; text: string; bytes: Buffer }
  | { state: 'missing' }
  | { state: 'broken'; problem: string; bytes?: Buffer; decode?: FileDecodeError['reason'] };

/**
 * Reads creds.json or its backup. Encrypted content is always bound to the name creds.json (the
 * backup is a copy of an earlier creds.json, byte for byte).
 */
export async function readCredsFile(dir: string, fileName: string, codec: FileCodec): Promise<CredsFileState> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, fileName));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing' };
    return { state: 'broken', problem: `cannot be read (${code ?? (err as Error).message})` };
  }
  let text: string;
  try {
    text = codec.open(CREDS_FILE, bytes).toString('utf8');
  } catch (err) {
    if (err instanceof FileDecodeError) return { state: 'broken', problem: err.message, bytes, decode: err.reason };
    throw err;
  }
  let creds: unknown;
  try {
    creds = parseValue(text);
  } catch (err) {
    return { state: 'broken', problem: `is not valid JSON (${(err as Error).message})`, bytes };
  }
  const problems = credsProblems(creds);
  if (problems.length) return { state: 'broken', problem: `is not usable: ${problems.join(', ')}`, bytes };
  return { state: 'ok', creds: creds as Record<string, unknown>, text, bytes };
}

export interface LinkedIdentity {
  id: string;
  name?: string;
  lid?: string;
}

export function linkedIdentity(creds: Record<string, unknown>): LinkedIdentity | undefined {
  const me = creds.me as { id?: unknown; name?: unknown; lid?: unknown } | undefined;
  if (!me || typeof me.id !== 'string' || me.id.length === 0) return undefined;
  return {
    id: me.id,
    ...(typeof me.name === 'string' ? { name: me.name } : {}),
    ...(typeof me.lid === 'string' ? { lid: me.lid } : {}),
  };
}
