// Status files in pgBackRest's format: "<code>\n<message>\n", durable, strict to read, hostile names refused.
import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearStatus, formatStatus, listStatusNames, parseStatus, readStatus, statusPath, writeStatus } from '../../../src/agent/status-file.js';

const SEG = '000000010000000000000001';
let slot = '';
beforeEach(async () => {
  slot = await mkdtemp(join(tmpdir(), 'walship-status-'));
  await mkdir(join(slot, 'status'));
});

describe('status files', () => {
  it('writes <code>\\n<message>\\n and reads it back, multi-line messages included', async () => {
    const record = { code: 2, message: 'ssh: connect refused\nsecond line' };
    await writeStatus(slot, SEG, record);
    expect(await readFile(join(slot, 'status', `${SEG}.error`), 'utf8')).toBe('2\nssh: connect refused\nsecond line\n');
    expect(await readStatus(slot, SEG)).toEqual({ state: 'present', value: record });
    expect(await readdir(join(slot, 'status'))).toEqual([`${SEG}.error`]); // no temp left
  });

  it('writes global.error under the name global', async () => {
    await writeStatus(slot, 'global', { code: 3, message: 'spool paused' });
    expect(await listStatusNames(slot)).toEqual(['global']);
    await clearStatus(slot, 'global');
    await clearStatus(slot, 'global'); // missing is fine
    expect(await listStatusNames(slot)).toEqual([]);
  });

  it('reports absent, and malformed for a bad code line, a missing newline or a symlink', async () => {
    expect(await readStatus(slot, SEG)).toEqual({ state: 'absent' });
    for (const text of ['x\nmsg\n', '2\nmsg', '256\nmsg\n', '-1\nmsg\n', '']) {
      await writeFile(statusPath(slot, SEG), text);
      expect((await readStatus(slot, SEG)).state).toBe('malformed');
    }
    await clearStatus(slot, SEG);
    await symlink('/etc/passwd', statusPath(slot, SEG));
    expect((await readStatus(slot, SEG)).state).toBe('malformed');
  });

  it('parses and formats strictly', () => {
    expect(parseStatus('0\n\n')).toEqual({ code: 0, message: '' });
    expect(formatStatus({ code: 1, message: 'm\n\n' })).toBe('1\nm\n');
    expect(() => formatStatus({ code: 300, message: '' })).toThrow(RangeError);
  });

  it('refuses hostile names before any path is built', () => {
    for (const name of ['../x', '/etc/passwd', '', '.', 'global/../x', `${SEG}/x`, `${SEG}\n`]) {
      expect(() => statusPath(slot, name)).toThrow(RangeError);
    }
  });

  it('lists only WAL names and global, skipping temps and strays', async () => {
    await writeStatus(slot, SEG, { code: 1, message: 'x' });
    await writeFile(join(slot, 'status', `.${SEG}.error.1.ab.walship-tmp`), '');
    await writeFile(join(slot, 'status', 'junk.error'), '');
    await writeFile(join(slot, 'status', SEG), '');
    expect(await listStatusNames(slot)).toEqual([SEG]);
  });
});
