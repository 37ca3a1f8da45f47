// One test per row of walship-safe-dir's exit tables, run through safeDirMain as the executable would.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeDirMain } from '../../../src/safe-dir/cli.js';
import { entries, makeSafeDir, memoryIO, uid } from './helpers.js';

const SEG = '00000001000000000000000C';
const who = { uid, home: '/nonexistent-home' };

/** A PATH whose only `ssh` is a fixture script with the given body (it records each call first). */
function fixtureSsh(parent: string, body: string): { path: string; calls: string } {
  const bin = join(parent, 'bin');
  mkdirSync(bin, { recursive: true });
  const calls = join(parent, 'ssh-calls');
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${calls}'\n${body}\n`);
  chmodSync(join(bin, 'ssh'), 0o755);
  return { path: `${bin}:/usr/bin:/bin`, calls };
}

const hookEnv = (path: string, segment = SEG): NodeJS.ProcessEnv => ({ PATH: path, BARMAN_HOOK: 'archive_retry_script', BARMAN_PHASE: 'post', BARMAN_SEGMENT: segment, BARMAN_ERROR: '' });

describe('walship-safe-dir check exit statuses', () => {
  it('0: marker taken', async () => {
    const { dir } = makeSafeDir();
    writeFileSync(join(dir, `${SEG}.done`), '');
    const io = memoryIO();
    expect(await safeDirMain(['check', '--dir', dir, SEG], io, who)).toBe(0);
    expect(io.err()).toBe('');
  });

  it('1: not yet, with one WAITING line', async () => {
    const { dir } = makeSafeDir();
    const io = memoryIO();
    expect(await safeDirMain(['check', '--dir', dir, '--wait', '0.2', SEG], io, who)).toBe(1);
    expect(io.err()).toBe(`WAITING: ${SEG} is not confirmed archived by Barman yet: no ${dir}/${SEG}.done after 0.2 s\n`);
  });

  it.each([[['check']], [['check', '--wait', 'x', SEG]], [['check', '--wait', '-1', SEG]], [['check', SEG, 'extra']], [['check', '--bogus', SEG]], [['nosuch']], [[]]])(
    '2: usage error for %j',
    async (argv) => {
      const io = memoryIO();
      expect(await safeDirMain(argv, io, who)).toBe(2);
    },
  );

  it('3: invalid WAL name', async () => {
    const { dir } = makeSafeDir();
    const io = memoryIO();
    expect(await safeDirMain(['check', '--dir', dir, 'x;id'], io, who)).toBe(3);
    expect(io.err()).toBe('ERROR: "x;id" is not a valid WAL file name (%f)\n');
  });

  it('4: safe dir refused', async () => {
    const { dir } = makeSafeDir();
    chmodSync(dir, 0o755);
    const io = memoryIO();
    expect(await safeDirMain(['check', '--dir', dir, SEG], io, who)).toBe(4);
    expect(io.err()).toBe(`ERROR: safe dir ${dir} has mode 0755, not 0700\nHINT: chmod 0700 ${dir}\n`);
  });

  it('uses $WALSHIP_SAFE_DIR, then ~/.wal_safe_dir of the running user', async () => {
    const { parent, dir } = makeSafeDir();
    writeFileSync(join(dir, `${SEG}.done`), '');
    expect(await safeDirMain(['check', SEG], memoryIO({ WALSHIP_SAFE_DIR: dir }), who)).toBe(0);
    const home = { uid, home: parent };
    const io = memoryIO();
    expect(await safeDirMain(['check', SEG], io, home)).toBe(4);
    expect(io.err()).toContain(`safe dir ${parent}/.wal_safe_dir does not exist`);
  });
});

describe('walship-safe-dir mark and sweep exit statuses', () => {
  it('mark: 0 marked, 3 invalid name, 2 for a .partial, 4 safe dir refused', async () => {
    const { dir } = makeSafeDir();
    expect(await safeDirMain(['mark', '--dir', dir, SEG], memoryIO(), who)).toBe(0);
    expect(entries(dir)).toEqual([`${SEG}.done`]);
    expect(await safeDirMain(['mark', '--dir', dir, '../x'], memoryIO(), who)).toBe(3);
    expect(await safeDirMain(['mark', '--dir', dir, `${SEG}.partial`], memoryIO(), who)).toBe(2);
    expect(await safeDirMain(['mark', '--dir', `${dir}/nope`, SEG], memoryIO(), who)).toBe(4);
    expect(entries(dir)).toEqual([`${SEG}.done`]);
  });

  it('sweep: 2 without a data directory, 0 with one, printing what it removes', async () => {
    const { parent, dir } = makeSafeDir();
    expect(await safeDirMain(['sweep', '--dir', dir], memoryIO(), who)).toBe(2);
    mkdirSync(join(parent, 'data', 'pg_wal', 'archive_status'), { recursive: true });
    writeFileSync(join(dir, `${SEG}.done`), '');
    const dry = memoryIO();
    expect(await safeDirMain(['sweep', '--dir', dir, '--dry-run'], { ...dry, env: { PGDATA: join(parent, 'data') } }, who)).toBe(0);
    expect(dry.out()).toBe(`would remove ${SEG}.done: ${SEG} is no longer in ${parent}/data/pg_wal\n`);
    const io = memoryIO();
    expect(await safeDirMain(['sweep', '--dir', dir, '--pgdata', join(parent, 'data')], io, who)).toBe(0);
    expect(io.out()).toBe(`removed ${SEG}.done: ${SEG} is no longer in ${parent}/data/pg_wal\n`);
    expect(entries(dir)).toEqual([]);
  });
});

describe('walship-safe-dir notify exit statuses (ssh is a fixture on PATH)', () => {
  it('0: the remote mark succeeded; ssh got the fixed, quoted command line', async () => {
    const { parent } = makeSafeDir();
    const ssh = fixtureSsh(parent, 'exit 0');
    const io = memoryIO(hookEnv(ssh.path));
    expect(await safeDirMain(['notify', '--host', 'pg1', '--dir', '/srv/safe'], io, who)).toBe(0);
    expect(io.err()).toBe(`marked ${SEG} safe on postgres@pg1\n`);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(ssh.calls, 'utf8')).toBe(`-T -o BatchMode=yes -o ConnectTimeout=10 postgres@pg1 walship-safe-dir mark --dir /srv/safe -- ${SEG}\n`);
  });

  it('0: nothing to do in the pre phase, and ssh is not run', async () => {
    const { parent } = makeSafeDir();
    const ssh = fixtureSsh(parent, 'exit 0');
    expect(await safeDirMain(['notify', '--host', 'pg1'], memoryIO({ ...hookEnv(ssh.path), BARMAN_PHASE: 'pre' }), who)).toBe(0);
    expect(existsSync(ssh.calls)).toBe(false);
  });

  it('1: ssh failed (255)', async () => {
    const { parent } = makeSafeDir();
    const ssh = fixtureSsh(parent, 'echo "ssh: connect to host pg1 port 22: Connection refused" >&2; exit 255');
    const io = memoryIO(hookEnv(ssh.path));
    expect(await safeDirMain(['notify', '--host', 'pg1'], io, who)).toBe(1);
    expect(io.err()).toBe('ssh: connect to host pg1 port 22: Connection refused\nERROR: ssh to postgres@pg1 failed (exit 255)\n');
  });

  it('1: ssh cannot be started', async () => {
    const { parent } = makeSafeDir();
    const io = memoryIO(hookEnv(join(parent, 'empty-path')));
    expect(await safeDirMain(['notify', '--host', 'pg1'], io, who)).toBe(1);
    expect(io.err()).toMatch(/^ERROR: cannot run ssh: /);
  });

  it('2: no host configured (Barman retries until the operator fixes it)', async () => {
    const { parent } = makeSafeDir();
    const ssh = fixtureSsh(parent, 'exit 0');
    expect(await safeDirMain(['notify'], memoryIO(hookEnv(ssh.path)), who)).toBe(2);
    expect(existsSync(ssh.calls)).toBe(false);
  });

  it('3: the remote mark refused, with a hint when it was not found', async () => {
    const { parent } = makeSafeDir();
    const refused = fixtureSsh(parent, 'echo "ERROR: safe dir /x does not exist" >&2; exit 4');
    const io = memoryIO(hookEnv(refused.path));
    expect(await safeDirMain(['notify', '--host', 'pg1'], io, who)).toBe(3);
    expect(io.err()).toBe(`ERROR: safe dir /x does not exist\nERROR: mark ${SEG} on postgres@pg1 failed with exit status 4\n`);
    const missing = fixtureSsh(join(parent, 'other'), 'exit 127');
    const io2 = memoryIO(hookEnv(missing.path));
    expect(await safeDirMain(['notify', '--host', 'pg1'], io2, who)).toBe(3);
    expect(io2.err()).toContain('HINT: is walship-safe-dir on postgres@pg1\'s PATH? otherwise pass --remote-command /path/to/walship-safe-dir');
  });

  it('62: invalid BARMAN_SEGMENT is answered before anything else, and ssh is never run', async () => {
    const { parent } = makeSafeDir();
    const ssh = fixtureSsh(parent, 'exit 0');
    const io = memoryIO(hookEnv(ssh.path, '$(touch /tmp/pwned)'));
    expect(await safeDirMain(['notify'], io, who)).toBe(62);
    expect(io.err()).toBe('ERROR: BARMAN_SEGMENT "$(touch /tmp/pwned)" is not a WAL file name; no marker created\n');
    expect(existsSync(ssh.calls)).toBe(false);
  });

  it('62: Barman reports the archiving failed', async () => {
    const { parent } = makeSafeDir();
    const ssh = fixtureSsh(parent, 'exit 0');
    const io = memoryIO({ ...hookEnv(ssh.path), BARMAN_ERROR: 'disk full' });
    expect(await safeDirMain(['notify', '--host', 'pg1'], io, who)).toBe(62);
    expect(existsSync(ssh.calls)).toBe(false);
  });
});
