// "Start Clawline when you log in". macOS and Windows keep login items themselves
// (app.setLoginItemSettings); Linux desktops read XDG autostart files
// (~/.config/autostart/*.desktop), which we write and remove. Started at login, the app stays
// in the tray (--hidden) instead of popping up its window.
import type { App } from 'electron';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.ts';

export const HIDDEN_FLAG = '--hidden';
const DESKTOP_FILE = 'clawline.desktop';

export interface LoginItemDeps {
  platform: NodeJS.Platform;
  app: Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;
  env: NodeJS.ProcessEnv;
  homeDir: string;
  /** The running executable (process.execPath); an AppImage's own path comes from $APPIMAGE. */
  execPath: string;
}

export function autostartFile(env: NodeJS.ProcessEnv, homeDir: string): string {
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homeDir, '.config');
  return join(config, 'autostart', DESKTOP_FILE);
}

/** Quotes one Exec argument per the Desktop Entry spec (then escapes backslashes for the file). */
export function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1').replace(/\\/g, '\\\\')}"`;
}

export function autostartEntry(execPath: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Clawline',
    'Comment=Keeps your AI agent on WhatsApp',
    `Exec=${quoteExecArg(execPath)} ${HIDDEN_FLAG}`,
    'Icon=clawline',
    'Terminal=false',
    'Categories=Network;',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

function linuxExec(deps: LoginItemDeps): string {
  return deps.env.APPIMAGE || deps.execPath;
}

export async function setLaunchAtLogin(enabled: boolean, deps: LoginItemDeps): Promise<void> {
  if (deps.platform === 'linux') {
    const file = autostartFile(deps.env, deps.homeDir);
    if (enabled) await writeFileAtomic(file, autostartEntry(linuxExec(deps)), { mode: 0o644 });
    else await rm(file, { force: true });
    return;
  }
  deps.app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
}

export async function getLaunchAtLogin(deps: LoginItemDeps): Promise<boolean> {
  if (deps.platform === 'linux') {
    try {
      const text = await readFile(autostartFile(deps.env, deps.homeDir), 'utf8');
      // Someone may have switched it off in their desktop's startup settings.
      return !/^\s*(Hidden\s*=\s*true|X-GNOME-Autostart-enabled\s*=\s*false)\s*$/im.test(text);
    } catch {
      return false;
    }
  }
  return deps.app.getLoginItemSettings({ args: [HIDDEN_FLAG] }).openAtLogin;
}

/** Whether this launch came from the login item (then: tray only, no window). */
export function launchedHidden(argv: readonly string[], app: Pick<App, 'getLoginItemSettings'>, platform: NodeJS.Platform): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
