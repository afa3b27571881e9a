// Reading openclaw.json: text -> CST -> findings -> effective settings. A missing file is not
// an error (defaults apply, as in OpenClaw); a file we cannot read is.
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative } from 'node:path';
import type { Finding } from '../control/contract.ts';
import { parseDocument, type ParsedDocument } from './document.ts';
import { resolveEffectiveConfig, type EffectiveConfig } from './resolve.ts';
import { hasErrors, validateDocument } from './validate.ts';

export interface LoadedConfig {
  /** Absolute path of the file. */
  path: string;
  exists: boolean;
  /** The file's text ('' when missing). */
  text: string;
  /** The parsed value; `{}` when the file is missing, undefined on a syntax error. */
  raw: unknown;
  findings: Finding[];
  /** Settings in force; undefined when the file has errors (callers keep their last good config). */
  effective?: EffectiveConfig;
  /** @internal the CST, for edits. */
  document?: ParsedDocument;
}

export interface LoadOptions {
  /** Defaults to the file's folder (openclaw.json lives in the state dir). */
  stateDir?: string;
}

/** Thrown when the file exists but cannot be read (permissions, a folder in its place). */
export class ConfigReadError extends Error {
  constructor(readonly path: string, readonly code: string | undefined, message: string) { super(message); }
}

/** Validates text as if it were the file at `path`; pure, used by load, edit and watch. */
export function evaluateConfigText(text: string, path: string, options: LoadOptions = {}): LoadedConfig {
  const stateDir = options.stateDir ?? dirname(path);
  const document = parseDocument(text);
  const findings = validateDocument(document);
  const raw = document.ok ? document.value : undefined;
  const loaded: LoadedConfig = { path, exists: true, text, raw, findings };
  // The CST stays out of JSON (events and IPC carry LoadedConfig); only edits use it.
  Object.defineProperty(loaded, 'document', { value: document, enumerable: false });
  if (document.ok && !hasErrors(findings)) loaded.effective = resolveEffectiveConfig(raw, { stateDir });
  return loaded;
}

/** The config as it is if the file does not exist: defaults, no findings. */
export function missingConfig(path: string, options: LoadOptions = {}): LoadedConfig {
  return { path, exists: false, text: '', raw: {}, findings: [], effective: resolveEffectiveConfig({}, { stateDir: options.stateDir ?? dirname(path) }) };
}

/** Reads and validates the file. Missing: defaults. Unreadable: throws ConfigReadError. */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return missingConfig(path, options);
    throw new ConfigReadError(path, code, describeReadError(path, err));
  }
  return evaluateConfigText(text, path, options);
}

export function describeReadError(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `cannot read ${path}: permission denied. Fix the owner or mode (chmod 600 ${path}).`;
  if (code === 'EISDIR') return `cannot read ${path}: it is a folder, not a file.`;
  return `cannot read ${path}: ${(err as Error).message}`;
}

export type CheckStatus = 'ok' | 'problems' | 'missing' | 'unreadable';

export interface CheckResult {
  status: CheckStatus;
  path: string;
  findings: Finding[];
  /** For missing/unreadable: what happened and what to do. */
  message?: string;
}

/** `clawline config check`: findings plus a verdict (ok only with no errors and no warnings). */
export async function checkConfig(path: string, options: LoadOptions = {}): Promise<CheckResult> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(path, options);
  } catch (err) {
    return { status: 'unreadable', path, findings: [], message: err instanceof Error ? err.message : String(err) };
  }
  if (!loaded.exists) {
    return {
      status: 'missing', path, findings: [],
      message: `no config file at ${path}. Nothing to check: without a file Clawline uses the defaults (dmPolicy "pairing", groupPolicy "allowlist"). `
        + `Create one with e.g. "clawline config set channels.whatsapp.dmPolicy pairing", or point to another file with --config PATH.`,
    };
  }
  const problems = loaded.findings.some((f) => f.severity === 'error' || f.severity === 'warning');
  return { status: problems ? 'problems' : 'ok', path, findings: loaded.findings };
}

/** `openclaw.json:12:5 error channels.whatsapp.dmPolicy: message Fix: hint` (file shown relative to cwd when inside it). */
export function formatFinding(finding: Finding, file: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, file);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file || basename(file);
  const where = finding.line !== undefined ? `${shown}:${finding.line}:${finding.column ?? 1}` : shown;
  const subject = finding.path ? `${finding.path}: ` : '';
  return `${where} ${finding.severity} ${subject}${finding.message}${finding.hint ? ` Fix: ${finding.hint}` : ''}`;
}

/** The JSON shape of a finding for --json output: every field present, null when unknown. */
export function findingToJson(f: Finding): { severity: Finding['severity']; path: string; line: number | null; column: number | null; message: string; hint: string | null } {
  return { severity: f.severity, path: f.path, line: f.line ?? null, column: f.column ?? null, message: f.message, hint: f.hint ?? null };
}
