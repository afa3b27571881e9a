// Where everything lives, in OpenClaw's layout so its users and its docs feel at home.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface StateDirInput { flag?: string; env?: NodeJS.ProcessEnv }

/** `--state-dir` flag, else OPENCLAW_STATE_DIR, else ~/.openclaw. */
export function resolveStateDir({ flag, env = process.env }: StateDirInput = {}): string {
  if (flag) return resolve(flag);
  if (env.OPENCLAW_STATE_DIR) return resolve(env.OPENCLAW_STATE_DIR);
  return join(homedir(), '.openclaw');
}

export function statePaths(stateDir: string) {
  const credentials = join(stateDir, 'credentials');
  return {
    stateDir,
    config: join(stateDir, 'openclaw.json'),
    credentials,
    whatsappCredentials: join(credentials, 'whatsapp'),
    accountAuthDir: (accountId: string) => join(credentials, 'whatsapp', accountId),
    pairingStore: join(credentials, 'whatsapp-pairing.json'),
    allowStore: (accountId: string) => join(credentials, `whatsapp-${accountId}-allowFrom.json`),
    logs: join(stateDir, 'logs'),
    media: join(stateDir, 'media', 'whatsapp'),
    clawline: join(stateDir, 'clawline'),
    controlToken: join(stateDir, 'clawline', 'control-token'),
    backups: join(stateDir, 'backups'),
  };
}

export type StatePaths = ReturnType<typeof statePaths>;
