// The agent's abort of a fetch whose far end runs in this process (an s3:// target, or --transport
// local) behind the serve fallback's deferred command: `done` settles and nothing stays in tmp/.
// Regression (issue 13): the far end's stdout closed without 'end', the copy waited for more bytes
// forever, and the agent's stop() hung until Node's event loop emptied under it.
import { readdir } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TMP_DIR } from '../../../../src/agent/layout.js';
import { slotDirPath } from '../../../../src/agent/slot.js';
import { startFetch } from '../../../../src/restore/agent/fetch-one.js';
import { sessionTransport } from '../../../../src/serve/session-transport.js';
import { localTransport } from '../../../../src/transport/local.js';
import { requireWalName } from '../../../../src/wal/name.js';
import { makeDataDir } from './data-dir.js';

const call = { config: undefined, format: 'plain' as const, partial: false, serverName: 'pg' };

describe('startFetch().abort() against an in-process far end that refuses serve', () => {
  it('settles done as aborted mid-stream, and leaves no temp file', async () => {
    const { slot } = await makeDataDir();
    let sending = false;
    // Refuses `serve` (exit 2, as real Barman and the s3:// far end do); get-wal sends a first chunk, then nothing more.
    const base = localTransport(new PassThrough(), {}, async () => async (argv, io) => {
      if (!argv.includes('get-wal')) return 2;
      io.stdout.write(Buffer.alloc(8192, 1));
      sending = true;
      await new Promise((resolve) => io.stdout.once('close', resolve));
      return 2;
    });
    const transport = sessionTransport({ base, serverName: 'pg', config: undefined, lanes: 2, stderr: new PassThrough(), log: () => undefined });
    const fetch = startFetch(transport, call, slot, requireWalName('000000010000000000000030'));
    while (!sending) await delay(5);
    fetch.abort();
    const outcome = await fetch.done;
    expect(fetch.aborted).toBe(true);
    expect(outcome.kind).toBe('failed');
    expect(await readdir(slotDirPath(slot, TMP_DIR))).toEqual([]);
    await transport.close();
  });
});
