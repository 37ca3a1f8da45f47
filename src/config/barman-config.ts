// Barman's configuration on the archive host (SPEC §2): file search, included *.conf files,
// and the per-server directories walship's put-wal and get-wal need.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, InvalidServerNameError, UnknownServerError } from '../errors.js';
import { unknownServerMessage } from '../transport/barman-command.js';
import { interpolate, parseBoolean, parseIni, type IniDocument, type IniSection } from './ini.js';

export interface ServerConfig {
  name: string;
  active: boolean;
  backupDirectory: string;
  incomingWalsDirectory: string;
  walsDirectory: string;
  errorsDirectory: string;
  streamingWalsDirectory: string;
  /** walship's own option (SPEC §7): refuse segments of another cluster than the archive's. Default on. */
  checkSystemIdentifier: boolean;
  /**
   * walship's own option: a separate archiver (Barman's `barman cron`) moves incoming/ into wals/, so
   * check reports files left waiting in incoming/ and expire leaves retention to Barman. Default off.
   */
  separateArchiver: boolean;
}

/** Barman ignores options it does not know, so this key is safe in a configuration Barman also reads. */
export const CHECK_SYSTEM_IDENTIFIER = 'walship_check_system_identifier';
export const SEPARATE_ARCHIVER = 'walship_separate_archiver';

const GLOBAL = 'barman';
const SERVER_NAME_RE = /^[A-Za-z0-9_.-]+$/;

/** Server names reach paths and remote command lines, so only [A-Za-z0-9_.-] (not '.' or '..'). */
export function isValidServerName(name: string): boolean {
  return SERVER_NAME_RE.test(name) && name !== '.' && name !== '..' && name.length <= 255;
}

export function requireServerName(name: string): string {
  if (!isValidServerName(name)) {
    throw new InvalidServerNameError(`invalid server name ${JSON.stringify(name)}`, {
      hint: 'server names may contain only letters, digits, "-", "_" and "."',
    });
  }
  return name;
}

/** Barman's default search order when no -c is given. */
export const defaultConfigCandidates = (home = homedir()): string[] => [
  join(home, '.barman.conf'),
  '/etc/barman.conf',
  '/etc/barman/barman.conf',
];

export function findConfigFile(explicit: string | undefined, candidates = defaultConfigCandidates()): string {
  if (explicit !== undefined) return explicit;
  const found = candidates.find((path) => statSync(path, { throwIfNoEntry: false })?.isFile());
  if (!found) throw new ConfigError(`no Barman configuration found (looked in ${candidates.join(', ')})`, { hint: 'pass -c PATH' });
  return found;
}

/** Reads the main file and every *.conf in configuration_files_directory, in name order. */
export function loadConfig(path: string): IniDocument {
  const doc = parseIni(readText(path), path);
  const global = doc.get(GLOBAL);
  const includeDir = global?.get('configuration_files_directory');
  if (includeDir) {
    const dir = interpolate(includeDir, [(k) => global?.get(k)], `[${GLOBAL}] configuration_files_directory`);
    const files = statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? readdirSync(dir).filter((f) => f.endsWith('.conf')).sort() : [];
    for (const file of files) parseIni(readText(join(dir, file)), join(dir, file), doc);
  }
  return doc;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Resolves one server's directories, with Barman's defaults and interpolation scopes. */
export function serverConfig(doc: IniDocument, name: string): ServerConfig {
  requireServerName(name);
  const section = name === GLOBAL ? undefined : doc.get(name);
  if (!section) throw new UnknownServerError(unknownServerMessage(name));
  const global: IniSection = doc.get(GLOBAL) ?? new Map();
  const defaults = new Map<string, string>([
    ['barman_home', '/var/lib/barman'],
    ['backup_directory', '%(barman_home)s/%(name)s'],
    ['incoming_wals_directory', '%(backup_directory)s/incoming'],
    ['wals_directory', '%(backup_directory)s/wals'],
    ['errors_directory', '%(backup_directory)s/errors'],
    ['streaming_wals_directory', '%(backup_directory)s/streaming'],
  ]);
  const scopes = [
    (k: string) => section.get(k),
    (k: string) => (k === 'name' ? name : undefined),
    (k: string) => global.get(k),
    (k: string) => defaults.get(k),
  ];
  const get = (key: string): string => {
    const raw = scopes.map((scope) => scope(key)).find((v) => v !== undefined);
    if (raw === undefined) throw new ConfigError(`[${name}] has no '${key}'`);
    return interpolate(raw, scopes, `[${name}] ${key}`);
  };
  const activeRaw = section.get('active');
  const checkRaw = section.get(CHECK_SYSTEM_IDENTIFIER) ?? global.get(CHECK_SYSTEM_IDENTIFIER);
  const archiverRaw = section.get(SEPARATE_ARCHIVER) ?? global.get(SEPARATE_ARCHIVER);
  return {
    name,
    active: activeRaw === undefined ? true : parseBoolean(activeRaw, `[${name}] active`),
    backupDirectory: get('backup_directory'),
    incomingWalsDirectory: get('incoming_wals_directory'),
    walsDirectory: get('wals_directory'),
    errorsDirectory: get('errors_directory'),
    streamingWalsDirectory: get('streaming_wals_directory'),
    checkSystemIdentifier: checkRaw === undefined ? true : parseBoolean(checkRaw, `[${name}] ${CHECK_SYSTEM_IDENTIFIER}`),
    separateArchiver: archiverRaw === undefined ? false : parseBoolean(archiverRaw, `[${name}] ${SEPARATE_ARCHIVER}`),
  };
}

/** Every server section's name, in file order (what `check` with no SERVER looks at). */
export const serverNames = (doc: IniDocument): string[] => [...doc.keys()].filter((name) => name !== GLOBAL);

/** Convenience for the server commands: find, load, resolve. */
export function resolveServer(configPath: string | undefined, name: string): ServerConfig {
  requireServerName(name);
  return serverConfig(loadConfig(findConfigFile(configPath)), name);
}
