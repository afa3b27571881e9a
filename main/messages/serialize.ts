// Baileys messages survive a restart in the inbound journal: bytes (media keys, hashes) and
// 64-bit numbers (timestamps, file lengths) need care, and protobuf objects' own toJSON would
// turn bytes into indistinguishable base64 strings. So: walk own fields, bytes -> {$b64}.
import type { WAMessage } from './types.ts';

function toPlain(value: unknown, depth: number): unknown {
  if (depth > 64) return undefined; // protobuf messages are shallow; anything deeper is a cycle
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (value instanceof Uint8Array) return { $b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  const long = value as { low?: unknown; high?: unknown; toNumber?: () => number };
  if (typeof long.toNumber === 'function' && typeof long.low === 'number' && typeof long.high === 'number') return long.toNumber();
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1) ?? null);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = toPlain((value as Record<string, unknown>)[key], depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function serializeMessage(msg: WAMessage): unknown {
  return toPlain(msg, 0);
}

export function reviveMessage(plain: unknown): WAMessage {
  const revive = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(revive);
    const o = v as Record<string, unknown>;
    if (typeof o.$b64 === 'string' && Object.keys(o).length === 1) return Buffer.from(o.$b64, 'base64');
    for (const k of Object.keys(o)) o[k] = revive(o[k]);
    return o;
  };
  return revive(plain) as WAMessage;
}
