// Linking a new companion: pair-device refs (QR), the phone scanning a QR or taking a pairing
// code, pair-success signed by the phone's identity, the client's pair-device-sign, then 515.
import { createHmac, hkdfSync, pbkdf2, randomBytes, randomInt, createCipheriv, createDecipheriv } from 'node:crypto';
import { promisify } from 'node:util';
import { Curve, proto } from '@whiskeysockets/baileys';
import { child, childBytes, node, type BinaryNode } from '../protocol/nodes.ts';
import type { CurveKeyPair } from '../protocol/noise.ts';
import { libsignal } from '../signal/libsignal.ts';
import type { LinkAttempt } from '../types.ts';
import { CompanionDevice, type Account } from '../world/accounts.ts';
import { SimInputError, type World } from '../world/world.ts';
import type { Connection, Registration } from './connection.ts';
import type { FaultBook } from './faults.ts';

const pbkdf2Async = promisify(pbkdf2);

export const LINK_REFUSED_TEXT = "Can't link devices at this time. Try again later.";

export interface LinkResult {
  ok: boolean;
  outcome: 'linked' | 'refused' | 'stalled' | 'failed';
  /** The new device's JID when linked. */
  device?: string;
  account?: string;
  error?: string;
}

interface PendingLink {
  conn: Connection;
  reg: Registration;
  refs: { ref: string; expiresAt: number }[];
  code?: {
    phone: string;
    wrappedCompanionEphemeral: Buffer;
    ref: string;
    requestedAt: number;
    companionShared?: Buffer;
    onFinish?: (bundle: Buffer) => void;
  };
  signing?: {
    account: Account;
    deviceId: number;
    keyIndex: number;
    details: Buffer;
    attempt: LinkAttempt;
    resolve: (r: LinkResult) => void;
  };
}

export interface LinkingOptions {
  refs: number;
  refTtlMs: [number, number];
  streamErrorCloseMs: number;
  /** How long the phone waits for the client to confirm (pair-device-sign / companion_finish). */
  confirmTimeoutMs: number;
}

// PBKDF2-SHA256 with 2^17 rounds over the 8-character code, as WhatsApp derives the pairing-code key.
async function pairingCodeKey(code: string, salt: Buffer): Promise<Buffer> {
  return pbkdf2Async(Buffer.from(code), salt, 131072, 32, 'sha256');
}

function aesCtr(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv('aes-256-ctr', key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

function hkdf(ikm: Buffer, length: number, info: string, salt: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info), length));
}

export class Linking {
  private readonly pending = new Map<Connection, PendingLink>();

  constructor(
    private readonly world: World,
    private readonly faults: FaultBook,
    private readonly opts: LinkingOptions,
  ) {}

  private attempt(method: 'qr' | 'code', phone?: string): LinkAttempt {
    const a: LinkAttempt = { id: `link-${randomBytes(4).toString('hex')}`, method, phone, outcome: 'pending', at: this.world.now() };
    this.world.linkAttempts.push(a);
    return a;
  }

  private settle(a: LinkAttempt, outcome: LinkAttempt['outcome'], extra: Partial<LinkAttempt> = {}): void {
    Object.assign(a, { outcome, ...extra });
    this.world.changed();
  }

  /** A client without credentials connected: hand it pair-device refs to show as QR codes. */
  startRegistration(conn: Connection, reg: Registration): void {
    conn.registration = reg;
    const now = this.world.now();
    const [first, next] = this.opts.refTtlMs;
    const refs = Array.from({ length: this.opts.refs }, (_, i) => ({
      ref: `2@${randomBytes(18).toString('base64')}`,
      expiresAt: now + first + i * next,
    }));
    this.pending.set(conn, { conn, reg, refs });
    conn.send(
      node('iq', { from: 's.whatsapp.net', type: 'set', id: this.world.newStanzaId('pair'), xmlns: 'md' }, [
        node('pair-device', {}, refs.map((r) => node('ref', {}, Buffer.from(r.ref)))),
      ]),
    );
    this.world.changed();
  }

  /** The phone scans a QR string (the whole https://wa.me/... text or its part after '#'). */
  async scan(qr: string, phone?: string): Promise<LinkResult> {
    const body = qr.includes('#') ? qr.slice(qr.indexOf('#') + 1) : qr;
    const [ref, noiseB64, identityB64, advB64] = body.split(',');
    if (!ref || !noiseB64 || !identityB64 || !advB64) {
      throw new SimInputError('not a WhatsApp linking QR: expected "ref,noiseKey,identityKey,advSecret[,platform]" (optionally after https://wa.me/settings/linked_devices#)');
    }
    const entry = [...this.pending.values()].find((p) => p.refs.some((r) => r.ref === ref));
    if (!entry) throw new SimInputError('QR code not recognised: no connected client showed this ref (it may have reconnected since)', 404);
    const attempt = this.attempt('qr', phone);
    const refInfo = entry.refs.find((r) => r.ref === ref)!;
    if (this.world.now() > refInfo.expiresAt) {
      this.settle(attempt, 'failed', { error: 'QR code expired' });
      return { ok: false, outcome: 'failed', error: 'QR code expired' };
    }
    if (!entry.conn.clientStatic?.equals(Buffer.from(noiseB64, 'base64')) || !entry.reg.identity.equals(Buffer.from(identityB64, 'base64'))) {
      this.settle(attempt, 'failed', { error: 'QR keys do not match the client that showed it' });
      return { ok: false, outcome: 'failed', error: 'QR keys do not match the client that showed it' };
    }
    const blocked = this.blockedByFault(attempt, phone, entry.conn);
    if (blocked) return blocked;
    const account = this.accountFor(phone);
    attempt.phone = account.phone;
    return this.sendPairSuccess(entry, account, Buffer.from(advB64, 'base64'), attempt);
  }

  private blockedByFault(attempt: LinkAttempt, phone: string | undefined, conn: Connection): LinkResult | undefined {
    const fault = this.faults.take(['refuse-linking', 'stall-linking'], { phone });
    if (fault?.kind === 'refuse-linking') {
      this.settle(attempt, 'refused', { error: LINK_REFUSED_TEXT });
      return { ok: false, outcome: 'refused', error: LINK_REFUSED_TEXT };
    }
    if (fault?.kind === 'stall-linking') {
      // Like a passkey confirmation the companion cannot perform: the server asks the companion
      // to start a passkey ceremony (a notification Baileys does not handle), then nothing follows.
      conn.send(node('notification', { from: 's.whatsapp.net', type: 'passkey_prologue_request', id: this.world.newStanzaId('pk'), t: String(Math.floor(this.world.now() / 1000)) }, []));
      this.settle(attempt, 'stalled');
      return { ok: true, outcome: 'stalled' };
    }
    return undefined;
  }

  private accountFor(phone: string | undefined): Account {
    if (phone !== undefined) {
      const existing = this.world.accountByPhone(phone);
      if (existing) return existing;
    }
    return this.world.addAccount(phone);
  }

  // ---- pairing code ----

  /** `iq xmlns=md <link_code_companion_reg stage=...>` from a registering client. */
  onLinkCodeIq(conn: Connection, iq: BinaryNode, reg: BinaryNode): void {
    const entry = this.pending.get(conn);
    const stage = reg.attrs.stage;
    if (!entry) {
      conn.respond(node('iq', { from: 's.whatsapp.net', type: 'error', id: iq.attrs.id }, [node('error', { code: 400, text: 'bad-request' })]));
      return;
    }
    if (stage === 'companion_hello') {
      const wrapped = childBytes(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
      const phone = (reg.attrs.jid ?? '').split('@')[0]!.split(':')[0]!;
      if (!wrapped || wrapped.length < 80 || !phone) {
        conn.respond(node('iq', { from: 's.whatsapp.net', type: 'error', id: iq.attrs.id }, [node('error', { code: 400, text: 'bad-request' })]));
        return;
      }
      const ref = randomBytes(16).toString('base64url');
      entry.code = { phone, wrappedCompanionEphemeral: wrapped, ref, requestedAt: this.world.now() };
      conn.respond(
        node('iq', { from: 's.whatsapp.net', type: 'result', id: iq.attrs.id }, [
          node('link_code_companion_reg', {}, [node('link_code_pairing_ref', {}, Buffer.from(ref))]),
        ]),
      );
      this.world.changed();
      return;
    }
    if (stage === 'companion_finish') {
      conn.respond(node('iq', { from: 's.whatsapp.net', type: 'result', id: iq.attrs.id }));
      const bundle = childBytes(reg, 'link_code_pairing_wrapped_key_bundle');
      if (bundle && entry.code?.onFinish) entry.code.onFinish(bundle);
      return;
    }
    conn.respond(node('iq', { from: 's.whatsapp.net', type: 'result', id: iq.attrs.id }));
  }

  /** Phone numbers of clients currently waiting for their pairing code to be entered. */
  pendingCodes(): string[] {
    return [...this.pending.values()].flatMap((p) => (p.code ? [p.code.phone] : []));
  }

  /** The phone takes a pairing code (Linked devices > Link with phone number). */
  async enterCode(code: string, phone?: string): Promise<LinkResult> {
    const normalized = code.replace(/[^0-9A-Za-z]/g, '').toUpperCase();
    if (normalized.length !== 8) throw new SimInputError(`pairing code "${code}" should have 8 characters`);
    const digits = phone?.replace(/[^0-9]/g, '');
    const candidates = () => [...this.pending.values()].filter((p) => p.code && (!digits || p.code.phone === digits));
    // The code is typed a moment after the client asked for it; give its request time to arrive.
    await this.world.until(() => candidates().length > 0, 5_000);
    const entry = candidates().sort((a, b) => b.code!.requestedAt - a.code!.requestedAt)[0];
    if (!entry?.code) {
      throw new SimInputError(
        digits ? `no client is waiting for a pairing code for ${digits}` : 'no client is waiting for a pairing code (call requestPairingCode first)',
        404,
      );
    }
    const codeState = entry.code;
    const attempt = this.attempt('code', codeState.phone);
    const blocked = this.blockedByFault(attempt, codeState.phone, entry.conn);
    if (blocked) return blocked;
    let account: Account;
    try {
      account = this.accountFor(codeState.phone);
    } catch (err) {
      this.settle(attempt, 'failed', { error: (err as Error).message });
      return { ok: false, outcome: 'failed', error: (err as Error).message };
    }

    // Unwrap the companion's ephemeral key with the code, wrap ours the same way.
    const w = codeState.wrappedCompanionEphemeral;
    const companionEphemeral = aesCtr(await pairingCodeKey(normalized, w.subarray(0, 32)), w.subarray(32, 48), w.subarray(48, 80));
    const phoneEphemeral = Curve.generateKeyPair() as CurveKeyPair;
    const companionShared = Buffer.from(Curve.sharedKey(phoneEphemeral.private, companionEphemeral));
    codeState.companionShared = companionShared;
    const salt = randomBytes(32);
    const iv = randomBytes(16);
    const wrappedPrimary = Buffer.concat([salt, iv, aesCtr(await pairingCodeKey(normalized, salt), iv, phoneEphemeral.public)]);

    const finished = new Promise<Buffer | undefined>((resolve) => {
      codeState.onFinish = (b) => resolve(b);
      entry.conn.after(this.opts.confirmTimeoutMs, () => resolve(undefined));
      void entry.conn.whenClosed.then(() => resolve(undefined));
    });
    entry.conn.send(
      node('notification', { from: 's.whatsapp.net', type: 'link_code_companion_reg', id: this.world.newStanzaId('lc'), t: this.world.unixNow() }, [
        node('link_code_companion_reg', { stage: 'primary_hello' }, [
          node('link_code_pairing_ref', {}, Buffer.from(codeState.ref)),
          node('primary_identity_pub', {}, account.phoneDevice.identityPublic),
          node('link_code_pairing_wrapped_primary_ephemeral_pub', {}, wrappedPrimary),
        ]),
      ]),
    );
    const bundle = await finished;
    if (!bundle) {
      this.settle(attempt, 'failed', { error: 'the client did not finish pairing' });
      return { ok: false, outcome: 'failed', error: 'the client did not finish pairing' };
    }
    let plain: Buffer;
    try {
      const key = hkdf(companionShared, 32, 'link_code_pairing_key_bundle_encryption_key', bundle.subarray(0, 32));
      const d = createDecipheriv('aes-256-gcm', key, bundle.subarray(32, 44));
      d.setAuthTag(bundle.subarray(bundle.length - 16));
      plain = Buffer.concat([d.update(bundle.subarray(44, bundle.length - 16)), d.final()]);
    } catch {
      this.settle(attempt, 'failed', { error: 'wrong pairing code' });
      return { ok: false, outcome: 'failed', error: 'wrong pairing code' };
    }
    const companionIdentity = plain.subarray(0, 32);
    const random = plain.subarray(64, 96);
    if (!companionIdentity.equals(entry.reg.identity)) {
      this.settle(attempt, 'failed', { error: 'pairing bundle names another identity' });
      return { ok: false, outcome: 'failed', error: 'pairing bundle names another identity' };
    }
    const identityShared = Buffer.from(Curve.sharedKey(account.phoneDevice.identity.privKey, companionIdentity));
    const advSecret = hkdf(Buffer.concat([companionShared, identityShared, random]), 32, 'adv_secret');
    return this.sendPairSuccess(entry, account, advSecret, attempt);
  }

  // ---- pair-success / pair-device-sign ----

  private sendPairSuccess(entry: PendingLink, account: Account, advSecret: Buffer, attempt: LinkAttempt): Promise<LinkResult> {
    const { id: deviceId, keyIndex } = account.allocateDevice();
    const details = Buffer.from(
      proto.ADVDeviceIdentity.encode({ rawId: randomInt(1, 2 ** 31), timestamp: Math.floor(this.world.now() / 1000), keyIndex }).finish(),
    );
    const phoneKey = account.phoneDevice.identity;
    const accountSignature = libsignal.curve.calculateSignature(phoneKey.privKey, Buffer.concat([Buffer.from([6, 0]), details, entry.reg.identity]));
    const signed = Buffer.from(
      proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey: account.phoneDevice.identityPublic, accountSignature }).finish(),
    );
    const hmac = createHmac('sha256', advSecret).update(signed).digest();
    const container = Buffer.from(proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish());
    return new Promise<LinkResult>((resolve) => {
      entry.signing = { account, deviceId, keyIndex, details, attempt, resolve };
      entry.conn.after(this.opts.confirmTimeoutMs, () => this.failSigning(entry, 'the client did not confirm pairing'));
      entry.conn.send(
        node('iq', { from: 's.whatsapp.net', type: 'set', id: this.world.newStanzaId('ps'), t: this.world.unixNow(), xmlns: 'md' }, [
          node('pair-success', {}, [
            node('device-identity', {}, container),
            node('platform', { name: 'android' }),
            node('device', { jid: `${account.phone}:${deviceId}@s.whatsapp.net`, lid: `${account.lid}:${deviceId}@lid` }),
          ]),
        ]),
      );
    });
  }

  private failSigning(entry: PendingLink, error: string): void {
    const s = entry.signing;
    if (!s) return;
    entry.signing = undefined;
    this.settle(s.attempt, 'failed', { error });
    s.resolve({ ok: false, outcome: 'failed', error });
  }

  /** The client's `<iq type=result><pair-device-sign>`: the device is linked; restart required. */
  onPairDeviceSign(conn: Connection, iq: BinaryNode): void {
    const entry = this.pending.get(conn);
    const s = entry?.signing;
    if (!entry || !s) return;
    const signedBytes = childBytes(child(iq, 'pair-device-sign'), 'device-identity');
    let valid = false;
    if (signedBytes) {
      const signed = proto.ADVSignedDeviceIdentity.decode(signedBytes);
      const message = Buffer.concat([Buffer.from([6, 1]), Buffer.from(signed.details ?? []), entry.reg.identity, s.account.phoneDevice.identityPublic]);
      valid =
        !!signed.deviceSignature &&
        libsignal.curve.verifySignature(Buffer.concat([Buffer.from([5]), entry.reg.identity]), message, Buffer.from(signed.deviceSignature));
    }
    if (!valid) {
      this.failSigning(entry, 'the client signed the device identity wrongly');
      conn.streamError(node('stream:error', { code: 401 }), this.opts.streamErrorCloseMs);
      return;
    }
    const device = new CompanionDevice(
      s.account,
      s.deviceId,
      {
        registrationId: entry.reg.registrationId,
        identity: entry.reg.identity,
        signedPreKey: entry.reg.signedPreKey,
        preKeys: new Map(),
      },
      conn.clientStatic!,
      s.keyIndex,
      entry.reg.platform,
      this.world.now(),
    );
    s.account.devices.push(device);
    s.account.lastActiveAt = this.world.now();
    entry.signing = undefined;
    this.pending.delete(conn);
    this.settle(s.attempt, 'linked', { device: device.jid, phone: s.account.phone });
    this.world.log.info(`linked ${device.jid} (${device.platform})`);
    s.resolve({ ok: true, outcome: 'linked', device: device.jid, account: s.account.phone });
    conn.streamError(node('stream:error', { code: 515 }), this.opts.streamErrorCloseMs);
  }

  onClose(conn: Connection): void {
    const entry = this.pending.get(conn);
    if (!entry) return;
    this.failSigning(entry, 'the client disconnected before pairing finished');
    this.pending.delete(conn);
  }
}
