// The framed protocol of `walship-server serve` (design §4): `type:u8 | id:u32be | len:u32be |
// payload`. Control payloads are JSON, DATA payloads are WAL bytes. Both ends use this file only,
// and decoding is strict: a frame this side does not know, or one larger than the limit, ends the
// session rather than being skipped (a desynchronised stream must never be read as WAL bytes).

export const FRAME = { HELLO: 1, GET: 2, PEEK: 3, DATA: 4, END: 5, RESULT: 6 } as const;
export type FrameType = (typeof FRAME)[keyof typeof FRAME];
const KNOWN_TYPES = new Set<number>(Object.values(FRAME));

export const FRAME_HEADER_BYTES = 9;
/** The largest payload either side sends or accepts. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
export const PROTOCOL_VERSION = 1;

export interface Frame {
  type: FrameType;
  id: number;
  payload: Buffer;
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export function encodeFrame(type: FrameType, id: number, payload: Buffer): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new FrameError(`frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(id >>> 0, 1);
  header.writeUInt32BE(payload.length, 5);
  return Buffer.concat([header, payload]);
}

export const encodeJsonFrame = (type: FrameType, id: number, value: unknown): Buffer => encodeFrame(type, id, Buffer.from(JSON.stringify(value), 'utf8'));

/** Incremental decoder: push() what arrived, get the complete frames; finish() at EOF. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.length >= FRAME_HEADER_BYTES) {
      const type = this.pending.readUInt8(0);
      const length = this.pending.readUInt32BE(5);
      // Checked on the header alone, before buffering a payload that could be 4 GiB.
      if (!KNOWN_TYPES.has(type)) throw new FrameError(`unknown frame type ${type}`);
      if (length > MAX_PAYLOAD_BYTES) throw new FrameError(`frame payload of ${length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
      if (this.pending.length < FRAME_HEADER_BYTES + length) break;
      frames.push({ type: type as FrameType, id: this.pending.readUInt32BE(1), payload: this.pending.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length) });
      this.pending = this.pending.subarray(FRAME_HEADER_BYTES + length);
    }
    return frames;
  }

  /** At end of stream: throws when a frame was cut off. */
  finish(): void {
    if (this.pending.length > 0) throw new FrameError(`stream ended inside a frame (${this.pending.length} bytes left over)`);
  }
}

/** A control payload as a JSON object; anything else is a protocol error. */
export function parseJsonPayload(frame: Frame): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.payload.toString('utf8'));
  } catch {
    throw new FrameError(`frame ${frame.type} carries no valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FrameError(`frame ${frame.type} carries no JSON object`);
  return value as Record<string, unknown>;
}
