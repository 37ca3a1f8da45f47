// The one place a remote exit becomes an error: ssh failing is SshConnectError, a refusal RemoteCommandError.
import { describe, expect, it } from 'vitest';
import { RemoteCommandError, SshConnectError } from '../../../src/errors.js';
import { isNotAvailable, notAvailableAnswer, remoteStatus, requireRemoteSuccess } from '../../../src/transport/remote-exit.js';

const words = { unreachable: (detail: string) => `cannot reach h: ${detail}`, failed: (status: number) => `failed with ${status}` };

describe('remoteStatus', () => {
  it("is the remote's status, whatever it is", () => {
    expect(remoteStatus({ status: 0 })).toBe(0);
    expect(remoteStatus({ status: 1 })).toBe(1);
  });

  it('throws SshConnectError for a transport failure, worded by the caller', () => {
    expect(() => remoteStatus({ status: undefined, transportError: 'ssh to h failed (exit 255)' })).toThrow(SshConnectError);
    expect(() => remoteStatus({ status: undefined, transportError: 'x' }, words.unreachable)).toThrow('cannot reach h: x');
  });
});

describe('requireRemoteSuccess', () => {
  it('passes status 0', () => {
    expect(() => requireRemoteSuccess({ status: 0 }, words)).not.toThrow();
  });

  it('throws RemoteCommandError carrying any other status, with the hint for it', () => {
    let error: unknown;
    try {
      requireRemoteSuccess({ status: 127 }, { ...words, hint: (status) => (status === 127 ? 'is it on PATH?' : undefined) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error).toMatchObject({ message: 'failed with 127', status: 127, hint: 'is it on PATH?' });
  });

  it('throws SshConnectError, not RemoteCommandError, when ssh itself failed', () => {
    expect(() => requireRemoteSuccess({ status: undefined, transportError: 'dropped' }, words)).toThrow(SshConnectError);
  });
});

describe("isNotAvailable: get-wal's 'not available' answer, never the status alone (issue 8)", () => {
  const NAME = '000000010000000000000021';
  const notFound = `ERROR: WAL file '${NAME}' not found in server 'pg'`;

  it.each([
    ['walship-server not found', notFound],
    ['Barman 3.4 not found over ssh (client address appended)', `${notFound} (SSH host: 10.0.0.5)`],
    ['unknown server', "ERROR: Unknown server 'pg'"],
  ])('status 1 with %s', (_what, line) => {
    expect(isNotAvailable({ status: 1, stderrTail: `WARNING: x\n${line}\n` }, 'pg', NAME)).toBe(true);
  });

  it.each([
    ['no stderr', { status: 1 }],
    ['a decoding failure (Barman 3.4 exits 1)', { status: 1, stderrTail: 'ERROR: Error decompressing WAL: incorrect data check\n' }],
    ['another WAL name', { status: 1, stderrTail: "ERROR: WAL file '000000010000000000000022' not found in server 'pg'\n" }],
    ['another server', { status: 1, stderrTail: "ERROR: Unknown server 'pg2'\n" }],
    ['the line inside another line', { status: 1, stderrTail: `echo ${notFound}\n` }],
    ['a suffix that is not the ssh address', { status: 1, stderrTail: `${notFound}; and more\n` }],
    ['status 2 with the right line', { status: 2, stderrTail: `${notFound}\n` }],
    ['a transport failure', { status: undefined, transportError: 'x', stderrTail: `${notFound}\n` }],
  ] as const)('not for %s', (_what, exit) => {
    expect(isNotAvailable(exit, 'pg', NAME)).toBe(false);
  });

  it('without a WAL name (--peek, --test) only "unknown server" counts', () => {
    expect(isNotAvailable({ status: 1, stderrTail: "ERROR: Unknown server 'pg'\n" }, 'pg')).toBe(true);
    expect(isNotAvailable({ status: 1, stderrTail: `${notFound}\n` }, 'pg')).toBe(false);
  });
});

describe('notAvailableAnswer: which of the two answers (issue 10: only the routine one is kept out of the log)', () => {
  const NAME = '000000010000000000000021';
  it('names the not-found answer and the unknown-server answer apart', () => {
    expect(notAvailableAnswer({ status: 1, stderrTail: `ERROR: WAL file '${NAME}' not found in server 'pg'\n` }, 'pg', NAME)).toBe('wal-not-found');
    expect(notAvailableAnswer({ status: 1, stderrTail: `ERROR: WAL file '${NAME}' not found in server 'pg' (SSH host: 10.0.0.5)\n` }, 'pg', NAME)).toBe('wal-not-found');
    expect(notAvailableAnswer({ status: 1, stderrTail: "ERROR: Unknown server 'pg'\n" }, 'pg', NAME)).toBe('unknown-server');
    expect(notAvailableAnswer({ status: 1, stderrTail: 'ERROR: Error decompressing WAL\n' }, 'pg', NAME)).toBeUndefined();
    expect(notAvailableAnswer({ status: 2, stderrTail: `ERROR: WAL file '${NAME}' not found in server 'pg'\n` }, 'pg', NAME)).toBeUndefined();
  });
});
