// "Start Clawline when you log in": an XDG autostart file on Linux, login items elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoginItemSettings, Settings } from 'electron';
import { HIDDEN_FLAG, autostartEntry, autostartFile, getLaunchAtLogin, launchedHidden, quoteExecArg, setLaunchAtLogin, type LoginItemDeps } from '../../main/desktop/login-item.ts';

function fakeApp() {
  const calls: Settings[] = [];
  let open = false;
  return {
    calls,
    app: {
      setLoginItemSettings: (s: Settings) => { calls.push(s); open = !!s.openAtLogin; },
      getLoginItemSettings: () => ({ openAtLogin: open, wasOpenedAtLogin: false }) as LoginItemSettings,
    },
  };
}

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'clawline-home-'));
  try { await fn(home); } finally { await rm(home, { recursive: true, force: true }); }
}

test('Linux: switching on writes ~/.config/autostart/clawline.desktop; off removes it', () => withHome(async (home) => {
  const { app, calls } = fakeApp();
  const deps: LoginItemDeps = { platform: 'linux', app, env: {}, homeDir: home, execPath: '/opt/Clawline/clawline' };
  const file = join(home, '.config', 'autostart', 'clawline.desktop');
  assert.equal(autostartFile(deps.env, home), file);
  assert.equal(await getLaunchAtLogin(deps), false);
  await setLaunchAtLogin(true, deps);
  const text = await readFile(file, 'utf8');
  assert.match(text, /^\[Desktop Entry\]$/m);
  assert.match(text, /^Type=Application$/m);
  assert.match(text, /^Name=Clawline$/m);
  assert.match(text, new RegExp(`^Exec=/opt/Clawline/clawline ${HIDDEN_FLAG}$`, 'm'));
  assert.equal((await stat(file)).mode & 0o777, 0o644);
  assert.equal(await getLaunchAtLogin(deps), true);
  await setLaunchAtLogin(false, deps);
  await assert.rejects(stat(file), /ENOENT/);
  assert.equal(await getLaunchAtLogin(deps), false);
  await setLaunchAtLogin(false, deps); // already off: no error
  assert.equal(calls.length, 0, 'Linux does not use login items');
}));

test('Linux: XDG_CONFIG_HOME is honoured and an AppImage starts itself by its own path', () => withHome(async (home) => {
  const { app } = fakeApp();
  const deps: LoginItemDeps = { platform: 'linux', app, env: { XDG_CONFIG_HOME: join(home, 'cfg'), APPIMAGE: '/home/ana/Apps/Clawline 1.0.AppImage' }, homeDir: home, execPath: '/tmp/.mount_Clawl/clawline' };
  await setLaunchAtLogin(true, deps);
  const text = await readFile(join(home, 'cfg', 'autostart', 'clawline.desktop'), 'utf8');
  assert.match(text, /^Exec="\/home\/ana\/Apps\/Clawline 1\.0\.AppImage" --hidden$/m);
}));

test('Linux: an entry switched off in the desktop settings counts as off', () => withHome(async (home) => {
  const { app } = fakeApp();
  const deps: LoginItemDeps = { platform: 'linux', app, env: {}, homeDir: home, execPath: '/usr/bin/clawline' };
  await setLaunchAtLogin(true, deps);
  const file = autostartFile({}, home);
  await writeFile(file, (await readFile(file, 'utf8')).replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
  assert.equal(await getLaunchAtLogin(deps), false);
}));

test('Exec quoting follows the Desktop Entry spec', () => {
  assert.equal(quoteExecArg('/usr/bin/clawline'), '/usr/bin/clawline');
  assert.equal(quoteExecArg('/a b/c'), '"/a b/c"');
  assert.equal(quoteExecArg('/a"b'), '"/a\\\\"b"');
  assert.equal(quoteExecArg('/a$b'), '"/a\\\\$b"');
  assert.match(autostartEntry('/x y/z'), /^Exec="\/x y\/z" --hidden$/m);
});

for (const platform of ['darwin', 'win32'] as const) {
  test(`${platform}: uses the system login items, started hidden`, async () => {
    const { app, calls } = fakeApp();
    const deps: LoginItemDeps = { platform, app, env: {}, homeDir: '/nonexistent', execPath: 'C:\\Clawline\\Clawline.exe' };
    await setLaunchAtLogin(true, deps);
    assert.deepEqual(calls, [{ openAtLogin: true, args: [HIDDEN_FLAG] }]);
    assert.equal(await getLaunchAtLogin(deps), true);
    await setLaunchAtLogin(false, deps);
    assert.equal(await getLaunchAtLogin(deps), false);
  });
}

test('a launch from the login item stays in the tray', () => {
  const { app } = fakeApp();
  assert.equal(launchedHidden(['/usr/bin/clawline', HIDDEN_FLAG], app, 'linux'), true);
  assert.equal(launchedHidden(['/usr/bin/clawline'], app, 'linux'), false);
  const mac = { getLoginItemSettings: () => ({ wasOpenedAtLogin: true }) as LoginItemSettings };
  assert.equal(launchedHidden(['/Applications/Clawline.app/Contents/MacOS/Clawline'], mac, 'darwin'), true);
});
