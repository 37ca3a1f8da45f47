// The TLS side of the store's HTTP agents: what --ca-file accepts, and the hint a refused certificate gets.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ObjectStoreConfigError } from '../../../src/errors.js';
import { certificateHint, createAgents } from '../../../src/object-store/http.js';

/** A self-signed P-256 CA certificate (openssl req -x509); only its parsing matters here, not its dates. */
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUX3qa9vmfS/0HyTwnw2Nf7HcCMkUwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUd2Fsc2hpcCB1bml0IHRlc3QgQ0EwHhcNMjYxMTI5MTgxMzMy
WhcNMjYxMTMwMTgxMzMyWjAfMR0wGwYDVQQDDBR3YWxzaGlwIHVuaXQgdGVzdCBD
QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABN+Ui/2SbDYL3eCNQkw6tdH0pHX1
QEuLZGxyGvx6HJGqDqzCVhyVVQkvVchDBDEYZKxH9S/+EkZxuJH6o92OO8mjUzBR
MB0GA1UdDgQWBBRGd+WTa6D8OojwYbwKEwy9B8dX/DAfBgNVHSMEGDAWgBRGd+WT
a6D8OojwYbwKEwy9B8dX/DAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCICIw7iXm6GejWT0TOUHPrAkAL0EUgyyWmqLFNO5DCv9/AiEAxcLghKAlDBet
Y01owgRPXQLz6vgO7r8bVzRlZDt61EM=
-----END CERTIFICATE-----
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'walship-ca-'));
});

/** Writes `text` as <dir>/<name> and tries to build the agents with it as --ca-file. */
async function agentsWith(name: string, text: string | Buffer): Promise<unknown> {
  await writeFile(join(dir, name), text);
  try {
    createAgents(join(dir, name)).close();
    return 'ok';
  } catch (error) {
    return error;
  }
}

describe('--ca-file', () => {
  it('a PEM bundle of certificates is accepted, with text around the blocks', async () => {
    expect(await agentsWith('bundle.pem', `# private CA\n${CA_PEM}\n${CA_PEM}`)).toBe('ok');
  });

  it('a missing file is a configuration error naming the file', () => {
    expect(() => createAgents(join(dir, 'absent.pem'))).toThrow(ObjectStoreConfigError);
    expect(() => createAgents(join(dir, 'absent.pem'))).toThrow(/^cannot read the CA file .*absent\.pem: ENOENT/);
  });

  it('a file with no PEM block (DER, or anything else) is refused with a hint to convert it, not silently ignored', async () => {
    const der = Buffer.from(CA_PEM.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const error = await agentsWith('ca.der', der);
    expect(error).toBeInstanceOf(ObjectStoreConfigError);
    expect((error as ObjectStoreConfigError).message).toMatch(/ca\.der holds no PEM certificate/);
    expect((error as ObjectStoreConfigError).hint).toMatch(/openssl x509 -inform der -in \S+ca\.der -out ca\.pem/);
  });

  it('a PEM block that does not parse as a certificate is refused', async () => {
    const error = await agentsWith('broken.pem', `${CA_PEM}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    expect(error).toBeInstanceOf(ObjectStoreConfigError);
    expect((error as Error).message).toMatch(/broken\.pem holds a certificate that does not parse/);
  });
});

describe('certificateHint', () => {
  const url = new URL('https://127.0.0.1:9443/bucket/key');
  const failure = (code: string): Error => Object.assign(new Error('x'), { code });

  it('names the endpoint and --ca-file for a verification failure or a host-name mismatch', () => {
    expect(certificateHint(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), url)).toBe(
      "the certificate of 127.0.0.1:9443 failed verification (UNABLE_TO_VERIFY_LEAF_SIGNATURE); for a store with a private CA, pass the CA's PEM file with --ca-file",
    );
    expect(certificateHint(failure('ERR_TLS_CERT_ALTNAME_INVALID'), url)).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
    expect(certificateHint(failure('CERT_HAS_EXPIRED'), url)).toMatch(/CERT_HAS_EXPIRED/);
  });

  it('gives no hint for failures that are not about a certificate', () => {
    expect(certificateHint(failure('ECONNREFUSED'), url)).toBeUndefined();
    expect(certificateHint(new Error('socket hang up'), url)).toBeUndefined();
  });
});
