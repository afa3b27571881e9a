// A simulated contact: a person with a phone number and a LID whose phone is one Signal device.
// It records what reaches it from our side (its inbox) and remembers what it sent (for quotes
// and for answering retry receipts).
import type { proto } from '@whiskeysockets/baileys';
import { lidJid, pnJid } from '../protocol/nodes.ts';
import { SignalDevice } from '../signal/device.ts';
import type { ContactInfo, Inbox } from '../types.ts';

export interface SentMessage {
  id: string;
  message: proto.IMessage;
  /** Chat JID on our side: our account (as the contact addressed it) or the group. */
  chat: string;
  group?: string;
  text?: string;
  at: number;
  /** Retry receipts answered, per target device. */
  retries: Map<string, number>;
  /**
   * What happened to it on the way to our devices, for whoever investigates a lost message:
   * "live #3" / "offline #4" (sent on connection 3 / redelivered at login on 4), "receipt
   * inactive #4", "retry #4", "resent", "nack 487 #4". Bounded.
   */
  trail?: string[];
}

const TRAIL_MAX = 40;

/** How many retry receipts a phone sends for one message it cannot decrypt before giving up (WhatsApp's clients stop at 5). */
export const MAX_RETRY_RECEIPTS = 5;

/** Adds one step to a sent message's trail. */
export function traceSent(sent: SentMessage | undefined, step: string): void {
  if (!sent) return;
  const trail = (sent.trail ??= []);
  if (trail.length < TRAIL_MAX) trail.push(step);
}

export class Contact {
  readonly device: SignalDevice;
  readonly inbox: Inbox = { messages: [], receipts: [], reactions: [], presence: [] };
  readonly sent = new Map<string, SentMessage>();
  /** Chat + id of every message received from our side: a phone shows one message per id (resends reuse it). */
  readonly receivedIds = new Set<string>();
  /** Retry receipts sent per message of ours (our device + id): a phone counts them up and stops at `MAX_RETRY_RECEIPTS`. */
  readonly retriesAsked = new Map<string, number>();
  /** Serialises this contact's crypto work so its ratchets advance in a fixed order. */
  private work: Promise<unknown> = Promise.resolve();
  /** Groups (JID) whose sender key each of our devices (JID) already has from this contact. */
  readonly senderKeySent = new Map<string, Set<string>>();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly phone: string,
    readonly lid: string,
    readonly addressing: 'pn' | 'lid',
    public autoRead: boolean,
    prekeyBatch: number,
  ) {
    this.device = new SignalDevice({ prekeyBatch });
  }

  get pnJid(): string {
    return pnJid(this.phone);
  }

  get lidJid(): string {
    return lidJid(this.lid);
  }

  /** The address this contact writes from. */
  get jid(): string {
    return this.addressing === 'lid' ? this.lidJid : this.pnJid;
  }

  info(): ContactInfo {
    return { id: this.id, name: this.name, phone: this.phone, jid: this.jid, pnJid: this.pnJid, lidJid: this.lidJid, addressing: this.addressing };
  }

  /** Runs `task` after every earlier task of this contact (failures do not block later ones). */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.work.then(task, task);
    this.work = run.catch(() => undefined);
    return run;
  }
}
