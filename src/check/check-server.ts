// check for one server, as named steps: list, probe, read histories and labels, then judge each part.
// Headers and listings only unless --verify; every input is passed in.

import type { ServerConfig } from '../config/barman-config.js';
import { readRecordedIdentifier } from '../put-wal/identity-record.js';
import { readBackupLabels } from '../store/backup-label.js';
import { readHistories } from '../store/history.js';
import { readInventory } from '../store/inventory.js';
import { checkIncomingBacklog } from './backlog.js';
import { checkContinuity } from './continuity-part.js';
import { checkDirectories } from './directories.js';
import { checkErrorsDirectory } from './errors-dir.js';
import { checkLastArchived } from './last-archived.js';
import type { CheckOptions } from './options.js';
import { probeAll } from './probe.js';
import { emptyMetrics, listSome, serverReport, type Finding, type ServerReport } from './report.js';
import { judgeSegments } from './segments.js';
import { checkSpace } from './space.js';
import { verifyStoredFiles } from './verify.js';

export async function checkServer(server: ServerConfig, options: CheckOptions): Promise<ServerReport> {
  const metrics = emptyMetrics();
  if (!server.active) return serverReport(server.name, [{ part: 'server', status: 'ok', message: 'inactive (active = off): not checked' }], [], metrics);
  const findings: Finding[] = [checkDirectories(server)];
  const inventory = readInventory(server);
  const probes = await probeAll(inventory.files);
  const { histories, unreadable: badHistories } = await readHistories(inventory.files);
  const { labels, unreadable: badLabels } = await readBackupLabels(inventory.files);
  const recorded = await readRecordedIdentifier(server).catch(() => undefined);

  const segments = judgeSegments(probes, recorded, server.checkSystemIdentifier);
  const continuity = checkContinuity(probes, histories, labels, segments.segmentSize);
  findings.push(...segments.findings, ...continuity.findings);
  const unreadable = [...badHistories, ...badLabels];
  if (unreadable.length > 0) findings.push({ part: 'history and labels', status: 'warning', message: `cannot read ${listSome(unreadable, 2)}` });
  findings.push(checkLastArchived(probes, options, metrics));
  findings.push(checkSpace(server.backupDirectory, probes, options, metrics));
  findings.push(checkErrorsDirectory(server.errorsDirectory, options, metrics));
  if (server.separateArchiver) findings.push(checkIncomingBacklog(probes, options, metrics));
  if (options.verify) findings.push(await verifyStoredFiles(probes, { expected: recorded, jobs: options.jobs, progress: options.progress, server: server.name }, metrics));

  Object.assign(metrics, {
    segments: probes.filter((probe) => probe.file.wal.kind === 'segment').length,
    bytes: probes.reduce((sum, probe) => sum + probe.size, 0),
    segmentSize: segments.segmentSize,
    invalidSegments: segments.invalid,
    foreignSegments: segments.foreign,
    gaps: continuity.continuity?.gaps.length ?? 0,
    missingSegments: continuity.continuity?.gaps.reduce((sum, gap) => sum + gap.count, 0) ?? 0,
    timelines: continuity.continuity?.spans.map((span) => span.timeline) ?? [],
  });
  return serverReport(server.name, findings, continuity.continuity?.gaps ?? [], metrics);
}
