// get-wal --peek order: exact with the header's segment size, candidate-walking without it,
// across log boundaries for the smallest, default and largest segment sizes.
import { describe, expect, it } from 'vitest';
import { peekWalNames, type PeekSources } from '../../../src/get-wal/peek.js';
import { nextSegment, requireWalName, segmentFileName, segmentsPerLog, type WalName } from '../../../src/wal/name.js';

const MiB = 1024 * 1024;

/** The names of `count` consecutive segments of a cluster with `size`, from (log, seg). */
function consecutive(size: number, log: number, seg: number, count: number): string[] {
  const names: string[] = [];
  let wal = requireWalName(segmentFileName(1, log, seg));
  for (let i = 0; i < count; i++) {
    names.push(wal.name);
    wal = nextSegment(wal, size);
  }
  return names;
}

function archive(names: string[], size: number | undefined): PeekSources {
  const present = new Set(names);
  return {
    exists: async (wal: WalName) => present.has(wal.name),
    segmentSize: async () => size,
  };
}

describe.each([
  ['1 MiB', 1 * MiB],
  ['16 MiB', 16 * MiB],
  ['1 GiB', 1024 * MiB],
])('peek with %s segments', (_label, size) => {
  const last = segmentsPerLog(size) - 1;
  // Three segments before the log boundary and three after it.
  const stored = consecutive(size, 0x2a, last - 2, 6);

  it('crosses the log boundary using the size from the header', async () => {
    const names = await peekWalNames(requireWalName(stored[0]!), 6, archive(stored, size));
    expect(names).toEqual(stored);
    expect(names[3]).toBe(segmentFileName(1, 0x2b, 0));
  });

  it('crosses the log boundary by trying every candidate when the header is unreadable', async () => {
    expect(await peekWalNames(requireWalName(stored[0]!), 6, archive(stored, undefined))).toEqual(stored);
  });

  it('stops at N names', async () => {
    expect(await peekWalNames(requireWalName(stored[0]!), 2, archive(stored, size))).toEqual(stored.slice(0, 2));
  });

  it('stops at the first gap', async () => {
    const withGap = stored.filter((_, i) => i !== 2);
    expect(await peekWalNames(requireWalName(stored[0]!), 6, archive(withGap, size))).toEqual(stored.slice(0, 2));
  });
});

describe('peek', () => {
  it('lists nothing when the requested segment does not exist', async () => {
    expect(await peekWalNames(requireWalName('000000010000000000000005'), 4, archive(['000000010000000000000006'], 16 * MiB))).toEqual([]);
  });

  it('with 16 MiB segments does not take segment 0x100 of the same log for the successor of 0xFF', async () => {
    const stored = ['0000000100000003000000FF', '000000010000000300000100', '000000010000000400000000'];
    expect(await peekWalNames(requireWalName(stored[0]!), 3, archive(stored, 16 * MiB))).toEqual([stored[0], stored[2]]);
  });

  it('lists a history file alone when it exists', async () => {
    expect(await peekWalNames(requireWalName('00000002.history'), 5, archive(['00000002.history'], undefined))).toEqual(['00000002.history']);
  });

  it('lists a backup label alone when it exists, and nothing when it does not', async () => {
    const label = '000000010000000000000002.00000028.backup';
    expect(await peekWalNames(requireWalName(label), 5, archive([label], undefined))).toEqual([label]);
    expect(await peekWalNames(requireWalName(label), 5, archive([], undefined))).toEqual([]);
  });

  it('ignores a header size that is not a valid segment size and walks candidates', async () => {
    const stored = consecutive(16 * MiB, 0, 0xfe, 3);
    expect(await peekWalNames(requireWalName(stored[0]!), 3, archive(stored, 12345))).toEqual(stored);
  });
});
