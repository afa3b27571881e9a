// A group chat: simulated contacts plus zero or more of our linked accounts.
import { groupJid, node, type BinaryNode } from '../protocol/nodes.ts';
import type { GroupInfo } from '../types.ts';
import type { Account } from './accounts.ts';
import type { Contact } from './contacts.ts';

export class Group {
  constructor(
    readonly id: string,
    readonly subject: string,
    readonly addressing: 'lid' | 'pn',
    readonly contacts: Contact[],
    readonly accounts: Account[],
    readonly createdAt: number,
  ) {}

  get jid(): string {
    return groupJid(this.id);
  }

  /** How the group names a member: its LID in a LID group, else its phone-number JID. */
  addressOf(member: Contact | Account): string {
    return this.addressing === 'lid' ? member.lidJid : member.pnJid;
  }

  participants(): string[] {
    return [...this.accounts, ...this.contacts].map((m) => this.addressOf(m));
  }

  info(): GroupInfo {
    return { id: this.id, jid: this.jid, subject: this.subject, addressing: this.addressing, participants: this.participants() };
  }

  /** The `<group>` node of a w:g2 metadata answer. */
  metadataNode(): BinaryNode {
    const creator = this.accounts[0] ?? this.contacts[0];
    const members: (Contact | Account)[] = [...this.accounts, ...this.contacts];
    const t = Math.floor(this.createdAt / 1000);
    return node(
      'group',
      {
        id: this.id,
        subject: this.subject,
        s_t: t,
        s_o: creator ? this.addressOf(creator) : undefined,
        creation: t,
        creator: creator ? this.addressOf(creator) : undefined,
        addressing_mode: this.addressing,
        size: members.length,
      },
      members.map((m, i) => {
        return node('participant', {
          jid: this.addressOf(m),
          phone_number: this.addressing === 'lid' ? m.pnJid : undefined,
          lid: this.addressing === 'pn' ? m.lidJid : undefined,
          type: i === 0 ? 'superadmin' : undefined,
        });
      }),
    );
  }
}
