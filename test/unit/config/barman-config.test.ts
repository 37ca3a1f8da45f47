import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, isValidServerName, loadConfig, resolveServer, serverConfig } from '../../../src/config/barman-config.js';
import { interpolate, parseIni } from '../../../src/config/ini.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'walship-config-'));

describe("Barman's configuration (SPEC §2)", () => {
  it('derives every server directory from barman_home and the server name', () => {
    const doc = parseIni('[barman]\nbarman_home = /srv/barman\n\n[pg]\ndescription = main\n', 'test');
    expect(serverConfig(doc, 'pg')).toEqual({
      name: 'pg',
      active: true,
      backupDirectory: '/srv/barman/pg',
      incomingWalsDirectory: '/srv/barman/pg/incoming',
      walsDirectory: '/srv/barman/pg/wals',
      errorsDirectory: '/srv/barman/pg/errors',
      streamingWalsDirectory: '/srv/barman/pg/streaming',
      checkSystemIdentifier: true,
      separateArchiver: false,
    });
  });

  it('interpolates keys of the same section, of [barman] and name', () => {
    const text = [
      '[barman]',
      'barman_home = /var/lib/barman',
      'root = /data',
      '[pg-1]',
      'backup_directory = %(root)s/%(name)s',
      'incoming_wals_directory = %(backup_directory)s/in',
      'active = off',
    ].join('\n');
    const config = serverConfig(parseIni(text, 'test'), 'pg-1');
    expect(config.backupDirectory).toBe('/data/pg-1');
    expect(config.incomingWalsDirectory).toBe('/data/pg-1/in');
    expect(config.walsDirectory).toBe('/data/pg-1/wals');
    expect(config.active).toBe(false);
  });

  it('reads keys case-insensitively, ignores comments and joins continuation lines', () => {
    const doc = parseIni('# c\n[barman]\n; c\nBarman_Home: /x\n[s]\ndescription = a\n  b\n', 'test');
    expect(doc.get('barman')?.get('barman_home')).toBe('/x');
    expect(doc.get('s')?.get('description')).toBe('a\nb');
  });

  it('reports unknown references and loops with the option name', () => {
    expect(() => interpolate('%(nope)s', [() => undefined], '[s] x')).toThrow("[s] x: %(nope)s refers to an unknown option 'nope'");
    const loop = (k: string) => (k === 'a' ? '%(a)s' : undefined);
    expect(() => interpolate('%(a)s', [loop], '[s] a')).toThrow(/nested too deeply/);
    expect(interpolate('100%%', [], 'x')).toBe('100%');
  });

  it('adds the servers of every *.conf in configuration_files_directory', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'barman.conf'), `[barman]\nbarman_home = ${dir}/home\nconfiguration_files_directory = ${dir}/conf.d\n`);
    writeFileSync(join(dir, 'conf.d', 'a.conf'), '[alpha]\ndescription = a\n');
    writeFileSync(join(dir, 'conf.d', 'ignored.txt'), '[beta]\ndescription = b\n');
    const doc = loadConfig(join(dir, 'barman.conf'));
    expect(serverConfig(doc, 'alpha').walsDirectory).toBe(`${dir}/home/alpha/wals`);
    expect(() => serverConfig(doc, 'beta')).toThrow("Unknown server 'beta'");
  });

  it('refuses the [barman] section and unknown sections as servers', () => {
    const doc = parseIni('[barman]\nbarman_home = /x\n', 'test');
    expect(() => serverConfig(doc, 'barman')).toThrow("Unknown server 'barman'");
    expect(() => serverConfig(doc, 'other')).toThrow("Unknown server 'other'");
  });

  it.each(["a'b", 'a b', 'a;b', '$(id)', '', '.', '..', 'a/b', 'a\nb'])('refuses the server name %j before it reaches a path or shell', (name) => {
    expect(isValidServerName(name)).toBe(false);
    expect(() => resolveServer('/nonexistent', name)).toThrow(/invalid server name/);
  });

  it('takes the first existing default file, or fails with a hint', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'second.conf'), '');
    expect(findConfigFile(undefined, [join(dir, 'first.conf'), join(dir, 'second.conf')])).toBe(join(dir, 'second.conf'));
    expect(() => findConfigFile(undefined, [join(dir, 'none.conf')])).toThrow(/no Barman configuration found/);
    expect(findConfigFile('/explicit.conf', [])).toBe('/explicit.conf');
  });
});
