// Decoding a stored object by its key's suffix (barman-cloud's only label for the compression).

import { createDecompressor, transformBuffer } from '../codec/codecs.js';
import type { Compression } from '../codec/stored.js';

/** The decoder stages for `compression` ([] when stored plain). */
export const decodersFor = (compression: Compression | 'none') => (compression === 'none' ? [] : [createDecompressor(compression)]);

/** A whole object's WAL bytes (objects are segments: at most 1 GiB, usually 16 MiB). */
export const decodeBuffer = async (data: Buffer, compression: Compression | 'none'): Promise<Buffer> =>
  compression === 'none' ? data : transformBuffer(data, createDecompressor(compression));
