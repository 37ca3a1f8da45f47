// walship-server serve over the in-process local transport: the same bytes and answers as exec
// get-wal, a session that survives refused requests, and the agent's fallback when serve is refused.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadServerMain } from '../../../src/server/in-process.js';
import { ServeSession } from '../../../src/serve/client-session.js';
import { sessionTransport } from '../../../src/serve/session-transport.js';
import { fetchVerified } from '../../../src/restore/fetch.js';
import { peekNames } from '../../../src/restore/prefetch/plan.js';
import { serveArgs } from '../../../src/transport/barman-command.js';
import { localTransport, type ServerEntry } from '../../../src/transport/local.js';
import type { RemoteCommand, Transport } from '../../../src/transport/transport.js';
import { requireWalName } from '../../../src/wal/name.js';
import { makeSegment, MiB } from '../../fixtures/restore/segments.js';

const SEG_16 = 16 * MiB;
const names = { plain: '000000010000000000000002', gzip: '000000010000000000000003', bzip2: '000000010000000000000004', corrupt: '000000010000000000000005', last: '0000000100000000000000FF', next: '000000010000000100000000' };
const segs = {
  plain: makeSegment(names.plain, { size: MiB }),
  gzip: makeSegment(names.gzip, { size: MiB }),
  bzip2: makeSegment(names.bzip2, { size: MiB }),
  last: makeSegment(names.last, { size: SEG_16 }),
  next: makeSegment(names.next, { size: SEG_16 }),
};
let root = '';
let config = '';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'walship-serve-'));
  config = join(root, 'barman.conf');
  await writeFile(config, `[barman]\nbarman_home = ${root}/home\n\n[pg]\ndescription = test\n`);
  const log0 = join(root, 'home/pg/wals/0000000100000000');
  const log1 = join(root, 'home/pg/wals/0000000100000001');
  for (const dir of [log0, log1, join(root, 'home/pg/incoming'), join(root, 'home/pg/streaming')]) await mkdir(dir, { recursive: true });
  await writeFile(join(log0, names.plain), segs.plain);
  await writeFile(join(log0, names.gzip), gzipSync(segs.gzip));
  await writeFile(join(log0, names.bzip2), execFileSync('bzip2', ['-c'], { input: segs.bzip2, maxBuffer: 64 * MiB }));
  await writeFile(join(log0, names.corrupt), Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(4096, 7)]));
  await writeFile(join(log0, names.last), segs.last);
  // The next log's first segment waits in incoming/, where Barman's archiver has not moved it yet.
  await writeFile(join(root, 'home/pg/incoming', names.next), segs.next);
});

const local = (stderr: Writable = new PassThrough().resume(), entry: () => Promise<ServerEntry> = loadServerMain): Transport => localTransport(stderr, {}, entry);

async function openSession(): Promise<ServeSession> {
  const outcome = await ServeSession.open(local(), serveArgs('pg', config), 'pg');
  if (outcome.kind !== 'open') throw new Error(`serve did not open: ${JSON.stringify(outcome)}`);
  return outcome.session;
}

async function collect(command: RemoteCommand) {
  const chunks: Buffer[] = [];
  command.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exit = await command.done;
  return { exit, bytes: Buffer.concat(chunks) };
}

const quiet = () => new PassThrough().resume();

describe('walship-server serve (local transport)', () => {
  it('GET sends plain, gzip-stored and bzip2-stored segments byte-identical, several on one session', async () => {
    const session = await openSession();
    for (const kind of ['plain', 'gzip', 'bzip2'] as const) {
      const { exit, bytes } = await collect(session.get(names[kind], false, 'plain', quiet(), false));
      expect(exit).toEqual({ status: 0 });
      expect(bytes.equals(segs[kind])).toBe(true);
    }
    await session.close();
  });

  it("a WAL file not in the archive is code 1 with Barman's exact line, and the session goes on", async () => {
    const session = await openSession();
    const { exit } = await collect(session.get('000000010000000000000042', false, 'plain', quiet(), false));
    expect(exit).toEqual({ status: 1, stderrTail: "ERROR: WAL file '000000010000000000000042' not found in server 'pg'" });
    expect((await collect(session.get(names.plain, false, 'plain', quiet(), false))).exit.status).toBe(0);
    await session.close();
  });

  it('a corrupt stored file is code 2 (never 1, which PostgreSQL reads as "not archived")', async () => {
    const session = await openSession();
    const { exit } = await collect(session.get(names.corrupt, false, 'plain', quiet(), false));
    expect(exit.status).toBe(2);
    expect(exit.stderrTail).toMatch(/^ERROR: cannot decompress .*000000010000000000000005/);
    await session.close();
  });

  it('PEEK walks across a log boundary (…FF in wals/, the next log in incoming/)', async () => {
    const session = await openSession();
    const { exit, bytes } = await collect(session.peek(names.last, 5, quiet()));
    expect(exit).toEqual({ status: 0 });
    expect(bytes.toString()).toBe(`${names.last}\n${names.next}\n`);
    await session.close();
  });

  it.each(['../../etc/passwd', '00000001000000000000000G', '-o', ''])('the hostile name %j is refused with get-wal’s status 3', async (name) => {
    const session = await openSession();
    const { exit, bytes } = await collect(session.get(name, false, 'plain', quiet(), false));
    expect(exit.status).toBe(3);
    expect(bytes.length).toBe(0);
    expect(session.alive).toBe(true);
    await session.close();
  });

  it('HELLO for another server ends the session with status 2, which the client takes as "no serve here"', async () => {
    const outcome = await ServeSession.open(local(), serveArgs('pg', config), 'other');
    expect(outcome.kind).toBe('refused');
  });
});

describe('the restore agent’s session transport', () => {
  const call = () => ({ config, format: 'plain' as const, partial: false, serverName: 'pg', jobs: 1 });

  it('fetchVerified and peekNames through serve give exec get-wal’s results', async () => {
    const transport = sessionTransport({ base: local(), serverName: 'pg', config, lanes: 2, stderr: quiet(), log: () => undefined });
    const fetched = await fetchVerified(transport, call(), requireWalName(names.gzip), join(root, 'out-gzip'));
    expect(fetched.kind).toBe('fetched');
    const missing = await fetchVerified(transport, call(), requireWalName('000000010000000000000042'), join(root, 'out-missing'));
    expect(missing).toEqual({ kind: 'not-available', answer: 'wal-not-found' });
    expect(await peekNames(transport, call(), requireWalName(names.last), 3)).toEqual([names.last, names.next]);
    await transport.close();
  });

  it('a far end that refuses serve with exit 2 (Barman’s "invalid choice") is asked once, then exec get-wal serves every call', async () => {
    const seen: string[] = [];
    const barmanLike: () => Promise<ServerEntry> = async () => {
      const real = await loadServerMain();
      return async (argv, io) => {
        seen.push(argv.find((word) => word === 'serve' || word === 'get-wal') ?? '?');
        if (argv.includes('serve')) return 2;
        return real(argv, io);
      };
    };
    const lines: string[] = [];
    const transport = sessionTransport({ base: local(quiet(), barmanLike), serverName: 'pg', config, lanes: 2, stderr: quiet(), log: (line) => lines.push(line) });
    for (const name of [names.plain, names.gzip]) {
      expect((await fetchVerified(transport, call(), requireWalName(name), join(root, `fallback-${name}`))).kind).toBe('fetched');
    }
    expect(await peekNames(transport, call(), requireWalName(names.last), 3)).toEqual([names.last, names.next]);
    expect(seen).toEqual(['serve', 'get-wal', 'get-wal', 'get-wal']);
    expect(lines).toContain('the archive host refused serve: using exec get-wal from now on');
    await transport.close();
  });
});
