// The remote's stderr: forwarded live, its tail kept (bounded) for telling "not found" apart, and
// silenced once we aborted the command.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { teeStderr } from '../../../src/transport/stderr-tail.js';

const collect = (stream: PassThrough): (() => string) => {
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return () => text;
};

describe('teeStderr', () => {
  it('forwards every byte and keeps them as the tail; nothing printed is no tail', () => {
    const target = new PassThrough();
    const seen = collect(target);
    const tee = teeStderr(target);
    expect(tee.tail()).toBeUndefined();
    tee.writable.write('WARNING: a\n');
    tee.writable.write(Buffer.from("ERROR: Unknown server 'pg'\n"));
    expect(seen()).toBe("WARNING: a\nERROR: Unknown server 'pg'\n");
    expect(tee.tail()).toBe("WARNING: a\nERROR: Unknown server 'pg'\n");
  });

  it('keeps only the last bytes, dropping the line cut at the front', () => {
    const tee = teeStderr(new PassThrough().resume(), 32);
    tee.writable.write(`${'x'.repeat(100)}ERROR: Unknown server 'pg'\nERROR: b\n`);
    expect(tee.tail()).toBe('ERROR: b\n');
    tee.writable.write('y'.repeat(100));
    expect(tee.tail()).toBe('');
  });

  it('after mute() forwards nothing more but still records', () => {
    const target = new PassThrough();
    const seen = collect(target);
    const tee = teeStderr(target);
    tee.writable.write('before\n');
    tee.mute();
    tee.writable.write('ERROR: The operation was aborted\n');
    expect(seen()).toBe('before\n');
    expect(tee.tail()).toBe('before\nERROR: The operation was aborted\n');
  });
});
