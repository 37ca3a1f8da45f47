// check's outputs on stdout: human text (a block per server, one line per part, like barman check),
// one Nagios line, or JSON. Pure functions of the reports.

import { formatAge } from '../cli/duration-option.js';
import { STATUS_LABEL, worstStatus } from '../cli/nagios.js';
import type { ServerReport } from './report.js';

const PART_LABEL = { ok: 'OK', warning: 'WARNING', critical: 'FAILED', unknown: 'UNKNOWN' } as const;

export function formatText(reports: readonly ServerReport[]): string {
  return reports
    .map((report) => {
      const lines = report.findings.map((finding) => `\t${finding.part}: ${PART_LABEL[finding.status]} (${finding.message})`);
      return `Server ${report.server}: ${STATUS_LABEL[report.status]}\n${lines.join('\n')}\n`;
    })
    .join('');
}

/** Nagios perfdata: `'label'=value[UOM]`; labels quoted because server names may hold dots and dashes. */
function perfdata(reports: readonly ServerReport[]): string {
  return reports
    .flatMap((report) => {
      const m = report.metrics;
      const items = [`'${report.server}_segments'=${m.segments}`, `'${report.server}_gaps'=${m.gaps}`, `'${report.server}_missing'=${m.missingSegments}`];
      if (m.lastArchivedAgeSeconds !== undefined) items.push(`'${report.server}_age'=${m.lastArchivedAgeSeconds}s`);
      if (m.freeBytes !== undefined) items.push(`'${report.server}_free'=${m.freeBytes}B`);
      return items;
    })
    .join(' ');
}

/**
 * `WALSHIP CRITICAL - pg: continuity: 1 gap(s)... | perfdata`: the problems only, all on one line
 * (Nagios shows the first line of output), or a short summary when all is well.
 */
export function formatNagios(reports: readonly ServerReport[]): string {
  const status = worstStatus(reports.map((report) => report.status));
  const problems = reports.flatMap((report) =>
    report.findings.filter((finding) => finding.status !== 'ok').map((finding) => `${report.server}: ${finding.part}: ${finding.message}`),
  );
  const summary =
    problems.length > 0
      ? problems.join('; ')
      : `${reports.length} server(s): ${reports
          .map((report) => {
            const m = report.metrics;
            const age = m.lastArchivedAgeSeconds === undefined ? 'nothing archived' : `last archived ${formatAge(m.lastArchivedAgeSeconds)} ago`;
            return `${report.server} (${m.segments} segments, ${age})`;
          })
          .join(', ')}`;
  return `WALSHIP ${STATUS_LABEL[status]} - ${summary.replace(/[\n|]/g, ' ')} | ${perfdata(reports)}\n`;
}

export function formatJson(reports: readonly ServerReport[]): string {
  const status = worstStatus(reports.map((report) => report.status));
  return `${JSON.stringify({ status, servers: reports }, null, 2)}\n`;
}
