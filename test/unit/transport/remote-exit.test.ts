// The one place a remote exit becomes an error: ssh failing is SshConnectError, a refusal RemoteCommandError.
import { describe, expect, it } from 'vitest';
import { RemoteCommandError, SshConnectError } from '../../../src/errors.js';
import { remoteStatus, requireRemoteSuccess } from '../../../src/transport/remote-exit.js';

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
