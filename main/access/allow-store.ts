// Numbers the owner approved through DM pairing, one file per account:
// `credentials/whatsapp-<accountId>-allowFrom.json` = `{ version: 1, allowFrom: ["+15551234567"] }`.
// Merged with `allowFrom` for DMs only. The CLI may approve while the gateway runs, so reads
// check the file's identity (one stat) and re-parse only when it changed: approvals take
// effect on the next message without a restart.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { statePaths } from '../shared/state-dir.ts';
import { normalizeE164 } from './phone.ts';
import { StoreFileError, readJsonFile, withFileLock, writeJsonFile } from './store-file.ts';

interface AllowFile {
  version: 1;
  allowFrom: string[];
  [extra: string]: unknown;
}

function parseAllowFile(path: string, raw: unknown): AllowFile {
  if (raw === undefined) return { version: 1, allowFrom: [] };
  // Older stores were a bare array; read them, write the current shape.
  if (Array.isArray(raw)) return { version: 1, allowFrom: raw.filter((x): x is string => typeof x === 'string') };
  if (typeof raw === 'object' && raw !== null && Array.isArray((raw as AllowFile).allowFrom)) {
    const file = raw as AllowFile;
    return { ...file, version: 1, allowFrom: file.allowFrom.filter((x): x is string => typeof x === 'string') };
  }
  throw new StoreFileError(path, 'should look like {"version": 1, "allowFrom": ["+15551234567"]}. Fix it by hand or move it aside.');
}

export class AllowStore {
  private cache?: { sig: string; numbers: string[] };

  /**
   * @param path the file approvals are written to
   * @param readAlso files that are only read and merged (OpenClaw keeps the default account's
   *   approvals in the unscoped `whatsapp-allowFrom.json` in some versions)
   */
  constructor(readonly path: string, private readonly readAlso: readonly string[] = []) {}

  static forAccount(stateDir: string, accountId: string): AllowStore {
    const paths = statePaths(stateDir);
    const legacy = accountId === 'default' ? [join(paths.credentials, 'whatsapp-allowFrom.json')] : [];
    return new AllowStore(paths.allowStore(accountId), legacy);
  }

  private async signature(path: string): Promise<string> {
    try {
      const s = await stat(path, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw new StoreFileError(path, `cannot be read (${(err as Error).message}). Check its permissions.`);
    }
  }

  /** Approved numbers as +E164; files are re-parsed only when they changed since the last call. */
  async list(): Promise<string[]> {
    const sources = [this.path, ...this.readAlso];
    const sig = (await Promise.all(sources.map((p) => this.signature(p)))).join('|');
    if (this.cache?.sig === sig) return this.cache.numbers;
    const numbers = new Set<string>();
    for (const source of sources) {
      const file = parseAllowFile(source, await readJsonFile(source));
      for (const entry of file.allowFrom) {
        const e164 = normalizeE164(entry);
        if (e164) numbers.add(e164);
      }
    }
    this.cache = { sig, numbers: [...numbers] };
    return this.cache.numbers;
  }

  async has(e164: string): Promise<boolean> {
    return (await this.list()).includes(e164);
  }

  /** Adds a number; false when it was already there. */
  async add(number: string): Promise<boolean> {
    const e164 = normalizeE164(number);
    if (!e164) throw new Error(`"${number}" is not a phone number`);
    return withFileLock(this.path, async () => {
      const file = parseAllowFile(this.path, await readJsonFile(this.path));
      if (file.allowFrom.some((x) => normalizeE164(x) === e164)) return false;
      file.allowFrom.push(e164);
      await writeJsonFile(this.path, file);
      return true;
    });
  }

  /** Removes a number (revokes a pairing approval) from every file it is in; false when absent. */
  async remove(number: string): Promise<boolean> {
    const e164 = normalizeE164(number);
    if (!e164) return false;
    let removed = false;
    for (const path of [this.path, ...this.readAlso]) {
      removed =
        (await withFileLock(path, async () => {
          const raw = await readJsonFile(path);
          if (raw === undefined) return false;
          const file = parseAllowFile(path, raw);
          const kept = file.allowFrom.filter((x) => normalizeE164(x) !== e164);
          if (kept.length === file.allowFrom.length) return false;
          file.allowFrom = kept;
          await writeJsonFile(path, file);
          return true;
        })) || removed;
    }
    return removed;
  }
}
