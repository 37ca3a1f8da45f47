// The object-store transport's far end runs in this process: aborting a command, or closing the
// transport, must end the store request that far end has on the wire, as killing ssh ends a remote
// barman's session. Otherwise an agent stopping while the store hangs waits out 60 s per attempt.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectStoreTransport } from '../../../src/object-store/transport.js';
import type { Transport } from '../../../src/transport/transport.js';
import { requestsArrived, startStore, stopStore, type Store } from './silent-store.js';

const env = { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_REGION: 'us-east-1' };
/** Far below the 60 s request timeout the store would otherwise be waited for. */
const PROMPT_MS = 5_000;
const GET_WAL = ['get-wal', 'pg', '000000010000000000000001'];

let store: Store;
let transport: Transport;
let said: string;
beforeEach(async () => {
  store = await startStore();
  said = '';
  const stderr = new PassThrough().on('data', (chunk: Buffer) => (said += chunk.toString()));
  transport = objectStoreTransport('s3://walship/pg15', { endpointUrl: store.url }, stderr, env);
});
afterEach(async () => {
  await transport.close();
  await stopStore(store);
});

describe('objectStoreTransport with a store that never answers', () => {
  it("abort() ends the far end's pending LIST at once: a transport failure, no retry, nothing on stderr", async () => {
    const command = transport.run(GET_WAL);
    command.stdin.end();
    command.stdout.on('error', () => undefined).resume();
    await requestsArrived(store, 1);
    const start = Date.now();
    command.abort();
    const exit = await command.done;
    expect(Date.now() - start).toBeLessThan(PROMPT_MS);
    expect(exit.status).toBeUndefined();
    expect(exit.transportError).toMatch(/^object store s3:\/\/walship\/pg15: GET s3:\/\/walship\/\S*: cancelled$/);
    expect(said).toBe('');
    expect(store.requests).toHaveLength(1);
  });

  it("close() ends every command's pending request, and a command after it opens a new client", async () => {
    const commands = [transport.run(GET_WAL), transport.run(['put-wal', 'pg', '--test'])];
    for (const command of commands) command.stdin.end(), command.stdout.resume();
    await requestsArrived(store, 2);
    await transport.close();
    for (const command of commands) expect((await command.done).transportError).toMatch(/: cancelled$/);
    const again = transport.run(GET_WAL);
    again.stdin.end();
    again.stdout.on('error', () => undefined).resume();
    await requestsArrived(store, 3);
    again.abort();
    expect((await again.done).transportError).toMatch(/: cancelled$/);
  });
});
