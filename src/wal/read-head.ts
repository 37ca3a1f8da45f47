// Reads the first bytes of a stored WAL file: its page header, or the magic number of its compression.

import { open } from 'node:fs/promises';

/** Up to `length` bytes from offset 0 (fewer if the file is shorter). */
export async function readFileHead(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
