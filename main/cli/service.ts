// `clawline gateway install`: a user service so a headless machine keeps the gateway up
// across reboots and crashes (the tray app uses launch-at-login instead).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../shared/atomic-write.ts';

export interface ServiceSpec {
  nodePath: string;
  cliPath: string;
  stateDir: string;
  home?: string;
  platform?: NodeJS.Platform;
  /** Variables the service needs (e.g. CLAWLINE_KEY_FILE): a service does not see the login shell's. */
  env?: Record<string, string>;
}
export interface InstalledService { path: string; enableCommands: string[] }

/** Quoting for a POSIX shell (the printed enable commands). */
const q = (s: string) => (/^[A-Za-z0-9_./:@+-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);
/** Quoting for a systemd unit: its own rules ($ and % are expanded by systemd, not a shell). */
const unitWord = (s: string) => {
  const escaped = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_./:@+%$-]+$/.test(escaped) ? escaped : `"${escaped.replace(/(["\\])/g, '\\$1')}"`;
};
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function systemdUnit(spec: ServiceSpec): string {
  return [
    '[Unit]',
    'Description=Clawline WhatsApp gateway',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    `ExecStart=${unitWord(spec.nodePath)} ${unitWord(spec.cliPath)} --state-dir ${unitWord(spec.stateDir)} gateway run`,
    ...Object.entries(spec.env ?? {}).map(([k, v]) => `Environment=${unitWord(`${k}=${v}`)}`),
    'Restart=on-failure',
    // Backoff between restarts so a crash loop never hammers WhatsApp.
    'RestartSec=10',
    'NoNewPrivileges=true',
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

export function launchAgentPlist(spec: ServiceSpec, logsDir: string): string {
  const args = [spec.nodePath, spec.cliPath, '--state-dir', spec.stateDir, 'gateway', 'run'];
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key><string>app.clawline.gateway</string>
  <key>ProgramArguments</key>
  <array>
${args.map((a) => `    <string>${xml(a)}</string>`).join('\n')}
  </array>
${spec.env && Object.keys(spec.env).length ? `  <key>EnvironmentVariables</key>
  <dict>
${Object.entries(spec.env).map(([k, v]) => `    <key>${xml(k)}</key><string>${xml(v)}</string>`).join('\n')}
  </dict>
` : ''}  <key>RunAtLoad</key><true/>
  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>
  <key>ThrottleInterval</key><integer>10</integer>
  <key>StandardOutPath</key><string>${xml(join(logsDir, 'launchd.out.log'))}</string>
  <key>StandardErrorPath</key><string>${xml(join(logsDir, 'launchd.err.log'))}</string>
</dict>
</plist>
`;
}

export async function installService(spec: ServiceSpec): Promise<InstalledService> {
  const home = spec.home ?? homedir();
  const platform = spec.platform ?? process.platform;
  if (platform === 'darwin') {
    const dir = join(home, 'Library', 'LaunchAgents');
    const path = join(dir, 'app.clawline.gateway.plist');
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path, launchAgentPlist(spec, join(spec.stateDir, 'logs')), { mode: 0o644 });
    return { path, enableCommands: [`launchctl bootstrap gui/$(id -u) ${q(path)}`, 'launchctl kickstart -k gui/$(id -u)/app.clawline.gateway'] };
  }
  if (platform === 'linux') {
    const dir = join(home, '.config', 'systemd', 'user');
    const path = join(dir, 'clawline-gateway.service');
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(path, systemdUnit(spec), { mode: 0o644 });
    return {
      path,
      enableCommands: ['systemctl --user daemon-reload', 'systemctl --user enable --now clawline-gateway.service', 'loginctl enable-linger "$USER"   # keep it running when you are logged out'],
    };
  }
  throw new Error(`clawline gateway install supports Linux (systemd) and macOS (launchd); on ${platform} use the Clawline tray app's "Start at login" setting instead.`);
}
