// The serve protocol's frame codec: round trips, and strict refusal of what no walship end sends.
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeJsonFrame, FRAME, FRAME_HEADER_BYTES, FrameDecoder, FrameError, MAX_PAYLOAD_BYTES, parseJsonPayload } from '../../../src/wire/frames.js';

describe('serve frames', () => {
  it('a frame split at every byte decodes to the same frame', () => {
    const bytes = Buffer.concat([encodeJsonFrame(FRAME.GET, 7, { name: 'x' }), encodeFrame(FRAME.DATA, 7, Buffer.from('abc'))]);
    const decoder = new FrameDecoder();
    const frames = [...bytes].flatMap((byte) => decoder.push(Buffer.from([byte])));
    decoder.finish();
    expect(frames.map((f) => [f.type, f.id, f.payload.length])).toEqual([[FRAME.GET, 7, 12], [FRAME.DATA, 7, 3]]);
    expect(parseJsonPayload(frames[0]!)).toEqual({ name: 'x' });
  });

  it('a payload of exactly 1 MiB passes; one byte more is refused on both ends', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(encodeFrame(FRAME.DATA, 1, Buffer.alloc(MAX_PAYLOAD_BYTES)))).toHaveLength(1);
    expect(() => encodeFrame(FRAME.DATA, 1, Buffer.alloc(MAX_PAYLOAD_BYTES + 1))).toThrow(FrameError);
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    header.writeUInt8(FRAME.DATA, 0);
    header.writeUInt32BE(MAX_PAYLOAD_BYTES + 1, 5);
    // Refused from the header alone, before any payload is buffered.
    expect(() => new FrameDecoder().push(header)).toThrow(/exceeds/);
  });

  it('an unknown frame type is refused', () => {
    const frame = encodeFrame(FRAME.DATA, 1, Buffer.from('x'));
    frame.writeUInt8(99, 0);
    expect(() => new FrameDecoder().push(frame)).toThrow(/unknown frame type 99/);
  });

  it('a stream that ends inside a header or a payload is truncated', () => {
    const frame = encodeFrame(FRAME.DATA, 1, Buffer.from('hello'));
    for (const cut of [3, FRAME_HEADER_BYTES + 2]) {
      const decoder = new FrameDecoder();
      expect(decoder.push(frame.subarray(0, cut))).toEqual([]);
      expect(() => decoder.finish()).toThrow(/stream ended inside a frame/);
    }
  });

  it('a control frame whose payload is not a JSON object is refused', () => {
    for (const text of ['nope', '[1]', 'null']) {
      const [frame] = new FrameDecoder().push(encodeFrame(FRAME.GET, 1, Buffer.from(text)));
      expect(() => parseJsonPayload(frame!)).toThrow(FrameError);
    }
  });
});
