// IPC: only our window's app:// top frame may call, and only with payloads the contract accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestSchemas } from '../../main/control/contract.ts';
import { forwardEvents, registerIpc, sendNavigate } from '../../main/desktop/ipc.ts';
import { DESKTOP_CHANNELS, EVENT_CHANNEL, operationChannel, type BridgeResult, type DesktopPreferences, type DesktopPreferencesPatch } from '../../preload/bridge.ts';
import { FakeIpcMain, RecordingHandler, asIpcMain, ipcEvent } from './fakes.ts';

const WINDOW_ID = 7;

function setup() {
  const ipcMain = new FakeIpcMain();
  const handler = new RecordingHandler();
  const refused: string[] = [];
  let prefs: DesktopPreferences = { launchAtLogin: false, theme: 'system', platform: 'linux' };
  const prefPatches: DesktopPreferencesPatch[] = [];
  const unregister = registerIpc({
    ipcMain: asIpcMain(ipcMain),
    handler,
    windowContentsId: () => WINDOW_ID,
    preferences: { get: async () => prefs, set: async (p) => { prefPatches.push(p); prefs = { ...prefs, ...p }; return prefs; } },
    onRefused: (reason) => refused.push(reason),
  });
  return { ipcMain, handler, refused, prefPatches, unregister };
}

test('one handler per contract operation plus the desktop preferences, and nothing else', () => {
  const { ipcMain, unregister } = setup();
  const expected = [...Object.keys(requestSchemas).map((op) => operationChannel(op as keyof typeof requestSchemas)), DESKTOP_CHANNELS.getPreferences, DESKTOP_CHANNELS.setPreferences].sort();
  assert.deepEqual([...ipcMain.handlers.keys()].sort(), expected);
  unregister();
  assert.equal(ipcMain.handlers.size, 0);
});

test('a valid call from our window reaches the gateway with the parsed request', async () => {
  const { ipcMain, handler } = setup();
  const r = await ipcMain.invoke(operationChannel('pairing.approve'), ipcEvent(WINDOW_ID), { code: 'ABCD2345', notify: true }) as BridgeResult<unknown>;
  assert.deepEqual(r, { ok: true, value: { ok: true, id: '+447700900123' } });
  assert.deepEqual(handler.calls, [{ op: 'pairing.approve', request: { code: 'ABCD2345', notify: true } }]);
  // Defaults from the contract are applied before the gateway sees the request.
  await ipcMain.invoke(operationChannel('link.start'), ipcEvent(WINDOW_ID), {});
  assert.deepEqual(handler.calls[1], { op: 'link.start', request: { accountId: 'default', method: 'qr' } });
});

const badSenders: [string, ReturnType<typeof ipcEvent>][] = [
  ['another webContents', ipcEvent(99)],
  ['a foreign page in our window', ipcEvent(WINDOW_ID, 'https://evil.example/')],
  ['a file:// page', ipcEvent(WINDOW_ID, 'file:///tmp/x.html')],
  ['app:// with another host', ipcEvent(WINDOW_ID, 'app://other/index.html')],
  ['a sub-frame of our page', ipcEvent(WINDOW_ID, 'app://clawline/index.html', { url: 'app://clawline/index.html' })],
];
for (const [name, event] of badSenders) {
  test(`calls from ${name} are refused before reaching the gateway`, async () => {
    const { ipcMain, handler, refused } = setup();
    const r = await ipcMain.invoke(operationChannel('account.reset'), event, {}) as BridgeResult<unknown>;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'forbidden');
    assert.equal(handler.calls.length, 0);
    assert.equal(refused.length, 1);
    const p = await ipcMain.invoke(DESKTOP_CHANNELS.setPreferences, event, { launchAtLogin: true }) as BridgeResult<unknown>;
    assert.equal(p.ok, false);
  });
}

test('a sender is refused when our window is closed', async () => {
  const ipcMain = new FakeIpcMain();
  const handler = new RecordingHandler();
  registerIpc({ ipcMain: asIpcMain(ipcMain), handler, windowContentsId: () => undefined, preferences: { get: async () => ({ launchAtLogin: false, theme: 'system', platform: 'linux' }), set: async () => { throw new Error('no'); } } });
  const r = await ipcMain.invoke(operationChannel('status.get'), ipcEvent(WINDOW_ID), {}) as BridgeResult<unknown>;
  assert.equal(!r.ok && r.error.code, 'forbidden');
  assert.equal(handler.calls.length, 0);
});

const badPayloads: [string, string, unknown[]][] = [
  ['an unknown key', operationChannel('status.get'), [{ evil: 1 }]],
  ['a malformed pairing code', operationChannel('pairing.approve'), [{ code: 'x', notify: true }]],
  ['a wrong type', operationChannel('pairing.approve'), [{ code: 'ABCD2345', notify: 'yes' }]],
  ['an account id with a path in it', operationChannel('account.reset'), [{ accountId: '../../etc' }]],
  ['a settings path that is not a key path', operationChannel('settings.set'), [{ path: [], value: 1 }]],
  ['a log limit out of range', operationChannel('logs.tail'), [{ limit: 1e9 }]],
  ['two arguments instead of one', operationChannel('gateway.stop'), [{}, {}]],
  ['a non-object payload', operationChannel('link.cancel'), ['default']],
];
for (const [name, channel, args] of badPayloads) {
  test(`payloads with ${name} are rejected as bad requests`, async () => {
    const { ipcMain, handler } = setup();
    const r = await ipcMain.invoke(channel, ipcEvent(WINDOW_ID), ...args) as BridgeResult<unknown>;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'bad-request', JSON.stringify(r));
    assert.equal(handler.calls.length, 0);
  });
}

test('gateway errors come back as values with their code and next step', async () => {
  const { ipcMain } = setup();
  const r = await ipcMain.invoke(operationChannel('settings.set'), ipcEvent(WINDOW_ID), { path: ['channels', 'whatsapp', 'dmPolicy'], value: 'open' }) as BridgeResult<unknown>;
  assert.deepEqual(r, { ok: false, error: { code: 'failed', message: 'the file is locked', nextStep: 'Try again.' } });
});

test('desktop preferences: validated patch, unknown keys refused', async () => {
  const { ipcMain, prefPatches } = setup();
  const ok = await ipcMain.invoke(DESKTOP_CHANNELS.setPreferences, ipcEvent(WINDOW_ID), { launchAtLogin: true, theme: 'dark' }) as BridgeResult<DesktopPreferences>;
  assert.deepEqual(ok, { ok: true, value: { launchAtLogin: true, theme: 'dark', platform: 'linux' } });
  const bad = await ipcMain.invoke(DESKTOP_CHANNELS.setPreferences, ipcEvent(WINDOW_ID), { theme: 'neon' }) as BridgeResult<unknown>;
  assert.equal(!bad.ok && bad.error.code, 'bad-request');
  const extra = await ipcMain.invoke(DESKTOP_CHANNELS.setPreferences, ipcEvent(WINDOW_ID), { execPath: '/bin/sh' }) as BridgeResult<unknown>;
  assert.equal(!extra.ok && extra.error.code, 'bad-request');
  assert.deepEqual(prefPatches, [{ launchAtLogin: true, theme: 'dark' }]);
  const got = await ipcMain.invoke(DESKTOP_CHANNELS.getPreferences, ipcEvent(WINDOW_ID)) as BridgeResult<DesktopPreferences>;
  assert.equal(got.ok && got.value.theme, 'dark');
});

test('gateway events are forwarded to the window while it exists', () => {
  const handler = new RecordingHandler();
  const sent: [string, unknown][] = [];
  let destroyed = false;
  const wc = { send: (channel: string, msg: unknown) => { sent.push([channel, msg]); }, isDestroyed: () => destroyed };
  let open = true;
  const off = forwardEvents(handler, () => (open ? wc : undefined));
  handler.emit('config', { findings: [] });
  open = false;
  handler.emit('config', { findings: [] });
  open = true;
  destroyed = true;
  handler.emit('config', { findings: [] });
  assert.deepEqual(sent, [[EVENT_CHANNEL, { event: 'config', payload: { findings: [] } }]]);
  off();
  assert.equal(handler.listeners.size, 0);
  destroyed = false;
  sendNavigate(wc, 'requests');
  assert.deepEqual(sent.at(-1), [DESKTOP_CHANNELS.navigate, 'requests']);
});
