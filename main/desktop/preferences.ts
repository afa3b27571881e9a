// The tray app's own preferences (theme, window position) in electron-store — only UI things:
// everything about WhatsApp and the agent lives in openclaw.json. "Launch at login" is not
// stored here: the OS (login items / autostart file) is the truth, so it is read from there.
import type { Rectangle } from 'electron';
import type { DesktopPreferences, DesktopPreferencesPatch, Theme } from '../../preload/bridge.ts';
import type { PreferencesPort } from './ipc.ts';

export interface StoredPreferences {
  theme: Theme;
  windowBounds?: Rectangle;
}

/** The slice of electron-store used here (so tests can pass a Map-backed fake). */
export interface PreferencesStore {
  get<K extends keyof StoredPreferences>(key: K): StoredPreferences[K];
  set<K extends keyof StoredPreferences>(key: K, value: StoredPreferences[K]): void;
}

/** electron-store options: defaults plus a schema, so a hand-edited file cannot break the app. */
export const PREFERENCES_STORE_OPTIONS = {
  name: 'preferences',
  defaults: { theme: 'system' } as StoredPreferences,
  schema: {
    theme: { type: 'string', enum: ['system', 'light', 'dark'] },
    windowBounds: {
      type: 'object',
      properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number', minimum: 200 }, height: { type: 'number', minimum: 200 } },
    },
  },
  clearInvalidConfig: true,
} as const;

export interface LaunchAtLogin {
  get(): Promise<boolean>;
  set(enabled: boolean): Promise<void>;
}

export class DesktopPreferencesService implements PreferencesPort {
  constructor(private readonly store: PreferencesStore, private readonly login: LaunchAtLogin, private readonly platform: NodeJS.Platform) {}

  async get(): Promise<DesktopPreferences> {
    return { theme: this.store.get('theme') ?? 'system', launchAtLogin: await this.login.get(), platform: this.platform };
  }

  async set(patch: DesktopPreferencesPatch): Promise<DesktopPreferences> {
    if (patch.theme) this.store.set('theme', patch.theme);
    if (patch.launchAtLogin !== undefined) await this.login.set(patch.launchAtLogin);
    return this.get();
  }

  windowBounds(): Rectangle | undefined {
    return this.store.get('windowBounds');
  }

  saveWindowBounds(bounds: Rectangle): void {
    this.store.set('windowBounds', bounds);
  }
}
