// Saving an edit to openclaw.json: validate the result first, never replace a valid file with an
// invalid one, never touch a file we cannot fully read, write atomically (0600).
import { readFile, realpath } from 'node:fs/promises';
import type { Finding } from '../control/contract.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { EditError, setValueInText, unsetValueInText } from './edit.ts';
import { formatKeyPath, type KeyPath } from './key-path.ts';
import { describeReadError, evaluateConfigText, type LoadedConfig, type LoadOptions } from './load.ts';

export interface EditResult {
  /** True when the file now holds the requested value (also when nothing needed to change). */
  ok: boolean;
  changed: boolean;
  /** Why the edit was refused (errors), or the findings of the saved file (warnings are allowed). */
  findings: Finding[];
  /** The config as saved (present when ok). */
  config?: LoadedConfig;
}

const MAX_ATTEMPTS = 5;

function refusal(path: KeyPath | '', message: string, hint?: string): EditResult {
  const finding: Finding = { severity: 'error', path: path === '' ? '' : formatKeyPath(path), message };
  if (hint) finding.hint = hint;
  return { ok: false, changed: false, findings: [finding] };
}

async function readText(file: string): Promise<{ text: string; exists: boolean }> {
  try {
    return { text: await readFile(file, 'utf8'), exists: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', exists: false };
    throw err;
  }
}

const findingKey = (f: Finding): string => `${f.path}\u0000${f.message}`;

/**
 * Applies `transform` to the file's text and saves the result if it introduces no new error.
 * Errors already in the file do not block unrelated edits (so the GUI can fix them one at a time).
 */
async function editConfig(file: string, keyPath: KeyPath, transform: (text: string) => string, options: LoadOptions): Promise<EditResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let text: string;
    let exists: boolean;
    try {
      ({ text, exists } = await readText(file));
    } catch (err) {
      return refusal('', describeReadError(file, err), 'Nothing was changed.');
    }
    const blank = text.trim() === '' || text === '\uFEFF';
    const before = blank ? undefined : evaluateConfigText(text, file, options);
    if (before?.document && !before.document.ok) {
      return {
        ok: false, changed: false,
        findings: [...before.findings.map((f) => ({ ...f, hint: `${f.hint ?? ''} Clawline does not rewrite a file it cannot fully read, so nothing was changed.`.trim() }))],
      };
    }
    if (before?.document && 'cstError' in before.document) {
      return refusal('', 'this file uses a JSON5 form that Clawline cannot edit without risking your formatting', 'Edit the file by hand, or quote unusual keys ("like this").');
    }
    let next: string;
    try {
      next = transform(text);
    } catch (err) {
      if (err instanceof EditError) return refusal(keyPath, err.message, 'Nothing was changed.');
      throw err;
    }
    if (next === text) return { ok: true, changed: false, findings: before?.findings ?? [], ...(before ? { config: before } : {}) };
    const after = evaluateConfigText(next, file, options);
    const known = new Set((before?.findings ?? []).map(findingKey));
    const introduced = after.findings.filter((f) => f.severity === 'error' && !known.has(findingKey(f)));
    if (introduced.length > 0) {
      return { ok: false, changed: false, findings: introduced.map((f) => ({ ...f, hint: `${f.hint ?? ''} The change was refused and the file left as it was.`.trim() })) };
    }
    // Write through a symlink (dotfile repos) instead of replacing it with a plain file.
    const target = exists ? await realpath(file).catch(() => file) : file;
    const again = await readText(file).catch(() => undefined);
    if (!again || again.text !== text || again.exists !== exists) continue; // someone else saved meanwhile: redo on their version
    try {
      await writeFileAtomic(target, next, { mode: 0o600 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return refusal('', `could not save ${target}: ${code ?? ''} ${(err as Error).message}`.replace(/\s+/g, ' ').trim(),
        `Check that the folder is writable and the disk has space. The previous file is unchanged.`);
    }
    return { ok: true, changed: true, findings: after.findings, config: after };
  }
  return refusal('', `${file} kept changing while saving`, 'Try again when no other program is editing the file.');
}

/** Sets `keyPath` to `value` (any JSON value) in the config file, keeping comments and layout. */
export function setConfigValue(file: string, keyPath: KeyPath, value: unknown, options: LoadOptions = {}): Promise<EditResult> {
  return editConfig(file, keyPath, (text) => setValueInText(text, keyPath, value), options);
}

/** Removes `keyPath` (every copy of a duplicated key) from the config file. */
export function unsetConfigValue(file: string, keyPath: KeyPath, options: LoadOptions = {}): Promise<EditResult> {
  return editConfig(file, keyPath, (text) => unsetValueInText(text, keyPath), options);
}
