// A reader for the INI dialect Barman's configuration uses (Python configparser with basic
// `%(key)s` interpolation): sections, `key = value` or `key: value`, `#`/`;` comment lines,
// indented continuation lines, keys case-insensitive. No inline comments, as in configparser.

import { ConfigError } from '../errors.js';

export type IniSection = Map<string, string>;
export type IniDocument = Map<string, IniSection>;

const SECTION_RE = /^\[([^\]]+)\]\s*$/;
const OPTION_RE = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;

/** Parses `text` into `into` (later files extend and override earlier ones, as configparser.read does). */
export function parseIni(text: string, source: string, into: IniDocument = new Map()): IniDocument {
  let section: IniSection | undefined;
  let lastKey: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const where = `${source}:${index + 1}`;
    if (/^\s*$/.test(raw) || /^\s*[#;]/.test(raw)) {
      lastKey = undefined;
      return;
    }
    if (/^\s/.test(raw) && section && lastKey !== undefined) {
      section.set(lastKey, `${section.get(lastKey) ?? ''}\n${raw.trim()}`);
      return;
    }
    const header = SECTION_RE.exec(raw.trim());
    if (header) {
      const name = (header[1] as string).trim();
      section = into.get(name) ?? new Map();
      into.set(name, section);
      lastKey = undefined;
      return;
    }
    const option = OPTION_RE.exec(raw.trim());
    if (!option) throw new ConfigError(`${where}: cannot parse line ${JSON.stringify(raw)}`);
    if (!section) throw new ConfigError(`${where}: option outside of any [section]`);
    lastKey = (option[1] as string).trim().toLowerCase();
    section.set(lastKey, (option[2] as string).trim());
  });
  return into;
}

const MAX_DEPTH = 10;

/**
 * Expands `%(key)s` references, looking keys up in the given scopes in order; `%%` is a literal
 * percent. An unknown key or a reference loop is a ConfigError naming the option.
 */
export function interpolate(value: string, scopes: ((key: string) => string | undefined)[], what: string, depth = 0): string {
  if (depth > MAX_DEPTH) throw new ConfigError(`${what}: interpolation nested too deeply (a reference loop?)`);
  return value.replace(/%(%|\(([^)]+)\)s)/g, (match, token: string, key: string | undefined) => {
    if (token === '%') return '%';
    const lookup = (key as string).toLowerCase();
    for (const scope of scopes) {
      const found = scope(lookup);
      if (found !== undefined) return interpolate(found, scopes, what, depth + 1);
    }
    throw new ConfigError(`${what}: ${match} refers to an unknown option '${lookup}'`);
  });
}

/** configparser's boolean words. */
export function parseBoolean(value: string, what: string): boolean {
  const word = value.trim().toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(word)) return true;
  if (['0', 'no', 'false', 'off'].includes(word)) return false;
  throw new ConfigError(`${what}: '${value}' is not a boolean`);
}
