// The single function that turns an argument vector into the one command string ssh sends to the
// remote shell. Every word is quoted unless it is made only of characters no shell interprets.

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteShellWord(word: string): string {
  if (word.includes('\0')) throw new Error('a NUL byte cannot be passed through a remote shell');
  if (word !== '' && SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export const quoteCommand = (argv: readonly string[]): string => argv.map(quoteShellWord).join(' ');
