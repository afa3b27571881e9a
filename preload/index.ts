// The preload: runs sandboxed, with context isolation, before the page. It gives the page the
// contract's task functions and nothing else — never ipcRenderer or a generic invoke — so a
// compromised page can only ask for what the window is meant to do, and main validates even that.
// Bundled to ONE CommonJS file (dist/preload/preload.cjs): a sandboxed preload cannot load ESM.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { BRIDGE_GLOBAL, DESKTOP_CHANNELS, EVENT_CHANNEL, EVENT_SUBSCRIPTIONS, TASKS, operationChannel, type ClawlineBridge, type TaskName } from './bridge.ts';

const api: Record<string, unknown> = {};

for (const name of Object.keys(TASKS) as TaskName[]) {
  const task = TASKS[name];
  const build = task.request as (...args: unknown[]) => object;
  api[name] = (...args: unknown[]) => ipcRenderer.invoke(operationChannel(task.op), build(...args));
}

for (const [name, event] of Object.entries(EVENT_SUBSCRIPTIONS)) {
  api[name] = (listener: (payload: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError(`${name} needs a function`);
    const onMessage = (_e: IpcRendererEvent, message: { event?: string; payload?: unknown }) => {
      if (message && message.event === event) listener(message.payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, onMessage);
    return () => { ipcRenderer.removeListener(EVENT_CHANNEL, onMessage); };
  };
}

api.getPreferences = () => ipcRenderer.invoke(DESKTOP_CHANNELS.getPreferences);
api.setPreferences = (patch: unknown) => ipcRenderer.invoke(DESKTOP_CHANNELS.setPreferences, patch);
api.onNavigate = (listener: (route: string) => void) => {
  if (typeof listener !== 'function') throw new TypeError('onNavigate needs a function');
  const onMessage = (_e: IpcRendererEvent, route: unknown) => { if (typeof route === 'string') listener(route); };
  ipcRenderer.on(DESKTOP_CHANNELS.navigate, onMessage);
  return () => { ipcRenderer.removeListener(DESKTOP_CHANNELS.navigate, onMessage); };
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, Object.freeze(api as unknown as ClawlineBridge));
