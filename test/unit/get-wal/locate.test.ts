// get-wal's search order (SPEC §5) and opening the first file that is present.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { candidatePaths, existsAnywhere, openFirstExisting } from '../../../src/get-wal/locate.js';
import { requireWalName } from '../../../src/wal/name.js';

const dirs = { walsDirectory: '/b/wals', incomingWalsDirectory: '/b/incoming', streamingWalsDirectory: '/b/streaming' };
const segment = requireWalName('000000010000000A000000FE');

describe('candidatePaths', () => {
  it('looks in wals/<hash>, incoming, streaming, then wals/<hash> again', () => {
    expect(candidatePaths(dirs, segment, false)).toEqual([
      '/b/wals/000000010000000A/000000010000000A000000FE',
      '/b/incoming/000000010000000A000000FE',
      '/b/streaming/000000010000000A000000FE',
      '/b/wals/000000010000000A/000000010000000A000000FE',
    ]);
  });

  it('with --partial adds streaming, wals and incoming .partial before the last archive look', () => {
    expect(candidatePaths(dirs, segment, true)).toEqual([
      '/b/wals/000000010000000A/000000010000000A000000FE',
      '/b/incoming/000000010000000A000000FE',
      '/b/streaming/000000010000000A000000FE',
      '/b/streaming/000000010000000A000000FE.partial',
      '/b/wals/000000010000000A/000000010000000A000000FE.partial',
      '/b/incoming/000000010000000A000000FE.partial',
      '/b/wals/000000010000000A/000000010000000A000000FE',
    ]);
  });

  it('keeps history files at the top of wals/', () => {
    expect(candidatePaths(dirs, requireWalName('00000003.history'), false)[0]).toBe('/b/wals/00000003.history');
  });
});

describe('openFirstExisting', () => {
  let root = '';
  let real = { walsDirectory: '', incomingWalsDirectory: '', streamingWalsDirectory: '' };
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'walship-locate-'));
    real = { walsDirectory: join(root, 'wals'), incomingWalsDirectory: join(root, 'incoming'), streamingWalsDirectory: join(root, 'streaming') };
    await Promise.all(Object.values(real).map((dir) => mkdir(dir)));
  });

  it('prefers the archive over incoming', async () => {
    await mkdir(join(real.walsDirectory, '000000010000000A'));
    await writeFile(join(real.walsDirectory, '000000010000000A', segment.name), 'archived');
    await writeFile(join(real.incomingWalsDirectory, segment.name), 'incoming');
    const found = await openFirstExisting(candidatePaths(real, segment, false));
    expect(found?.path).toBe(join(real.walsDirectory, '000000010000000A', segment.name));
    await found?.handle.close();
  });

  it('finds a file only in streaming/', async () => {
    await writeFile(join(real.streamingWalsDirectory, segment.name), 'streamed');
    const found = await openFirstExisting(candidatePaths(real, segment, false));
    expect(found).toMatchObject({ path: join(real.streamingWalsDirectory, segment.name), size: 8 });
    await found?.handle.close();
  });

  it('finds a .partial only with --partial', async () => {
    await writeFile(join(real.streamingWalsDirectory, `${segment.name}.partial`), 'partial');
    expect(await openFirstExisting(candidatePaths(real, segment, false))).toBeUndefined();
    const found = await openFirstExisting(candidatePaths(real, segment, true));
    expect(found?.path).toBe(join(real.streamingWalsDirectory, `${segment.name}.partial`));
    await found?.handle.close();
  });

  it('skips a directory that carries the name', async () => {
    await mkdir(join(real.incomingWalsDirectory, segment.name));
    await writeFile(join(real.streamingWalsDirectory, segment.name), 'streamed');
    const found = await openFirstExisting(candidatePaths(real, segment, false));
    expect(found?.path).toBe(join(real.streamingWalsDirectory, segment.name));
    await found?.handle.close();
  });

  it('returns undefined when the file is nowhere, and existsAnywhere agrees', async () => {
    expect(await openFirstExisting(candidatePaths(real, segment, true))).toBeUndefined();
    expect(await existsAnywhere(real, segment)).toBe(false);
    await writeFile(join(real.incomingWalsDirectory, segment.name), 'x');
    expect(await existsAnywhere(real, segment)).toBe(true);
  });
});
