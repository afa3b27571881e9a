// `npm run sim` and its HTTP control API, driven the way a test or demo in another language
// would: read the JSON line, link raw Baileys via POST /phone/scan, chat via /contacts/:id/send
// and /contacts/:id/inbox, inject a fault, read /state, stop with /shutdown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import makeWASocket, { useMultiFileAuthState, type WASocket } from '@whiskeysockets/baileys';
import { closeOf, rawSocketConfig, textOf } from './helpers.ts';

const root = new URL('../..', import.meta.url).pathname;

interface Banner {
  url: string;
  ca: string;
  control: string;
  token: string | null;
  media: string;
  caBundle: string;
  pid: number;
}

describe('simulator: npm run sim and the HTTP control API', () => {
  let child: ChildProcess;
  let banner: Banner;
  let authDir: string;
  let sock: WASocket | undefined;

  const call = async (method: string, path: string, body?: unknown, token: string | null = banner.token) => {
    const res = await fetch(banner.control + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  /** Waits for a condition on GET /state without sleeping: long-polls GET /wait between checks. */
  const waitForState = async (check: (state: any) => boolean, what: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const state = (await call('GET', '/state')).body;
      if (check(state)) return state;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await call('GET', `/wait?since=${state.version}&timeoutMs=5000`);
    }
  };

  before(async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'sim/cli.ts', '--quiet', '--refs', '4'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`sim exited early (${code})`)));
    });
    banner = JSON.parse(line) as Banner;
    authDir = await mkdtemp(join(tmpdir(), 'clawline-sim-auth-'));
  });

  after(async () => {
    await sock?.end(undefined).catch(() => undefined);
    if (child.exitCode === null) child.kill('SIGTERM');
    await rm(authDir, { recursive: true, force: true });
  });

  it('prints one JSON line with the chat URL, the CA file and the control URL', () => {
    assert.match(banner.url, /^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/);
    assert.match(banner.control, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(banner.media, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(readFileSync(banner.ca, 'utf8'), /BEGIN CERTIFICATE/);
    assert.equal(typeof banner.token, 'string');
  });

  it('wants the Bearer token and explains bad requests', async () => {
    assert.equal((await call('GET', '/state', undefined, null)).status, 401);
    assert.equal((await call('GET', '/state', undefined, 'wrong')).status, 401);
    const noName = await call('POST', '/contacts', { phone: '123' });
    assert.equal(noName.status, 400);
    assert.match(noName.body.error, /name/);
    assert.equal((await call('POST', '/contacts/nobody/send', { text: 'x' })).status, 400);
    assert.equal((await call('POST', '/faults', { kind: 'meteor' })).status, 400);
    assert.equal((await call('GET', '/nowhere')).status, 404);
  });

  it('links raw Baileys through POST /phone/scan and chats through the contact routes', async () => {
    const { state, saveCreds } = await useMultiFileAuthState(authDir);
    const sim = { url: banner.url, caPem: readFileSync(banner.ca, 'utf8') };
    const pairing = makeWASocket(rawSocketConfig(sim, state));
    pairing.ev.on('creds.update', saveCreds);
    const scanned = new Promise<any>((resolve) => {
      pairing.ev.on('connection.update', async (u) => {
        if (u.qr) resolve((await call('POST', '/phone/scan', { qr: u.qr, phone: '15557770000' })).body);
      });
    });
    assert.deepEqual(await scanned, { ok: true, outcome: 'linked', device: '15557770000:1@s.whatsapp.net', account: '15557770000' });
    assert.equal((await closeOf(pairing)).statusCode, 515);

    sock = makeWASocket(rawSocketConfig(sim, state));
    sock.ev.on('creds.update', saveCreds);
    let upserted: (text: string) => void = () => undefined;
    sock.ev.on('messages.upsert', ({ messages }) => {
      for (const m of messages) upserted(textOf(m) ?? '');
    });
    await waitForState((s) => s.devices.some((d: any) => d.ready), 'the device to be ready');

    const contact = (await call('POST', '/contacts', { name: 'Carla', phone: '+1 555 222 3333' })).body;
    assert.deepEqual(Object.keys(contact).sort(), ['addressing', 'id', 'jid', 'lidJid', 'name', 'phone', 'pnJid']);
    assert.equal(contact.jid, '15552223333@s.whatsapp.net');
    const group = (await call('POST', '/groups', { subject: 'Demo', members: [contact.id], includeSelf: true })).body;
    assert.match(group.jid, /@g\.us$/);

    const arrived = new Promise<void>((resolve) => {
      upserted = (text) => {
        if (text === 'hello over HTTP') resolve();
      };
    });
    const sent = await call('POST', `/contacts/${contact.id}/send`, { text: 'hello over HTTP' });
    assert.equal(sent.status, 200);
    assert.match(sent.body.messageId, /^3EB0/);
    await arrived;

    const reply = await sock.sendMessage(contact.jid, { text: 'hello back' });
    await waitForState((s) => s.counts.messagesIn >= 1 && s.counts.receiptsOut >= 1, 'the reply to reach the contact');
    const inbox = (await call('GET', `/contacts/${contact.id}/inbox`)).body;
    assert.equal(inbox.messages[0].id, reply!.key.id);
    assert.equal(inbox.messages[0].text, 'hello back');
    assert.deepEqual(Object.keys(inbox).sort(), ['messages', 'presence', 'reactions', 'receipts']);

    const fault = await call('POST', '/faults', { kind: 'stream-error', code: 503 });
    assert.equal(fault.body.ok, true);
    assert.equal((await closeOf(sock)).statusCode, 503);

    const state2 = (await call('GET', '/state')).body;
    assert.equal(state2.logins, 1);
    assert.equal(state2.devices[0].status, 'linked');
    assert.ok(state2.counts.messagesIn >= 1 && state2.counts.messagesOut >= 1);
  });

  it('stops on POST /shutdown', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    assert.deepEqual((await call('POST', '/shutdown')).body, { ok: true });
    assert.equal(await exited, 0);
  });
});
