// --peek's segment size: read from the long page header of a stored file, plain or compressed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { storedSegmentSize } from '../../../src/get-wal/segment-size.js';
import { requireWalName } from '../../../src/wal/name.js';
import { storeThreeWays } from '../../fixtures/get-wal/stored.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';

const wal = requireWalName('000000010000000000000003');
const segment = makeSegment('000000010000000000000003', { size: 1 * MiB });
let dir = '';
let stored: Record<string, string> = {};

beforeAll(async () => {
  ({ dir, stored } = await storeThreeWays(segment, 'walship-segment-size-'));
});

describe('storedSegmentSize', () => {
  it.each(['plain', 'gzip', 'bzip2'])('reads the segment size from a %s-stored segment', async (kind) => {
    expect(await storedSegmentSize(stored[kind]!, wal)).toBe(1 * MiB);
  });

  it('is undefined when the header belongs to another segment', async () => {
    expect(await storedSegmentSize(stored['plain']!, requireWalName('000000010000000000000004'))).toBeUndefined();
  });

  it('is undefined for a file without a long page header', async () => {
    const junk = join(dir, 'junk');
    await writeFile(junk, Buffer.alloc(100, 7));
    expect(await storedSegmentSize(junk, wal)).toBeUndefined();
  });

  it('is undefined for a corrupt gzip file', async () => {
    const corrupt = join(dir, 'corrupt');
    await writeFile(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(200, 0xee)]));
    expect(await storedSegmentSize(corrupt, wal)).toBeUndefined();
  });
});
