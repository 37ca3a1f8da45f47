// The text of a small stored file (history, backup label), decoded if it is stored compressed:
// Barman's archiver may compress everything it moves, and the magic number is the only label.

import { readFile } from 'node:fs/promises';
import { createDecompressor } from '../codec/codecs.js';
import { detectCompression } from '../codec/stored.js';
import { Readable } from 'node:stream';

/** At most this much is read: labels and history files are a few hundred bytes. */
const MAX_TEXT = 1 << 20;

/** The text; undefined when the file is unreadable, undecodable or implausibly large. */
export async function readStoredText(path: string): Promise<string | undefined> {
  try {
    const raw = await readFile(path);
    if (raw.length > MAX_TEXT) return undefined;
    const format = detectCompression(raw);
    if (format === 'none') return raw.toString('utf8');
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.from([raw]).pipe(createDecompressor(format))) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  } catch {
    return undefined;
  }
}
