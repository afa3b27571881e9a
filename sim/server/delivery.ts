// The server's per-device offline queue. Every stanza for a companion (message, receipt,
// notification) stays queued until the client acknowledges it - a <receipt> or <ack class=message>
// for messages, an <ack> for receipts and notifications - and is delivered again, marked
// offline="1", on the device's next login, followed by <ib><offline count=N/>.
// Each queued stanza is its own entry, even when it shares an id with another: a contact's resend
// after our client's retry receipt has the original's id and sender, and Baileys nacks the
// original (error 500) only after sending the retry receipt, often after the resend was queued.
// So a nack takes out one copy (the oldest this connection carried), a delivery receipt or plain
// ack all of them, and a retry receipt none (it is addressed to the sender; the nack follows).
import { node, type BinaryNode } from '../protocol/nodes.ts';
import type { CompanionDevice, PendingStanza } from '../world/accounts.ts';
import { traceSent } from '../world/contacts.ts';
import type { World } from '../world/world.ts';
import type { Connection } from './connection.ts';

/** The ack key of a stanza we send, matched against what the client answers. */
export function ackKeyOf(n: BinaryNode): string {
  const a = n.attrs;
  switch (n.tag) {
    case 'message':
      return `message|${a.id}|${a.from}`;
    case 'receipt':
      return `receipt|${a.id}|${a.from}|${a.participant ?? ''}|${a.type ?? ''}`;
    default:
      return `${n.tag}|${a.id}`;
  }
}

/** The ack keys a client stanza settles. */
export function settledKeys(n: BinaryNode): string[] {
  const a = n.attrs;
  if (n.tag === 'receipt') {
    const ids = [a.id, ...(Array.isArray(n.content) ? n.content.flatMap((c) => (c.tag === 'list' && Array.isArray(c.content) ? c.content.map((i) => i.attrs.id) : [])) : [])];
    return ids.filter((id): id is string => !!id).map((id) => `message|${id}|${a.to}`);
  }
  if (n.tag === 'ack') {
    switch (a.class) {
      case 'message':
        return [`message|${a.id}|${a.to}`];
      case 'receipt':
        return [`receipt|${a.id}|${a.to}|${a.participant ?? ''}|${a.type ?? ''}`];
      default:
        return [`${a.class}|${a.id}`];
    }
  }
  return [];
}

export class Delivery {
  private nextQueueId = 1;

  constructor(private readonly world: World) {}

  /**
   * Queues `n` for the device and sends it right away when the device is online. `times` > 1
   * sends the same stanza again (the duplicate-delivery fault).
   */
  deliver(device: CompanionDevice, n: BinaryNode, times = 1): void {
    const key = ackKeyOf(n);
    const item: PendingStanza = { key, node: n, queuedAt: this.world.now(), deliveries: 0 };
    device.pending.set(this.nextQueueId++, item);
    const conn = device.connection;
    if (conn?.isOpen && conn.deliveryOpen) {
      for (let i = 0; i < times; i++) this.send(conn, n);
      item.deliveries = times;
      item.sentOn = conn.id;
      this.trace(n, `live #${conn.id}`);
    }
    this.world.changed();
  }

  private send(conn: Connection, n: BinaryNode): void {
    if (n.tag === 'message') this.world.counts.messagesOut++;
    if (n.tag === 'receipt') this.world.counts.receiptsOut++;
    if (n.tag === 'receipt' && n.attrs.type === 'retry') this.world.counts.retryReceiptsOut++;
    conn.send(n);
  }

  /** The trail of a contact's message (see SentMessage.trail). */
  private trace(n: BinaryNode, step: string, id = n.attrs.id): void {
    if (n.tag !== 'message' || !id) return;
    const contact = this.world.contactByJid(n.attrs.participant ?? n.attrs.from);
    traceSent(contact?.sent.get(id), step);
  }

  /** Records what the client answered about a contact's message in that message's trail. */
  private traceAnswer(clientStanza: BinaryNode, conn: Connection): void {
    const a = clientStanza.attrs;
    const stanzaLike = node('message', { from: a.to, participant: a.participant });
    if (clientStanza.tag === 'ack') {
      if (a.class === 'message') this.trace(stanzaLike, a.error ? `nack ${a.error} #${conn.id}` : `ack #${conn.id}`, a.id);
      return;
    }
    const ids = [a.id, ...(Array.isArray(clientStanza.content) ? clientStanza.content.flatMap((c) => (c.tag === 'list' && Array.isArray(c.content) ? c.content.map((i) => i.attrs.id) : [])) : [])];
    for (const id of ids) this.trace(stanzaLike, `${a.type === 'retry' ? 'retry' : `receipt ${a.type ?? 'delivery'}`} #${conn.id}`, id);
  }

  /** Removes what a client receipt/ack settles (see the top of this file). */
  settle(device: CompanionDevice, clientStanza: BinaryNode, conn: Connection): void {
    this.traceAnswer(clientStanza, conn);
    if (clientStanza.tag === 'receipt' && clientStanza.attrs.type === 'retry') return;
    const nack = clientStanza.tag === 'ack' && !!clientStanza.attrs.error;
    let any = false;
    for (const key of settledKeys(clientStanza)) {
      const copies = [...device.pending].filter(([, item]) => item.key === key);
      if (!copies.length) continue;
      any = true;
      if (!nack) for (const [id] of copies) device.pending.delete(id);
      else device.pending.delete((copies.find(([, item]) => item.sentOn === conn.id) ?? copies[0]!)[0]);
    }
    if (any) this.world.changed();
  }

  /** After login: everything still pending goes out marked offline, then the offline count. */
  flush(conn: Connection): void {
    const device = conn.device;
    if (!device) return;
    let count = 0;
    for (const item of device.pending.values()) {
      if (item.deliveries > 0) this.world.counts.offlineRedelivered++;
      item.deliveries++;
      item.sentOn = conn.id;
      this.send(conn, { ...item.node, attrs: { ...item.node.attrs, offline: '1' } });
      this.trace(item.node, `offline #${conn.id}`);
      count++;
    }
    conn.send(node('ib', { from: 's.whatsapp.net' }, [node('offline', { count })]));
    conn.deliveryOpen = true;
    this.world.changed();
  }
}
