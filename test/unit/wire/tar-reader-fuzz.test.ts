// issue 8 "keep what held up as permanent tests": a property test of readTar on mutated valid
// put-wal streams. Whatever the damage, readTar either rejects with a walship error (never a
// TypeError, RangeError or the like, never a hang) or yields members whose names are one plain
// basename; and of those, exactly the ones whose SHA256SUMS line verifies carry the sender's bytes.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WalshipError } from '../../../src/errors.js';
import { parseChecksumFile } from '../../../src/wire/checksums.js';
import { readTar } from '../../../src/wire/tar-reader.js';
import { putWalStream, sumsText } from '../../fixtures/archive/tar.js';
import { applyMutations, mutation } from '../../fixtures/archive/mutate.js';

/** Far above a clean read of these small streams: reaching it means readTar stopped making progress. */
const HANG_MS = 3_000;

interface Member { name: string; data: Buffer; size: number }
type Outcome = { kind: 'members'; members: Member[] } | { kind: 'rejected'; error: unknown } | { kind: 'hung' };

/** Feeds `bytes` in chunks of `chunk` bytes and collects every member's data. */
async function readAll(bytes: Buffer, chunk: number): Promise<Outcome> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) chunks.push(bytes.subarray(at, at + chunk));
  const members: Member[] = [];
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ kind: 'hung' }), HANG_MS)));
  const read = readTar(Readable.from(chunks), async (header, data) => {
    const parts: Buffer[] = [];
    for await (const part of data) parts.push(part as Buffer);
    members.push({ name: header.name, data: Buffer.concat(parts), size: header.size });
  }).then((): Outcome => ({ kind: 'members', members }), (error: unknown): Outcome => ({ kind: 'rejected', error }));
  try {
    return await Promise.race([read, hung]);
  } finally {
    clearTimeout(timer);
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** WAL files of a put-wal stream: a history file and two small segment-named files. */
const data = fc.noBias(fc.integer({ min: 0, max: 3000 })).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
const files = fc.tuple(
  data,
  data,
  fc.string({ maxLength: 200 }),
).map(([a, b, history]): [string, Buffer][] => [
  ['000000010000000000000003', Buffer.from(a)],
  ['000000010000000000000004', Buffer.from(b)],
  ['00000002.history', Buffer.from(history)],
]);

const cases = files.chain((originals) => {
  const stream = putWalStream(originals);
  return fc.record({
    originals: fc.constant(originals),
    stream: fc.constant(stream),
    mutations: fc.array(mutation(stream.length), { minLength: 1, maxLength: 4 }),
    chunk: fc.constantFrom(1, 7, 511, 512, 513, 4096, 1 << 20),
  });
});

describe('readTar on mutated put-wal streams (fast-check, bounded)', () => {
  it('rejects with a walship error or yields safe names, and only members whose checksum verifies carry the sent bytes', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ originals, stream, mutations, chunk }) => {
        const damaged = applyMutations(stream, mutations);
        const outcome = await readAll(damaged, chunk);
        expect(outcome.kind, 'readTar never hangs').not.toBe('hung');
        if (outcome.kind === 'hung') return;
        if (outcome.kind === 'rejected') {
          expect(outcome.error, `a typed error, not ${String(outcome.error)}`).toBeInstanceOf(WalshipError);
          return;
        }
        for (const member of outcome.members) {
          expect(member.name).not.toMatch(/[/\0]/);
          expect(['', '.', '..']).not.toContain(member.name);
          expect(member.data.length, `${member.name}: data is exactly the declared size`).toBe(member.size);
        }
        const sums = outcome.members.find((m) => m.name === 'SHA256SUMS');
        if (sums === undefined) return;
        let declared: Map<string, string>;
        try {
          declared = parseChecksumFile(sums.data.toString('utf8'), 'sha256');
        } catch (error) {
          expect(error).toBeInstanceOf(WalshipError);
          return;
        }
        const sent = new Map(originals);
        const sumsIntact = sums.data.equals(sumsText('sha256', originals));
        for (const member of outcome.members.filter((m) => m !== sums)) {
          const verifies = declared.get(member.name) === sha256(member.data);
          const isSent = sent.get(member.name)?.equals(member.data) === true;
          if (verifies) expect(isSent, `${member.name} verifies, so it must be the bytes sent`).toBe(true);
          if (sumsIntact) expect(verifies, `${member.name}: intact checksum file, so the sent bytes verify`).toBe(isSent);
        }
      }),
      { numRuns: 300, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: false },
    );
  }, 60_000);
});

