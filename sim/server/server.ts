// The chat server: accepts WebSocket clients on 127.0.0.1, logs devices in, dispatches stanzas
// and applies faults. Linking, iq answers, message routing and the offline queue live in their
// own modules; this file wires them and owns the login sequence.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Curve, proto } from '@whiskeysockets/baileys';
import { WebSocketServer } from 'ws';
import { node, type BinaryNode } from '../protocol/nodes.ts';
import { makeCertChain, type CurveKeyPair } from '../protocol/noise.ts';
import type { SimTls } from '../media/tls.ts';
import type { MediaHost } from '../media/media-host.ts';
import type { FaultRecord } from '../types.ts';
import type { CompanionDevice } from '../world/accounts.ts';
import type { World } from '../world/world.ts';
import { Connection, type ConnectionHandler } from './connection.ts';
import { Delivery } from './delivery.ts';
import { FaultBook } from './faults.ts';
import { IqHandler } from './iq.ts';
import { Linking } from './linking.ts';
import { Messaging } from './messaging.ts';

export interface ServerOptions {
  port: number;
  secure: boolean;
  refs: number;
  refTtlMs: [number, number];
  streamErrorCloseMs: number;
  privacyTokens: boolean;
  phoneBootstrap: boolean;
}

/** Faults that act on a live socket: fired at once if the target is online, else after its next login. */
const LIVE_FAULTS = new Set(['drop', 'silence', 'stream-error', 'slow']);

export class ChatServer implements ConnectionHandler {
  readonly faults: FaultBook;
  readonly delivery: Delivery;
  readonly linking: Linking;
  readonly messaging: Messaging;
  private readonly iq: IqHandler;
  private readonly staticKey: CurveKeyPair = Curve.generateKeyPair() as CurveKeyPair;
  private readonly certChain: Buffer;
  private wss: WebSocketServer | undefined;
  private https: HttpsServer | undefined;
  port = 0;

  constructor(
    private readonly world: World,
    media: MediaHost,
    private readonly tls: SimTls,
    private readonly opts: ServerOptions,
  ) {
    this.certChain = makeCertChain(this.staticKey.public);
    this.faults = new FaultBook(world);
    this.delivery = new Delivery(world);
    this.linking = new Linking(world, this.faults, {
      refs: opts.refs,
      refTtlMs: opts.refTtlMs,
      streamErrorCloseMs: opts.streamErrorCloseMs,
      confirmTimeoutMs: 15_000,
    });
    this.messaging = new Messaging(world, this.delivery, this.faults, media);
    this.iq = new IqHandler(
      world,
      this.linking,
      {
        onPassiveActive: (conn) => this.onPassiveActive(conn),
        onAppStateSync: (conn) => this.markReady(conn),
        onLogout: (device, reason) => this.removeDevice(device, `logout (${reason})`),
        onPrekeysUploaded: (device) => {
          device.prekeyLowSent = false;
        },
      },
      { privacyTokens: opts.privacyTokens, mediaHostname: () => media.hostname, mediaAuth: media.auth },
    );
  }

  get url(): string {
    return `${this.opts.secure ? 'wss' : 'ws'}://127.0.0.1:${this.port}/ws/chat`;
  }

  async start(): Promise<void> {
    const onConnection = (ws: import('ws').WebSocket) => {
      new Connection(ws, this.world, this.staticKey, this.certChain, this);
      this.world.changed();
    };
    if (this.opts.secure) {
      const https = createHttpsServer({ key: this.tls.keyPem, cert: this.tls.certPem });
      this.https = https;
      this.wss = new WebSocketServer({ server: https });
      this.wss.on('connection', onConnection);
      await new Promise<void>((resolve, reject) => {
        https.once('error', reject);
        https.listen(this.opts.port, '127.0.0.1', () => resolve());
      });
      this.port = (https.address() as AddressInfo).port;
    } else {
      const wss = new WebSocketServer({ host: '127.0.0.1', port: this.opts.port });
      this.wss = wss;
      wss.on('connection', onConnection);
      await new Promise<void>((resolve, reject) => {
        wss.once('error', reject);
        wss.once('listening', () => resolve());
      });
      this.port = (wss.address() as AddressInfo).port;
    }
  }

  async close(): Promise<void> {
    for (const conn of [...this.world.connections]) conn.terminate();
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    const https = this.https;
    this.https = undefined;
    if (https) {
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    }
  }

  // ---- ConnectionHandler ----

  async onPayload(conn: Connection, payload: proto.ClientPayload): Promise<void> {
    const pairing = payload.devicePairingData;
    if (pairing) {
      const props = pairing.deviceProps ? proto.DeviceProps.decode(pairing.deviceProps) : undefined;
      const platformType = props?.platformType != null ? proto.DeviceProps.PlatformType[props.platformType] : undefined;
      this.linking.startRegistration(conn, {
        registrationId: Buffer.from(pairing.eRegid ?? []).readUInt32BE(0),
        identity: Buffer.from(pairing.eIdent ?? []),
        signedPreKey: {
          id: Buffer.from(pairing.eSkeyId ?? [0, 0, 0]).readUIntBE(0, 3),
          publicKey: Buffer.from(pairing.eSkeyVal ?? []),
          signature: Buffer.from(pairing.eSkeySig ?? []),
        },
        platform: [props?.os, platformType].filter(Boolean).join(' / ') || 'unknown',
        ...(payload.pushName ? { pushName: payload.pushName } : {}),
      });
      return;
    }
    this.login(conn, String(payload.username ?? ''), Number(payload.device ?? 0));
  }

  private login(conn: Connection, phone: string, deviceId: number): void {
    const account = this.world.accountByPhone(phone);
    const device = account?.device(deviceId);
    const refusal = this.faults.take('login-failure', { device, account });
    if (refusal) {
      this.world.log.info(`login of ${phone}:${deviceId} refused by fault (${refusal.code ?? 401})`);
      conn.failure(refusal.code ?? 401, this.opts.streamErrorCloseMs);
      return;
    }
    if (!device || device.status === 'removed' || !conn.clientStatic?.equals(device.noiseKey)) {
      this.world.log.info(`login of ${phone}:${deviceId} refused: ${!device ? 'unknown device' : device.status === 'removed' ? `removed (${device.removedReason})` : 'noise key mismatch'}`);
      conn.failure(401, this.opts.streamErrorCloseMs);
      return;
    }
    const previous = device.connection;
    if (previous && previous.isOpen && previous !== conn) {
      // A second socket for the same device: the older one is replaced (Baileys reports 440).
      previous.streamError(node('stream:error', {}, [node('conflict', { type: 'replaced' })]), this.opts.streamErrorCloseMs);
    }
    conn.device = device;
    device.connection = conn;
    device.ready = false;
    device.logins++;
    device.lastLoginAt = this.world.now();
    device.account.lastActiveAt = this.world.now();
    this.world.logins++;
    conn.send(
      node('success', {
        t: this.world.unixNow(),
        props: 1,
        abprops: 1,
        location: 'sim',
        creation: Math.floor(device.linkedAt / 1000),
        lid: device.lid,
        display_name: device.account.name,
      }),
    );
    this.world.log.info(`login ${device.jid} (#${device.logins})`);
    this.world.changed();
  }

  private onPassiveActive(conn: Connection): void {
    const device = conn.device;
    if (!device || conn.deliveryOpen) return;
    this.delivery.flush(conn);
    if (!device.bootstrapped && this.opts.phoneBootstrap) {
      void this.messaging
        .phoneBootstrap(device)
        .then((key) => {
          device.historyAckKey = key;
        })
        .catch((err: unknown) => this.world.log.warn(`phone bootstrap for ${device.jid}: ${String(err)}`));
    } else {
      device.bootstrapped = true;
      this.markReady(conn);
    }
    // Faults armed while the device was offline take effect now that it is online.
    for (;;) {
      const fault = this.faults.take(['drop', 'silence', 'stream-error', 'slow'], { device });
      if (!fault) break;
      this.fire(fault, conn);
      if (!conn.isOpen) break;
    }
  }

  /**
   * Baileys normally syncs app state right after taking the phone's history, which marks the
   * device ready; a client configured not to sync history never does, so 3 s after it has
   * acknowledged the history message it counts as ready anyway.
   */
  private afterAck(conn: Connection): void {
    const device = conn.device;
    if (!device?.historyAckKey || device.isPending(device.historyAckKey)) return;
    device.historyAckKey = undefined;
    conn.after(3000, () => this.markReady(conn));
  }

  private markReady(conn: Connection): void {
    const device = conn.device;
    if (!device || device.ready) return;
    device.ready = true;
    this.world.changed();
  }

  async onNode(conn: Connection, n: BinaryNode): Promise<void> {
    switch (n.tag) {
      case 'iq':
        return this.iq.handle(conn, n);
      case 'message':
        return this.messaging.onClientMessage(conn, n);
      case 'receipt':
        this.messaging.onClientReceipt(conn, n);
        return this.afterAck(conn);
      case 'ack':
        this.messaging.onClientAck(conn, n);
        return this.afterAck(conn);
      case 'presence':
      case 'chatstate':
        return this.messaging.onClientPresence(conn, n);
      default:
        // <ib> telemetry (unified_session), <call> rejects and the like need no answer.
        return;
    }
  }

  onClose(conn: Connection): void {
    this.linking.onClose(conn);
    const device = conn.device;
    if (device && device.connection === conn) {
      device.connection = undefined;
      device.ready = false;
    }
  }

  // ---- faults and device removal ----

  /** Arms a fault; live faults hit the target's open socket at once. */
  armFault(record: FaultRecord): void {
    if (!LIVE_FAULTS.has(record.kind)) return;
    const devices = [...this.world.accounts.values()].flatMap((a) => a.linkedDevices());
    for (const device of devices) {
      const conn = device.connection;
      if (!conn?.isOpen || !conn.deliveryOpen) continue;
      if (!this.faults.claim(record, { device })) continue;
      this.fire(record, conn);
      return;
    }
  }

  private fire(fault: FaultRecord, conn: Connection): void {
    const device = conn.device!;
    this.world.log.info(`fault ${fault.kind}${fault.code ? ' ' + fault.code : ''} on ${device.jid}`);
    switch (fault.kind) {
      case 'drop':
        if (fault.mode === 'xmlstreamend') {
          conn.send(node('xmlstreamend', {}));
          conn.after(50, () => conn.terminate());
        } else conn.terminate();
        return;
      case 'silence':
        conn.muted = true;
        return;
      case 'slow':
        conn.slow = { ms: fault.ms ?? 2000, remaining: fault.count ?? Infinity };
        return;
      case 'stream-error': {
        const code = fault.code ?? 515;
        if (code === 440) conn.streamError(node('stream:error', {}, [node('conflict', { type: 'replaced' })]), this.opts.streamErrorCloseMs);
        else if (code === 401) this.removeDevice(device, 'removed from the phone (stream error 401)');
        else conn.streamError(node('stream:error', { code }), this.opts.streamErrorCloseMs);
        return;
      }
      default:
        return;
    }
  }

  /** Unlinks a device for good: it is told (if online) and every later login is refused. */
  removeDevice(device: CompanionDevice, reason: string): void {
    if (device.status === 'removed') return;
    device.status = 'removed';
    device.removedReason = reason;
    device.pending.clear();
    const conn = device.connection;
    if (conn?.isOpen) {
      conn.streamError(node('stream:error', { code: 401 }, [node('conflict', { type: 'device_removed' })]), this.opts.streamErrorCloseMs);
    }
    this.world.log.info(`device ${device.jid} removed: ${reason}`);
    this.world.changed();
  }
}
