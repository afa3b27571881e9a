// Shared bits for the config tests: temp state dirs, fixtures, and where a snippet sits in a file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

export function fixture(name: string): Promise<string> {
  return readFile(join(FIXTURES, name), 'utf8');
}

export async function tempDir(prefix = 'clawline-config-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** 1-based line of the first line containing `snippet` (after line `after`), so assertions follow the fixture. */
export function lineOf(text: string, snippet: string, after = 0): number {
  const lines = text.split('\n');
  for (let i = after; i < lines.length; i++) if (lines[i]!.includes(snippet)) return i + 1;
  throw new Error(`snippet not found: ${snippet}`);
}

/** 1-based column where `snippet` starts on its line. */
export function columnOf(text: string, snippet: string): number {
  const line = text.split('\n')[lineOf(text, snippet) - 1]!;
  return line.indexOf(snippet) + 1;
}

/** Polls until `check` returns a value (real fs events arrive when the OS delivers them). */
export async function waitFor<T>(check: () => T | undefined | false, what: string, limitMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
