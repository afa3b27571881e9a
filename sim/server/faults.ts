// Faults on command. Each one fires once; a fault can target one device (JID) or account (phone
// number), otherwise the first device it can apply to takes it.
import { randomBytes } from 'node:crypto';
import type { FaultKind, FaultRecord, FaultSpec } from '../types.ts';
import type { Account, CompanionDevice } from '../world/accounts.ts';
import { SimInputError, type World } from '../world/world.ts';

const KINDS: readonly FaultKind[] = ['drop', 'silence', 'stream-error', 'login-failure', 'duplicate', 'slow', 'refuse-linking', 'stall-linking', 'unreadable'];
const STREAM_CODES = [515, 503, 440, 401];

export interface FaultTarget {
  device?: CompanionDevice;
  account?: Account;
  /** For linking faults: the phone number being linked. */
  phone?: string;
}

export class FaultBook {
  private readonly records: FaultRecord[] = [];

  constructor(private readonly world: World) {}

  /** Validates and arms a fault; throws SimInputError on a bad spec. */
  arm(spec: FaultSpec): FaultRecord {
    if (!KINDS.includes(spec.kind)) throw new SimInputError(`unknown fault kind "${spec.kind}" (one of: ${KINDS.join(', ')})`);
    if (spec.kind === 'stream-error') {
      if (spec.code === undefined || !STREAM_CODES.includes(spec.code)) {
        throw new SimInputError(`stream-error needs "code": one of ${STREAM_CODES.join(', ')}`);
      }
    }
    if (spec.kind === 'drop' && spec.mode !== undefined && spec.mode !== 'close' && spec.mode !== 'xmlstreamend') {
      throw new SimInputError(`drop "mode" is "close" or "xmlstreamend"`);
    }
    if (spec.kind === 'duplicate' && spec.mode !== undefined && spec.mode !== 'reencrypt' && spec.mode !== 'same-stanza') {
      throw new SimInputError(`duplicate "mode" is "reencrypt" or "same-stanza"`);
    }
    if (spec.device !== undefined && !this.world.companion(spec.device)) {
      throw new SimInputError(`fault target device "${spec.device}" is not a linked device`);
    }
    if (spec.account !== undefined && spec.kind !== 'refuse-linking' && spec.kind !== 'stall-linking' && !this.world.accountByPhone(spec.account)) {
      throw new SimInputError(`fault target account "${spec.account}" does not exist`);
    }
    const record: FaultRecord = { ...spec, id: `f-${randomBytes(4).toString('hex')}`, status: 'armed', armedAt: this.world.now() };
    this.records.push(record);
    this.world.changed();
    return record;
  }

  private matches(record: FaultRecord, target: FaultTarget): boolean {
    if (record.device !== undefined) {
      const d = this.world.companion(record.device);
      if (!target.device || d !== target.device) return false;
    }
    if (record.account !== undefined) {
      const phone = record.account.replace(/[^0-9]/g, '');
      const targetPhone = target.account?.phone ?? target.device?.account.phone ?? target.phone;
      if (targetPhone !== phone) return false;
    }
    return true;
  }

  /** The oldest armed fault of these kinds that applies to the target, marked fired. */
  take(kinds: FaultKind | FaultKind[], target: FaultTarget): FaultRecord | undefined {
    const list = Array.isArray(kinds) ? kinds : [kinds];
    const record = this.records.find((r) => r.status === 'armed' && list.includes(r.kind) && this.matches(r, target));
    if (!record) return undefined;
    record.status = 'fired';
    record.firedAt = this.world.now();
    record.firedOn = target.device?.jid ?? target.account?.jid ?? target.phone;
    this.world.changed();
    return record;
  }

  /** Fires this particular armed record on the target if it applies there. */
  claim(record: FaultRecord, target: FaultTarget): boolean {
    if (record.status !== 'armed' || !this.matches(record, target)) return false;
    record.status = 'fired';
    record.firedAt = this.world.now();
    record.firedOn = target.device?.jid ?? target.account?.jid ?? target.phone;
    this.world.changed();
    return true;
  }

  list(): FaultRecord[] {
    return this.records.map((r) => ({ ...r }));
  }
}
