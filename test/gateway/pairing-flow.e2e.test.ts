// The whole product on the simulator: link, a stranger asks, the owner approves, the agent answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayHarness } from './helpers.ts';

test('a stranger gets one pairing code, approval lets the agent answer them', async (t) => {
  const h = await gatewayHarness(t);
  const linked = await h.link();
  assert.equal(linked.state, 'connected');
  assert.ok(linked.self?.number.startsWith('+'));
  const named = await h.waitAccount((a) => Boolean(a.self?.name));
  assert.equal(named.self?.name, h.sim.state().accounts.find((x) => `+${x.phone}` === named.self?.number)?.name, 'the status shows the WhatsApp profile name');

  const stranger = h.sim.addContact({ name: 'Stranger', phone: '4915112345678' });
  await h.sim.send(stranger.id, 'hello, who is this?');
  const codeMsg = await h.sim.waitForMessage(stranger.id, (m) => /[A-HJ-NP-Z2-9]{8}/.test(m.text ?? ''));
  const code = /([A-HJ-NP-Z2-9]{8})/.exec(codeMsg.text!)![1]!;
  assert.match(codeMsg.text!, /clawline pairing approve/);

  // A repeat DM gets nothing more, and no blue ticks.
  await h.sim.send(stranger.id, 'hello??');
  const list = await h.gateway.handle('pairing.list', {});
  assert.equal(list.requests.length, 1);
  assert.equal(list.requests[0]!.code, code);
  assert.equal(list.requests[0]!.id, '+4915112345678');

  await h.gateway.handle('pairing.approve', { code, notify: true });
  await h.sim.waitForMessage(stranger.id, (m) => /approved|can now/i.test(m.text ?? ''));
  await h.sim.send(stranger.id, 'ping');
  const pong = await h.sim.waitForMessage(stranger.id, (m) => m.text === 'pong');
  assert.ok(pong);
  const inbox = h.sim.inbox(stranger.id);
  assert.equal(inbox.messages.filter((m) => /[A-HJ-NP-Z2-9]{8}/.test(m.text ?? '') && /pairing/i.test(m.text ?? '')).length, 1, 'exactly one pairing reply');
  assert.equal((await h.gateway.handle('pairing.list', {})).requests.length, 0);
});

test('a restarted gateway reconnects with stored credentials and no QR', async (t) => {
  const h = await gatewayHarness(t, { config: '{ channels: { whatsapp: { dmPolicy: "open", allowFrom: ["*"] } } }' });
  await h.link();
  const logins = h.sim.state().logins;
  await h.restart();
  const again = await h.waitAccount((a) => a.state === 'connected');
  assert.equal(again.linking, undefined);
  assert.ok(h.sim.state().logins > logins);
  const friend = h.sim.addContact({ name: 'Friend' });
  await h.sim.send(friend.id, 'ping');
  await h.sim.waitForMessage(friend.id, (m) => m.text === 'pong');
});
