// TEST FIXTURE, not a gateway: an in-memory ControlHandler that plays scripted states so the
// window can be tested in a real browser before (and independently of) the real gateway. It
// records every call, so tests can assert which operation a button used.
import QRCode from 'qrcode';
import type { AccountStatus } from '../../main/connection/status.ts';
import type {
  ControlHandler, DoctorCheckResult, EventName, Events, Finding, GatewaySummary, LogLine, OperationName, PairingRequestView, ParsedRequestOf, Responses,
} from '../../main/control/contract.ts';

export const T0 = Date.UTC(2026, 5, 1, 9, 30, 0);
const MIN = 60_000;

export type Scenario =
  | 'not-linked' | 'linking-qr' | 'linking-code' | 'connected' | 'reconnecting' | 'logged-out' | 'conflict' | 'stopped'
  | 'stall-passkey' | 'stall-cannot-link' | 'stall-qr-expired' | 'gateway-stopped';

export interface RecordedCall { op: OperationName; request: unknown }

type Listener = <E extends EventName>(event: E, payload: Events[E]) => void;

export class FixtureGateway implements ControlHandler {
  calls: RecordedCall[] = [];
  running = true;
  account: AccountStatus = { accountId: 'default', enabled: true, state: 'not-linked', reconnectAttempts: 0 };
  requests: PairingRequestView[] = [];
  whatsapp: Record<string, unknown> = { dmPolicy: 'pairing', allowFrom: ['+447700900123'], groupPolicy: 'allowlist', groups: { '120363012345678901@g.us': { requireMention: true } } };
  agent: Record<string, unknown> = { kind: 'openai', openai: { baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1', apiKey: 'sk-test' } };
  fileFindings: Finding[] = [];
  logs: LogLine[] = [];
  checks: DoctorCheckResult[] = [];
  encryption: GatewaySummary['encryption'] = { enabled: true, provider: 'safeStorage (keychain)' };
  qrSerial = 0;
  private listeners = new Set<Listener>();

  constructor(readonly now: () => number = () => T0) {
    this.logs = [
      { time: T0 - 9 * MIN, level: 'info', subsystem: 'gateway', msg: 'Gateway started (Clawline 0.1.0)' },
      { time: T0 - 8 * MIN, level: 'info', subsystem: 'connection', accountId: 'default', msg: 'Connected as +15550100' },
      { time: T0 - 6 * MIN, level: 'warn', subsystem: 'connection', accountId: 'default', msg: 'Connection closed (428), retrying in 2 s', attempt: 1 },
      { time: T0 - 5 * MIN, level: 'info', subsystem: 'messages', accountId: 'default', msg: 'Inbound message +447700900123 -> +15550100 (direct, 4 chars)' },
      { time: T0 - 4 * MIN, level: 'debug', subsystem: 'agents', accountId: 'default', msg: 'Agent replied in 812 ms' },
      { time: T0 - 2 * MIN, level: 'error', subsystem: 'agents', accountId: 'default', msg: 'Agent request failed: connect ECONNREFUSED 127.0.0.1:11434' },
    ];
    this.checks = [
      { id: 'config', title: 'Settings file', status: 'ok', finding: 'openclaw.json is valid.' },
      { id: 'auth', title: 'Login files', status: 'ok', finding: 'creds.json is present and readable.' },
      { id: 'config-mode', title: 'Settings file permissions', status: 'fail', finding: 'openclaw.json can be read by other users on this computer (mode 644).', nextStep: 'Make it private to you.', fix: { label: 'Make it private' } },
      { id: 'open-dm', title: 'Who can message', status: 'warn', finding: 'Anyone may message your agent (dmPolicy "open").', nextStep: 'Choose "Ask me first" in Settings unless that is what you want.' },
    ];
  }

  // ---------- scripted states
  play(s: Scenario): this {
    const base: AccountStatus = { accountId: 'default', enabled: true, state: 'not-linked', reconnectAttempts: 0 };
    const linked = { self: { number: '+15550100', name: 'Agent phone' }, lastConnectedAt: this.now() - 42 * MIN, lastInboundAt: this.now() - 3 * MIN };
    this.running = true;
    switch (s) {
      case 'not-linked': this.account = { ...base }; break;
      case 'linking-qr': this.account = { ...base, state: 'linking', linking: this.qrLinking() }; break;
      case 'linking-code': this.account = { ...base, state: 'linking', linking: { method: 'code', code: 'ABCD-EFGH', phone: '+15550100' } }; break;
      case 'connected': this.account = { ...base, ...linked, state: 'connected' }; break;
      case 'reconnecting':
        this.account = { ...base, ...linked, state: 'reconnecting', reconnectAttempts: 3, nextRetryAt: this.now() + 12_000,
          cause: 'The connection to WhatsApp dropped (status 428: connection closed).', nextStep: 'Clawline retries by itself. Check this computer’s internet if it keeps happening.',
          fix: 'reconnect-now', lastDisconnect: { at: this.now() - 20_000, code: 428, reason: 'connection closed' } };
        break;
      case 'logged-out':
        this.account = { ...base, lastConnectedAt: this.now() - 3 * 60 * MIN, state: 'logged-out', fix: 'relink',
          cause: 'WhatsApp logged this computer out (it was removed from Linked devices on the phone).', nextStep: 'Link again with a new QR code.' };
        break;
      case 'conflict':
        this.account = { ...base, ...linked, state: 'conflict', fix: 'take-over',
          cause: 'Another program is using this WhatsApp link at the same time (status 440: session replaced).', nextStep: 'Close the other program (maybe another Clawline or OpenClaw), or use the link here instead.' };
        break;
      case 'stopped':
        this.account = { ...base, ...linked, state: 'stopped', fix: 'restart', cause: 'Clawline gave up reconnecting after 12 attempts.', nextStep: 'Check the internet connection, then restart.' };
        break;
      case 'gateway-stopped':
        this.running = false;
        this.account = { ...base, ...linked, state: 'stopped', fix: 'start', cause: 'Clawline is stopped.', nextStep: 'Start it to receive messages.' };
        break;
      case 'stall-passkey':
        this.account = { ...base, state: 'linking', linking: { ...this.qrLinking(), stall: { kind: 'passkey-required', cause: '', nextStep: '' } } };
        break;
      case 'stall-cannot-link':
        this.account = { ...base, state: 'linking', linking: { method: 'qr', stall: { kind: 'cannot-link-now', cause: '', nextStep: '' } } };
        break;
      case 'stall-qr-expired':
        this.account = { ...base, state: 'linking', linking: { method: 'qr', qrExpiresAt: this.now() - 1000, qrDataUrl: this.account.linking?.qrDataUrl, stall: { kind: 'qr-expired', cause: '', nextStep: '' } } };
        break;
    }
    this.pushStatus();
    return this;
  }

  /** A QR whose image is generated for real (so tests can decode it) and that expires in 20 s. */
  qrLinking(): NonNullable<AccountStatus['linking']> {
    const qr = `2@fixture-ref-${++this.qrSerial},fixture-noise-key,fixture-identity-key,fixture-adv-secret`;
    return { method: 'qr', qr, qrDataUrl: qrDataUrls.get(qr) ?? placeholderQr, qrExpiresAt: this.now() + 20_000 };
  }

  /** Pre-renders QR images (qrcode is async); call once before play('linking-qr'). */
  async prepareQrs(count = 4): Promise<void> {
    for (let i = 1; i <= this.qrSerial + count; i++) {
      const qr = `2@fixture-ref-${i},fixture-noise-key,fixture-identity-key,fixture-adv-secret`;
      if (!qrDataUrls.has(qr)) qrDataUrls.set(qr, await QRCode.toDataURL(qr, { errorCorrectionLevel: 'M', margin: 2, scale: 8 }));
    }
  }

  /** The phone scanned and WhatsApp accepted: linked and connected. */
  completeLink(number = '+15550100'): void {
    this.account = { accountId: 'default', enabled: true, state: 'connected', reconnectAttempts: 0, self: { number }, lastConnectedAt: this.now() };
    this.pushStatus();
  }

  /** A message arrived (e.g. the "ping" of the setup's last step). */
  inbound(at = this.now()): void {
    this.account = { ...this.account, lastInboundAt: at };
    this.pushStatus();
  }

  log(line: LogLine): void {
    this.logs.push(line);
    this.emit('log', line);
  }

  addRequest(r: Partial<PairingRequestView> & { code: string; id: string }): void {
    const req: PairingRequestView = { accountId: 'default', createdAt: this.now() - 5 * MIN, expiresAt: this.now() + 55 * MIN, lastSeenAt: this.now() - MIN, ...r };
    this.requests.push(req);
    this.emit('pairing', { requests: [...this.requests], added: req });
    this.pushStatus();
  }

  summary(): GatewaySummary {
    return {
      running: this.running, version: '0.1.0', waWebVersion: { version: '2.3000.1023456789', source: 'fetched' },
      encryption: this.encryption, accounts: [structuredClone(this.account)], pendingPairing: this.requests.length,
    };
  }

  pushStatus(): void { this.emit('status', this.summary()); }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const l of this.listeners) l(event, payload);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  // ---------- the contract
  async handle<K extends OperationName>(op: K, request: ParsedRequestOf<K>): Promise<Responses[K]> {
    this.calls.push({ op, request });
    return this.dispatch(op, request as never) as Promise<Responses[K]>;
  }

  private fail(code: 'not-found' | 'bad-request' | 'failed' | 'gateway-not-running', message: string, nextStep?: string): never {
    throw Object.assign(new Error(message), { code, nextStep });
  }

  private async dispatch(op: OperationName, req: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'status.get': return this.summary();
      case 'link.start':
        if (!this.running) this.fail('gateway-not-running', 'Clawline is stopped.', 'Start it first.');
        if (req.method === 'code') {
          this.account = { ...this.account, state: 'linking', linking: { method: 'code', phone: String(req.phone), code: 'WXYZ-2345' } };
        } else {
          await this.prepareQrs(1);
          this.account = { ...this.account, state: 'linking', linking: this.qrLinking() };
        }
        this.pushStatus();
        return { ok: true };
      case 'link.cancel':
        this.account = { accountId: 'default', enabled: true, state: 'not-linked', reconnectAttempts: 0 };
        this.pushStatus();
        return { ok: true };
      case 'account.logout':
        this.account = { accountId: 'default', enabled: true, state: 'not-linked', reconnectAttempts: 0 };
        this.pushStatus();
        return { ok: true };
      case 'account.reset':
        this.account = { accountId: 'default', enabled: true, state: 'not-linked', reconnectAttempts: 0 };
        this.pushStatus();
        return { ok: true, backupDir: '/home/ana/.openclaw/backups/whatsapp-default-2026-06-01T09-30-00Z' };
      case 'gateway.start': this.running = true; this.pushStatus(); return { ok: true };
      case 'gateway.stop': this.running = false; this.pushStatus(); return { ok: true };
      case 'gateway.restart': this.running = true; this.pushStatus(); return { ok: true };
      case 'pairing.list': return { requests: [...this.requests] };
      case 'pairing.approve': {
        const r = this.requests.find((x) => x.code.toUpperCase() === String(req.code).toUpperCase());
        if (!r) this.fail('not-found', `No pending request with code ${String(req.code)}.`, 'It may have expired; ask them to message again.');
        this.requests = this.requests.filter((x) => x !== r);
        this.emit('pairing', { requests: [...this.requests] });
        this.pushStatus();
        return { ok: true, id: r.id };
      }
      case 'pairing.dismiss':
        this.requests = this.requests.filter((x) => x.code.toUpperCase() !== String(req.code).toUpperCase());
        this.emit('pairing', { requests: [...this.requests] });
        this.pushStatus();
        return { ok: true };
      case 'settings.get':
        return { path: '/home/ana/.openclaw/openclaw.json', text: JSON.stringify({ channels: { whatsapp: this.whatsapp }, clawline: { agent: this.agent } }, null, 2), whatsapp: structuredClone(this.whatsapp), agent: structuredClone(this.agent), findings: [...this.fileFindings] };
      case 'settings.set':
      case 'settings.unset':
        return this.setSetting(req.path as (string | number)[], op === 'settings.unset' ? undefined : req.value);
      case 'doctor.run': return { checks: structuredClone(this.checks) };
      case 'doctor.fix': {
        const c = this.checks.find((x) => x.id === req.checkId);
        if (!c) this.fail('not-found', `No check called ${String(req.checkId)}.`);
        c.status = 'ok';
        c.finding = 'openclaw.json is private to you (mode 600).';
        delete c.fix;
        delete c.nextStep;
        return { ok: true, check: structuredClone(c) };
      }
      case 'logs.tail': {
        const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
        const min = req.level ? levels.indexOf(String(req.level)) : 0;
        const lines = this.logs.filter((l) => levels.indexOf(l.level) >= min && (!req.subsystem || l.subsystem === req.subsystem) && (!req.accountId || l.accountId === req.accountId) && (!req.search || l.msg.toLowerCase().includes(String(req.search).toLowerCase())));
        return { lines: lines.slice(-Number(req.limit ?? 200)) };
      }
      case 'diagnostics.export': return { path: '/home/ana/.openclaw/clawline/diagnostics-2026-06-01T09-30-00Z.zip' };
      case 'agent.test': return { ok: true, message: 'llama3.1 at http://127.0.0.1:11434/v1 answered in 640 ms.' };
    }
  }

  /** A small stand-in for the config module's validation, enough to exercise inline findings. */
  private setSetting(path: (string | number)[], value: unknown): Responses['settings.set'] {
    const [a, b, ...rest] = path.map(String);
    const target = a === 'channels' && b === 'whatsapp' ? this.whatsapp : a === 'clawline' && b === 'agent' ? this.agent : undefined;
    const dotted = path.join('.');
    if (!target || rest.length === 0) return { ok: false, findings: [{ severity: 'error', path: dotted, message: 'Clawline does not manage this key.' }] };
    const next = structuredClone(target);
    let o: Record<string, unknown> = next;
    for (const k of rest.slice(0, -1)) o = (o[k] && typeof o[k] === 'object' ? o[k] : (o[k] = {})) as Record<string, unknown>;
    const last = rest.at(-1)!;
    if (value === undefined) delete o[last];
    else o[last] = value;
    const findings: Finding[] = [];
    const allow = (next.allowFrom as string[] | undefined) ?? [];
    if (next.dmPolicy === 'open' && !allow.includes('*')) findings.push({ severity: 'error', path: 'channels.whatsapp.dmPolicy', line: 4, message: '"Anyone" needs * in the allowed numbers.', hint: 'Add * to Allowed numbers first.' });
    if (next.dmPolicy === 'allowlist' && allow.length === 0) findings.push({ severity: 'error', path: 'channels.whatsapp.allowFrom', line: 5, message: '"Only numbers I list" needs at least one number.' });
    for (const [i, n] of allow.entries()) if (n !== '*' && !/^\+[1-9]\d{6,14}$/.test(n)) findings.push({ severity: 'error', path: `channels.whatsapp.allowFrom[${i}]`, message: `${n} is not a phone number in +E.164 form.` });
    if (typeof next.textChunkLimit === 'number' && next.textChunkLimit > 4096) findings.push({ severity: 'error', path: 'channels.whatsapp.textChunkLimit', line: 9, message: 'WhatsApp messages hold at most 4096 characters here.' });
    if (findings.length) return { ok: false, findings };
    if (target === this.whatsapp) this.whatsapp = next;
    else this.agent = next;
    return { ok: true, findings: [] };
  }
}

const qrDataUrls = new Map<string, string>();
// 1x1 white PNG: shown only if a test forgot prepareQrs(); the QR tests decode the real image.
const placeholderQr = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
