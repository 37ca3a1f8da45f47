// notify's ssh target from flags, WALSHIP_SAFE_DIR_* and defaults, and the exact ssh argv.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { resolveNotifyOptions } from '../../../src/safe-dir/notify.js';
import { remoteMarkArgv } from '../../../src/safe-dir/remote-mark.js';
import { sshArgvFor } from '../../../src/transport/openssh.js';
import { parseWalName } from '../../../src/wal/name.js';

const wal = parseWalName('00000001000000000000000B')!;

describe('notify: where to ssh, from flags, then WALSHIP_SAFE_DIR_* variables, then defaults', () => {
  it('uses defaults: user postgres, the remote walship-safe-dir on PATH, its default dir, 10 s connect timeout', () => {
    expect(resolveNotifyOptions({ host: 'pg1' }, {})).toEqual({
      target: { host: 'pg1', user: 'postgres', port: undefined, connectTimeoutSeconds: 10 },
      remoteCommand: 'walship-safe-dir',
      remoteDir: undefined,
    });
  });

  it('reads the environment', () => {
    const env = {
      WALSHIP_SAFE_DIR_HOST: 'pg2',
      WALSHIP_SAFE_DIR_USER: 'pg',
      WALSHIP_SAFE_DIR_PORT: '2222',
      WALSHIP_SAFE_DIR: '/srv/safe',
      WALSHIP_SAFE_DIR_REMOTE_COMMAND: '/opt/walship/bin/walship-safe-dir',
      WALSHIP_SAFE_DIR_CONNECT_TIMEOUT: '3',
    };
    expect(resolveNotifyOptions({}, env)).toEqual({
      target: { host: 'pg2', user: 'pg', port: 2222, connectTimeoutSeconds: 3 },
      remoteCommand: '/opt/walship/bin/walship-safe-dir',
      remoteDir: '/srv/safe',
    });
  });

  it('lets flags win over the environment', () => {
    const options = resolveNotifyOptions({ host: 'flag-host', user: 'u', port: '22', dir: '~/s' }, { WALSHIP_SAFE_DIR_HOST: 'env-host', WALSHIP_SAFE_DIR_USER: 'e' });
    expect(options.target).toMatchObject({ host: 'flag-host', user: 'u', port: 22 });
    expect(options.remoteDir).toBe('~/s');
  });

  it.each([
    [{}, 'no PostgreSQL host given'],
    [{ host: '-oProxyCommand=touch /tmp/pwned' }, 'invalid ssh target "postgres@-oProxyCommand=touch /tmp/pwned"'],
    [{ host: 'pg', user: 'a b' }, 'invalid ssh target "a b@pg"'],
    [{ host: 'pg', port: '0' }, 'invalid ssh port "0"'],
    [{ host: 'pg', port: '22x' }, 'invalid ssh port "22x"'],
    [{ host: 'pg', connectTimeout: '-1' }, 'invalid connect timeout "-1"'],
    [{ host: 'pg', remoteCommand: '' }, 'empty --remote-command'],
  ])('refuses %j', (flags, message) => {
    let error: unknown;
    try {
      resolveNotifyOptions(flags, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
  });
});

describe('notify: the ssh command line', () => {
  it('runs the fixed remote argv, quoted once by quoteCommand, in BatchMode, with the connect timeout', () => {
    const options = resolveNotifyOptions({ host: 'pg1', port: '2222', dir: "/srv/it's safe", remoteCommand: '/opt/w s/walship-safe-dir' }, {});
    expect(remoteMarkArgv(options, wal)).toEqual(['/opt/w s/walship-safe-dir', 'mark', '--dir', "/srv/it's safe", '--', '00000001000000000000000B']);
    expect(sshArgvFor({ ...options.target, quiet: false }, remoteMarkArgv(options, wal))).toEqual([
      '-p',
      '2222',
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      'postgres@pg1',
      "'/opt/w s/walship-safe-dir' mark --dir '/srv/it'\\''s safe' -- 00000001000000000000000B",
    ]);
  });

  it('leaves --dir out so that mark uses its own default on the PostgreSQL host', () => {
    const options = resolveNotifyOptions({ host: 'pg1' }, {});
    expect(remoteMarkArgv(options, wal)).toEqual(['walship-safe-dir', 'mark', '--', '00000001000000000000000B']);
  });

  it('never disables host key checking', () => {
    const argv = sshArgvFor({ host: 'pg1', user: 'postgres' }, ['x']);
    expect(argv.join(' ')).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile/);
  });
});
