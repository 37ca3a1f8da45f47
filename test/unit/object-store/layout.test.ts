// barman-cloud's key layout, the s3:// target syntax and the retry rules, without a store.
import { describe, expect, it } from 'vitest';
import { compressionOfKey, duplicateKey, identityKey, walKey, walKeyStem } from '../../../src/object-store/layout.js';
import { backoffDelay, DEFAULT_RETRY, isRetryableNetworkError, isRetryableStatus } from '../../../src/object-store/retry.js';
import { objectUrl, parseStoreUrl, resolveEndpoint } from '../../../src/object-store/target.js';
import { requireWalName } from '../../../src/wal/name.js';

const at = { bucket: 'b1x', prefix: 'base/dir' };

describe('layout (barman-cloud)', () => {
  it('segments, .partial and .backup go under the 16-hex hash dir; history at wals/', () => {
    expect(walKey(at, 'pg', requireWalName('000000010000000200000003'), 'gzip')).toBe('base/dir/pg/wals/0000000100000002/000000010000000200000003.gz');
    expect(walKey(at, 'pg', requireWalName('000000010000000200000003.partial'), 'none')).toBe('base/dir/pg/wals/0000000100000002/000000010000000200000003.partial');
    expect(walKey(at, 'pg', requireWalName('00000002.history'), 'bzip2')).toBe('base/dir/pg/wals/00000002.history.bz2');
    expect(walKey({ bucket: 'b1x', prefix: '' }, 'pg', requireWalName('00000002.history'), 'none')).toBe('pg/wals/00000002.history');
  });

  it('the suffix alone tells the compression; a .backup beside a segment is another file', () => {
    const stem = walKeyStem(at, 'pg', requireWalName('000000010000000200000003'));
    expect(compressionOfKey(`${stem}.zst`, stem)).toBe('zstd');
    expect(compressionOfKey(`${stem}.lz4`, stem)).toBe('lz4');
    expect(compressionOfKey(`${stem}.snappy`, stem)).toBe('snappy');
    expect(compressionOfKey(stem, stem)).toBe('none');
    expect(compressionOfKey(`${stem}.00000028.backup`, stem)).toBeUndefined();
    expect(compressionOfKey(`${stem}.partial`, stem)).toBeUndefined();
  });

  it('duplicates and the identity record sit beside wals/', () => {
    expect(duplicateKey(at, 'pg', '00000002.history', new Date('2026-01-02T03:04:05.678Z'))).toBe('base/dir/pg/errors/00000002.history.20260102T030405Z.duplicate');
    expect(identityKey(at, 'pg')).toBe('base/dir/pg/walship-system-identifier');
  });
});

describe('target', () => {
  it('parses s3://BUCKET/PREFIX, trimming slashes', () => {
    expect(parseStoreUrl('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseStoreUrl('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
  });

  it.each(['s3://B', 's3://ab', 's3://a_b/x', 's3://bucket/a/../b', 's3://bucket/a//b', 's3://bucket@evil/x'])('refuses %s', (url) => {
    expect(() => parseStoreUrl(url)).toThrow(/bucket name|prefix/);
  });

  it('path-style for a given endpoint, virtual-hosted for AWS', () => {
    expect(objectUrl(resolveEndpoint('http://127.0.0.1:7480', {}), 'bkt', 'p/k 1').href).toBe('http://127.0.0.1:7480/bkt/p/k%201');
    const aws = resolveEndpoint(undefined, { AWS_REGION: 'eu-west-3' });
    expect(objectUrl(aws, 'bkt', 'p/k').href).toBe('https://bkt.s3.eu-west-3.amazonaws.com/p/k');
    expect(resolveEndpoint(undefined, { AWS_ENDPOINT_URL: 'https://s3.example.net' }).url.host).toBe('s3.example.net');
    expect(() => resolveEndpoint('ftp://x', {})).toThrow(/http/);
  });
});

describe('retry', () => {
  it('retries throttling, 5xx and dropped connections; never a plain 4xx', () => {
    expect(isRetryableStatus(503, 'SlowDown')).toBe(true);
    expect(isRetryableStatus(500, undefined)).toBe(true);
    expect(isRetryableStatus(400, 'RequestTimeout')).toBe(true);
    expect(isRetryableStatus(403, 'AccessDenied')).toBe(false);
    expect(isRetryableStatus(404, 'NoSuchKey')).toBe(false);
    expect(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableNetworkError(new Error('socket hang up'))).toBe(true);
    expect(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }))).toBe(false);
  });

  it('backs off exponentially with equal jitter (half fixed, half random), capped', () => {
    expect(backoffDelay(DEFAULT_RETRY, 0, () => 1)).toBe(200);
    expect(backoffDelay(DEFAULT_RETRY, 3, () => 1)).toBe(1600);
    expect(backoffDelay(DEFAULT_RETRY, 10, () => 1)).toBe(2000);
    expect(backoffDelay(DEFAULT_RETRY, 3, () => 0)).toBe(800);
    expect(backoffDelay(DEFAULT_RETRY, 10, () => 0)).toBe(1000);
  });

  it('the default retries wait 1.5 s at the least and 3 s at the most in all, whatever the jitter draws', () => {
    const pauses = (random: () => number): number[] => Array.from({ length: DEFAULT_RETRY.attempts - 1 }, (_, attempt) => backoffDelay(DEFAULT_RETRY, attempt, random));
    const total = (random: () => number): number => pauses(random).reduce((sum, pause) => sum + pause, 0);
    expect(total(() => 0)).toBe(1500);
    expect(total(() => 1)).toBe(3000);
  });
});
