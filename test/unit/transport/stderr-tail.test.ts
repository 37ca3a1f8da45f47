// The remote's stderr: forwarded live, its tail kept (bounded) for telling "not found" apart, and
// silenced once we aborted the command.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { STDERR_HOLD_BYTES, teeStderr } from '../../../src/transport/stderr-tail.js';

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
    const tee = teeStderr(new PassThrough().resume(), { limit: 32 });
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

  it('held: nothing is forwarded until release(true), which prints it all in order; the tail is recorded meanwhile', () => {
    const target = new PassThrough();
    const seen = collect(target);
    const tee = teeStderr(target, { hold: true });
    tee.writable.write('WARNING: a\n');
    tee.writable.write("ERROR: Unknown server 'pg'\n");
    expect(seen()).toBe('');
    expect(tee.tail()).toBe("WARNING: a\nERROR: Unknown server 'pg'\n");
    tee.release(true);
    expect(seen()).toBe("WARNING: a\nERROR: Unknown server 'pg'\n");
    tee.writable.write('later\n');
    expect(seen()).toBe("WARNING: a\nERROR: Unknown server 'pg'\nlater\n");
  });

  it('held: release(false) drops what was held; later bytes go out live', () => {
    const target = new PassThrough();
    const seen = collect(target);
    const tee = teeStderr(target, { hold: true });
    tee.writable.write("ERROR: WAL file 'x' not found in server 'pg'\n");
    tee.release(false);
    tee.release(true); // a second release has nothing left to print
    expect(seen()).toBe('');
    tee.writable.write('after\n');
    expect(seen()).toBe('after\n');
  });

  it(`held: beyond ${STDERR_HOLD_BYTES} bytes the hold ends and everything is forwarded live (bounded memory)`, () => {
    const target = new PassThrough();
    const seen = collect(target);
    const tee = teeStderr(target, { hold: true });
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) tee.writable.write(line);
    expect(seen()).toBe('');
    tee.writable.write(line);
    expect(seen().length).toBe(65 * 1024);
    tee.release(false); // too late to drop: it was shown
    expect(seen().length).toBe(65 * 1024);
  });

  it('held then aborted: what came before abort() is shown, what came after is not', () => {
    const target = new PassThrough();
    const seen = collect(target);
    const tee = teeStderr(target, { hold: true });
    tee.writable.write('before\n');
    tee.mute();
    tee.writable.write('ERROR: The operation was aborted\n');
    tee.release(true);
    expect(seen()).toBe('before\n');
  });
});

