// The one quoting function for the remote shell, proved by handing its output to real shells.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteCommand, quoteShellWord } from '../../../src/transport/quote.js';

/** Values a server name, a path or a WAL name could carry to the archive host's shell. */
const HOSTILE = [
  "it's",
  'two words',
  'a;id',
  '$(id)',
  '`id`',
  'line one\nline two',
  'tab\there',
  '"double"',
  'back\\slash',
  '$HOME',
  '${PATH}',
  '~',
  '~root',
  '*',
  '?',
  '[a-z]',
  'a&b',
  'a|b',
  '>out',
  '<in',
  '#not a comment',
  '!',
  '{a,b}',
  "''",
  '',
  ' ',
  '-oProxyCommand=touch /tmp/pwned',
  '--config=/etc/barman it\'s.conf',
  'é ü 日本',
  "'; rm -rf / #",
];

/**
 * What a remote shell makes of `printf '%s\0' <quoted words>`: ssh sends one command line and the
 * login shell splits it. NUL-separated output shows every word exactly, newlines included.
 */
function wordsSeenBy(shell: string, quoted: string): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${quoted}`], { cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } });
  const words = out.toString('utf8').split('\0');
  words.pop(); // after the last NUL
  return words;
}

describe('quoteShellWord / quoteCommand', () => {
  for (const shell of ['/bin/sh', '/bin/bash']) {
    it(`${shell} sees every hostile word exactly as it was, one word each`, () => {
      for (const word of HOSTILE) {
        expect(wordsSeenBy(shell, quoteShellWord(word)), JSON.stringify(word)).toEqual([word]);
      }
    });

    it(`${shell} sees a whole hostile argv exactly, word for word`, () => {
      expect(wordsSeenBy(shell, quoteCommand(HOSTILE))).toEqual(HOSTILE);
    });
  }

  it('leaves words made only of shell-inert characters bare, as barman-cli\'s command line reads', () => {
    expect(quoteCommand(['barman', '--config=/etc/barman.conf', 'put-wal', 'pg-main_1.0'])).toBe(
      'barman --config=/etc/barman.conf put-wal pg-main_1.0',
    );
  });

  it('quotes anything else in single quotes, with embedded quotes as \'\\\'\'', () => {
    expect(quoteShellWord("it's")).toBe(`'it'\\''s'`);
    expect(quoteShellWord('$(id)')).toBe(`'$(id)'`);
    expect(quoteShellWord('')).toBe(`''`);
  });

  it('refuses a NUL byte, which no shell word can carry', () => {
    expect(() => quoteShellWord('a\0b')).toThrow(/NUL/);
  });

  it('a quoted command substitution is never executed', () => {
    const marker = `/tmp/walship-quote-${process.pid}-${Date.now()}`;
    const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${quoteShellWord(`$(touch ${marker})\`touch ${marker}\``)}`]);
    expect(out.toString()).toBe(`$(touch ${marker})\`touch ${marker}\``);
    expect(() => execFileSync('test', ['-e', marker])).toThrow();
  });
});
