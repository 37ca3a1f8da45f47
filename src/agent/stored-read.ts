// Reading one small state file of a slot (status/, shipped/, pm…) as a result, not an exception:
// absent, malformed, or parsed. A symlink is malformed: nothing under the slot is ever followed.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { errnoCode } from '../errors.js';

export type StoredRead<T> =
  | { readonly state: 'absent' }
  | { readonly state: 'malformed'; readonly text: string }
  | { readonly state: 'present'; readonly value: T };

/** State files are a line or a short message; a larger one is malformed, and is never read whole. */
export const MAX_STATE_FILE_BYTES = 64 * 1024;

export async function readStateFile<T>(path: string, parse: (text: string) => T | undefined): Promise<StoredRead<T>> {
  let text: string;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      if (!(await handle.stat()).isFile()) return { state: 'malformed', text: '' };
      const buffer = Buffer.alloc(MAX_STATE_FILE_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_STATE_FILE_BYTES) return { state: 'malformed', text: '' };
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { state: 'absent' };
    if (code === 'ELOOP') return { state: 'malformed', text: '' }; // a planted symlink
    throw error;
  }
  const value = parse(text);
  return value === undefined ? { state: 'malformed', text } : { state: 'present', value };
}
