// Choosing the transport: --transport ssh|local, and the local one running the server entry point it is given.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTransport, parseTransportKind } from '../../../src/transport/select.js';

describe('--transport', () => {
  it('accepts ssh and local only', () => {
    expect(parseTransportKind('ssh')).toBe('ssh');
    expect(parseTransportKind('local')).toBe('local');
    expect(() => parseTransportKind('rsh')).toThrow(/--transport must be 'ssh' or 'local'/);
  });
});

describe('createTransport', () => {
  const choice = { host: 'backup', user: 'barman', stderr: new PassThrough(), env: {} };

  it('runs the server entry point handed to it for --transport local, with the argv the client built', async () => {
    const seen: string[][] = [];
    const transport = createTransport({ ...choice, kind: 'local', localServer: async () => async (argv) => (seen.push(argv), 7) });
    const remote = transport.run(['put-wal', 'pg']);
    remote.stdin.end();
    expect(await remote.done).toEqual({ status: 7 });
    expect(seen).toEqual([['put-wal', 'pg']]);
    expect(transport.label).toBe('local');
  });

  it('never loads the server for ssh', () => {
    const transport = createTransport({ ...choice, kind: 'ssh', localServer: () => Promise.reject(new Error('loaded')) });
    expect(transport.label).toBe('barman@backup');
  });
});
