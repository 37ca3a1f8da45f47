// The spool: namespaced per Barman host and server, and what PostgreSQL can no longer ask for is
// removed. (Claiming a spooled copy: claim.test.ts.)
import { chmod, mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanupSpool, inflightSize, openSpool, SPOOL_MAX_AGE_MS, spoolNamespace, type Spool } from '../../../../src/restore/prefetch/spool.js';
import { tempOwnerPid as tempOwner } from '../../../../src/durable/durable-write.js';
import type { ArchiveHostKey } from '../../../../src/transport/namespace.js';
import { requireWalName } from '../../../../src/wal/name.js';

const key: ArchiveHostKey = { user: 'barman', barmanHost: 'backup.example', port: undefined, config: undefined, serverName: 'pg' };
const cluster = { systemIdentifier: 7301234567890123456n, dataDir: '/srv/pg/node1/data' };
const ns = (over: Partial<ArchiveHostKey> = {}, of = cluster): string => spoolNamespace({ ...key, ...over }, of);
let root = '';
let spool: Spool;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'walship-spool-'));
  spool = await openSpool(join(root, 'spool'), ns());
});

describe('spoolNamespace', () => {
  it('separates servers, hosts, users, ports and configurations', () => {
    const names = new Set([
      ns(),
      ns({ serverName: 'pg2' }),
      ns({ barmanHost: 'other.example' }),
      ns({ user: 'walship' }),
      ns({ port: 2222 }),
      ns({ config: '/etc/barman.conf' }),
    ]);
    expect(names.size).toBe(6);
    expect(ns()).toMatch(/^barman@backup%2Eexample\/pg\.7301234567890123456-[0-9a-f]{8}$/);
  });

  it('separates two data directories of one cluster (same server, same system identifier) and two clusters at one path (issue 10)', () => {
    const names = new Set([
      ns(),
      ns({}, { ...cluster, dataDir: '/srv/pg/node2/data' }),
      ns({}, { ...cluster, systemIdentifier: 7301234567890123457n }),
    ]);
    expect(names.size).toBe(3);
  });

  it('with the local transport names neither an ssh user nor a host: local/<server>[+config] (issue 10)', () => {
    expect(ns({ transport: 'local' })).toMatch(/^local\/pg\.7301234567890123456-[0-9a-f]{8}$/);
    expect(ns({ transport: 'local', config: '/etc/barman.conf' })).toMatch(/^local\/pg\+[0-9a-f]{8}\.7301234567890123456-[0-9a-f]{8}$/);
    expect(ns({ transport: 'local', user: 'x', barmanHost: 'y' })).toBe(ns({ transport: 'local' }));
    expect(ns({ transport: 'local' })).not.toBe(ns());
  });

  it('encodes a host so that it can neither climb out of the spool nor contain a slash', () => {
    for (const host of ['..', '../etc', 'a/b', '.hidden', '[::1]']) {
      const [first, ...rest] = ns({ barmanHost: host }).split('/');
      expect(rest).toEqual([expect.stringMatching(/^pg\./)]);
      expect(first).not.toMatch(/^\.|\//);
    }
  });
});

describe('openSpool', () => {
  it('makes the namespace directory private (0700)', async () => {
    const info = await import('node:fs/promises').then((fs) => fs.stat(spool.dir));
    expect(info.mode & 0o777).toBe(0o700);
  });

  it('refuses a namespace directory that others can write into', async () => {
    await chmod(spool.dir, 0o777);
    await expect(openSpool(join(root, 'spool'), ns())).rejects.toThrow(/closed to others/);
  });

  it('fails for a spool directory that cannot be created', async () => {
    await writeFile(join(root, 'file'), 'x');
    await expect(openSpool(join(root, 'file'), ns())).rejects.toThrow();
  });
});

describe('cleanupSpool', () => {
  it('removes older segments, the requested one and other timelines; keeps later ones', async () => {
    const names = ['00000001000000000000000F', '000000010000000000000010', '000000010000000000000011', '000000010000000100000000', '000000020000000000000012'];
    for (const name of names) await writeFile(join(spool.dir, name), 'x');
    const removed = await cleanupSpool(spool, requireWalName('000000010000000000000010'));
    expect(removed.sort()).toEqual(['00000001000000000000000F', '000000010000000000000010', '000000020000000000000012']);
    expect((await readdir(spool.dir)).sort()).toEqual(['000000010000000000000011', '000000010000000100000000']);
  });

  it('removes later segments left by an earlier recovery', async () => {
    await writeFile(join(spool.dir, '000000010000000000000011'), 'x');
    await writeFile(join(spool.dir, '000000010000000000000012'), 'x');
    const old = new Date(Date.now() - SPOOL_MAX_AGE_MS - 60_000);
    await utimes(join(spool.dir, '000000010000000000000012'), old, old);
    expect(await cleanupSpool(spool, requireWalName('000000010000000000000010'))).toEqual(['000000010000000000000012']);
  });

  it('removes temp files of dead writers and keeps those of live ones and our own files', async () => {
    const dead = `.000000010000000000000011.999999999.abcd.walship-tmp`;
    const live = `.000000010000000000000012.${process.pid}.abcd.walship-tmp`;
    await mkdir(join(root, 'x'));
    for (const name of [dead, live, '.requested', '.prefetch.log']) await writeFile(join(spool.dir, name), 'x');
    expect(await cleanupSpool(spool, requireWalName('000000010000000000000010'))).toEqual([dead]);
    expect((await readdir(spool.dir)).sort()).toEqual([live, '.prefetch.log', '.requested'].sort());
  });

  it('reads the writer pid out of a temp name', () => {
    expect(tempOwner('.000000010000000000000011.4242.1a2b3c4d.walship-tmp')).toBe(4242);
    expect(tempOwner('.RECOVERYXLOG.17.claimed.walship-tmp')).toBe(17);
    expect(tempOwner('000000010000000000000011')).toBeUndefined();
  });
});

describe('inflightSize', () => {
  it('reports the size of a live writer\'s temp file for the name, ignoring dead writers and claims', async () => {
    const name = '000000010000000000000030';
    expect(await inflightSize(spool, name)).toBeUndefined();
    await writeFile(join(spool.dir, `.${name}.999999999.dead.walship-tmp`), Buffer.alloc(50));
    await writeFile(join(spool.dir, `.${name}.${process.pid}.claimed.walship-tmp`), Buffer.alloc(70));
    expect(await inflightSize(spool, name)).toBeUndefined();
    await writeFile(join(spool.dir, `.${name}.${process.pid}.abcd.walship-tmp`), Buffer.alloc(30));
    expect(await inflightSize(spool, name)).toBe(30);
    expect(await inflightSize(spool, '000000010000000000000031')).toBeUndefined();
  });
});
