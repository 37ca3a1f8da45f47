// --verify: every stored segment and .partial decoded in full, in parallel (bounded), and checked as a
// restore would check it: the header matches the name, the decoded size is the segment size, the
// system identifier is the archive's. Reports what it read per second, so a DBA can size the run.

import { openDecoded } from '../codec/stored.js';
import { LONG_HEADER_SIZE, validateSegment } from '../wal/header.js';
import type { Probe } from './probe.js';
import { formatBytes, listSome, type Finding, type ServerMetrics } from './report.js';

export interface VerifyOptions {
  readonly expected: bigint | undefined;
  readonly jobs: number;
  readonly progress: ((text: string) => void) | undefined;
  readonly server: string;
}

/** Decodes one file to its end; the reason it is not a valid segment, or undefined. */
async function verifyOne(probe: Probe, expected: bigint | undefined): Promise<{ bytes: number; problem: string | undefined }> {
  let bytes = 0;
  const head: Buffer[] = [];
  try {
    for await (const chunk of openDecoded(probe.file.path, probe.format)) {
      const buffer = chunk as Buffer;
      if (bytes < LONG_HEADER_SIZE) head.push(buffer.subarray(0, LONG_HEADER_SIZE - bytes));
      bytes += buffer.length;
    }
  } catch (error) {
    return { bytes, problem: `cannot decode it: ${(error as Error).message}` };
  }
  const check = validateSegment(probe.file.wal, Buffer.concat(head), bytes, expected);
  return { bytes, problem: check.ok ? undefined : check.reason };
}

const progressLine = (server: string, done: number, total: number, bytes: number, seconds: number): string => {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `verify ${server} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${formatBytes(bytes)} ${formatBytes(bytes / Math.max(seconds, 0.001))}/s`;
};

export async function verifyStoredFiles(probes: readonly Probe[], options: VerifyOptions, metrics: ServerMetrics): Promise<Finding> {
  const targets = probes.filter((probe) => probe.file.wal.kind === 'segment' || probe.file.wal.kind === 'partial');
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  const failures: string[] = [];
  let next = 0;
  let done = 0;
  let bytes = 0;
  let lastDraw = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const probe = targets[next++] as Probe;
      const result = await verifyOne(probe, options.expected);
      bytes += result.bytes;
      done++;
      if (result.problem !== undefined) failures.push(`${probe.file.wal.name} (${result.problem})`);
      // A redraw per 100 ms at most: a terminal repainting per file would cost more than the decoding.
      if (options.progress !== undefined && (Date.now() - lastDraw > 100 || done === targets.length)) {
        lastDraw = Date.now();
        options.progress(progressLine(options.server, done, targets.length, bytes, elapsed()));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, worker));
  const seconds = elapsed();
  const rate = bytes / Math.max(seconds, 0.001);
  Object.assign(metrics, { verifiedFiles: done, verifyFailures: failures.length, verifyBytesPerSecond: rate });
  const summary = `${done} file(s), ${formatBytes(bytes)} decoded in ${seconds.toFixed(1)} s (${formatBytes(rate)}/s, ${options.jobs} job(s))`;
  if (failures.length === 0) return { part: 'verify', status: 'ok', message: summary };
  return { part: 'verify', status: 'critical', message: `${failures.length} of ${summary} are not valid segments: ${listSome(failures.sort(), 2)}` };
}
