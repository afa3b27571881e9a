// Public types of the simulator: options, the shapes the control API returns, fault specs.
// The HTTP control API (sim/control/http.ts) serialises exactly these shapes as JSON.
import type { Clock } from '../main/shared/clock.ts';

export interface SimulatorOptions {
  /** No per-stanza logging, and libsignal's console chatter filtered (restored on close). */
  quiet?: boolean;
  /** Where log lines go when not quiet (default: stderr). */
  log?: (line: string) => void;
  /** Clock for every simulator timer (default: the system clock). */
  clock?: Clock;
  /** Fixed ports (default: random free ports on 127.0.0.1). */
  port?: number;
  controlPort?: number;
  mediaPort?: number;
  /** Also serve the chat socket over TLS (wss://) with the simulator's CA. Default false (ws://). */
  secureWebSocket?: boolean;
  /**
   * Bearer token for the HTTP control API: true (default) generates one, a string sets it,
   * false turns the check off.
   */
  token?: string | boolean;
  /** Where ca.pem and friends are written (default: a new temp dir, removed on close). */
  dataDir?: string;
  /** Linking refs: how many the server hands out and how long each stays scannable. */
  linking?: LinkingOptions;
  /** AB prop 10518: whether clients attach privacy tokens to 1:1 sends (default false). */
  privacyTokens?: boolean;
  /**
   * After a new device's first login the phone shares an app-state key and sends the initial
   * history sync, as a real phone does (default true). Without it Baileys holds every event
   * for ~20 s after linking.
   */
  phoneBootstrap?: boolean;
  /** Grace before the server closes a socket it sent a stream error on (default 300 ms). */
  streamErrorCloseMs?: number;
}

export interface LinkingOptions {
  /** Refs per `pair-device` (default 6). */
  refs?: number;
  /** How long the first ref and each later one stay valid (default [60000, 20000], as Baileys shows them). */
  refTtlMs?: [number, number];
}

export interface ContactSpec {
  name: string;
  /** Phone number, digits only (default: a fresh 1555… number). */
  phone?: string;
  /** LID-addressed contact: sends from <lid>@lid with sender_pn. */
  lid?: boolean;
  /** Send a read receipt right after the delivery receipt for our messages (default true). */
  autoRead?: boolean;
}

export interface ContactInfo {
  id: string;
  name: string;
  phone: string;
  /** The address the contact writes from: its phone-number JID, or its LID JID when `lid: true`. */
  jid: string;
  pnJid: string;
  lidJid: string;
  addressing: 'pn' | 'lid';
}

export interface GroupSpec {
  subject: string;
  /** Contact ids. */
  members: string[];
  /** true: add the current linked account; a phone number or list of them: those accounts. Default true. */
  includeSelf?: boolean | string | string[];
  /** Participant addressing; 'lid' (default) is what WhatsApp uses for new groups. */
  addressing?: 'lid' | 'pn';
}

export interface GroupInfo {
  id: string;
  jid: string;
  subject: string;
  addressing: 'lid' | 'pn';
  /** Participant JIDs as the group lists them (LIDs in a LID group). */
  participants: string[];
}

export type MediaKind = 'image' | 'audio' | 'document' | 'video';

export interface MediaSpec {
  kind: MediaKind;
  /** Size of generated content (default: a small valid file of the kind). */
  bytes?: number;
  /** Exact content (overrides bytes). Over HTTP: base64 in `data`. */
  data?: Buffer | string;
  mimetype?: string;
  fileName?: string;
  caption?: string;
}

export interface SendSpec {
  text?: string;
  /** Our account to write to: JID (PN or LID) or phone number. Default: the current linked account. */
  to?: string;
  /** Message id being replied to. */
  quote?: string;
  /** JIDs to mention (contextInfo.mentionedJid); put @<user> in the text to show them. */
  mentions?: string[];
  /** Group id (or JID) to write in instead of the 1:1 chat. */
  group?: string;
  media?: MediaSpec;
  react?: { messageId: string; emoji: string };
  /** Explicit message id (default: a fresh 3EB0… id). */
  id?: string;
}

export interface SendResult {
  messageId: string;
  /** For media: what the contact uploaded, to compare with what the app downloads. */
  media?: { kind: MediaKind; bytes: number; sha256: string; directPath: string };
}

export interface InboxMedia {
  kind: string;
  mimetype?: string;
  fileName?: string;
  bytes: number;
  /** Hex SHA-256 of the decrypted content. */
  sha256: string;
  /** Downloaded from the media host, MAC and hashes verified. */
  ok: boolean;
  error?: string;
}

export interface InboxMessage {
  id: string;
  /** Our account's JID (PN or LID, as our client addressed the contact). */
  from: string;
  /** The sending device of our account. */
  fromDevice: string;
  /** Chat JID from the contact's side: our account, or the group. */
  chat: string;
  group?: string;
  text?: string;
  media?: InboxMedia;
  quoted?: { id: string; participant?: string };
  mentions?: string[];
  /** ms since epoch when the contact decrypted it. */
  at: number;
}

export interface InboxReceipt {
  messageId: string;
  type: 'delivered' | 'read' | 'played';
  from: string;
  at: number;
}

export interface InboxReaction {
  messageId: string;
  emoji: string;
  from: string;
  at: number;
}

export interface InboxPresence {
  type: 'composing' | 'paused' | 'recording' | 'available' | 'unavailable';
  from: string;
  at: number;
}

export interface Inbox {
  messages: InboxMessage[];
  receipts: InboxReceipt[];
  reactions: InboxReaction[];
  presence: InboxPresence[];
}

export type FaultKind =
  | 'drop'
  | 'silence'
  | 'stream-error'
  | 'login-failure'
  | 'duplicate'
  | 'slow'
  | 'refuse-linking'
  | 'stall-linking'
  /** The next message our client sends to a contact cannot be decrypted there: the contact asks again (retry receipt). */
  | 'unreadable';

export interface FaultSpec {
  kind: FaultKind;
  /** stream-error: 515 | 503 | 440 | 401; login-failure: the failure reason (default 401). */
  code?: number;
  /** Target one device (JID) or account (phone number); default: whichever comes first. */
  device?: string;
  account?: string;
  /** slow: added delay per response in ms (default 2000). */
  ms?: number;
  /** slow: how many responses to delay (default: every one until that socket closes). */
  count?: number;
  /** drop: 'close' (default) or 'xmlstreamend'. duplicate: 'reencrypt' (default) or 'same-stanza'. */
  mode?: string;
}

export interface FaultRecord extends FaultSpec {
  id: string;
  status: 'armed' | 'fired';
  armedAt: number;
  firedAt?: number;
  firedOn?: string;
}

export interface DeviceState {
  jid: string;
  lid: string;
  account: string;
  device: number;
  status: 'linked' | 'removed';
  removedReason?: string;
  platform?: string;
  connected: boolean;
  /** The client finished its post-login setup (app state synced after linking; offline flush after). */
  ready: boolean;
  logins: number;
  linkedAt: number;
  lastLoginAt?: number;
  /** Stanzas waiting for the client's ack (delivered again on the next login). */
  pending: number;
  prekeysOnServer: number;
}

export interface LinkAttempt {
  id: string;
  method: 'qr' | 'code';
  phone?: string;
  outcome: 'pending' | 'linked' | 'refused' | 'stalled' | 'failed';
  error?: string;
  device?: string;
  at: number;
}

export interface SimCounts {
  stanzasIn: number;
  stanzasOut: number;
  messagesIn: number;
  messagesOut: number;
  receiptsIn: number;
  receiptsOut: number;
  retryReceiptsIn: number;
  retryReceiptsOut: number;
  acksIn: number;
  nacksIn: number;
  iqs: number;
  contactDecryptFailures: number;
  /** Messages from our side a contact already had (same chat and id): receipted, not shown again. */
  contactDuplicatesIgnored: number;
  undeliverable: number;
  offlineRedelivered: number;
  prekeysHandedOut: number;
  mediaUploads: number;
  mediaDownloads: number;
}

export interface SimState {
  url: string;
  /** Increases with every change in the simulator (see GET /wait). */
  version: number;
  devices: DeviceState[];
  accounts: { phone: string; jid: string; lid: string; name: string; devices: string[] }[];
  /** WebSocket connections open now. */
  sockets: number;
  /** Successful logins so far. */
  logins: number;
  linking: LinkAttempt[];
  contacts: number;
  groups: number;
  counts: SimCounts;
  faults: FaultRecord[];
}
