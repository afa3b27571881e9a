// Hostile input: oversized and malformed messages, media over the cap (and with a path in its
// file name), message types Clawline does not know, and control API requests with bad tokens and
// bad payloads. Nothing may crash, every message must still be acknowledged, the agent must
// still answer afterwards, and nothing may leak: no token in any response or log file, no file
// outside the state dir, no growth in open files or memory, no Object.prototype pollution.
import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSimulator, type ContactHandle, type Simulator } from '../../sim/index.ts';
import { readToken } from '../../main/control/discovery.ts';
import { startLinked, type LinkedSide } from '../lib/link.ts';
import type { Progress } from '../lib/progress.ts';
import { sleep } from '../lib/random.ts';
import type { ChildScripts } from '../lib/sides.ts';
import { tempDir, writeClawlineConfig } from '../lib/state.ts';
import { MB, round } from '../lib/stats.ts';

export interface HostileCase {
  group: 'message' | 'media' | 'unknown type' | 'control API';
  name: string;
  ok: boolean;
  detail: string;
}

export interface HostileResult {
  cases: HostileCase[];
  passed: number;
  failed: number;
  alive: boolean;
  /** The agent answered "ping" after everything. */
  answersAfterwards: boolean;
  leaks: { tokenInResponses: number; tokenInLogs: boolean; filesOutsideStateDir: string[]; polluted: boolean };
  resources: { fdsBefore: number | null; fdsAfter: number | null; heapBeforeMb: number; heapAfterMb: number; rssBeforeMb: number; rssAfterMb: number };
  durationSec: number;
}

type RawMessage = Record<string, unknown>;

/**
 * Sends a message the simulator's public API cannot express (a poll, a location, an unknown
 * protocol message...). It swaps the simulator's message builder for one call: a harness-side
 * reach into sim internals, since SendSpec has no raw form. Returns false if those internals moved.
 */
function sendRaw(sim: Simulator, contact: ContactHandle, message: RawMessage): Promise<unknown> | false {
  const messaging = (sim as unknown as { server?: { messaging?: { buildMessage?: unknown } } }).server?.messaging as { buildMessage: unknown } | undefined;
  if (!messaging || typeof messaging.buildMessage !== 'function') return false;
  messaging.buildMessage = () => ({ message });
  try {
    // contactSend calls buildMessage synchronously before its first await.
    return contact.send({ text: 'raw' });
  } finally {
    delete (messaging as { buildMessage?: unknown }).buildMessage;
  }
}

function deepQuote(depth: number): RawMessage {
  let m: RawMessage = { conversation: 'bottom' };
  for (let i = 0; i < depth; i++) m = { extendedTextMessage: { text: `level ${i}`, contextInfo: { stanzaId: `Q${i}`, participant: '1@s.whatsapp.net', quotedMessage: m } } };
  return m;
}

interface HttpResult { status: number; body: string }

function http(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<HttpResult> {
  const u = new URL(url);
  return new Promise((resolve) => {
    // A fresh connection per request: a refused 2 MB body must not poison a reused keep-alive socket.
    const req = request({ host: u.hostname, port: u.port, agent: false, method: opts.method ?? 'POST', path: opts.path, headers: { host: u.host, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: '' }));
    });
    req.on('error', (err) => resolve({ status: 0, body: `connection error: ${err.message}` }));
    req.end(opts.body);
  });
}

function wsUpgrade(url: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, agent: false, path: '/api/events', headers: { host: u.host, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), ...headers } });
    req.on('response', (res) => { resolve(res.statusCode ?? 0); res.resume(); });
    req.on('upgrade', (_res, socket) => { socket.destroy(); resolve(101); });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function fdCount(pid: number): Promise<number | null> {
  return readdir(`/proc/${pid}/fd`).then((l) => l.length).catch(() => null);
}

export async function runHostile(o: { progress: Progress; scripts: ChildScripts; gatewayCpu?: number; repeatBadRequests?: number }): Promise<HostileResult> {
  const started = Date.now();
  const sim = await startSimulator({ quiet: true });
  const stateDir = await tempDir('hostile');
  const cases: HostileCase[] = [];
  const add = (c: HostileCase) => {
    cases.push(c);
    o.progress.line(`hostile: ${c.group}: ${c.name}: ${c.ok ? 'ok' : 'FAILED'} — ${c.detail.slice(0, 140)}`);
  };
  let linked: LinkedSide | undefined;
  const escape = `/tmp/clawline-bench-escaped-${randomBytes(4).toString('hex')}`;
  try {
    await writeClawlineConfig(stateDir, { accounts: ['default'], whatsapp: { mediaMaxMb: 1 } });
    o.progress.set('hostile: linking');
    linked = await startLinked(sim, o.scripts, { side: 'clawline', stateDir, accounts: ['default'], simUrl: sim.url, simCa: sim.ca, control: true }, { default: '4915500000001' }, { cpu: o.gatewayCpu });
    const proc = linked.proc;
    await proc.gatewayStarted;
    const pid = proc.child.pid!;
    const contact = sim.contact(sim.addContact({ name: 'Mallory' }).id);
    const ping = async () => {
      const t0 = Date.now();
      await contact.send('ping');
      return sim.waitForMessage(contact.info.id, (m) => m.text === 'pong' && m.at >= t0, { timeoutMs: 30_000 }).then(() => true, () => false);
    };
    await ping();
    const s0 = await proc.sample(true);
    const fdsBefore = await fdCount(pid);

    // ------------------------------------------------------------------ messages and media
    const settle = () => sim.waitFor(() => sim.devices().every((d) => d.pending === 0), { timeoutMs: 30_000 }).then(() => true, () => false);
    const message = async (group: HostileCase['group'], name: string, send: () => Promise<unknown> | false, expectReply?: (texts: string[]) => boolean) => {
      const before = contact.inbox.messages.length;
      const sent = send();
      if (sent === false) {
        add({ group, name, ok: false, detail: 'could not be sent: the simulator internals this harness uses for raw messages changed (bench/suites/hostile.ts sendRaw)' });
        return;
      }
      let error: string | undefined;
      await Promise.resolve(sent).catch((err: Error) => { error = err.message; });
      const acked = await settle();
      await sleep(300);
      const replies = contact.inbox.messages.slice(before).map((m) => m.text ?? `[${m.media?.kind ?? 'message'}]`);
      const alive = proc.alive();
      const replyOk = expectReply ? expectReply(replies) : true;
      add({ group, name, ok: alive && acked && replyOk && !error, detail: `${alive ? 'gateway alive' : 'GATEWAY DIED'}, ${acked ? 'acknowledged' : 'NOT acknowledged'}${error ? `, simulator error: ${error}` : ''}, replies: ${replies.length ? replies.map((r) => JSON.stringify(r.slice(0, 60))).join(' ') : 'none'}` });
    };
    await message('message', '1 MB of text', () => contact.send('x'.repeat(1024 * 1024)));
    await message('message', 'empty text', () => contact.send(''));
    await message('message', 'NUL bytes, lone surrogates, bidi overrides', () => contact.send('\u0000ping\u0000 \ud800 \udfff \u202e\u2066evil\u2069'));
    await message('message', '10,000 zero-width joiners', () => contact.send('\u200d'.repeat(10_000)));
    await message('message', '2,000 mentions', () => contact.send({ text: '@x', mentions: Array.from({ length: 2_000 }, (_, i) => `${4915000000000 + i}@s.whatsapp.net`) }));
    await message('message', 'quote of an unknown message', () => contact.send({ text: 'ping', quote: 'NO-SUCH-MESSAGE' }));
    await message('message', 'reaction to an unknown message', () => contact.react('NO-SUCH-MESSAGE', '💥'));
    await message('message', 'ping quoted 200 levels deep', () => sendRaw(sim, contact, deepQuote(200)));
    await message('media', '3 MB document over the 1 MB cap', () => contact.send({ media: { kind: 'document', bytes: 3 * 1024 * 1024, fileName: 'big.pdf' } }), (r) => r.some((t) => /more than I can take/.test(t)));
    await message('media', 'document named with a path outside the state dir', () => contact.send({ media: { kind: 'document', bytes: 1000, fileName: `../../../../../..${escape}.json`, mimetype: 'application/json' } }));
    await message('media', 'document with a 300-character extension', () => contact.send({ media: { kind: 'document', bytes: 1000, fileName: `x.${'a'.repeat(300)}` } }));
    await message('media', 'image that is not an image', () => contact.send({ media: { kind: 'image', data: randomBytes(5000), mimetype: 'image/jpeg' } }));
    await message('unknown type', 'poll', () => sendRaw(sim, contact, { pollCreationMessageV3: { name: 'Which?', options: [{ optionName: 'a' }, { optionName: 'b' }], selectableOptionsCount: 1 } }));
    await message('unknown type', 'location', () => sendRaw(sim, contact, { locationMessage: { degreesLatitude: 52.5, degreesLongitude: 13.4 } }));
    await message('unknown type', 'contact card', () => sendRaw(sim, contact, { contactMessage: { displayName: 'Eve', vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Eve\nEND:VCARD' } }));
    await message('unknown type', 'protocol message of an unknown type', () => sendRaw(sim, contact, { protocolMessage: { type: 9999 } }));
    await message('unknown type', 'empty message', () => sendRaw(sim, contact, {}));
    await message('unknown type', 'sticker without media', () => sendRaw(sim, contact, { stickerMessage: { mimetype: 'image/webp' } }));
    await message('unknown type', 'view-once image without media', () => sendRaw(sim, contact, { viewOnceMessageV2: { message: { imageMessage: { mimetype: 'image/jpeg', caption: 'secret' } } } }));
    await message('unknown type', '"ping" inside an ephemeral wrapper', () => sendRaw(sim, contact, { ephemeralMessage: { message: { conversation: 'ping' } } }), (r) => r.includes('pong'));

    // ------------------------------------------------------------------ control API
    const url = proc.controlUrl;
    const token = await readToken(stateDir);
    let tokenInResponses = 0;
    let polluted = false;
    if (!url || !token) {
      add({ group: 'control API', name: 'control server', ok: false, detail: `no control server or token (url ${url ?? 'none'})` });
    } else {
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const api = async (name: string, req: Parameters<typeof http>[1], expect: (status: number, body: string) => boolean) => {
        const r = await http(url, req);
        if (token && r.body.includes(token)) tokenInResponses++;
        add({ group: 'control API', name, ok: expect(r.status, r.body) && proc.alive() && !r.body.includes(token!), detail: `HTTP ${r.status} ${r.body.slice(0, 100)}` });
      };
      // A key the config schema does not know must be refused, or at least reported as a finding.
      const refusedOrFlagged = (s: number, body: string) => s === 400 || (s === 200 && !/"findings":\[\]/.test(body));
      const is = (...codes: number[]) => (s: number) => codes.includes(s);
      const wrongToken = token.replace(/./g, (c) => (c === 'a' ? 'b' : 'a'));
      await api('no token', { path: '/api/status.get', body: '{}' }, is(401));
      await api('wrong token of the same length', { path: '/api/status.get', headers: { authorization: `Bearer ${wrongToken}` }, body: '{}' }, is(401));
      await api('token in the query string', { path: `/api/status.get?token=${token}`, body: '{}' }, is(401));
      await api('20 KB authorization header', { path: '/api/status.get', headers: { authorization: `Bearer ${'x'.repeat(20_000)}` }, body: '{}' }, (s) => s === 431 || s === 401 || s === 0);
      await api('basic auth with the token', { path: '/api/status.get', headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }, body: '{}' }, is(401));
      await api('foreign Host (DNS rebinding)', { path: '/api/status.get', headers: { ...auth, host: 'evil.example:80' }, body: '{}' }, is(403));
      await api('foreign Origin', { path: '/api/status.get', headers: { ...auth, origin: 'http://evil.example' }, body: '{}' }, is(403));
      await api('GET instead of POST', { method: 'GET', path: '/api/status.get', headers: auth }, is(405));
      await api('unknown operation', { path: '/api/shell.exec', headers: auth, body: '{"cmd":"id"}' }, is(404));
      await api('path traversal', { path: '/api/../../../../etc/passwd', headers: auth, body: '{}' }, is(403, 404));
      await api('invalid JSON', { path: '/api/pairing.list', headers: auth, body: '{"accountId":' }, is(400));
      await api('a JSON list', { path: '/api/pairing.list', headers: auth, body: '[1,2,3]' }, is(400));
      await api('2 MB body', { path: '/api/pairing.list', headers: auth, body: Buffer.alloc(2 * MB, 0x20) }, (s) => s === 413 || s === 0);
      await api('JSON nested 100,000 deep', { path: '/api/pairing.list', headers: auth, body: '['.repeat(100_000) + ']'.repeat(100_000) }, is(400));
      await api('wrong types', { path: '/api/pairing.approve', headers: auth, body: '{"code":123,"notify":"yes"}' }, is(400));
      await api('unknown pairing code', { path: '/api/pairing.approve', headers: auth, body: '{"code":"ABCDEFGH"}' }, is(400, 404));
      await api('extra keys', { path: '/api/status.get', headers: auth, body: '{"admin":true}' }, is(400));
      await api('limit of a billion log lines', { path: '/api/logs.tail', headers: auth, body: '{"limit":1000000000}' }, is(400));
      await api('settings.set on __proto__', { path: '/api/settings.set', headers: auth, body: '{"path":["__proto__","polluted"],"value":"yes"}' }, refusedOrFlagged);
      await api('settings.set on constructor.prototype', { path: '/api/settings.set', headers: auth, body: '{"path":["constructor","prototype","polluted"],"value":1}' }, refusedOrFlagged);
      const written = await readFile(join(stateDir, 'openclaw.json'), 'utf8').catch(() => '');
      add({ group: 'control API', name: 'openclaw.json holds no __proto__ / constructor keys afterwards', ok: !/__proto__|"constructor"/.test(written), detail: /__proto__|"constructor"/.test(written) ? 'settings.set wrote them into the file' : 'clean' });
      await api('__proto__ in the body', { path: '/api/pairing.list', headers: auth, body: '{"__proto__":{"polluted":true}}' }, is(400, 200));
      polluted = (await proc.call('$polluted')) === true;
      add({ group: 'control API', name: 'no Object.prototype pollution', ok: !polluted, detail: polluted ? 'Object.prototype gained a key' : 'clean' });
      const wsNoToken = await wsUpgrade(url, {});
      const wsWrong = await wsUpgrade(url, { 'sec-websocket-protocol': `clawline.token.${wrongToken}` });
      add({ group: 'control API', name: 'event socket without / with a wrong token', ok: wsNoToken === 401 && wsWrong === 401, detail: `HTTP ${wsNoToken} / ${wsWrong}` });
      const n = o.repeatBadRequests ?? 300;
      const statuses = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const r = await http(url, { path: '/api/status.get', headers: { authorization: `Bearer ${randomBytes(24).toString('base64url')}` }, body: '{}' });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
      add({ group: 'control API', name: `${n} requests with random tokens`, ok: statuses.get(401) === n && proc.alive(), detail: [...statuses].map(([s, c]) => `${c} x HTTP ${s}`).join(', ') });
    }

    // ------------------------------------------------------------------ afterwards
    const answersAfterwards = await ping();
    add({ group: 'message', name: 'the agent still answers "ping" afterwards', ok: answersAfterwards, detail: answersAfterwards ? 'pong' : 'no pong within 30 s' });
    await sleep(500);
    const s1 = await proc.sample(true);
    const fdsAfter = await fdCount(pid);
    let tokenInLogs = false;
    const logDir = join(stateDir, 'logs');
    for (const f of await readdir(logDir).catch(() => [] as string[])) {
      if (token && (await readFile(join(logDir, f), 'utf8').catch(() => '')).includes(token)) tokenInLogs = true;
    }
    const filesOutsideStateDir = [`${escape}.json`, escape].filter((p) => existsSync(p));
    add({ group: 'control API', name: 'no token in responses or log files', ok: tokenInResponses === 0 && !tokenInLogs, detail: `${tokenInResponses} responses, logs ${tokenInLogs ? 'CONTAIN it' : 'clean'}` });
    add({ group: 'media', name: 'no file written outside the state dir', ok: filesOutsideStateDir.length === 0, detail: filesOutsideStateDir.join(', ') || 'none' });
    add({ group: 'control API', name: 'open files do not grow', ok: fdsBefore === null || fdsAfter === null || fdsAfter <= fdsBefore + 5, detail: `${fdsBefore} -> ${fdsAfter} open file descriptors` });
    const passed = cases.filter((c) => c.ok).length;
    return {
      cases, passed, failed: cases.length - passed, alive: proc.alive(), answersAfterwards,
      leaks: { tokenInResponses, tokenInLogs, filesOutsideStateDir, polluted },
      resources: { fdsBefore, fdsAfter, heapBeforeMb: round(s0.heapUsedBytes / MB, 1), heapAfterMb: round(s1.heapUsedBytes / MB, 1), rssBeforeMb: round(s0.rssBytes / MB, 1), rssAfterMb: round(s1.rssBytes / MB, 1) },
      durationSec: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await linked?.proc.stop();
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
    await rm(`${escape}.json`, { force: true });
  }
}
