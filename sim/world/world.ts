// The simulated WhatsApp world: accounts, contacts, groups, open connections, counters, and a
// 'change' event that every waiter (sim.waitFor) re-checks its condition on.
import { EventEmitter } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../../main/shared/clock.ts';
import { parseJid, type BinaryNode } from '../protocol/nodes.ts';
import type { Connection } from '../server/connection.ts';
import type { LinkAttempt, SimCounts } from '../types.ts';
import { Account, type CompanionDevice } from './accounts.ts';
import type { Contact } from './contacts.ts';
import type { Group } from './groups.ts';

export interface SimLog {
  readonly verbose: boolean;
  info(message: string): void;
  warn(message: string): void;
  stanza(direction: '<-' | '->', connection: string, n: BinaryNode): void;
}

export function newCounts(): SimCounts {
  return {
    stanzasIn: 0,
    stanzasOut: 0,
    messagesIn: 0,
    messagesOut: 0,
    receiptsIn: 0,
    receiptsOut: 0,
    retryReceiptsIn: 0,
    retryReceiptsOut: 0,
    acksIn: 0,
    nacksIn: 0,
    iqs: 0,
    contactDecryptFailures: 0,
    contactDuplicatesIgnored: 0,
    undeliverable: 0,
    offlineRedelivered: 0,
    prekeysHandedOut: 0,
    mediaUploads: 0,
    mediaDownloads: 0,
  };
}

export type Party = { kind: 'account'; account: Account } | { kind: 'contact'; contact: Contact };

export class World extends EventEmitter {
  readonly accounts = new Map<string, Account>();
  readonly contacts = new Map<string, Contact>();
  readonly groups = new Map<string, Group>();
  readonly connections = new Set<Connection>();
  readonly counts: SimCounts = newCounts();
  readonly linkAttempts: LinkAttempt[] = [];
  logins = 0;
  private readonly numbers = new Set<string>();
  /** "server:user" -> who it is, for PN and LID JIDs. */
  private readonly parties = new Map<string, Party>();
  private nextPhone = 1;
  private nextContact = 1;
  private nextGroup = 1;

  constructor(
    readonly clock: Clock,
    readonly log: SimLog,
    readonly prekeyBatch: number,
  ) {
    super();
    this.setMaxListeners(0);
  }

  /** Increases with every change; GET /wait long-polls on it. */
  version = 0;

  /** Wakes every waiter; call after any state change a test could wait for. */
  changed(): void {
    this.version++;
    this.emit('change');
  }

  /** Pending waits, ended by close() so no timer outlives the simulator. */
  private readonly waits = new Set<(err: Error) => void>();
  private closed = false;

  /**
   * Resolves once `predicate` holds (checked now and after every change); rejects after
   * `timeoutMs`, when the predicate throws, or when the simulator closes.
   */
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('simulator closed'));
      const finish = (err?: Error) => {
        this.off('change', check);
        this.waits.delete(finish);
        this.clock.clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        let ok: boolean;
        try {
          ok = predicate();
        } catch (err) {
          return finish(err as Error);
        }
        if (ok) finish();
      };
      const timer = this.clock.setTimeout(() => finish(new Error(`simulator: timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waits.add(finish);
      this.on('change', check);
      check();
    });
  }

  /** Like waitFor, but resolves false instead of rejecting on timeout or close. */
  until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.waitFor(predicate, timeoutMs, 'condition').then(
      () => true,
      () => false,
    );
  }

  /** Ends every pending wait (they reject with "simulator closed"). */
  close(): void {
    this.closed = true;
    for (const finish of [...this.waits]) finish(new Error('simulator closed'));
    this.removeAllListeners();
  }

  now(): number {
    return this.clock.now();
  }

  unixNow(): string {
    return String(Math.floor(this.clock.now() / 1000));
  }

  newMessageId(): string {
    return '3EB0' + randomBytes(9).toString('hex').toUpperCase();
  }

  newStanzaId(prefix: string): string {
    return `${prefix}-${randomBytes(6).toString('hex')}`;
  }

  newContactId(): string {
    return `c${this.nextContact++}`;
  }

  newGroupId(): string {
    return `1203630${String(this.nextGroup++).padStart(4, '0')}${randomInt(10_000_000, 99_999_999)}`;
  }

  /** Claims a phone number (digits only); a fresh 1555… one when none is given. */
  claimNumber(phone?: string): string {
    if (phone !== undefined) {
      const digits = phone.replace(/[^0-9]/g, '');
      if (digits.length < 6) throw new SimInputError(`phone "${phone}" is not a phone number (need digits, country code first)`);
      if (this.numbers.has(digits)) throw new SimInputError(`phone ${digits} is already taken by another contact or account`);
      this.numbers.add(digits);
      return digits;
    }
    for (;;) {
      const candidate = `1555${String(this.nextPhone++).padStart(7, '0')}`;
      if (!this.numbers.has(candidate)) {
        this.numbers.add(candidate);
        return candidate;
      }
    }
  }

  newLid(): string {
    for (;;) {
      const lid = String(randomInt(100_000, 999_999)) + String(randomInt(10_000_000, 99_999_999));
      if (!this.numbers.has(lid)) {
        this.numbers.add(lid);
        return lid;
      }
    }
  }

  accountByPhone(phone: string): Account | undefined {
    return this.accounts.get(phone.replace(/[^0-9]/g, ''));
  }

  /** Creates the account for a phone number (or a fresh number) with its primary phone device. */
  addAccount(phone?: string): Account {
    const number = this.claimNumber(phone);
    const account = new Account(number, this.newLid(), `Sim ${number.slice(-4)}`, this.prekeyBatch);
    this.accounts.set(number, account);
    this.index(account.phone, account.lid, { kind: 'account', account });
    this.changed();
    return account;
  }

  addContact(contact: Contact): void {
    this.contacts.set(contact.id, contact);
    this.index(contact.phone, contact.lid, { kind: 'contact', contact });
    this.changed();
  }

  private index(phone: string, lid: string, party: Party): void {
    this.parties.set(`s.whatsapp.net:${phone}`, party);
    this.parties.set(`lid:${lid}`, party);
  }

  /** The party behind a user JID, by phone number or LID (device part ignored). */
  party(jid: string | undefined): Party | undefined {
    const j = parseJid(jid);
    return j ? this.parties.get(`${j.server}:${j.user}`) : undefined;
  }

  contactByJid(jid: string | undefined): Contact | undefined {
    const p = this.party(jid);
    return p?.kind === 'contact' ? p.contact : undefined;
  }

  /** A companion device by its JID (PN or LID form, with device part). */
  companion(jid: string | undefined): CompanionDevice | undefined {
    const j = parseJid(jid);
    const p = this.party(jid);
    if (!j || p?.kind !== 'account' || j.device === 0) return undefined;
    return p.account.device(j.device);
  }

  group(idOrJid: string): Group | undefined {
    return this.groups.get(idOrJid.replace(/@g\.us$/, ''));
  }

  contact(id: string): Contact {
    const c = this.contacts.get(id) ?? this.contactByJid(id);
    if (!c) throw new SimInputError(`no contact "${id}" (create it with POST /contacts or sim.addContact first)`);
    return c;
  }

  /** The account "our side" means when none is named: the most recently active linked one. */
  currentAccount(): Account | undefined {
    let best: Account | undefined;
    for (const a of this.accounts.values()) {
      if (a.linkedDevices().length === 0) continue;
      if (!best || a.lastActiveAt > best.lastActiveAt) best = a;
    }
    return best;
  }

  /** Resolves "to"/"includeSelf" style references: undefined = current account; else phone or JID. */
  resolveAccount(ref: string | undefined): Account {
    if (ref === undefined || ref === '') {
      const current = this.currentAccount();
      if (!current) throw new SimInputError('no linked account yet: link a device first (scan its QR or enter its pairing code)');
      return current;
    }
    const p = ref.includes('@') ? this.party(ref) : undefined;
    const account = p?.kind === 'account' ? p.account : this.accountByPhone(ref);
    if (!account) throw new SimInputError(`no account "${ref}" (accounts: ${[...this.accounts.keys()].join(', ') || 'none'})`);
    return account;
  }
}

/** A caller error (bad id, bad input): the control API answers it with HTTP 400/404. */
export class SimInputError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'SimInputError';
  }
}
