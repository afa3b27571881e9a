// The built preload (one CommonJS file, as the sandbox needs) exposes exactly the contract's task
// functions — no ipcRenderer, no generic invoke — and each sends its operation's request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import { requestSchemas } from '../../main/control/contract.ts';
import { BRIDGE_KEYS, DESKTOP_CHANNELS, EVENT_CHANNEL, TASKS, operationChannel } from '../../preload/bridge.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
let code: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clawline-preload-'));
  // Same options as scripts/build.mjs, into a temp dir (a concurrent build may empty dist/).
  await build({ absWorkingDir: root, entryPoints: ['preload/index.ts'], outfile: join(dir, 'preload.cjs'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['electron'], logLevel: 'error' });
  code = await readFile(join(dir, 'preload.cjs'), 'utf8');
});
after(async () => { await rm(dir, { recursive: true, force: true }); });

interface Loaded {
  exposed: Record<string, unknown>;
  exposedName: string;
  invokes: { channel: string; args: unknown[] }[];
  listeners: Map<string, Set<(e: unknown, msg: unknown) => void>>;
  required: string[];
}

/** Runs the preload in a bare context whose only module is a fake `electron`. */
function loadPreload(): Loaded {
  const out: Loaded = { exposed: {}, exposedName: '', invokes: [], listeners: new Map(), required: [] };
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: Record<string, unknown>) => { out.exposedName = name; out.exposed = api; } },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => { out.invokes.push({ channel, args }); return { ok: true, value: null }; },
      on: (channel: string, fn: (e: unknown, msg: unknown) => void) => { if (!out.listeners.has(channel)) out.listeners.set(channel, new Set()); out.listeners.get(channel)!.add(fn); },
      removeListener: (channel: string, fn: (e: unknown, msg: unknown) => void) => { out.listeners.get(channel)?.delete(fn); },
    },
  };
  const module = { exports: {} };
  const sandbox = {
    module, exports: module.exports,
    require: (name: string) => { out.required.push(name); if (name === 'electron') return electron; throw new Error(`the sandboxed preload may not require ${name}`); },
  };
  vm.runInNewContext(code, sandbox, { filename: 'preload.cjs' });
  return out;
}

test('the preload is one self-contained CommonJS file that requires only electron', () => {
  const p = loadPreload();
  assert.deepEqual([...new Set(p.required)], ['electron']);
  assert.doesNotMatch(code, /\bimport\s*\(|^\s*import\s/m);
});

test('window.clawline holds exactly the task functions: every operation once, no generic invoke', () => {
  const p = loadPreload();
  assert.equal(p.exposedName, 'clawline');
  assert.deepEqual(Object.keys(p.exposed).sort(), [...BRIDGE_KEYS].sort());
  for (const [k, v] of Object.entries(p.exposed)) assert.equal(typeof v, 'function', k);
  for (const banned of ['invoke', 'send', 'on', 'ipcRenderer', 'require', 'call']) assert.ok(!(banned in p.exposed), `${banned} must not be exposed`);
  // Every contract operation has exactly one task function.
  const ops = Object.values(TASKS).map((t) => t.op).sort();
  assert.deepEqual(ops, Object.keys(requestSchemas).sort());
});

test('each task function sends its operation with the request built from its arguments', async () => {
  const p = loadPreload();
  const api = p.exposed as Record<string, (...a: unknown[]) => Promise<unknown>>;
  await api.approvePairing!('ABCD2345', true);
  await api.dismissPairing!('ABCD2345', 'work');
  await api.linkStart!({ method: 'code', phone: '+15550100' });
  await api.setSetting!(['channels', 'whatsapp', 'dmPolicy'], 'allowlist');
  await api.status!();
  await api.tailLogs!({ level: 'error', limit: 20 });
  await api.setPreferences!({ theme: 'dark' });
  // Objects from the vm context have that realm's prototypes: compare their JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(p.invokes)), [
    { channel: operationChannel('pairing.approve'), args: [{ code: 'ABCD2345', notify: true }] },
    { channel: operationChannel('pairing.dismiss'), args: [{ code: 'ABCD2345', accountId: 'work' }] },
    { channel: operationChannel('link.start'), args: [{ method: 'code', phone: '+15550100' }] },
    { channel: operationChannel('settings.set'), args: [{ path: ['channels', 'whatsapp', 'dmPolicy'], value: 'allowlist' }] },
    { channel: operationChannel('status.get'), args: [{}] },
    { channel: operationChannel('logs.tail'), args: [{ level: 'error', limit: 20 }] },
    { channel: DESKTOP_CHANNELS.setPreferences, args: [{ theme: 'dark' }] },
  ]);
});

test('event subscriptions deliver only their event and can be removed', () => {
  const p = loadPreload();
  const api = p.exposed as Record<string, (fn: (x: unknown) => void) => () => void>;
  const got: unknown[] = [];
  const off = api.onPairing!((x) => got.push(x));
  const emit = (msg: unknown) => { for (const fn of p.listeners.get(EVENT_CHANNEL) ?? []) fn({}, msg); };
  emit({ event: 'status', payload: 1 });
  emit({ event: 'pairing', payload: { requests: [] } });
  off();
  emit({ event: 'pairing', payload: 'late' });
  assert.deepEqual(JSON.parse(JSON.stringify(got)), [{ requests: [] }]);
  assert.throws(() => api.onStatus!('not a function' as never), /needs a function/);
  const routes: unknown[] = [];
  api.onNavigate!((r) => routes.push(r));
  for (const fn of p.listeners.get(DESKTOP_CHANNELS.navigate) ?? []) { fn({}, 'requests'); fn({}, { not: 'a route' }); }
  assert.deepEqual(routes, ['requests']);
});
