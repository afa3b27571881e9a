// The tray app's wiring with fake Electron objects: single instance, tray-only behaviour
// (closing hides, Quit quits after stopping the gateway), tray actions, IPC to the gateway,
// notifications, and an honest state when the gateway cannot start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserWindowConstructorOptions, NotificationConstructorOptions, Rectangle } from 'electron';
import { startDesktop, type DesktopEnv, type ElectronApi } from '../../main/desktop/app.ts';
import type { DesktopGatewayOptions, StartGateway } from '../../main/desktop/gateway-port.ts';
import type { StoredPreferences } from '../../main/desktop/preferences.ts';
import { operationChannel, DESKTOP_CHANNELS, type BridgeResult } from '../../preload/bridge.ts';
import type { GatewaySummary } from '../../main/control/contract.ts';
import { FakeImage, FakeIpcMain, FakeTray, RecordingHandler, account, asImage, asIpcMain, asTray, fakeMenu, ipcEvent, summary } from './fakes.ts';

class FakeWindow {
  static nextId = 100;
  listeners = new Map<string, ((e: { preventDefault(): void }) => void)[]>();
  visible = false;
  destroyed = false;
  loaded: string[] = [];
  sent: [string, unknown][] = [];
  webContents = {
    id: FakeWindow.nextId++,
    send: (c: string, m: unknown) => { this.sent.push([c, m]); },
    isDestroyed: () => this.destroyed,
    isLoading: () => false,
    once: () => {},
  };
  constructor(readonly options: BrowserWindowConstructorOptions) {}
  on(event: string, fn: (e: { preventDefault(): void }) => void) { this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]); return this; }
  emit(event: string): boolean { let prevented = false; for (const fn of this.listeners.get(event) ?? []) fn({ preventDefault: () => { prevented = true; } }); return prevented; }
  show() { this.visible = true; }
  hide() { this.visible = false; }
  focus() {}
  isDestroyed() { return this.destroyed; }
  isMinimized() { return false; }
  restore() {}
  async loadURL(url: string) { this.loaded.push(url); }
  getBounds(): Rectangle { return { x: 5, y: 6, width: 900, height: 700 }; }
}

function fakeElectron(opts: { lock?: boolean } = {}) {
  const appListeners = new Map<string, (...a: unknown[]) => void>();
  const rec = { sandbox: 0, quit: 0, dockHidden: 0, schemes: [] as unknown[], handled: [] as string[], permissionsHardened: 0 };
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  const notes: NotificationConstructorOptions[] = [];
  const ipcMain = new FakeIpcMain();
  const electron: ElectronApi = {
    app: {
      enableSandbox: () => { rec.sandbox++; },
      requestSingleInstanceLock: () => opts.lock ?? true,
      on: ((event: string, fn: (...a: unknown[]) => void) => { appListeners.set(event, fn); }) as never,
      whenReady: async () => {},
      quit: () => { rec.quit++; },
      getLoginItemSettings: () => ({ openAtLogin: false, wasOpenedAtLogin: false }) as never,
      setLoginItemSettings: () => {},
      setAppUserModelId: () => {},
      dock: { hide: () => { rec.dockHidden++; } } as never,
    },
    protocol: { registerSchemesAsPrivileged: (s) => { rec.schemes.push(...s); }, handle: (scheme) => { rec.handled.push(scheme); } },
    defaultSession: () => ({ setPermissionRequestHandler: () => { rec.permissionsHardened++; }, setPermissionCheckHandler: () => { rec.permissionsHardened++; } }),
    ipcMain: asIpcMain(ipcMain),
    createWindow: (o) => { const w = new FakeWindow(o); windows.push(w); return w as never; },
    createTray: (img) => { const t = new FakeTray(img); trays.push(t); return asTray(t); },
    buildMenu: fakeMenu,
    loadImage: (p) => asImage(new FakeImage(p)),
    notifications: { isSupported: () => true, create: (o) => { notes.push(o); return { on: () => {}, show: () => {} }; } },
    safeStorage: { isEncryptionAvailable: () => true, getSelectedStorageBackend: () => 'gnome_libsecret', encryptString: (s) => Buffer.from(s), decryptString: (b) => b.toString() },
    openExternal: () => {},
  };
  return { electron, appListeners, rec, windows, trays, notes, ipcMain };
}

function fakeStore() {
  const data: Partial<StoredPreferences> = { theme: 'system' };
  return { data, store: { get: (k: keyof StoredPreferences) => data[k] as never, set: (k: keyof StoredPreferences, v: unknown) => { (data as Record<string, unknown>)[k] = v; } } };
}

async function withApp(opts: { lock?: boolean; gateway?: 'ok' | 'fail'; argv?: string[]; platform?: NodeJS.Platform }, fn: (ctx: ReturnType<typeof fakeElectron> & { handler: RecordingHandler; started: DesktopGatewayOptions[]; stopped: () => number; logs: string[]; prefs: ReturnType<typeof fakeStore>; ready: Promise<void>; primary: boolean }) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clawline-app-'));
  const fe = fakeElectron(opts);
  const handler = new RecordingHandler();
  const started: DesktopGatewayOptions[] = [];
  let stops = 0;
  const logs: string[] = [];
  let attempts = 0;
  const startGateway: StartGateway = async (o) => {
    started.push(o);
    attempts++;
    if (opts.gateway === 'fail' && attempts === 1) throw new Error('port 18789 is in use');
    return { handler, stop: async () => { stops++; } };
  };
  const prefs = fakeStore();
  const env: DesktopEnv = {
    platform: opts.platform ?? 'linux', argv: opts.argv ?? ['/usr/bin/clawline'], env: {}, homeDir: dir, execPath: '/usr/bin/clawline',
    stateDir: dir, clawlineDir: join(dir, 'clawline'), preloadPath: '/app/dist/preload/preload.cjs', rendererDir: '/app/dist/renderer', assetsDir: '/app/assets',
    prefsStore: prefs.store, loadGateway: async () => startGateway, log: (m) => { logs.push(m); },
  };
  try {
    const app = startDesktop(fe.electron, env);
    await fn({ ...fe, handler, started, stopped: () => stops, logs, prefs, ready: app.ready, primary: app.primary });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const flush = () => new Promise((r) => setImmediate(r));

test('a second instance quits at once and touches nothing', () => withApp({ lock: false }, async ({ rec, primary, trays, ready }) => {
  await ready;
  assert.equal(primary, false);
  assert.equal(rec.quit, 1);
  assert.equal(trays.length, 0);
}));

test('start-up: sandbox and app:// before ready, then protocol, permissions, tray, gateway with the keychain key, window', () => withApp({}, async ({ rec, ready, trays, started, windows, handler }) => {
  await ready;
  await flush();
  assert.equal(rec.sandbox, 1);
  assert.deepEqual(rec.schemes.map((s) => (s as { scheme: string }).scheme), ['app']);
  assert.deepEqual(rec.handled, ['app']);
  assert.equal(rec.permissionsHardened, 2);
  assert.equal(started.length, 1);
  assert.equal(started[0]!.keyProvider?.id, 'safe-storage');
  assert.equal(started[0]!.encryption.enabled, true);
  assert.equal(trays.length, 1);
  assert.equal(trays[0]!.image.path, '/app/assets/tray/tray-connected.png');
  assert.match(trays[0]!.tooltip, /Connected as \+15550100/);
  assert.equal(windows.length, 1);
  assert.equal(windows[0]!.loaded[0], 'app://clawline/index.html');
  assert.equal(windows[0]!.options.webPreferences!.preload, '/app/dist/preload/preload.cjs');
  assert.ok(handler.calls.some((c) => c.op === 'status.get'));
}));

test('started at login (--hidden): tray only, no window', () => withApp({ argv: ['/usr/bin/clawline', '--hidden'] }, async ({ ready, windows, trays }) => {
  await ready;
  assert.equal(trays.length, 1);
  assert.equal(windows.length, 0);
}));

test('macOS: no dock icon and template tray images', () => withApp({ platform: 'darwin' }, async ({ ready, rec, trays }) => {
  await ready;
  await flush();
  assert.equal(rec.dockHidden, 1);
  assert.equal(trays[0]!.image.path, '/app/assets/tray/tray-connectedTemplate.png');
}));

test('closing the window hides it; the app keeps running; Quit stops the gateway, then quits', () => withApp({}, async ({ ready, windows, appListeners, rec, stopped }) => {
  await ready;
  const w = windows[0]!;
  w.emit('ready-to-show');
  assert.equal(w.visible, true);
  assert.equal(w.emit('close'), true, 'close is prevented');
  assert.equal(w.visible, false);
  appListeners.get('window-all-closed')!();
  assert.equal(rec.quit, 0);
  let prevented = false;
  appListeners.get('before-quit')!({ preventDefault: () => { prevented = true; } });
  assert.equal(prevented, true, 'first quit waits for the gateway');
  await flush();
  await flush();
  assert.equal(stopped(), 1);
  assert.equal(rec.quit, 1);
  // Electron calls before-quit again; now it goes through and closing is no longer prevented.
  let preventedAgain = false;
  appListeners.get('before-quit')!({ preventDefault: () => { preventedAgain = true; } });
  assert.equal(preventedAgain, false);
  assert.equal(w.emit('close'), false);
}));

test('a second launch shows the existing window', () => withApp({ argv: ['/usr/bin/clawline', '--hidden'] }, async ({ ready, windows, appListeners }) => {
  await ready;
  assert.equal(windows.length, 0);
  appListeners.get('second-instance')!();
  assert.equal(windows.length, 1);
}));

test('tray menu items open screens and drive the gateway', () => withApp({}, async ({ ready, trays, windows, handler }) => {
  await ready;
  await flush();
  const click = (label: string) => trays[0]!.menu!.find((i) => i.label === label)!.click!({} as never, undefined as never, {} as never);
  click('Run doctor');
  assert.deepEqual(windows[0]!.sent.at(-1), [DESKTOP_CHANNELS.navigate, 'doctor']);
  click('Open logs');
  assert.deepEqual(windows[0]!.sent.at(-1), [DESKTOP_CHANNELS.navigate, 'logs']);
  click('Stop gateway');
  await flush();
  assert.ok(handler.calls.some((c) => c.op === 'gateway.stop'));
  await flush();
  assert.match(trays[0]!.tooltip, /Clawline is stopped/);
  assert.equal(trays[0]!.image.path, '/app/assets/tray/tray-disconnected.png');
}));

test('the window reaches the gateway through IPC; other senders do not', () => withApp({}, async ({ ready, windows, ipcMain, handler }) => {
  await ready;
  const id = windows[0]!.webContents.id;
  const ok = await ipcMain.invoke(operationChannel('pairing.list'), ipcEvent(id), {}) as BridgeResult<unknown>;
  assert.equal(ok.ok, true);
  const refused = await ipcMain.invoke(operationChannel('pairing.list'), ipcEvent(id + 1), {}) as BridgeResult<unknown>;
  assert.equal(refused.ok, false);
  assert.equal(handler.calls.filter((c) => c.op === 'pairing.list').length, 1);
}));

test('gateway events update the tray, reach the window and raise notifications', () => withApp({}, async ({ ready, windows, trays, notes, handler }) => {
  await ready;
  const s: GatewaySummary = summary([account('logged-out')]);
  handler.emit('status', s);
  assert.equal(trays[0]!.image.path, '/app/assets/tray/tray-attention.png');
  assert.deepEqual(windows[0]!.sent.at(-1), ['clawline:event', { event: 'status', payload: s }]);
  assert.deepEqual(notes.map((n) => n.title), ['WhatsApp was logged out']);
}));

test('when the gateway cannot start: the tray says so, status reports stopped, Start tries again', () => withApp({ gateway: 'fail' }, async ({ ready, trays, windows, ipcMain, started, logs }) => {
  await ready;
  await flush();
  assert.equal(started.length, 1);
  assert.equal(trays[0]!.image.path, '/app/assets/tray/tray-disconnected.png');
  assert.match(trays[0]!.tooltip, /could not start: port 18789 is in use/);
  assert.ok(logs.some((l) => /could not start/.test(l)));
  const id = windows[0]!.webContents.id;
  const status = await ipcMain.invoke(operationChannel('status.get'), ipcEvent(id), {}) as BridgeResult<GatewaySummary>;
  assert.equal(status.ok && status.value.running, false);
  const other = await ipcMain.invoke(operationChannel('pairing.list'), ipcEvent(id), {}) as BridgeResult<unknown>;
  assert.equal(!other.ok && other.error.code, 'gateway-not-running');
  const start = await ipcMain.invoke(operationChannel('gateway.start'), ipcEvent(id), {}) as BridgeResult<unknown>;
  assert.equal(start.ok, true);
  assert.equal(started.length, 2);
  await flush();
  assert.equal(trays[0]!.image.path, '/app/assets/tray/tray-connected.png');
}));

test('preferences: theme in the store, window bounds remembered', () => withApp({}, async ({ ready, windows, ipcMain, prefs }) => {
  await ready;
  const id = windows[0]!.webContents.id;
  const r = await ipcMain.invoke(DESKTOP_CHANNELS.setPreferences, ipcEvent(id), { theme: 'dark' }) as BridgeResult<{ theme: string; launchAtLogin: boolean }>;
  assert.equal(r.ok && r.value.theme, 'dark');
  assert.equal(prefs.data.theme, 'dark');
  windows[0]!.emit('close');
  assert.deepEqual(prefs.data.windowBounds, { x: 5, y: 6, width: 900, height: 700 });
}));
