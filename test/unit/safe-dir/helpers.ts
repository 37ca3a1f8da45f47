// Shared by the safe-dir unit tests: a private safe dir and an in-memory CommandIO.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CommandIO } from '../../../src/cli/io.js';

export const uid = process.geteuid?.() ?? 0;

/** A fresh 0700 safe dir inside its own temp parent (the parent holds fixtures and pgdata). */
export function makeSafeDir(): { parent: string; dir: string } {
  const parent = mkdtempSync(join(tmpdir(), 'walship-safedir-'));
  const dir = join(parent, 'safe');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  return { parent, dir };
}

export const entries = (dir: string): string[] => readdirSync(dir).sort();

export interface MemoryIO extends CommandIO {
  out(): string;
  err(): string;
}

export function memoryIO(env: NodeJS.ProcessEnv = {}): MemoryIO {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  return {
    stdin: Readable.from([]),
    stdout,
    stderr,
    env,
    out: () => Buffer.concat(chunks.out).toString('utf8'),
    err: () => Buffer.concat(chunks.err).toString('utf8'),
  };
}
