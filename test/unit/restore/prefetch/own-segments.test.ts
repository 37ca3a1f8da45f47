// What a prefetch worker removes when it stops idle (issue 10): only the segments it published that
// are still there as the very file it published; never a claimed one, a republished one or a temp.
import { mkdtemp, readdir, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownSegments } from '../../../../src/restore/prefetch/own-segments.js';

const A = '000000010000000000000003';
const B = '000000010000000000000004';
const C = '000000010000000000000005';

/** Publishes `name` as the worker does: temp file, remember its inode, rename. */
async function publish(dir: string, own: ReturnType<typeof ownSegments>, name: string): Promise<void> {
  const temp = join(dir, `.${name}.${process.pid}.x.walship-tmp`);
  await writeFile(temp, name);
  await own.remember(name, temp);
  await rename(temp, join(dir, name));
}

describe('ownSegments', () => {
  it('sweeps the unclaimed segments it published, and leaves claimed, republished and foreign files alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'walship-own-'));
    const own = ownSegments(dir);
    await publish(dir, own, A);
    await publish(dir, own, B);
    await publish(dir, own, C);
    // A restore claimed A (renamed it to a claimed temp name).
    await rename(join(dir, A), join(dir, `.${A}.${process.pid}.claimed.walship-tmp`));
    // B was replaced by another worker's copy (another inode under the same name).
    await writeFile(join(dir, `.${B}.other`), 'other');
    await rename(join(dir, `.${B}.other`), join(dir, B));
    // Another worker's temp and a segment it spooled.
    await writeFile(join(dir, `.${C}.99999.x.walship-tmp`), 'in flight');
    await writeFile(join(dir, '000000010000000000000006'), 'not ours');

    expect(await own.unclaimed()).toEqual([C]);
    expect(await own.sweep()).toEqual([C]);
    expect((await readdir(dir)).sort()).toEqual([
      `.${A}.${process.pid}.claimed.walship-tmp`,
      B,
      `.${C}.99999.x.walship-tmp`,
      '000000010000000000000006',
    ].sort());
    expect(await own.sweep()).toEqual([]);
  });
});
