// The tray app's wiring: single instance, security rules, tray, window, IPC, notifications,
// launch at login and the gateway — with every Electron object passed in (index.ts passes the
// real ones), so this file is type-checked against Electron and tested with fakes.
import type { App, BrowserWindowConstructorOptions, Dock, Menu, MenuItemConstructorOptions, NativeImage, NotificationConstructorOptions, Protocol, Session } from 'electron';
import type { ControlHandler, EventName, Events, GatewaySummary, OperationName, ParsedRequestOf, Responses } from '../control/contract.ts';
import type { DesktopGateway, StartGateway } from './gateway-port.ts';
import { forwardEvents, registerIpc, type IpcMainLike } from './ipc.ts';
import { chooseKeyProvider, type EncryptionInfo, type SafeStorageLike } from './key-provider.ts';
import { getLaunchAtLogin, launchedHidden, setLaunchAtLogin } from './login-item.ts';
import { Notifier, type NotificationLike } from './notifications.ts';
import { DesktopPreferencesService, type PreferencesStore } from './preferences.ts';
import { hardenSession, hardenWebContents, installAppProtocol, registerAppScheme, type GuardedContents } from './security.ts';
import { TrayController, type TrayLike } from './tray.ts';
import { ACTION_ROUTES, type TrayAction } from './tray-model.ts';
import { MainWindow, type WindowLike } from './window.ts';

export interface ElectronApi {
  app: Pick<App, 'enableSandbox' | 'requestSingleInstanceLock' | 'on' | 'whenReady' | 'quit' | 'getLoginItemSettings' | 'setLoginItemSettings' | 'setAppUserModelId'> & { dock?: Pick<Dock, 'hide'> };
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  defaultSession(): Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;
  ipcMain: IpcMainLike;
  createWindow(options: BrowserWindowConstructorOptions): WindowLike;
  createTray(image: NativeImage): TrayLike;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  loadImage(path: string): NativeImage;
  notifications: { isSupported(): boolean; create(options: NotificationConstructorOptions): NotificationLike };
  safeStorage: SafeStorageLike;
  openExternal(url: string): void;
}

export interface DesktopEnv {
  platform: NodeJS.Platform;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  homeDir: string;
  execPath: string;
  stateDir: string;
  /** statePaths(stateDir).clawline: where the wrapped data key lives. */
  clawlineDir: string;
  preloadPath: string;
  rendererDir: string;
  /** Folder with tray/ and app-icon.png. */
  assetsDir: string;
  prefsStore: PreferencesStore;
  loadGateway(): Promise<StartGateway>;
  log(message: string, err?: unknown): void;
}

const APP_USER_MODEL_ID = 'app.clawline.desktop';

/**
 * Holds the running gateway (or why it is not running) behind one ControlHandler, so the window
 * and tray keep working when it failed to start and "Start" can try again.
 */
export class GatewayHost implements ControlHandler {
  private gateway?: DesktopGateway;
  private startError?: string;
  private listeners = new Set<<E extends EventName>(event: E, payload: Events[E]) => void>();
  private unsubscribe?: () => void;

  constructor(private readonly startGateway: () => Promise<DesktopGateway>, private readonly encryption: EncryptionInfo, private readonly version: string) {}

  async start(): Promise<void> {
    try {
      this.gateway = await this.startGateway();
      this.startError = undefined;
      this.unsubscribe = this.gateway.handler.subscribe((event, payload) => { for (const l of this.listeners) l(event, payload); });
    } catch (err) {
      this.startError = (err as Error)?.message ?? String(err);
      throw err;
    }
  }

  error(): string | undefined { return this.startError; }

  async handle<K extends OperationName>(op: K, request: ParsedRequestOf<K>): Promise<Responses[K]> {
    if (this.gateway) return this.gateway.handler.handle(op, request);
    if (op === 'status.get') {
      const summary: GatewaySummary = { running: false, version: this.version, encryption: this.encryption, accounts: [], pendingPairing: 0 };
      return summary as Responses[K];
    }
    if (op === 'gateway.start' || op === 'gateway.restart') {
      await this.start();
      this.emit('status', await this.gateway!.handler.handle('status.get', {}));
      return { ok: true } as Responses[K];
    }
    throw Object.assign(new Error(`Clawline's gateway is not running${this.startError ? `: ${this.startError}` : ''}.`), { code: 'gateway-not-running', nextStep: 'Use Start in the tray menu or on Home. If it fails again, look at the logs.' });
  }

  subscribe(listener: <E extends EventName>(event: E, payload: Events[E]) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l(event, payload);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    const gw = this.gateway;
    this.gateway = undefined;
    await gw?.stop();
  }
}

export interface DesktopApp {
  /** Resolves when the app is up (tray shown, gateway started or its error recorded). */
  ready: Promise<void>;
  /** False when another instance already runs (this one quits). */
  primary: boolean;
}

export function startDesktop(electron: ElectronApi, env: DesktopEnv, version = '0.1.0'): DesktopApp {
  const { app } = electron;
  // Before ready: sandbox every renderer, make app:// a standard secure scheme.
  app.enableSandbox();
  registerAppScheme(electron.protocol);

  // One instance per user: two would fight over the WhatsApp session (status 440 loops).
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return { ready: Promise.resolve(), primary: false };
  }

  let quitting = false;
  let host: GatewayHost | undefined;
  const window = new MainWindow({
    create: (o) => electron.createWindow(o),
    preloadPath: env.preloadPath,
    iconPath: env.platform === 'linux' ? `${env.assetsDir}/app-icon.png` : undefined,
    loadBounds: () => prefs.windowBounds(),
    saveBounds: (b) => prefs.saveWindowBounds(b),
    isQuitting: () => quitting,
  });
  const loginDeps = { platform: env.platform, app, env: env.env, homeDir: env.homeDir, execPath: env.execPath };
  const prefs = new DesktopPreferencesService(env.prefsStore, { get: () => getLaunchAtLogin(loginDeps), set: (on) => setLaunchAtLogin(on, loginDeps) }, env.platform);

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents as unknown as GuardedContents, { openExternal: (url) => electron.openExternal(url) }));
  app.on('second-instance', () => window.show());
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});
  app.on('before-quit', (event) => {
    if (quitting) return;
    // Stop the gateway first (flush credentials), then quit for real.
    quitting = true;
    if (!host) return;
    event.preventDefault();
    void host.stop().catch((err) => env.log('gateway did not stop cleanly', err)).finally(() => app.quit());
  });

  const ready = (async () => {
    await app.whenReady();
    if (env.platform === 'darwin') app.dock?.hide();
    if (env.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
    installAppProtocol(electron.protocol, env.rendererDir);
    hardenSession(electron.defaultSession());

    const { keyProvider, encryption } = chooseKeyProvider(electron.safeStorage, env.platform, env.clawlineDir);
    if (!encryption.enabled) env.log(`credentials are not encrypted: ${encryption.warning ?? encryption.provider}`);

    let startGateway: StartGateway | undefined;
    host = new GatewayHost(async () => {
      startGateway ??= await env.loadGateway();
      return startGateway({ stateDir: env.stateDir, keyProvider, encryption, controlServer: true });
    }, encryption, version);

    const onAction = (action: TrayAction) => {
      const route = ACTION_ROUTES[action];
      if (route) return window.show(action === 'open' ? undefined : route);
      if (action === 'quit') return app.quit();
      const op = action === 'start' ? 'gateway.start' : action === 'stop' ? 'gateway.stop' : 'gateway.restart';
      host!.handle(op, {}).then(refresh, (err) => { env.log(`${op} failed`, err); refresh(); });
    };
    const tray = new TrayController({
      createTray: (img) => electron.createTray(img),
      buildMenu: (t) => electron.buildMenu(t),
      loadImage: (file) => electron.loadImage(`${env.assetsDir}/tray/${file}`),
      platform: env.platform,
      onAction,
    });
    const notifier = new Notifier({
      isSupported: () => electron.notifications.isSupported(),
      create: (o) => electron.notifications.create(o),
      open: (route) => window.show(route),
      iconPath: env.platform === 'darwin' ? undefined : `${env.assetsDir}/app-icon.png`,
    });
    const refresh = () => {
      host!.handle('status.get', {}).then((s) => { tray.update(s, { startError: host!.error() }); notifier.onStatus(s); }, (err) => env.log('status failed', err));
    };
    tray.update(undefined);

    registerIpc({
      ipcMain: electron.ipcMain,
      handler: host,
      windowContentsId: () => window.contentsId(),
      preferences: prefs,
      onRefused: (reason, channel) => env.log(`refused IPC on ${channel}: ${reason}`),
    });
    forwardEvents(host, () => window.contents());
    host.subscribe((event, payload) => {
      if (event === 'status') {
        const s = payload as GatewaySummary;
        tray.update(s, { startError: host!.error() });
        notifier.onStatus(s);
      } else if (event === 'pairing') notifier.onPairing(payload as Events['pairing']);
    });

    try {
      await host.start();
    } catch (err) {
      env.log('the gateway could not start', err);
    }
    refresh();
    if (!launchedHidden(env.argv, app, env.platform)) window.show();
  })();

  return { ready, primary: true };
}
