// localTransport's abort reaches the in-process far end: its io.signal aborts, so work the far end
// waits on (an object store's requests) ends with the command, as a killed ssh ends the remote's.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { localTransport, type ServerEntry } from '../../../src/transport/local.js';

describe('localTransport abort', () => {
  it("aborts the far end's signal; a far end that waits on it finishes and done resolves", async () => {
    let seen: AbortSignal | undefined;
    const server: ServerEntry = (_argv, io) => {
      seen = io.signal;
      return new Promise((resolve) => io.signal?.addEventListener('abort', () => resolve(7)));
    };
    const command = localTransport(new PassThrough(), {}, async () => server).run(['get-wal', 'pg']);
    while (seen === undefined) await new Promise((resolve) => setImmediate(resolve));
    expect(seen.aborted).toBe(false);
    command.abort();
    expect(seen.aborted).toBe(true);
    expect((await command.done).status).toBe(7);
  });

  it('a command that finished on its own never sees its signal abort', async () => {
    let seen: AbortSignal | undefined;
    const command = localTransport(new PassThrough(), {}, async () => async (_argv, io) => ((seen = io.signal), 0)).run(['put-wal', 'pg']);
    command.stdout.resume();
    expect((await command.done).status).toBe(0);
    expect(seen?.aborted).toBe(false);
  });
});
