// The one Clawline window. Created when first needed, hidden (not closed) when the person
// closes it — the app lives in the tray — and destroyed only when quitting.
import type { BrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { APP_START_URL } from './security.ts';
import { sendNavigate } from './ipc.ts';

export type WindowLike = Pick<BrowserWindow, 'show' | 'hide' | 'focus' | 'isDestroyed' | 'isMinimized' | 'restore' | 'on' | 'loadURL' | 'getBounds'> & {
  webContents: Pick<BrowserWindow['webContents'], 'id' | 'send' | 'isDestroyed' | 'isLoading' | 'once'>;
};

export interface MainWindowDeps {
  create(options: BrowserWindowConstructorOptions): WindowLike;
  preloadPath: string;
  iconPath?: string;
  /** Last window position and size, remembered between runs (electron-store). */
  loadBounds(): Partial<Rectangle> | undefined;
  saveBounds(bounds: Rectangle): void;
  /** True once Quit was chosen: then closing really closes. */
  isQuitting(): boolean;
}

/** Secure defaults; the only place BrowserWindow options are written. */
export function mainWindowOptions(preloadPath: string, bounds: Partial<Rectangle> = {}, iconPath?: string): BrowserWindowConstructorOptions {
  return {
    width: bounds.width ?? 1100,
    height: bounds.height ?? 780,
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 420,
    minHeight: 480,
    title: 'Clawline',
    show: false,
    backgroundColor: '#f4f6f8',
    autoHideMenuBar: true,
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

export class MainWindow {
  private win?: WindowLike;

  constructor(private readonly deps: MainWindowDeps) {}

  /** Shows (creating if needed) and focuses the window, on `route` when given. */
  show(route?: string): void {
    const existing = this.win && !this.win.isDestroyed() ? this.win : undefined;
    if (!existing) {
      const win = this.deps.create(mainWindowOptions(this.deps.preloadPath, this.deps.loadBounds(), this.deps.iconPath));
      this.win = win;
      win.on('close', (event) => {
        this.deps.saveBounds(win.getBounds());
        if (!this.deps.isQuitting()) {
          event.preventDefault();
          win.hide();
        }
      });
      win.on('closed', () => { if (this.win === win) this.win = undefined; });
      win.on('ready-to-show', () => { win.show(); win.focus(); });
      void win.loadURL(route ? `${APP_START_URL}#/${route}` : APP_START_URL);
      return;
    }
    if (existing.isMinimized()) existing.restore();
    existing.show();
    existing.focus();
    if (route) {
      const wc = existing.webContents;
      if (wc.isLoading()) wc.once('did-finish-load', () => sendNavigate(wc, route));
      else sendNavigate(wc, route);
    }
  }

  hide(): void {
    if (this.win && !this.win.isDestroyed()) this.win.hide();
  }

  /** For the IPC sender check. */
  contentsId(): number | undefined {
    return this.win && !this.win.isDestroyed() ? this.win.webContents.id : undefined;
  }

  contents(): WindowLike['webContents'] | undefined {
    return this.win && !this.win.isDestroyed() ? this.win.webContents : undefined;
  }
}
