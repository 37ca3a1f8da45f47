// Streaming tar reader for untrusted input (put-wal's stdin): regular files only, hard limits, typed errors.
import { Readable } from 'node:stream';
import { TarFormatError } from '../errors.js';
import {
  BLOCK, PAX_MAX, decodeHeader, paddingFor, parsePaxRecords, resolveMember, type PaxRecords, type TarMemberHeader,
} from './tar-header.js';

export { checkMemberName, type TarMemberHeader } from './tar-header.js';

export interface TarLimits {
  /** Regular-file members accepted; pax headers are not counted (maxTotalBytes bounds them). */
  maxMembers: number;
  /** Largest data size of one member, checked from its header before any data is read. */
  maxMemberSize: number;
  /** Every byte read from the input: headers, data, padding, end-of-archive and what follows. */
  maxTotalBytes: number;
}

const GiB = 1024 ** 3;
/**
 * 1 GiB is PostgreSQL's largest WAL segment (--with-wal-segsize=1024), so no legitimate member is
 * bigger. 4 GiB bounds one put-wal call. 1024 members bounds the temp files and checksum entries a
 * single call can create: with 16 MiB segments the byte limit already stops at ~255 segments, and
 * the rest leaves room for small history files in a backlog.
 */
export const DEFAULT_TAR_LIMITS: TarLimits = { maxMembers: 1024, maxMemberSize: GiB, maxTotalBytes: 4 * GiB };

const EMPTY = Buffer.alloc(0);

/** Pulls input chunks only when asked, so a slow consumer slows the sender instead of buffering. */
class ByteSource {
  consumed = 0;
  #chunks: Buffer[] = [];
  #ended = false;

  constructor(private readonly iterator: AsyncIterator<unknown>, private readonly maxTotal: number) {}

  /** Up to `max` bytes; an empty buffer only once the input has ended. */
  async readSome(max: number): Promise<Buffer> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return EMPTY;
      const next = await this.iterator.next();
      if (next.done === true) this.#ended = true;
      else if (!Buffer.isBuffer(next.value)) throw new TypeError('tar input must be a byte stream, not text');
      else if (next.value.length > 0) this.#chunks.push(next.value);
    }
    const first = this.#chunks[0]!;
    const taken = first.subarray(0, Math.min(max, first.length));
    if (taken.length === first.length) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(taken.length);
    this.consumed += taken.length;
    if (this.consumed > this.maxTotal) {
      throw new TarFormatError('TAR_TOO_LARGE', `tar stream exceeds the limit of ${this.maxTotal} bytes`);
    }
    return taken;
  }

  /** Exactly `length` bytes, or fewer when the input ends first. */
  async readUpTo(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < length) {
      const part = await this.readSome(length - got);
      if (part.length === 0) break;
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }
}

const truncated = (what: string, member?: string): TarFormatError =>
  new TarFormatError('TAR_TRUNCATED', `tar stream truncated: ${what}`,
    { ...(member === undefined ? {} : { member }), hint: 'the sender stopped early; it should retry' });

/** One member's data; pulls from the archive only when its consumer reads. */
class MemberBody extends Readable {
  failure: unknown;
  #remaining: number;
  #pulling: Promise<void> = Promise.resolve();
  #detached = false;

  constructor(private readonly source: ByteSource, private readonly member: string, size: number) {
    super();
    this.#remaining = size;
  }

  override _read(): void {
    if (!this.#detached) this.#pulling = this.#pushNext();
  }

  /** After onMember resolved: skip what it left unread, then stop serving reads. */
  async finish(): Promise<void> {
    this.#detached = true;
    await this.#pulling;
    try {
      while (this.failure === undefined && this.#remaining > 0) await this.#take();
    } catch (error) {
      this.failure = error;
    }
    this.destroy();
    if (this.failure !== undefined) throw this.failure;
  }

  async #take(): Promise<Buffer> {
    const chunk = await this.source.readSome(this.#remaining);
    if (chunk.length === 0) throw truncated(`input ended inside the data of "${this.member}"`, this.member);
    this.#remaining -= chunk.length;
    return chunk;
  }

  async #pushNext(): Promise<void> {
    try {
      if (this.#remaining > 0) this.push(await this.#take());
      if (this.#remaining === 0) this.push(null);
    } catch (error) {
      this.failure = error;
      this.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/**
 * Reads a tar stream and hands each regular file to `onMember`, one at a time; `data` yields
 * exactly `header.size` bytes and whatever onMember leaves unread is skipped once it resolves.
 * The first failure (a refused header, the input's error, onMember's rejection) rejects readTar
 * and destroys the input, so nothing keeps buffering an archive that is refused anyway.
 * Both end-of-archive zero blocks are required: GNU tar and Python's tarfile always write them,
 * so a stream that stops cleanly between members is a sender that died (TAR_TRUNCATED).
 * Accepted formats: ustar, pax ('x' path/size/mtime apply; 'g' is checked and ignored) and GNU
 * headers; GNU long names ('L') are refused, a basename never needs one.
 */
export async function readTar(
  input: NodeJS.ReadableStream,
  onMember: (header: TarMemberHeader, data: Readable) => Promise<void>,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): Promise<{ members: number; bytes: number }> {
  const source = new ByteSource(input[Symbol.asyncIterator](), limits.maxTotalBytes);
  try {
    const members = await readMembers(source, onMember, limits);
    // Blocking-factor padding (tar pads to 10240 bytes) and anything else after the end is ignored.
    while ((await source.readSome(64 * 1024)).length > 0);
    return { members, bytes: source.consumed };
  } catch (error) {
    if (input instanceof Readable) input.destroy();
    throw error;
  }
}

async function readMembers(
  source: ByteSource,
  onMember: (header: TarMemberHeader, data: Readable) => Promise<void>,
  limits: TarLimits,
): Promise<number> {
  let members = 0;
  let pax: PaxRecords | undefined;
  for (;;) {
    const block = await source.readUpTo(BLOCK);
    if (block.length === 0) throw truncated('input ended without the end-of-archive blocks');
    if (block.length < BLOCK) throw truncated('input ended inside a header');
    if (isZero(block)) {
      await expectSecondZeroBlock(source);
      if (pax !== undefined) throw new TarFormatError('TAR_BAD_HEADER', 'pax header is not followed by a member');
      return members;
    }
    const raw = decodeHeader(block);
    if (raw.typeflag === 'x' || raw.typeflag === 'g') {
      const records = parsePaxRecords(await readPaxBody(source, raw.size), raw.typeflag);
      // Global headers are validated and ignored (parsePaxRecords refuses a global path or size).
      if (raw.typeflag === 'x') pax = records;
      continue;
    }
    const header = resolveMember(raw, pax, limits.maxMemberSize);
    pax = undefined;
    if (members >= limits.maxMembers) {
      throw new TarFormatError('TAR_TOO_MANY_MEMBERS', `tar stream has more than ${limits.maxMembers} members`,
        { member: header.name });
    }
    // Refuse from the header alone: never start a member the byte limit would cut short.
    if (source.consumed + header.size + paddingFor(header.size) > limits.maxTotalBytes) {
      throw new TarFormatError('TAR_TOO_LARGE',
        `member "${header.name}" would take the tar stream over ${limits.maxTotalBytes} bytes`, { member: header.name });
    }
    await deliver(source, header, onMember);
    members += 1;
  }
}

async function deliver(
  source: ByteSource,
  header: TarMemberHeader,
  onMember: (header: TarMemberHeader, data: Readable) => Promise<void>,
): Promise<void> {
  const body = new MemberBody(source, header.name, header.size);
  try {
    await onMember(header, body);
  } catch (error) {
    // A consumer failing because the input broke reports the input's error, the root cause.
    throw body.failure ?? error;
  }
  await body.finish();
  const pad = paddingFor(header.size);
  if ((await source.readUpTo(pad)).length < pad) throw truncated(`input ended after "${header.name}"`, header.name);
}

async function readPaxBody(source: ByteSource, size: number): Promise<Buffer> {
  // Pax bodies are buffered whole, so they get their own small limit.
  if (size > PAX_MAX) throw new TarFormatError('TAR_TOO_LARGE', `pax header of ${size} bytes exceeds ${PAX_MAX}`);
  const padded = size + paddingFor(size);
  const body = await source.readUpTo(padded);
  if (body.length < padded) throw truncated('input ended inside a pax header');
  return body.subarray(0, size);
}

async function expectSecondZeroBlock(source: ByteSource): Promise<void> {
  const block = await source.readUpTo(BLOCK);
  if (block.length < BLOCK) throw truncated('input ended after a single end-of-archive block');
  if (!isZero(block)) throw new TarFormatError('TAR_BAD_HEADER', 'a lone zero block is followed by data');
}

const isZero = (block: Buffer): boolean => block.every((byte) => byte === 0);
