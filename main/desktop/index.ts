// Entry of the tray app (bundled to dist/main/desktop.js): passes the real Electron objects to
// startDesktop(). Everything with logic lives in the other files of this folder and is tested
// with fakes; this file only connects names.
import { app, BrowserWindow, ipcMain, Menu, nativeImage, Notification, protocol, safeStorage, session, shell, Tray } from 'electron';
import Store from 'electron-store';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { resolveStateDir, statePaths } from '../shared/state-dir.ts';
import { startDesktop } from './app.ts';
import type { StartGateway } from './gateway-port.ts';
import { PREFERENCES_STORE_OPTIONS, type PreferencesStore, type StoredPreferences } from './preferences.ts';
import { isAllowedExternalUrl } from './security.ts';

// Paths relative to the bundle: dist/main/desktop.js -> dist/preload, dist/renderer, assets/.
const fromBundle = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

/**
 * The gateway (main/gateway.ts) is imported lazily: esbuild puts it and Baileys in their own
 * chunk, so the tray shows at once and the window can explain a gateway that fails to start.
 * The desktop gateway also serves the browser dashboard on loopback (`clawline dashboard`).
 */
async function loadGateway(): Promise<StartGateway> {
  const { startGateway } = await import('../gateway.ts');
  return async (options) => {
    const gateway = await startGateway({
      stateDir: options.stateDir,
      kind: 'desktop',
      keyProvider: options.keyProvider,
      encryption: options.encryption,
      control: options.controlServer ? { rendererDir: fromBundle('../renderer') } : false,
    });
    return { handler: gateway, stop: () => gateway.stop() };
  };
}

const stateDir = resolveStateDir();
const store = new Store<StoredPreferences>({ ...PREFERENCES_STORE_OPTIONS, schema: PREFERENCES_STORE_OPTIONS.schema as never });

startDesktop({
  app,
  protocol,
  defaultSession: () => session.defaultSession,
  ipcMain,
  createWindow: (options) => new BrowserWindow(options),
  createTray: (image) => new Tray(image),
  buildMenu: (template) => Menu.buildFromTemplate(template),
  loadImage: (path) => nativeImage.createFromPath(path),
  notifications: { isSupported: () => Notification.isSupported(), create: (options) => new Notification(options) },
  safeStorage,
  openExternal: (url) => { if (isAllowedExternalUrl(url)) void shell.openExternal(url); },
}, {
  platform: process.platform,
  argv: process.argv,
  env: process.env,
  homeDir: homedir(),
  execPath: process.execPath,
  stateDir,
  clawlineDir: statePaths(stateDir).clawline,
  preloadPath: fromBundle('../preload/preload.cjs'),
  rendererDir: fromBundle('../renderer'),
  assetsDir: fromBundle('../../assets'),
  prefsStore: store as unknown as PreferencesStore,
  loadGateway,
  log: (message, err) => { process.stderr.write(`clawline desktop: ${message}${err ? `: ${(err as Error)?.stack ?? String(err)}` : ''}\n`); },
}, app.getVersion());
