// Recognises how a stored WAL file is compressed from its first bytes (Barman stores compressed
// files under the plain WAL name, so the magic number is the only label).

export type Compression = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'lz4' | 'snappy';
export type StoredFormat = Compression | 'none';

/** How many leading bytes detectCompression needs. */
export const MAGIC_LENGTH = 10;

const MAGICS: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  // python-snappy's framed stream: stream identifier chunk "\xff\x06\x00\x00sNaPpY"
  ['snappy', [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]],
];

export function detectCompression(head: Buffer): StoredFormat {
  // bzip2: "BZh" then a block size digit 1-9
  if (head.length >= 4 && head.toString('latin1', 0, 3) === 'BZh' && head[3]! >= 0x31 && head[3]! <= 0x39) return 'bzip2';
  for (const [kind, magic] of MAGICS) {
    if (head.length >= magic.length && magic.every((byte, i) => head[i] === byte)) return kind;
  }
  return 'none';
}
