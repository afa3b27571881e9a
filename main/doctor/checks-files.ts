// Checks on what lies on disk: the config file, permissions, the credential folders, the old
// flat layout and leftover locks. Every repair here is safe: nothing is deleted except a dead
// process's lock, and a damaged creds.json is kept next to the restored one as *.corrupt.
import { chmod, readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BACKUP_FILE, BufferJSON, createAuthStore, credsProblems, detectLegacyLayout, migrateLegacyLayout } from '../auth/index.ts';
import { formatFinding } from '../config/index.ts';
import { checkId, jidNumber, octal, relinkSteps, result, type CheckDefinition, type FixOutcome } from './check-types.ts';
import { removeStaleLock } from './locks.ts';
import type { Snapshot } from './snapshot.ts';

const POSIX = process.platform !== 'win32';
const openToOthers = (mode: number) => (mode & 0o077) !== 0;

// --- config ----------------------------------------------------------------------------

export const configCheck: CheckDefinition = {
  key: 'config',
  async run(snap) {
    const title = 'Config file';
    const c = await snap.config();
    if (!c.ok) return result('config', title, 'fail', c.message, { nextStep: `Make ${snap.paths.config} readable by you (e.g. "chmod 600 ${snap.paths.config}").` });
    const { config } = c;
    if (!config.exists) return result('config', title, 'ok', `No ${config.path}: using the defaults (DMs need pairing approval, groups need an allowlist).`);
    const errors = config.findings.filter((f) => f.severity === 'error');
    const warnings = config.findings.filter((f) => f.severity === 'warning');
    if (!errors.length && !warnings.length) {
      const notes = config.findings.length;
      return result('config', title, 'ok', `${config.path} is valid${notes ? ` (${notes} note${notes > 1 ? 's' : ''}: run "clawline config check")` : ''}.`);
    }
    const first = (errors[0] ?? warnings[0])!;
    const counts = [errors.length && `${errors.length} error${errors.length > 1 ? 's' : ''}`, warnings.length && `${warnings.length} warning${warnings.length > 1 ? 's' : ''}`].filter(Boolean).join(' and ');
    const more = errors.length + warnings.length > 1 ? ` (and ${errors.length + warnings.length - 1} more)` : '';
    const consequence = errors.length ? ' Until the errors are fixed, Clawline keeps its last good settings and ignores this file.' : '';
    // The hint goes to nextStep, not into the finding.
    const where = formatFinding({ ...first, hint: undefined }, config.path, dirname(config.path)).replace(/\.$/, '');
    return result('config', title, errors.length ? 'fail' : 'warn', `${counts}: ${where}${more}.${consequence}`, {
      nextStep: `Edit ${config.path}${first.line ? ` at line ${first.line}` : ''}${first.hint ? `: ${first.hint.replace(/\.$/, '')}` : ''}. "clawline config check" lists every finding.`,
    });
  },
};

export const configModeCheck: CheckDefinition = {
  key: 'config-mode',
  async run(snap) {
    const title = 'Config file permissions';
    const path = snap.paths.config;
    if (!POSIX) return result('config-mode', title, 'skipped', 'Windows protects files with ACLs, not modes.');
    const s = await stat(path).catch(() => undefined);
    if (!s) return result('config-mode', title, 'ok', 'No config file, nothing to protect.');
    if (!openToOthers(s.mode)) return result('config-mode', title, 'ok', `${path} is private (mode ${octal(s.mode)}).`);
    return result('config-mode', title, 'warn', `${path} can be read by other users of this computer (mode ${octal(s.mode)}); it may hold API keys and tokens.`, {
      nextStep: `Run "chmod 600 ${path}" (or "clawline doctor --fix").`,
      fix: 'Make it private (mode 600)',
    });
  },
  async fix(snap) {
    const path = snap.paths.config;
    const s = await stat(path);
    await chmod(path, 0o600);
    return { changes: [`${path}: mode ${octal(s.mode)} -> 600`] };
  },
};

// --- permissions -----------------------------------------------------------------------

interface ModeProblem {
  path: string;
  was: string;
  want: number;
  /** Credentials readable by others is a failure; the rest a warning. */
  secret: boolean;
}

async function modeProblem(path: string, want: number, secret: boolean): Promise<ModeProblem | undefined> {
  const s = await stat(path).catch(() => undefined);
  if (!s || !openToOthers(s.mode)) return undefined;
  return { path, was: octal(s.mode), want, secret };
}

async function permissionProblems(snap: Snapshot): Promise<ModeProblem[]> {
  const { paths } = snap;
  const found: Array<ModeProblem | undefined> = [
    await modeProblem(paths.stateDir, 0o700, false),
    await modeProblem(paths.clawline, 0o700, false),
    await modeProblem(paths.controlToken, 0o600, true),
    await modeProblem(paths.credentials, 0o700, true),
    await modeProblem(paths.whatsappCredentials, 0o700, true),
  ];
  // Our own stores next to the account folders (phone numbers); never oauth.json or other tools' files.
  const names = await readdir(paths.credentials).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (name === 'whatsapp-pairing.json' || /^whatsapp-[A-Za-z0-9_-]+-allowFrom\.json$/.test(name)) found.push(await modeProblem(join(paths.credentials, name), 0o600, false));
  }
  for (const id of await snap.accounts()) {
    const report = await snap.auth(id);
    for (const p of report.permissionProblems) found.push({ path: p.path, was: p.was, want: parseInt(p.now, 8), secret: true });
  }
  const seen = new Set<string>();
  return found.filter((p): p is ModeProblem => !!p && !seen.has(p.path) && !!seen.add(p.path));
}

export const permissionsCheck: CheckDefinition = {
  key: 'permissions',
  async run(snap) {
    const title = 'State folder and credential permissions';
    if (!POSIX) return result('permissions', title, 'skipped', 'Windows protects your profile folder with ACLs, not modes.');
    const problems = await permissionProblems(snap);
    if (!problems.length) return result('permissions', title, 'ok', 'The state folder and the WhatsApp credentials are private to you.');
    const secret = problems.some((p) => p.secret);
    const list = problems.slice(0, 3).map((p) => `${p.path} (mode ${p.was})`).join(', ');
    const more = problems.length > 3 ? ` and ${problems.length - 3} more` : '';
    return result('permissions', title, secret ? 'fail' : 'warn',
      `${secret ? 'WhatsApp credentials can be read by other users of this computer' : 'The state folder is open to other users of this computer'}: ${list}${more}.`, {
        nextStep: 'Run "clawline doctor --fix" (folders become 700, files 600).',
        fix: 'Make them private (folders 700, files 600)',
      });
  },
  async fix(snap) {
    const changes: string[] = [];
    for (const p of await permissionProblems(snap)) {
      await chmod(p.path, p.want);
      changes.push(`${p.path}: mode ${p.was} -> ${octal(p.want)}`);
    }
    return { changes };
  },
};

// --- a live account cannot have its files changed under it -----------------------------

/** Why the account's credentials must not be touched now (a process has them open), if so. */
export async function liveAccountReason(snap: Snapshot, accountId: string): Promise<string | undefined> {
  const status = await snap.statusOf(accountId);
  const g = await snap.gateway();
  if (g.running && status && status.state !== 'stopped') {
    return `the gateway${g.pid ? ` (pid ${g.pid})` : ''} is running account "${accountId}" and has its credentials open. Stop it first ("clawline gateway stop", or quit the Clawline app), then run the fix again.`;
  }
  const lock = (await snap.locks()).find((l) => l.accountId === accountId && l.state === 'held');
  if (lock && lock.ownerAlive !== false) {
    return `${lock.owner ? `Clawline process ${lock.owner.pid}` : 'another Clawline process'} holds account "${accountId}" and may have its credentials open. Quit it first, then run the fix again.`;
  }
  return undefined;
}

// --- legacy flat layout ----------------------------------------------------------------

export const legacyLayoutCheck: CheckDefinition = {
  key: 'legacy-layout',
  async run(snap) {
    const title = 'Old credential layout';
    if (snap.ctx.accountId && snap.ctx.accountId !== 'default') return result('legacy-layout', title, 'skipped', 'Only the "default" account can have files in the old layout.');
    const legacy = await detectLegacyLayout(snap.paths.credentials, 'default');
    if (!legacy.present) return result('legacy-layout', title, 'ok', 'No WhatsApp files in the old flat layout.');
    const example = legacy.files.slice(0, 3).join(', ') + (legacy.files.length > 3 ? ', ...' : '');
    return result('legacy-layout', title, 'warn',
      `${legacy.files.length} WhatsApp credential file${legacy.files.length > 1 ? 's' : ''} from OpenClaw's older layout lie directly in ${legacy.credentialsDir} (${example}); they belong in ${legacy.targetDir}.`, {
        nextStep: 'Run "clawline doctor --fix" to move them (files already in the new folder are never overwritten; oauth.json and other files stay where they are).',
        fix: 'Move them to credentials/whatsapp/default',
      });
  },
  async fix(snap): Promise<FixOutcome> {
    const live = await liveAccountReason(snap, 'default');
    if (live) return { refused: `Not moved: ${live}` };
    const r = await migrateLegacyLayout(snap.paths.credentials, 'default');
    const changes = [];
    if (r.moved.length) changes.push(`moved ${r.moved.length} file${r.moved.length > 1 ? 's' : ''} (${r.moved.join(', ')}) to ${r.targetDir}`);
    for (const s of r.skipped) changes.push(`left ${s.file} in place: ${s.reason}`);
    return { changes };
  },
};

// --- credentials -----------------------------------------------------------------------

type BackupState = { ok: true } | { ok: false; problem: string } | { ok: 'unverified' };

/**
 * Whether creds.json.bak would restore. main/auth reports the backup only when creds.json is
 * broken, so a plain backup is validated here with the store's own rules (credsProblems);
 * an encrypted one can only be checked for presence without the store's codec.
 */
async function backupState(dir: string, encrypted: boolean): Promise<BackupState> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, BACKUP_FILE));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, problem: code === 'ENOENT' ? 'is missing' : `cannot be read (${code})` };
  }
  if (bytes.length <= 1) return { ok: false, problem: 'is empty' };
  if (encrypted) return { ok: 'unverified' };
  let creds: unknown;
  try {
    creds = JSON.parse(bytes.toString('utf8'), BufferJSON.reviver);
  } catch (err) {
    return { ok: false, problem: `is not valid JSON (${(err as Error).message})` };
  }
  const problems = credsProblems(creds);
  return problems.length ? { ok: false, problem: `is not usable: ${problems.join(', ')}` } : { ok: true };
}

export const credentialsCheck: CheckDefinition = {
  key: 'credentials',
  perAccount: true,
  async run(snap, accountId) {
    const id = checkId(credentialsCheck, accountId);
    const title = `Credentials of "${accountId}"`;
    const report = await snap.auth(accountId);
    const { link } = report;
    if (!report.exists) return result(id, title, 'ok', `No credentials folder yet (${report.dir}): the account has not been linked.`);
    if (!link.verified) {
      return result(id, title, 'skipped', `The credentials are encrypted and could not be read here: ${link.problem ?? 'no key'}`, {
        nextStep: 'Run the doctor from the Clawline app (it holds the key) to check them.',
      });
    }
    if (link.source === 'creds.json.bak') {
      return result(id, title, 'fail', link.problem ?? `creds.json in ${report.dir} is damaged; its backup is valid.`, {
        nextStep: 'Run "clawline doctor --fix" (or start the gateway) to restore creds.json from the backup; the damaged file is kept as *.corrupt.',
        fix: 'Restore creds.json from its backup',
      });
    }
    if (!link.source) {
      if (link.problem) return result(id, title, 'fail', link.problem, { nextStep: relinkSteps(accountId) });
      return result(id, title, 'ok', `No credentials in ${report.dir} yet: the account has not been linked.`);
    }
    const issues: string[] = [];
    let fix: string | undefined;
    const backup = await backupState(report.dir, report.encrypted);
    if (backup.ok === false) {
      issues.push(`creds.json is fine but its backup creds.json.bak ${backup.problem}, so a damaged creds.json could not be recovered`);
      fix = 'Write a fresh backup of creds.json';
    }
    if (report.unreadableFiles.length) {
      issues.push(`${report.unreadableFiles.length} key file${report.unreadableFiles.length > 1 ? 's' : ''} cannot be read (${report.unreadableFiles.slice(0, 2).map((f) => f.file).join(', ')}); the gateway sets them aside at start and WhatsApp rebuilds them (a contact may need to resend one message)`);
    }
    if (issues.length) {
      return result(id, title, 'warn', `${issues.join('; ')}.`, {
        ...(fix ? { fix, nextStep: 'Run "clawline doctor --fix" while the gateway is stopped.' } : { nextStep: 'Restart the gateway ("clawline gateway restart") so it sets the damaged files aside.' }),
      });
    }
    const who = link.me ? ` (linked as ${jidNumber(link.me.id)})` : '';
    const bak = backup.ok === 'unverified' ? 'a backup creds.json.bak is present (encrypted, not decoded here)' : 'creds.json.bak is a valid backup';
    const temp = report.tempFiles.length ? ` ${report.tempFiles.length} leftover temp file(s) will be removed at the next start.` : '';
    return result(id, title, 'ok', `creds.json is valid${who}; ${bak}; ${report.keyFiles} key files.${temp}`);
  },
  async fix(snap, accountId): Promise<FixOutcome> {
    const live = await liveAccountReason(snap, accountId);
    if (live) return { refused: `Not repaired: ${live}` };
    const dir = await snap.authDir(accountId);
    // Opening the store is the repair: it restores a validated backup (keeping the broken file),
    // writes a missing backup, removes temp files and tightens permissions. No pruning here.
    let store;
    try {
      store = await createAuthStore({ dir, keyProvider: snap.ctx.keyProvider ?? null, prune: false });
    } catch (err) {
      return { refused: `Not repaired: ${(err as Error).message}` };
    }
    const stats = store.stats();
    await store.close();
    const changes: string[] = [];
    if (stats.restoredFromBackup) {
      changes.push(`restored ${join(dir, 'creds.json')} from creds.json.bak (${stats.restoredFromBackup.reason})${stats.restoredFromBackup.brokenFileMovedTo ? `; the damaged file is kept as ${stats.restoredFromBackup.brokenFileMovedTo}` : ''}`);
    }
    if (stats.backupsWritten) changes.push(`wrote a fresh ${join(dir, BACKUP_FILE)}`);
    if (stats.tempFilesRemoved.length) changes.push(`removed ${stats.tempFilesRemoved.length} leftover temp file(s)`);
    for (const p of stats.permissionsRepaired) changes.push(`${p.path}: mode ${p.was} -> ${p.now}`);
    return { changes };
  },
};

// --- stale locks -----------------------------------------------------------------------

export const staleLockCheck: CheckDefinition = {
  key: 'stale-lock',
  async run(snap) {
    const title = 'Leftover locks';
    const stale = (await snap.locks()).filter((l) => l.state === 'stale');
    if (!stale.length) return result('stale-lock', title, 'ok', 'No leftover instance locks.');
    const list = stale.map((l) => `account "${l.accountId}" (${l.reason})`).join('; ');
    return result('stale-lock', title, 'warn', `A lock from a Clawline process that is gone is still on disk: ${list}.`, {
      nextStep: 'Run "clawline doctor --fix" to remove it.',
      fix: 'Remove the leftover lock',
    });
  },
  async fix(snap) {
    const changes: string[] = [];
    for (const l of (await snap.locks()).filter((x) => x.state === 'stale')) {
      const removed = await removeStaleLock(snap.ctx.stateDir, l.accountId, snap.ctx.clock.now());
      if (removed.length) changes.push(`removed the leftover lock of account "${l.accountId}" (${removed.join(', ')})`);
    }
    return { changes };
  },
};
