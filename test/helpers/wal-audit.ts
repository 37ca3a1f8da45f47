// What an orchestrated cluster did with WAL: every restore_command call (through the restore-audit
// fixture), checked against the archive's own copy, and the archive checked for gaps per timeline.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PG_BIN } from './requirements.js';
import { describeRun, repoRoot, run } from './run.js';

/** Wrap a restore_command argv so that every call is logged to logPath (see test/fixtures/orchestrators/restore-audit). */
export function auditedCommand(logPath: string, argv: string[]): string {
  return [`${repoRoot}/test/fixtures/orchestrators/restore-audit`, logPath, ...argv].join(' ');
}

export interface RestoreCall {
  status: number;
  name: string;
  /** sha256 of the delivered file; undefined when nothing was delivered. */
  sha256: string | undefined;
  /** The first 40 bytes of the delivered file (a segment's long page header). */
  head: Buffer | undefined;
  cwd: string;
}

export async function readRestoreCalls(logPath: string): Promise<RestoreCall[]> {
  const text = await readFile(logPath, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => {
    const [status, name, sum, head, ...cwd] = line.split(' ');
    return {
      status: Number(status),
      name: name ?? '',
      sha256: sum === '-' ? undefined : sum,
      head: head === undefined || head === '-' ? undefined : Buffer.from(head, 'hex'),
      cwd: cwd.join(' '),
    };
  });
}

/** The Database system identifier of a data dir, as pg_controldata prints it. */
export async function systemIdentifier(dataDir: string, user: string): Promise<bigint> {
  const r = await run([`${PG_BIN}/pg_controldata`, dataDir], { user, env: { LC_ALL: 'C' } });
  const match = /Database system identifier:\s+(\d+)/.exec(r.stdout.toString('utf8'));
  if (r.code !== 0 || !match?.[1]) throw new Error(`pg_controldata ${dataDir} failed\n${describeRun(r)}`);
  return BigInt(match[1]);
}

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/;
export const SEGMENT_SIZE = 16 * 1024 * 1024;
const SEGMENTS_PER_LOG = 0x100000000 / SEGMENT_SIZE;

/** Timeline and segment number of a 24-hex segment name (16 MiB segments), or undefined. */
export function parseSegment(name: string): { tli: number; segno: number } | undefined {
  const m = SEGMENT.exec(name);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { tli: parseInt(m[1], 16), segno: parseInt(m[2], 16) * SEGMENTS_PER_LOG + parseInt(m[3], 16) };
}

export function segmentName(tli: number, segno: number): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(tli)}${hex(Math.floor(segno / SEGMENTS_PER_LOG))}${hex(segno % SEGMENTS_PER_LOG)}`;
}

/** Where walship-server keeps a name: wals/<hash>/ (after an archiver run) or incoming/. */
async function archivedCopy(serverDir: string, name: string): Promise<Buffer | undefined> {
  const places = [join(serverDir, 'wals', name.slice(0, 16), name), join(serverDir, 'wals', name), join(serverDir, 'incoming', name)];
  for (const place of places) {
    const bytes = await readFile(place).catch(() => undefined);
    if (bytes) return bytes;
  }
  return undefined;
}

/**
 * Every delivered file must be byte for byte the archive's copy of the name asked for, and every
 * delivered segment must carry the cluster's system identifier, a page address matching its name,
 * a timeline no later than its name's, and the 16 MiB segment size. Returns the problems found.
 */
export async function wrongDeliveries(calls: RestoreCall[], serverDir: string, sysid: bigint): Promise<string[]> {
  const problems: string[] = [];
  for (const call of calls.filter((c) => c.status === 0)) {
    const archived = await archivedCopy(serverDir, call.name);
    if (!archived) problems.push(`${call.name}: delivered but not in the archive`);
    else if (createHash('sha256').update(archived).digest('hex') !== call.sha256) problems.push(`${call.name}: delivered bytes differ from the archive's`);
    const segment = parseSegment(call.name);
    if (!segment) continue;
    const head = call.head;
    if (!head || head.length < 40) {
      problems.push(`${call.name}: delivered file shorter than a page header`);
      continue;
    }
    const tli = head.readUInt32LE(4);
    const pageaddr = head.readBigUInt64LE(8);
    const fileSysid = head.readBigUInt64LE(24);
    const segSize = head.readUInt32LE(32);
    if (fileSysid !== sysid) problems.push(`${call.name}: system identifier ${fileSysid}, cluster has ${sysid}`);
    if (pageaddr !== BigInt(segment.segno) * BigInt(SEGMENT_SIZE)) problems.push(`${call.name}: page address ${pageaddr.toString(16)}`);
    if (tli < 1 || tli > segment.tli) problems.push(`${call.name}: header timeline ${tli}`);
    if (segSize !== SEGMENT_SIZE) problems.push(`${call.name}: segment size ${segSize}`);
  }
  return problems;
}

/** Every file name walship-server holds for a server (incoming/ and wals/, history files included). */
export async function archivedNames(serverDir: string): Promise<Set<string>> {
  const names = new Set<string>(await readdir(join(serverDir, 'incoming')).catch(() => []));
  for (const entry of await readdir(join(serverDir, 'wals')).catch(() => [])) {
    if (/^[0-9A-F]{16}$/.test(entry)) for (const name of await readdir(join(serverDir, 'wals', entry))) names.add(name);
    else names.add(entry);
  }
  return names;
}

/** A timeline history file's lines: timeline tli ended at switchLsn (where the next one began). */
export function parseHistory(text: string): { tli: number; switchLsn: bigint }[] {
  return text.split('\n').flatMap((line) => {
    const m = /^\s*(\d+)\s+([0-9A-F]+)\/([0-9A-F]+)/i.exec(line);
    if (!m?.[1] || !m[2] || !m[3]) return [];
    return [{ tli: Number(m[1]), switchLsn: (BigInt(`0x${m[2]}`) << 32n) | BigInt(`0x${m[3]}`) }];
  });
}

/**
 * The segments missing from the archive between firstSegno and lastSegno (inclusive) when the
 * cluster followed `history` (the newest timeline's .history contents) and is now on `currentTli`:
 * each segment must be archived on the timeline that was current when it was written. The segment
 * holding a switch point belongs to the new timeline (PostgreSQL copies it there at promotion).
 */
export function archiveGaps(names: Set<string>, history: string, currentTli: number, firstSegno: number, lastSegno: number): string[] {
  const switches = parseHistory(history);
  // Timeline tli_i holds the WAL before its switch LSN; a segment that a switch cuts through is on the next one.
  const timelineOf = (segno: number): number => {
    const end = BigInt(segno + 1) * BigInt(SEGMENT_SIZE);
    return switches.find((s) => end <= s.switchLsn)?.tli ?? currentTli;
  };
  const missing: string[] = [];
  for (let segno = firstSegno; segno <= lastSegno; segno++) {
    const name = segmentName(timelineOf(segno), segno);
    if (!names.has(name)) missing.push(name);
  }
  return missing;
}

/** Segment names left in a restore spool (`<spool>/<user@host>/<server…>/`), for reporting what prefetch left behind. */
export async function spooledSegments(spoolDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const host of await readdir(spoolDir).catch(() => [])) {
    for (const server of await readdir(join(spoolDir, host)).catch(() => [])) {
      for (const entry of await readdir(join(spoolDir, host, server)).catch(() => [])) if (parseSegment(entry)) found.push(`${host}/${server}/${entry}`);
    }
  }
  return found;
}
