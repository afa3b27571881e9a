// Public face of the WhatsApp Web simulator (issue 3): a loopback server the unmodified Baileys
// links to, chats with and gets cut off by. See docs/simulator.md.
export { startSimulator, Simulator, type ContactHandle, type WaitOptions } from './simulator.ts';
export { trustCaForFetch } from './ca-trust.ts';
export { LINK_REFUSED_TEXT, type LinkResult } from './server/linking.ts';
export { SimInputError } from './world/world.ts';
export type { PhoneLogEntry } from './world/accounts.ts';
export type * from './types.ts';
