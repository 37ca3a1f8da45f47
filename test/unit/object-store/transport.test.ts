// The object-store transport when the store cannot even be opened: a configuration error is the far
// end's ERROR and exit 2 (as on the sync path), never "could not reach the archive host", and it is
// not kept: the next command opens the store again, so a long-lived agent recovers once it is fixed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectStoreTransport } from '../../../src/object-store/transport.js';
import type { Transport } from '../../../src/transport/transport.js';

const env = { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_REGION: 'us-east-1' };

async function runTest(transport: Transport): Promise<{ status: number | undefined; transportError: string | undefined }> {
  const command = transport.run(['put-wal', 'pg', '--test']);
  command.stdin.end();
  command.stdout.resume();
  const exit = await command.done;
  return { status: exit.status, transportError: exit.transportError };
}

describe('objectStoreTransport with a configuration error', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'walship-os-transport-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a --ca-file with no PEM certificate: exit 2 with the ERROR and HINT; opened again by the next command', async () => {
    const caFile = join(dir, 'ca.der');
    await writeFile(caFile, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    let said = '';
    const stderr = new PassThrough().on('data', (chunk: Buffer) => (said += chunk.toString()));
    const transport = objectStoreTransport('s3://walship/pg15', { endpointUrl: 'http://127.0.0.1:9', caFile }, stderr, env);
    expect(await runTest(transport)).toEqual({ status: 2, transportError: undefined });
    expect(said).toMatch(/^ERROR: the CA file .*ca\.der holds no PEM certificate/m);
    expect(said).toMatch(/^HINT: --ca-file takes PEM/m);
    await rm(caFile);
    said = '';
    expect(await runTest(transport)).toEqual({ status: 2, transportError: undefined });
    expect(said).toMatch(/^ERROR: cannot read the CA file /m);
    await transport.close();
  });
});
