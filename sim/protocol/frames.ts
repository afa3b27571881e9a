// WhatsApp Web's transport framing: the client opens with a 4-byte prologue ("WA", 6, dictionary
// version; optionally preceded by an "ED" edge-routing block), then every frame is a 3-byte
// big-endian length and a body. Frames split and merge freely across WebSocket messages.

export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private prologueSeen = false;
  /** The 4-byte WA prologue, once received; the Noise hash starts from it. */
  prologue: Buffer | undefined;

  /** Adds received bytes; returns every complete frame body now available. */
  push(data: Buffer): Buffer[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data;
    if (!this.prologueSeen) {
      if (!this.takePrologue()) return [];
    }
    const frames: Buffer[] = [];
    while (this.buffer.length >= 3) {
      const size = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < size + 3) break;
      frames.push(this.buffer.subarray(3, size + 3));
      this.buffer = this.buffer.subarray(size + 3);
    }
    return frames;
  }

  private takePrologue(): boolean {
    let offset = 0;
    if (this.buffer.length >= 2 && this.buffer[0] === 0x45 && this.buffer[1] === 0x44) {
      // "ED" 0 1 + 3-byte length + routing info, sent when creds hold routing info.
      if (this.buffer.length < 7) return false;
      offset = 7 + this.buffer.readUIntBE(4, 3);
    }
    if (this.buffer.length < offset + 4) return false;
    const prologue = this.buffer.subarray(offset, offset + 4);
    if (prologue[0] !== 0x57 || prologue[1] !== 0x41) {
      throw new Error(`not a WhatsApp Web client: prologue ${prologue.toString('hex')}`);
    }
    this.prologue = Buffer.from(prologue);
    this.buffer = this.buffer.subarray(offset + 4);
    this.prologueSeen = true;
    return true;
  }
}

export function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length + 3);
  out.writeUIntBE(body.length, 0, 3);
  body.copy(out, 3);
  return out;
}
