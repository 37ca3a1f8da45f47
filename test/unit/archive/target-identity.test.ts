// What shipped/ records are keyed by for an s3:// target: the bucket and prefix as parsed, case kept,
// and the endpoint the store answers at, so an ack for one store is never taken for another.
import { describe, expect, it } from 'vitest';
import { targetHash } from '../../../src/agent/target-key.js';
import { parseArchiveArgs, targetIdentityOf } from '../../../src/archive/options.js';

const hashOf = (argv: string[], env: NodeJS.ProcessEnv = {}): string =>
  targetHash(targetIdentityOf(parseArchiveArgs(argv, { stdout: process.stdout }, { walPathRequired: false })!, env));

describe('targetIdentityOf + targetHash for s3://', () => {
  const at = (endpoint: string, target = 's3://walship/pg15'): string[] => ['--async', '--endpoint-url', endpoint, target, 'pg'];

  it('names the endpoint, however it was given', () => {
    const identity = targetIdentityOf(parseArchiveArgs(at('http://127.0.0.1:7480'), { stdout: process.stdout }, { walPathRequired: false })!, {});
    expect(identity).toMatchObject({ barmanHost: 's3://walship/pg15', endpoint: 'http://127.0.0.1:7480/' });
    expect(hashOf(at('http://127.0.0.1:7480'))).toBe(hashOf(['--async', 's3://walship/pg15', 'pg'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:7480' }));
  });

  it('another endpoint with the same bucket and prefix is another target', () => {
    expect(hashOf(at('http://127.0.0.1:7480'))).not.toBe(hashOf(at('http://127.0.0.1:7481')));
    expect(hashOf(['--async', 's3://walship/pg15', 'pg'], { AWS_REGION: 'eu-west-1' })).not.toBe(hashOf(['--async', 's3://walship/pg15', 'pg'], { AWS_REGION: 'us-east-1' }));
  });

  it('keeps the prefix\'s case (S3 keys are case-sensitive), and a trailing slash names the same prefix', () => {
    expect(hashOf(at('http://s3.local', 's3://walship/PG15'))).not.toBe(hashOf(at('http://s3.local', 's3://walship/pg15')));
    expect(hashOf(at('http://s3.local', 's3://walship/pg15/'))).toBe(hashOf(at('http://s3.local', 's3://walship/pg15')));
  });

  it('an ssh user or port means nothing to a bucket; the server name does', () => {
    expect(hashOf(['-U', 'someone', ...at('http://s3.local')])).toBe(hashOf(at('http://s3.local')));
    expect(hashOf(['--async', '--endpoint-url', 'http://s3.local', 's3://walship/pg15', 'other'])).not.toBe(hashOf(at('http://s3.local')));
  });

  it('an ssh host still has its case folded', () => {
    expect(hashOf(['--async', 'Backup.Example', 'pg'])).toBe(hashOf(['--async', 'backup.example', 'pg']));
  });
});
