// One client WebSocket: prologue + Noise handshake, then encrypted binary nodes. Incoming frames
// are handled strictly in order; the server logic lives in the ConnectionHandler.
import { decodeBinaryNode, encodeBinaryNode, proto } from '@whiskeysockets/baileys';
import type { WebSocket } from 'ws';
import type { TimerHandle } from '../../main/shared/clock.ts';
import { frame, FrameReader } from '../protocol/frames.ts';
import { NoiseResponder, type CurveKeyPair } from '../protocol/noise.ts';
import type { BinaryNode } from '../protocol/nodes.ts';
import type { CompanionDevice } from '../world/accounts.ts';
import type { World } from '../world/world.ts';

export interface ConnectionHandler {
  /** The handshake finished; `payload` is the client's login or registration payload. */
  onPayload(conn: Connection, payload: proto.ClientPayload): Promise<void>;
  onNode(conn: Connection, n: BinaryNode): Promise<void>;
  onClose(conn: Connection): void;
}

/** What a companion that is registering (showing a QR / asking for a pairing code) told us. */
export interface Registration {
  registrationId: number;
  identity: Buffer;
  signedPreKey: { id: number; publicKey: Buffer; signature: Buffer };
  platform: string;
  pushName?: string;
}

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  private readonly reader = new FrameReader();
  private noise: NoiseResponder | undefined;
  private phase: 'hello' | 'finish' | 'open' = 'hello';
  private work: Promise<void> = Promise.resolve();
  private closed = false;
  private closeTimer: TimerHandle | undefined;
  private readonly timers = new Set<TimerHandle>();
  /** Logged-in companion, after <success>. */
  device: CompanionDevice | undefined;
  /** Pairing data, when this socket registers a new device. */
  registration: Registration | undefined;
  /** Silence fault: nothing goes out and pings go unanswered until the socket closes. */
  muted = false;
  /** Slow fault: delay for responses (ms) and how many are left (Infinity = all). */
  slow: { ms: number; remaining: number } | undefined;
  /** Stanzas may flow (the login's offline batch has been sent). */
  deliveryOpen = false;
  readonly openedAt: number;
  /** Settles when the socket closes, whoever closed it. */
  readonly whenClosed: Promise<void>;
  private markClosed: () => void = () => undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly world: World,
    private readonly serverStatic: CurveKeyPair,
    private readonly certChain: Buffer,
    private readonly handler: ConnectionHandler,
  ) {
    this.openedAt = world.now();
    this.whenClosed = new Promise((resolve) => (this.markClosed = resolve));
    world.connections.add(this);
    ws.on('message', (data: Buffer) => {
      this.work = this.work.then(() => this.onData(data)).catch((err: unknown) => this.fail(err));
    });
    ws.on('close', () => this.onClosed());
    ws.on('error', () => this.onClosed());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get label(): string {
    return this.device ? `#${this.id} ${this.device.jid}` : `#${this.id}`;
  }

  /** The client's static noise key (known after the handshake). */
  get clientStatic(): Buffer | undefined {
    return this.noise?.clientStatic;
  }

  private async onData(data: Buffer): Promise<void> {
    if (this.closed) return;
    for (const body of this.reader.push(Buffer.from(data))) {
      if (this.closed) return;
      await this.onFrame(body);
    }
  }

  private async onFrame(body: Buffer): Promise<void> {
    if (this.phase === 'hello') {
      const hello = proto.HandshakeMessage.decode(body).clientHello;
      if (!hello?.ephemeral || !this.reader.prologue) throw new Error('expected a client hello');
      this.noise = new NoiseResponder(this.serverStatic, this.certChain, this.reader.prologue);
      this.writeRaw(this.noise.serverHello(Buffer.from(hello.ephemeral)));
      this.phase = 'finish';
      return;
    }
    if (this.phase === 'finish') {
      const finish = proto.HandshakeMessage.decode(body).clientFinish;
      if (!finish?.static || !finish.payload || !this.noise) throw new Error('expected a client finish');
      const payload = this.noise.clientFinish(Buffer.from(finish.static), Buffer.from(finish.payload));
      this.phase = 'open';
      await this.handler.onPayload(this, payload);
      return;
    }
    const n = await decodeBinaryNode(this.noise!.decrypt(body));
    this.world.counts.stanzasIn++;
    if (this.world.log.verbose) this.world.log.stanza('<-', this.label, n);
    await this.handler.onNode(this, n);
  }

  private writeRaw(bytes: Buffer): void {
    if (this.closed) return;
    this.ws.send(frame(bytes));
  }

  /** Sends a node now (dropped silently while muted or after close). */
  send(n: BinaryNode): void {
    if (this.closed || this.muted || !this.noise?.established) return;
    this.world.counts.stanzasOut++;
    if (this.world.log.verbose) this.world.log.stanza('->', this.label, n);
    this.writeRaw(this.noise.encrypt(encodeBinaryNode(n) as Buffer));
  }

  /** Sends a response, late if a slow fault is active on this socket. */
  respond(n: BinaryNode): void {
    if (this.slow && this.slow.remaining > 0) {
      this.slow.remaining--;
      this.after(this.slow.ms, () => this.send(n));
      return;
    }
    this.send(n);
  }

  /** Runs `fn` after `ms` unless the socket closes first. */
  after(ms: number, fn: () => void): void {
    const handle = this.world.clock.setTimeout(() => {
      this.timers.delete(handle);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(handle);
  }

  /** Sends a stream error and closes the socket after a grace period (the client usually closes first). */
  streamError(n: BinaryNode, graceMs: number): void {
    this.send(n);
    this.deliveryOpen = false;
    if (this.closeTimer) return;
    this.closeTimer = this.world.clock.setTimeout(() => this.terminate(), graceMs);
  }

  /** Sends <failure> (login refused) and closes like a stream error. */
  failure(reason: number, graceMs: number): void {
    this.streamError({ tag: 'failure', attrs: { reason: String(reason), location: 'sim' } }, graceMs);
  }

  /** Closes the TCP connection without a goodbye (Baileys reports 428). */
  terminate(): void {
    if (this.closed) return;
    this.ws.terminate();
    this.onClosed();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.world.log.warn(`connection ${this.label}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    this.terminate();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.deliveryOpen = false;
    this.world.clock.clearTimeout(this.closeTimer);
    for (const t of this.timers) this.world.clock.clearTimeout(t);
    this.timers.clear();
    this.world.connections.delete(this);
    this.markClosed();
    this.handler.onClose(this);
    this.world.changed();
  }
}
