// What unknown senders and newly approved senders read. Ours, short, and it says where the
// owner approves, so the sender can pass the code on.

export function pairingReplyText(input: { code: string; e164: string; ttlMinutes: number }): string {
  return [
    "Hi! This number is an AI assistant that only chats with people its owner has approved.",
    '',
    `Your number: ${input.e164}`,
    `Your access code: ${input.code}`,
    '',
    'Send this code to the owner. They can approve it in the Clawline app (Requests) ' +
      `or with: clawline pairing approve ${input.code}`,
    `The code expires in ${input.ttlMinutes >= 60 && input.ttlMinutes % 60 === 0 ? `${input.ttlMinutes / 60} hour${input.ttlMinutes === 60 ? '' : 's'}` : `${input.ttlMinutes} minutes`}.`,
  ].join('\n');
}

export function approvedNoticeText(): string {
  return "You're approved. Send a message any time to start chatting.";
}
