// Minimal typing for seek-bzip (a CommonJS bzip2 decoder without bundled types).
declare module 'seek-bzip' {
  const seekBzip: { decode(input: Buffer, output?: Buffer): Buffer };
  export default seekBzip;
}
