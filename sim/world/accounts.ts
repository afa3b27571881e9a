// A linked WhatsApp account: a phone number and LID, the primary phone (a simulated Signal
// device, device 0) and the companion devices linked to it (Baileys clients).
import { randomBytes } from 'node:crypto';
import { lidJid, pnJid, type BinaryNode } from '../protocol/nodes.ts';
import { SignalDevice, type EncType, type PublicBundle } from '../signal/device.ts';
import type { Connection } from '../server/connection.ts';

export interface CompanionKeys {
  registrationId: number;
  /** 32-byte identity public key. */
  identity: Buffer;
  signedPreKey: { id: number; publicKey: Buffer; signature: Buffer };
  /** One-time prekeys uploaded and not yet handed out, by id. */
  preKeys: Map<number, Buffer>;
}

/** A stanza for a companion that stays queued until the client acknowledges it. */
export interface PendingStanza {
  /** The ack key (ackKeyOf): several queued stanzas may share one, e.g. a message and its resend. */
  key: string;
  node: BinaryNode;
  queuedAt: number;
  deliveries: number;
  /** The connection that last carried it (a nack answers a copy that connection received). */
  sentOn?: number;
}

export class CompanionDevice {
  status: 'linked' | 'removed' = 'linked';
  removedReason: string | undefined;
  connection: Connection | undefined;
  logins = 0;
  lastLoginAt: number | undefined;
  /** The phone has sent this device its app-state key and initial history. */
  bootstrapped = false;
  /** Ack key of the phone's history message while the client has not acknowledged it. */
  historyAckKey: string | undefined;
  ready = false;
  /** Queued stanzas by a unique queue id (not the ack key); Map order is delivery order. */
  readonly pending = new Map<number, PendingStanza>();
  /** A prekey-low notification went out and the client has not uploaded since. */
  prekeyLowSent = false;

  constructor(
    readonly account: Account,
    readonly id: number,
    readonly keys: CompanionKeys,
    /** The client's static noise key: logins must come from it. */
    readonly noiseKey: Buffer,
    readonly keyIndex: number,
    readonly platform: string,
    readonly linkedAt: number,
  ) {}

  get jid(): string {
    return pnJid(this.account.phone, this.id);
  }

  get lid(): string {
    return lidJid(this.account.lid, this.id);
  }

  get connected(): boolean {
    return !!this.connection && this.connection.isOpen;
  }

  /** Whether a stanza with this ack key still waits for the client's acknowledgement. */
  isPending(ackKey: string): boolean {
    for (const item of this.pending.values()) if (item.key === ackKey) return true;
    return false;
  }

  /** Address simulated devices use for their sessions with this device. */
  get remote(): { name: string; device: number } {
    return { name: this.account.phone, device: this.id };
  }

  /** Bundle with a one-time prekey handed out exactly once (synchronous on purpose). */
  takeBundle(): PublicBundle {
    const first = this.keys.preKeys.entries().next();
    let preKey: PublicBundle['preKey'];
    if (!first.done) {
      const [id, publicKey] = first.value;
      this.keys.preKeys.delete(id);
      preKey = { id, publicKey };
    }
    return {
      registrationId: this.keys.registrationId,
      identity: this.keys.identity,
      signedPreKey: this.keys.signedPreKey,
      ...(preKey ? { preKey } : {}),
    };
  }
}

export interface PhoneLogEntry {
  id: string;
  /** Where our companion sent it (deviceSentMessage.destinationJid), or the peer chat. */
  to: string;
  fromDevice: string;
  text?: string;
  kind: string;
  at: number;
}

/** A copy of a message our companion sent that the phone has not decrypted yet. */
export interface PhoneEnvelope {
  id: string;
  from: CompanionDevice;
  type: EncType;
  ciphertext: Buffer;
  to: string;
  at: number;
}

export class Account {
  readonly phoneDevice: SignalDevice;
  readonly devices: CompanionDevice[] = [];
  private nextDeviceId = 1;
  private nextKeyIndex = 1;
  /** Copies of what our companions sent, as the phone decrypted them (see Messaging.drainPhone). */
  readonly phoneLog: PhoneLogEntry[] = [];
  readonly phoneEnvelopes: PhoneEnvelope[] = [];
  /** The app-state sync key the phone shares with every new device. */
  readonly appStateKey = { id: Buffer.concat([Buffer.alloc(2), randomBytes(4)]), data: randomBytes(32) };
  lastActiveAt = 0;

  constructor(
    readonly phone: string,
    readonly lid: string,
    public name: string,
    prekeyBatch: number,
  ) {
    this.phoneDevice = new SignalDevice({ prekeyBatch });
  }

  get jid(): string {
    return pnJid(this.phone);
  }

  get pnJid(): string {
    return pnJid(this.phone);
  }

  get lidJid(): string {
    return lidJid(this.lid);
  }

  allocateDevice(): { id: number; keyIndex: number } {
    // Device ids are never reused: a contact's session with a removed device must not be
    // mistaken for one with its successor.
    return { id: this.nextDeviceId++, keyIndex: this.nextKeyIndex++ };
  }

  linkedDevices(): CompanionDevice[] {
    return this.devices.filter((d) => d.status === 'linked');
  }

  device(id: number): CompanionDevice | undefined {
    return this.devices.find((d) => d.id === id);
  }
}
