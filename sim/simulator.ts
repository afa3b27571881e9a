// The simulator as one object: chat server, media host, control API and the simulated world,
// with the in-process API tests and benchmarks use (the HTTP control API calls the same methods).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../main/shared/clock.ts';
import { ControlServer } from './control/http.ts';
import { makeLog, muteLibsignal } from './log.ts';
import { MediaHost } from './media/media-host.ts';
import { createTls, type SimTls } from './media/tls.ts';
import type { LinkResult } from './server/linking.ts';
import { ChatServer } from './server/server.ts';
import type {
  ContactInfo,
  ContactSpec,
  DeviceState,
  FaultRecord,
  FaultSpec,
  GroupInfo,
  GroupSpec,
  Inbox,
  SendResult,
  SendSpec,
  SimState,
  SimulatorOptions,
} from './types.ts';
import type { Account, CompanionDevice, PhoneLogEntry } from './world/accounts.ts';
import { Contact, type SentMessage } from './world/contacts.ts';
import { Group } from './world/groups.ts';
import { SimInputError, World } from './world/world.ts';

export interface WaitOptions {
  /** Default 15000 ms. */
  timeoutMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/** One contact's verbs, cheap enough to call in a benchmark loop (no HTTP). */
export interface ContactHandle {
  readonly info: ContactInfo;
  send(spec: SendSpec | string): Promise<SendResult>;
  react(messageId: string, emoji: string, opts?: { to?: string; group?: string }): Promise<SendResult>;
  read(messageIds: string | string[]): Promise<void>;
  typing(state?: 'composing' | 'paused' | 'recording', opts?: { to?: string; group?: string }): void;
  /**
   * The contact's phone loses its sessions and sender keys (keeping its identity), so our next
   * message fails to decrypt there and it answers with a retry receipt, as a real phone would.
   */
  forgetSessions(): void;
  /** Live view of what the contact received from our side. */
  readonly inbox: Readonly<Inbox>;
  /** What the contact sent, by message id (with the time it was sent, for latency). */
  readonly sent: ReadonlyMap<string, Readonly<SentMessage>>;
}

export class Simulator {
  /** ws://127.0.0.1:P/ws/chat: pass as Baileys' waWebSocketUrl (or CLAWLINE_WA_URL). */
  readonly url: string;
  /** PEM file of the simulator's CA (CLAWLINE_WA_CA). */
  readonly ca: string;
  /** The CA as PEM text. */
  readonly caPem: string;
  /** NODE_EXTRA_CA_CERTS-ready bundle: the existing extra CAs plus ours. */
  readonly caBundle: string;
  /** http://127.0.0.1:Q: the control API. */
  readonly control: string;
  /** Bearer token the control API wants (undefined when disabled). */
  readonly token: string | undefined;
  /** https://127.0.0.1:M: the media host. */
  readonly media: string;

  /** The simulated primary phones. */
  readonly phone = {
    /** The phone scans a QR (Linked devices > Link a device); `phone` picks or creates the account. */
    scan: (qr: string, opts: { phone?: string } = {}): Promise<LinkResult> => this.server.linking.scan(qr, opts.phone),
    /** The phone takes a pairing code (Link with phone number instead). */
    code: (code: string, opts: { phone?: string } = {}): Promise<LinkResult> => this.server.linking.enterCode(code, opts.phone),
    /** Phone numbers of clients waiting for their pairing code to be entered. */
    pendingCodes: (): string[] => this.server.linking.pendingCodes(),
    /** The phone removes a linked device (the device sees 401 device_removed). */
    unlink: (device: string): void => {
      this.server.removeDevice(this.companion(device), 'removed from the phone');
    },
    /** What our companions sent, as the account's phone decrypted the copies addressed to it. */
    log: async (phone?: string): Promise<PhoneLogEntry[]> => {
      const account = this.world.resolveAccount(phone);
      await this.server.messaging.drainPhone(account);
      return [...account.phoneLog];
    },
  };

  private closed = false;
  private markClosed: () => void = () => undefined;
  /** Settles once close() has finished (also when closed through POST /shutdown). */
  readonly whenClosed: Promise<void> = new Promise((resolve) => (this.markClosed = resolve));

  private constructor(
    private readonly world: World,
    private readonly server: ChatServer,
    private readonly mediaHost: MediaHost,
    private readonly controlServer: ControlServer,
    tls: SimTls,
    private readonly cleanup: () => Promise<void>,
  ) {
    this.url = server.url;
    this.ca = tls.caPath;
    this.caPem = tls.caPem;
    this.caBundle = tls.caBundlePath;
    this.control = controlServer.url;
    this.token = controlServer.token;
    this.media = mediaHost.url;
  }

  static async start(opts: SimulatorOptions = {}): Promise<Simulator> {
    const quiet = opts.quiet ?? false;
    const clock: Clock = opts.clock ?? systemClock;
    const log = makeLog(quiet, opts.log ?? ((line) => process.stderr.write(line + '\n')));
    const unmute = quiet ? muteLibsignal() : () => undefined;
    const ownDir = opts.dataDir === undefined;
    const dir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'clawline-wa-sim-')));
    const world = new World(clock, log, 20);
    const tls = await createTls(dir);
    const mediaHost = new MediaHost(world, tls);
    const server = new ChatServer(world, mediaHost, tls, {
      port: opts.port ?? 0,
      secure: opts.secureWebSocket ?? false,
      refs: opts.linking?.refs ?? 6,
      refTtlMs: opts.linking?.refTtlMs ?? [60_000, 20_000],
      streamErrorCloseMs: opts.streamErrorCloseMs ?? 300,
      privacyTokens: opts.privacyTokens ?? false,
      phoneBootstrap: opts.phoneBootstrap ?? true,
    });
    const token = opts.token === false ? undefined : typeof opts.token === 'string' ? opts.token : randomBytes(18).toString('base64url');
    let sim: Simulator | undefined;
    const control = new ControlServer(() => sim!, token);
    try {
      await mediaHost.start(opts.mediaPort ?? 0);
      await server.start();
      await control.start(opts.controlPort ?? 0);
    } catch (err) {
      await Promise.allSettled([control.close(), server.close(), mediaHost.close()]);
      unmute();
      if (ownDir) await rm(dir, { recursive: true, force: true });
      throw err;
    }
    sim = new Simulator(world, server, mediaHost, control, tls, async () => {
      unmute();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    });
    log.info(`listening: chat ${server.url}, media ${mediaHost.url}, control ${control.url}`);
    return sim;
  }

  // ---------------------------------------------------------------- contacts and groups

  addContact(spec: ContactSpec): ContactInfo {
    if (!spec || typeof spec.name !== 'string' || !spec.name.trim()) throw new SimInputError('contact needs a "name"');
    const phone = this.world.claimNumber(spec.phone);
    const contact = new Contact(this.world.newContactId(), spec.name.trim(), phone, this.world.newLid(), spec.lid ? 'lid' : 'pn', spec.autoRead ?? true, this.world.prekeyBatch);
    this.world.addContact(contact);
    return contact.info();
  }

  contacts(): ContactInfo[] {
    return [...this.world.contacts.values()].map((c) => c.info());
  }

  addGroup(spec: GroupSpec): GroupInfo {
    if (!spec || typeof spec.subject !== 'string' || !spec.subject.trim()) throw new SimInputError('group needs a "subject"');
    if (!Array.isArray(spec.members)) throw new SimInputError('group needs "members": a list of contact ids');
    const contacts = spec.members.map((id) => this.world.contact(id));
    const include = spec.includeSelf ?? true;
    const accounts: Account[] =
      include === true
        ? [this.world.resolveAccount(undefined)]
        : include === false
          ? []
          : (Array.isArray(include) ? include : [include]).map((p) => this.world.resolveAccount(p));
    const group = new Group(this.world.newGroupId(), spec.subject.trim(), spec.addressing ?? 'lid', contacts, accounts, this.world.now());
    this.world.groups.set(group.id, group);
    this.world.changed();
    return group.info();
  }

  groups(): GroupInfo[] {
    return [...this.world.groups.values()].map((g) => g.info());
  }

  // ---------------------------------------------------------------- contacts' verbs

  /** A contact sends something to our account (or into a group). */
  send(contactId: string, spec: SendSpec | string): Promise<SendResult> {
    return this.contact(contactId).send(spec);
  }

  contact(id: string): ContactHandle {
    const contact = this.world.contact(id);
    const messaging = this.server.messaging;
    return {
      info: contact.info(),
      send: (spec) => messaging.contactSend(contact, typeof spec === 'string' ? { text: spec } : validateSend(spec)),
      react: (messageId, emoji, opts = {}) => messaging.contactSend(contact, { react: { messageId, emoji }, ...opts }),
      read: (ids) => messaging.contactRead(contact, Array.isArray(ids) ? ids : [ids]),
      typing: (state = 'composing', opts = {}) => messaging.contactTyping(contact, state, opts.to, opts.group),
      forgetSessions: () => {
        contact.device.forgetAll();
        contact.senderKeySent.clear();
      },
      inbox: contact.inbox,
      sent: contact.sent,
    };
  }

  /** What a contact received from our side (live view). */
  inbox(contactId: string): Readonly<Inbox> {
    return this.world.contact(contactId).inbox;
  }

  // ---------------------------------------------------------------- faults and state

  fault(spec: FaultSpec): FaultRecord {
    if (!spec || typeof spec !== 'object') throw new SimInputError('fault needs a JSON object with "kind"');
    const record = this.server.faults.arm(spec);
    this.server.armFault(record);
    return { ...record };
  }

  faults(): FaultRecord[] {
    return this.server.faults.list();
  }

  private companion(jid: string): CompanionDevice {
    const device = this.world.companion(jid);
    if (!device) throw new SimInputError(`no linked device "${jid}"`, 404);
    return device;
  }

  device(jid: string): DeviceState {
    return deviceState(this.companion(jid));
  }

  devices(): DeviceState[] {
    return [...this.world.accounts.values()].flatMap((a) => a.devices.map(deviceState));
  }

  state(): SimState {
    return {
      url: this.url,
      version: this.world.version,
      devices: this.devices(),
      accounts: [...this.world.accounts.values()].map((a) => ({ phone: a.phone, jid: a.jid, lid: a.lidJid, name: a.name, devices: a.devices.map((d) => d.jid) })),
      sockets: this.world.connections.size,
      logins: this.world.logins,
      linking: this.world.linkAttempts.map((a) => ({ ...a })),
      contacts: this.world.contacts.size,
      groups: this.world.groups.size,
      counts: { ...this.world.counts },
      faults: this.faults(),
    };
  }

  // ---------------------------------------------------------------- waiting without sleeps

  /**
   * Resolves once `predicate` holds. It is checked now and after every change in the simulator
   * (a stanza handled, a login, an inbox entry), so no polling interval is involved.
   */
  waitFor(predicate: () => boolean, opts: WaitOptions = {}): Promise<void> {
    return this.world.waitFor(predicate, opts.timeoutMs ?? 15_000, opts.what ?? 'condition');
  }

  /** Resolves when `count` successful logins have happened in total. */
  waitForLogins(count: number, opts: WaitOptions = {}): Promise<void> {
    return this.waitFor(() => this.world.logins >= count, { what: `${count} logins`, ...opts });
  }

  /** Resolves when a device (or the only/current one) is connected and ready for messages. */
  async waitForReady(jid?: string, opts: WaitOptions = {}): Promise<DeviceState> {
    let found: CompanionDevice | undefined;
    await this.waitFor(
      () => {
        const candidates = jid ? [this.world.companion(jid)] : [...this.world.accounts.values()].flatMap((a) => a.linkedDevices());
        found = candidates.find((d) => d && d.status === 'linked' && d.connected && d.ready);
        return !!found;
      },
      { what: `${jid ?? 'a device'} to be ready`, ...opts },
    );
    return deviceState(found!);
  }

  /** Resolves with the first message in the contact's inbox matching `match` (default: any new one). */
  async waitForMessage(contactId: string, match: (m: Inbox['messages'][number]) => boolean = () => true, opts: WaitOptions = {}): Promise<Inbox['messages'][number]> {
    const inbox = this.inbox(contactId);
    let hit: Inbox['messages'][number] | undefined;
    await this.waitFor(
      () => {
        hit = inbox.messages.find(match);
        return !!hit;
      },
      { what: `a message at contact ${contactId}`, ...opts },
    );
    return hit!;
  }

  /** Resolves with the state version once it is past `since` (or after `timeoutMs` with the current one). */
  async changesSince(since: number, timeoutMs = 25_000): Promise<number> {
    await this.world.until(() => this.world.version > since, timeoutMs);
    return this.world.version;
  }

  /** Calls `listener` after every change in the simulator; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.world.on('change', listener);
    return () => this.world.off('change', listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.world.close();
    await Promise.allSettled([this.controlServer.close(), this.server.close(), this.mediaHost.close()]);
    await this.cleanup();
    this.markClosed();
  }
}

function deviceState(d: CompanionDevice): DeviceState {
  return {
    jid: d.jid,
    lid: d.lid,
    account: d.account.phone,
    device: d.id,
    status: d.status,
    ...(d.removedReason ? { removedReason: d.removedReason } : {}),
    platform: d.platform,
    connected: d.connected,
    ready: d.ready && d.connected,
    logins: d.logins,
    linkedAt: d.linkedAt,
    ...(d.lastLoginAt !== undefined ? { lastLoginAt: d.lastLoginAt } : {}),
    pending: d.pending.size,
    prekeysOnServer: d.keys.preKeys.size,
  };
}

function validateSend(spec: SendSpec): SendSpec {
  if (!spec || typeof spec !== 'object') throw new SimInputError('send needs a JSON object (text, media, react, ...)');
  if (spec.text !== undefined && typeof spec.text !== 'string') throw new SimInputError('"text" must be a string');
  if (spec.mentions !== undefined && (!Array.isArray(spec.mentions) || spec.mentions.some((m) => typeof m !== 'string'))) {
    throw new SimInputError('"mentions" must be a list of JIDs');
  }
  if (spec.react !== undefined && (typeof spec.react?.messageId !== 'string' || typeof spec.react?.emoji !== 'string')) {
    throw new SimInputError('"react" needs "messageId" and "emoji"');
  }
  return spec;
}

/** Starts a simulator on loopback; close() it when done. */
export function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return Simulator.start(opts);
}
