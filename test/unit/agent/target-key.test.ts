// The TARGET KEY is a plain space join that sh can rebuild; any argument that could make it ambiguous turns it off.
import { describe, expect, it } from 'vitest';
import { archiveTargetKey, restoreTargetKey, targetHash, targetKey, type TargetIdentity } from '../../../src/agent/target-key.js';

describe('target key', () => {
  it('joins the arguments by single spaces', () => {
    expect(targetKey(['--async', '-U', 'barman', 'backup', 'pg'], {})).toBe('--async -U barman backup pg');
  });

  it('leaves out WAL_PATH (archive) and WAL_NAME, WAL_DEST (restore)', () => {
    expect(archiveTargetKey(['--async', 'backup', 'pg', 'pg_wal/000000010000000000000001'], {})).toBe('--async backup pg');
    expect(restoreTargetKey(['--async', 'backup', 'pg', '000000010000000000000001', 'pg_wal/RECOVERYXLOG'], {})).toBe('--async backup pg');
    expect(archiveTargetKey([], {})).toBeUndefined();
    expect(restoreTargetKey(['x'], {})).toBeUndefined();
  });

  it.each([['empty', ''], ['space', 'a b'], ['tab', 'a\tb'], ['newline', 'a\nb'], ['backslash', 'a\\b']])(
    'is undefined when an argument holds %s', (_what, arg) => {
      expect(targetKey(['--async', arg, 'pg'], {})).toBeUndefined();
    });

  it('with an s3:// argument, appends the endpoint and region variables (unset and empty alike), and is off for one with a newline', () => {
    expect(targetKey(['--async', 's3://b/p', 'pg'], { AWS_ENDPOINT_URL: 'https://s3.example.net', AWS_REGION: 'eu-1', HOME: '/x' }))
      .toBe('--async s3://b/p pg env=,https://s3.example.net,eu-1,');
    expect(targetKey(['--async', 's3://b/p', 'pg'], {})).toBe('--async s3://b/p pg env=,,,');
    expect(targetKey(['--async', 'backup', 'pg'], { AWS_ENDPOINT_URL: 'https://s3.example.net' })).toBe('--async backup pg');
    expect(targetKey(['--async', 's3://b/p', 'pg'], { AWS_REGION: 'a\nb' })).toBeUndefined();
  });

  it('keeps quotes, globs and dollars as plain characters (sh compares strings, never evaluates them)', () => {
    expect(targetKey(['-c', "/etc/b'a\"r$x*.conf"], {})).toBe("-c /etc/b'a\"r$x*.conf");
  });
});

describe('target hash', () => {
  const base: TargetIdentity = { user: 'barman', barmanHost: 'Backup.Example', port: undefined, config: undefined, serverName: 'pg', checksum: 'sha256', compression: undefined };

  it('is 64 hex characters and ignores host case and an explicit default port', () => {
    expect(targetHash(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(targetHash({ ...base, barmanHost: 'backup.example', port: 22 })).toBe(targetHash(base));
  });

  it('changes with every field that changes what the archive holds', () => {
    const variants: Partial<TargetIdentity>[] = [
      { user: 'other' }, { port: 2222 }, { config: '/etc/barman.conf' }, { serverName: 'pg2' }, { checksum: 'md5' }, { compression: 'gzip' },
    ];
    const hashes = new Set([targetHash(base), ...variants.map((v) => targetHash({ ...base, ...v }))]);
    expect(hashes.size).toBe(variants.length + 1);
  });
});
