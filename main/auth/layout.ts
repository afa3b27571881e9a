// File names inside an account's credential directory. Key files use exactly the name Baileys'
// useMultiFileAuthState gives them, so OpenClaw installs, its docs and the seed guide still apply.
import type { SignalDataTypeMap } from '@whiskeysockets/baileys';

export const CREDS_FILE = 'creds.json';
export const BACKUP_FILE = 'creds.json.bak';
/** Records whether this directory is plain or encrypted (see marker.ts). Not a Baileys file. */
export const MARKER_FILE = 'clawline-store.json';

export type KeyType = keyof SignalDataTypeMap;

export const KEY_TYPES: readonly KeyType[] = [
  'pre-key',
  'session',
  'sender-key',
  'sender-key-memory',
  'app-state-sync-key',
  'app-state-sync-version',
  'lid-mapping',
  'device-list',
  'tctoken',
  'identity-key',
];

// Longest first so "sender-key-memory-x.json" is not taken for a sender key.
const TYPES_LONGEST_FIRST = [...KEY_TYPES].sort((a, b) => b.length - a.length);

/** Baileys' fixFileName: "/" -> "__", ":" -> "-" over the whole "<type>-<id>.json". */
export function keyFileName(type: string, id: string): string {
  return `${type}-${id}.json`.replace(/\//g, '__').replace(/:/g, '-');
}

/** Temp files left by writeFileAtomic (".<name>.<12 hex>.tmp"); a crash can leave them behind. */
export const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;
/** Files the store set aside because they could not be read (kept for inspection, never deleted). */
export const QUARANTINE_SUFFIX = '.corrupt';

export type FileKind =
  | { kind: 'creds' }
  | { kind: 'backup' }
  | { kind: 'marker' }
  | { kind: 'temp' }
  | { kind: 'quarantined' }
  | { kind: 'key'; type: KeyType; /** id part of the file name (after fixFileName, so ":" became "-") */ fileId: string }
  | { kind: 'other' };

export function classifyFile(name: string): FileKind {
  if (name === CREDS_FILE) return { kind: 'creds' };
  if (name === BACKUP_FILE) return { kind: 'backup' };
  if (name === MARKER_FILE) return { kind: 'marker' };
  if (TEMP_FILE.test(name)) return { kind: 'temp' };
  if (name.includes(QUARANTINE_SUFFIX)) return { kind: 'quarantined' };
  if (name.endsWith('.json')) {
    for (const type of TYPES_LONGEST_FIRST) {
      if (name.startsWith(`${type}-`)) return { kind: 'key', type, fileId: name.slice(type.length + 1, -'.json'.length) };
    }
  }
  return { kind: 'other' };
}

/** True for files that belong to Baileys' multi-file auth state (what a legacy move carries). */
export function isBaileysAuthFile(name: string): boolean {
  const k = classifyFile(name).kind;
  return k === 'creds' || k === 'backup' || k === 'key';
}
