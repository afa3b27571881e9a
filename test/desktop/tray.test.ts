// The tray: icon, tooltip and menu for each gateway state, and what the menu items do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import { trayIconFile, trayModel, type TrayAction, type TrayIconState } from '../../main/desktop/tray-model.ts';
import { TrayController } from '../../main/desktop/tray.ts';
import { FakeImage, FakeTray, account, asImage, asTray, fakeMenu, summary } from './fakes.ts';

const connected = account('connected', { self: { number: '+15550100' } });

const cases: { name: string; s: Parameters<typeof trayModel>[0]; opts?: { startError?: string }; icon: TrayIconState; tooltip: RegExp }[] = [
  { name: 'starting', s: undefined, icon: 'connecting', tooltip: /starting/ },
  { name: 'failed to start', s: undefined, opts: { startError: 'port in use' }, icon: 'disconnected', tooltip: /could not start: port in use/ },
  { name: 'gateway stopped', s: summary([connected], { running: false }), icon: 'disconnected', tooltip: /Clawline is stopped/ },
  { name: 'connected', s: summary([connected]), icon: 'connected', tooltip: /WhatsApp: Connected as \+15550100/ },
  { name: 'not linked', s: summary([account('not-linked')]), icon: 'not-linked', tooltip: /WhatsApp: Not linked/ },
  { name: 'linking', s: summary([account('linking')]), icon: 'connecting', tooltip: /Waiting for your phone/ },
  { name: 'connecting', s: summary([account('connecting')]), icon: 'connecting', tooltip: /Connecting/ },
  { name: 'reconnecting', s: summary([account('reconnecting', { reconnectAttempts: 3, nextRetryAt: Date.now() + 9000 })]), icon: 'connecting', tooltip: /Reconnecting \(attempt 3\)/ },
  { name: 'logged out', s: summary([account('logged-out')]), icon: 'attention', tooltip: /Logged out/ },
  { name: 'conflict', s: summary([account('conflict')]), icon: 'attention', tooltip: /In use somewhere else/ },
  { name: 'stopped account', s: summary([account('stopped')]), icon: 'disconnected', tooltip: /Stopped/ },
  { name: 'pending approvals', s: summary([connected], { pendingPairing: 2 }), icon: 'attention', tooltip: /2 people waiting for approval/ },
  { name: 'phone offline for days', s: summary([account('connected', { warning: { kind: 'phone-offline', cause: 'Your phone has been offline for 12 days.', nextStep: 'Open WhatsApp on the phone.' } })]), icon: 'attention', tooltip: /Your phone has been offline for 12 days/ },
  { name: 'worst account wins', s: summary([connected, account('not-linked', { accountId: 'work' })]), icon: 'not-linked', tooltip: /WhatsApp \(work\): Not linked/ },
];

for (const c of cases) {
  test(`tray for "${c.name}": icon ${c.icon}, tooltip says it in words`, () => {
    const m = trayModel(c.s, c.opts);
    assert.equal(m.icon, c.icon);
    assert.match(m.tooltip, c.tooltip);
    assert.match(m.tooltip, /^Clawline — /);
    // The status words are also the first menu lines, disabled (information only).
    const first = m.menu[0]!;
    assert.equal(first.enabled, false);
    assert.ok(m.tooltip.includes(first.label!));
  });
}

test('the tray menu holds everything, and only sensible actions are enabled', () => {
  const items = (m: ReturnType<typeof trayModel>) => Object.fromEntries(m.menu.filter((e) => e.action).map((e) => [e.action, e]));
  const running = items(trayModel(summary([connected], { pendingPairing: 1 })));
  assert.deepEqual(Object.keys(running).sort(), ['doctor', 'link', 'logs', 'open', 'quit', 'requests', 'restart', 'start', 'stop'].sort());
  assert.equal(running.requests!.label, 'Requests (1)…');
  assert.equal(running.start!.enabled, false);
  assert.equal(running.stop!.enabled, true);
  assert.equal(running.restart!.enabled, true);
  const stopped = items(trayModel(summary([connected], { running: false })));
  assert.equal(stopped.start!.enabled, true);
  assert.equal(stopped.stop!.enabled, false);
  assert.equal(stopped.link!.enabled, false);
  assert.equal(stopped.requests!.label, 'Requests (none waiting)');
  assert.equal(trayModel(undefined).menu.at(-1)!.label, 'Quit Clawline');
});

test('icon files: colour PNGs on Windows/Linux, Template images on macOS', () => {
  assert.equal(trayIconFile('connected', 'linux'), 'tray-connected.png');
  assert.equal(trayIconFile('attention', 'win32'), 'tray-attention.png');
  assert.equal(trayIconFile('not-linked', 'darwin'), 'tray-not-linkedTemplate.png');
});

function controller(platform: NodeJS.Platform) {
  const actions: TrayAction[] = [];
  const trays: FakeTray[] = [];
  const loaded: string[] = [];
  const c = new TrayController({
    createTray: (img) => { const t = new FakeTray(img); trays.push(t); return asTray(t); },
    buildMenu: fakeMenu,
    loadImage: (file) => { loaded.push(file); return asImage(new FakeImage(file)); },
    platform,
    onAction: (a) => actions.push(a),
  });
  return { c, actions, trays, loaded };
}

test('the tray follows status updates: image, tooltip and menu change with the state', () => {
  const { c, trays } = controller('linux');
  c.update(undefined);
  assert.equal(trays.length, 1);
  const tray = trays[0]!;
  assert.equal(tray.image.path, 'tray-connecting.png');
  c.update(summary([account('not-linked')]));
  assert.equal(trays.length, 1, 'one tray for the whole run');
  assert.equal(tray.image.path, 'tray-not-linked.png');
  assert.match(tray.tooltip, /Not linked/);
  c.update(summary([connected], { pendingPairing: 3 }));
  assert.equal(tray.image.path, 'tray-attention.png');
  assert.match(tray.tooltip, /3 people waiting/);
  const labels = tray.menu!.map((i) => i.label ?? `--${i.type}`);
  assert.ok(labels.includes('Requests (3)…'), labels.join(' | '));
  c.destroy();
  assert.equal(tray.destroyed, true);
});

test('menu items call their action; a click on Linux/Windows opens the window', () => {
  const { c, actions, trays } = controller('linux');
  c.update(summary([connected]));
  const menu = trays[0]!.menu!;
  const click = (label: string) => (menu.find((i) => i.label === label) as MenuItemConstructorOptions).click!({} as never, undefined as never, {} as never);
  click('Open logs');
  click('Run doctor');
  click('Restart gateway');
  click('Quit Clawline');
  trays[0]!.listeners.get('click')!();
  assert.deepEqual(actions, ['logs', 'doctor', 'restart', 'quit', 'open']);
});

test('on macOS the images are templates and a click shows the menu (no click handler)', () => {
  const { c, trays } = controller('darwin');
  c.update(summary([connected]));
  assert.equal(trays[0]!.image.path, 'tray-connectedTemplate.png');
  assert.equal(trays[0]!.image.template, true);
  assert.equal(trays[0]!.listeners.has('click'), false);
});
