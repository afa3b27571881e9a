// Byte-for-byte the same JSON encoding as Baileys' BufferJSON (lib/Utils/generics.js), so files
// stay readable by OpenClaw and Baileys' own helper. Hand-copied because importing Baileys costs
// ~0.5 s, and `clawline status` / the doctor read credentials without ever opening a socket.
// test/auth/buffer-json.test.ts checks it against Baileys' implementation.
/* eslint-disable @typescript-eslint/no-explicit-any */

export const BufferJSON = {
  replacer(_key: string, value: any): any {
    if (Buffer.isBuffer(value) || value instanceof Uint8Array || value?.type === 'Buffer') {
      return { type: 'Buffer', data: Buffer.from(value?.data || value).toString('base64') };
    }
    return value;
  },
  reviver(_key: string, value: any): any {
    if (typeof value === 'object' && value !== null && value.type === 'Buffer' && typeof value.data === 'string') {
      return Buffer.from(value.data, 'base64');
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length > 0 && keys.every((k) => !isNaN(parseInt(k, 10)))) {
        const values = Object.values(value);
        if (values.every((v) => typeof v === 'number')) return Buffer.from(values as number[]);
      }
    }
    return value;
  },
};

export function serializeValue(value: unknown): string {
  return JSON.stringify(value, BufferJSON.replacer);
}

export function parseValue(text: string): unknown {
  return JSON.parse(text, BufferJSON.reviver);
}
