// The job a restore hands the prefetch worker: the worker's options and the spool, through JSON.
import { describe, expect, it } from 'vitest';
import type { RestoreOptions } from '../../../../src/restore/args.js';
import { jobCluster, parsePrefetchJob, prefetchJob } from '../../../../src/restore/prefetch/job.js';

const cluster = { systemIdentifier: 7301234567890123456n, dataDir: '/pg/data' };

const options: RestoreOptions = {
  user: 'barman', port: 2222, sleepSeconds: 5, jobs: 8, spoolDir: '/var/tmp/walrestore', partial: true, format: 'gzip',
  config: '/etc/barman.conf', test: false, transport: 'ssh', reuseConnection: 30, barmanHost: 'backup', serverName: 'pg',
  walName: '000000010000000000000010', walDest: '/pg/pg_wal/RECOVERYXLOG',
};

describe('prefetchJob', () => {
  it('carries get-wal\'s, the transport\'s and the window\'s options and the namespace dir, nothing about this one request', () => {
    expect(prefetchJob(options, '/var/tmp/walrestore/ns', cluster)).toEqual({
      config: '/etc/barman.conf', format: 'gzip', partial: true, serverName: 'pg', jobs: 8,
      transport: 'ssh', barmanHost: 'backup', user: 'barman', port: 2222, reuseConnection: 30,
      spoolDir: '/var/tmp/walrestore/ns', systemIdentifier: '7301234567890123456', dataDir: '/pg/data',
    });
  });

  it('survives the trip through the worker\'s command line, unset options included', () => {
    const job = prefetchJob({ ...options, config: undefined, port: undefined, reuseConnection: undefined }, '/spool/ns', cluster);
    expect(parsePrefetchJob(JSON.stringify(job))).toEqual(JSON.parse(JSON.stringify(job)));
  });
});

describe('the recovering cluster in the job (the worker runs in /, without pg_control)', () => {
  it('the identifier travels as a decimal string and comes back as the same 64-bit number, with the data directory', () => {
    const id = 18446744073709551615n;
    const job = parsePrefetchJob(JSON.stringify(prefetchJob(options, '/spool/ns', { systemIdentifier: id, dataDir: '/pg/data' })));
    expect(job.systemIdentifier).toBe('18446744073709551615');
    expect(jobCluster(job)).toEqual({ systemIdentifier: id, dataDir: '/pg/data' });
  });

  it('a job without an identifier or data directory is malformed: a restore without pg_control starts no worker (issue 10)', () => {
    expect(() => parsePrefetchJob('{"spoolDir":"/s","serverName":"pg","jobs":2,"dataDir":"/d"}')).toThrow(/malformed job/);
    expect(() => parsePrefetchJob('{"spoolDir":"/s","serverName":"pg","jobs":2,"systemIdentifier":"42"}')).toThrow(/malformed job/);
    expect(() => parsePrefetchJob('{"spoolDir":"/s","serverName":"pg","jobs":2,"systemIdentifier":"42","dataDir":"d"}')).toThrow(/malformed job/);
    expect(parsePrefetchJob('{"spoolDir":"/s","serverName":"pg","jobs":2,"systemIdentifier":"42","dataDir":"/d"}').dataDir).toBe('/d');
  });

  it('a job whose identifier is not a decimal number is malformed', () => {
    expect(() => parsePrefetchJob('{"spoolDir":"/s","serverName":"pg","jobs":2,"dataDir":"/d","systemIdentifier":"0x1f"}')).toThrow(/malformed job/);
    expect(() => parsePrefetchJob('{"spoolDir":"/s","serverName":"pg","jobs":2,"dataDir":"/d","systemIdentifier":42}')).toThrow(/malformed job/);
  });
});

describe('parsePrefetchJob', () => {
  it('refuses a job without a spool dir, a server name or a window size', () => {
    expect(() => parsePrefetchJob('{"serverName":"pg","jobs":2}')).toThrow(/malformed job/);
    expect(() => parsePrefetchJob('{"spoolDir":"/s","jobs":2}')).toThrow(/malformed job/);
    expect(() => parsePrefetchJob('{"spoolDir":"/s","serverName":"pg"}')).toThrow(/malformed job/);
    expect(() => parsePrefetchJob(undefined)).toThrow();
  });
});
