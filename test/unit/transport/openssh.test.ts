// The OpenSSH transport: what goes on ssh's command line, and how ssh's exit becomes a RemoteExit.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { barmanCommand } from '../../../src/transport/barman-command.js';
import { openSshTransport, sshArgvFor, validateSshTarget } from '../../../src/transport/openssh.js';

const FAKE_SSH = fileURLToPath(new URL('../../fixtures/archive/fake-ssh', import.meta.url));

describe('validateSshTarget', () => {
  it('rejects a host that ssh would read as an option (-oProxyCommand=…)', () => {
    expect(() => validateSshTarget('-oProxyCommand=x', 'barman', undefined)).toThrow(UsageError);
    expect(() => validateSshTarget('-oProxyCommand=touch /tmp/x', 'barman', undefined)).toThrow(/invalid BARMAN_HOST/);
    expect(() => validateSshTarget('-p', 'barman', undefined)).toThrow(UsageError);
  });

  it('rejects hosts with shell or ssh meta characters', () => {
    for (const host of ['host;id', 'a b', 'host\nx', '$(id)', 'user@host', '', 'h`id`', "h'"]) {
      expect(() => validateSshTarget(host, 'barman', undefined), JSON.stringify(host)).toThrow(UsageError);
    }
  });

  it('rejects users that ssh would read as an option or that are not names', () => {
    for (const user of ['-oProxyCommand=x', 'a b', 'a@b', '', 'a;b', '$(id)']) {
      expect(() => validateSshTarget('backup', user, undefined), JSON.stringify(user)).toThrow(/invalid ssh user/);
    }
  });

  it('rejects ports outside 1..65535', () => {
    for (const port of [0, 65536, -1, 1.5]) expect(() => validateSshTarget('backup', 'barman', port)).toThrow(/invalid port/);
  });

  it('accepts host names, Host aliases, IPv4 and IPv6 addresses, and Barman-style users', () => {
    for (const host of ['backup', 'backup.example.com', 'walship-sshd-2222', '127.0.0.1', '::1', 'fe80::1%eth0']) {
      expect(() => validateSshTarget(host, 'barman', 22), host).not.toThrow();
    }
    expect(() => validateSshTarget('backup', 'walship-bm', 65535)).not.toThrow();
  });
});

describe('sshArgvFor a barman command (what openSshTransport runs)', () => {
  it('is barman-cli\'s command: [-p PORT] -q -T, BatchMode, USER@HOST, then one quoted remote command line', () => {
    const argv = sshArgvFor({ host: 'backup', user: 'barman', port: 2222 }, barmanCommand(['--config=/etc/barman.conf', 'put-wal', 'pg']));
    expect(argv).toEqual(['-p', '2222', '-q', '-T', '-o', 'BatchMode=yes', 'barman@backup', 'barman --config=/etc/barman.conf put-wal pg']);
  });

  it('quotes a config path with spaces and quotes into the single remote command argument', () => {
    const argv = sshArgvFor({ host: 'backup', user: 'barman' }, barmanCommand(["--config=/etc/my barman's.conf", 'put-wal', 'pg']));
    expect(argv.at(-1)).toBe(`barman '--config=/etc/my barman'\\''s.conf' put-wal pg`);
    expect(argv).not.toContain('-p');
  });

  it('refuses to build a command line for a host that looks like an option', () => {
    expect(() => sshArgvFor({ host: '-oProxyCommand=x', user: 'barman' }, barmanCommand(['put-wal', 'pg']))).toThrow(UsageError);
  });
});

const restoreEnv = (key: string, value: string | undefined): void => {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
};

describe('openSshTransport with a stand-in ssh', () => {
  const runWith = async (mode: string, input: Buffer): Promise<{ exit: unknown; stdout: string; argv: string[] }> => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-ssh-'));
    const argvFile = join(dir, 'argv');
    const previous = { mode: process.env.FAKE_SSH_MODE, argv: process.env.FAKE_SSH_ARGV };
    process.env.FAKE_SSH_MODE = mode;
    process.env.FAKE_SSH_ARGV = argvFile;
    try {
      const transport = openSshTransport({ host: 'backup', user: 'barman', stderr: new PassThrough(), sshCommand: FAKE_SSH });
      // `barman` on the "remote" is printf here: it shows the words the remote shell received.
      const remote = transport.run(['--config=/x y', 'put-wal', "it's"]);
      const chunks: Buffer[] = [];
      remote.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      remote.stdin.end(input);
      const exit = await remote.done;
      return { exit, stdout: Buffer.concat(chunks).toString(), argv: readFileSync(argvFile, 'utf8').split('\n') };
    } finally {
      restoreEnv('FAKE_SSH_MODE', previous.mode);
      restoreEnv('FAKE_SSH_ARGV', previous.argv);
    }
  };

  it('ssh exit 255 (cannot connect) is a transport failure, not a remote status', async () => {
    const { exit } = await runWith('refuse', Buffer.alloc(1 << 20));
    expect(exit).toEqual({ status: undefined, transportError: 'ssh to backup failed (exit 255)' });
  });

  it('a connection dropped midway (255 after reading part of stdin) is a transport failure too', async () => {
    const { exit } = await runWith('drop', Buffer.alloc(1 << 20));
    expect(exit).toEqual({ status: undefined, transportError: 'ssh to backup failed (exit 255)' });
  });

  it('an ssh program that cannot be started is a transport failure, and done still settles', async () => {
    const transport = openSshTransport({ host: 'backup', user: 'barman', stderr: new PassThrough(), sshCommand: '/nonexistent/ssh' });
    const remote = transport.run(['put-wal', 'pg']);
    remote.stdin.end(Buffer.alloc(1 << 20));
    expect(await remote.done).toEqual({ status: undefined, transportError: 'cannot run ssh: spawn /nonexistent/ssh ENOENT' });
  });

  it('passes exactly one remote command line, which the far shell splits back into the original words', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-ssh-bin-'));
    // A `barman` that prints its argv NUL-separated, first on PATH for the loopback "remote".
    writeFileSync(join(dir, 'barman'), "#!/bin/sh\nprintf '%s\\0' \"$@\"\nexit 7\n");
    chmodSync(join(dir, 'barman'), 0o755);
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath ?? ''}`;
    try {
      const { exit, stdout, argv } = await runWith('run', Buffer.from('stdin bytes'));
      expect(exit).toEqual({ status: 7 });
      expect(stdout.split('\0').slice(0, -1)).toEqual(['--config=/x y', 'put-wal', "it's"]);
      expect(argv.slice(0, argv.indexOf('--'))).toEqual(['-q', '-T', '-o', 'BatchMode=yes', 'barman@backup', `barman '--config=/x y' put-wal 'it'\\''s'`]);
    } finally {
      restoreEnv('PATH', oldPath);
    }
  });
});
