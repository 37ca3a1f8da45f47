// Reads the first bytes of a stored WAL file: its page header, or the magic number of its compression.

import { open, type FileHandle } from 'node:fs/promises';
import { detectCompression, MAGIC_LENGTH, type StoredFormat } from '../codec/detect.js';

/** Up to `length` bytes from offset 0 (fewer if the file is shorter), by path or from an open file. */
export async function readFileHead(source: string | FileHandle, length: number): Promise<Buffer> {
  const handle = typeof source === 'string' ? await open(source, 'r') : source;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    if (typeof source === 'string') await handle.close();
  }
}

/** How the file is stored: compressed (by its magic number) or plain. */
export const readStoredFormat = async (source: string | FileHandle): Promise<StoredFormat> =>
  detectCompression(await readFileHead(source, MAGIC_LENGTH));
