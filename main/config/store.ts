// The config as a live value for the gateway and the GUI: load once, watch the file, deliver
// validated changes. An invalid edit never replaces the settings in force; subscribers hear
// about it (with the findings) and the last good config stays.
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Finding } from '../control/contract.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import type { KeyPath } from './key-path.ts';
import { ConfigReadError, describeReadError, loadConfig, type LoadedConfig } from './load.ts';
import type { EffectiveConfig } from './resolve.ts';
import { setConfigValue, unsetConfigValue, type EditResult } from './update.ts';

export type ConfigEvent =
  /** A valid config is now in force. */
  | { type: 'changed'; config: LoadedConfig; effective: EffectiveConfig; previous?: EffectiveConfig }
  /** The file changed but has errors: `effective` (the last good config, if any) stays in force. */
  | { type: 'invalid'; config: LoadedConfig; findings: Finding[]; effective?: EffectiveConfig }
  /** The file could not be read at all; the last good config stays in force. */
  | { type: 'unreadable'; message: string; findings: Finding[]; effective?: EffectiveConfig };

export type ConfigListener = (event: ConfigEvent) => void;

export interface ConfigStoreOptions {
  /** The config file (usually statePaths(stateDir).config). */
  path: string;
  /** Defaults to the file's folder. */
  stateDir?: string;
  clock?: Clock;
  /** Quiet time after the last file event before re-reading (editors write in bursts). Default 250 ms. */
  debounceMs?: number;
  /** Watch the file for outside edits (default true). */
  watch?: boolean;
}

export class ConfigStore {
  private loaded: LoadedConfig;
  private good: EffectiveConfig | undefined;
  private readonly listeners = new Set<ConfigListener>();
  private watcher: FSWatcher | undefined;
  private timer: TimerHandle | undefined;
  private work: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly stateDir: string;

  private constructor(readonly path: string, options: ConfigStoreOptions, first: LoadedConfig) {
    this.loaded = first;
    this.good = first.effective;
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? 250;
    this.stateDir = options.stateDir ?? dirname(path);
  }

  /** Loads the file (a missing file means defaults) and starts watching it. Throws ConfigReadError if unreadable. */
  static async open(options: ConfigStoreOptions): Promise<ConfigStore> {
    const first = await loadConfig(options.path, { stateDir: options.stateDir });
    const store = new ConfigStore(options.path, options, first);
    if (options.watch !== false) await store.startWatching();
    return store;
  }

  /** The file as last read, valid or not. */
  get current(): LoadedConfig { return this.loaded; }
  /** Settings in force: the last valid config; undefined only if the file has never been valid. */
  get effective(): EffectiveConfig | undefined { return this.good; }
  /** Findings of the file as last read. */
  get findings(): Finding[] { return this.loaded.findings; }

  subscribe(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** Sets a key (validated first; refused edits leave the file as it was). Edits run one at a time. */
  set(keyPath: KeyPath, value: unknown): Promise<EditResult> {
    return this.serial(async () => this.afterEdit(await setConfigValue(this.path, keyPath, value, { stateDir: this.stateDir })));
  }

  unset(keyPath: KeyPath): Promise<EditResult> {
    return this.serial(async () => this.afterEdit(await unsetConfigValue(this.path, keyPath, { stateDir: this.stateDir })));
  }

  /** Re-reads the file now (the watcher does this by itself). */
  reload(): Promise<void> {
    return this.serial(() => this.readAndApply());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.listeners.clear();
    await this.work.catch(() => {});
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.work.then(job, job);
    this.work = run.catch(() => {});
    return run;
  }

  private afterEdit(result: EditResult): EditResult {
    if (result.ok && result.changed && result.config) this.apply(result.config);
    return result;
  }

  private async startWatching(): Promise<void> {
    // Watch the folder, not the file: editors save by writing a new file and renaming it over
    // the old one, which ends a watch on the file itself.
    const dir = dirname(this.path);
    const name = basename(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.watcher = watch(dir, { persistent: true }, (_event, filename) => {
      if (this.closed) return;
      if (filename !== null && filename !== undefined && String(filename) !== name) return;
      this.clock.clearTimeout(this.timer);
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        void this.reload();
      }, this.debounceMs);
    });
    this.watcher.on('error', (err) => {
      this.emit({ type: 'unreadable', message: `stopped watching ${dir}: ${err.message}`, findings: [], effective: this.good });
    });
  }

  private async readAndApply(): Promise<void> {
    if (this.closed) return;
    let next: LoadedConfig;
    try {
      next = await loadConfig(this.path, { stateDir: this.stateDir });
    } catch (err) {
      const message = err instanceof ConfigReadError ? err.message : describeReadError(this.path, err);
      this.emit({ type: 'unreadable', message, findings: [{ severity: 'error', path: '', message, hint: 'The settings in force stay as they were.' }], effective: this.good });
      return;
    }
    if (this.closed) return;
    if (next.exists === this.loaded.exists && next.text === this.loaded.text) return; // our own save, or a touch
    this.apply(next);
  }

  private apply(next: LoadedConfig): void {
    this.loaded = next;
    if (next.effective) {
      const previous = this.good;
      this.good = next.effective;
      this.emit({ type: 'changed', config: next, effective: next.effective, ...(previous ? { previous } : {}) });
    } else {
      this.emit({ type: 'invalid', config: next, findings: next.findings, ...(this.good ? { effective: this.good } : {}) });
    }
  }

  private emit(event: ConfigEvent): void {
    if (this.closed) return;
    for (const listener of [...this.listeners]) {
      try { listener(event); } catch { /* a failing subscriber must not stop the others */ }
    }
  }
}

/** Convenience: a store that watches `path` and calls `listener` on every change; returns it for close(). */
export async function watchConfig(path: string, listener: ConfigListener, options: Omit<ConfigStoreOptions, 'path'> = {}): Promise<ConfigStore> {
  const store = await ConfigStore.open({ ...options, path });
  store.subscribe(listener);
  return store;
}
