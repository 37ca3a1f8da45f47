// The textfile-collector file parses with a Prometheus text-format parser, and is replaced atomically.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { formatPrometheus, writePrometheusFile } from '../../../src/check/prometheus.js';
import { emptyMetrics, serverReport } from '../../../src/check/report.js';

const report = (server: string, status: 'ok' | 'critical') =>
  serverReport(server, [{ part: 'continuity', status, message: '' }], [], { ...emptyMetrics(), segments: 12, freeBytes: 1e12, freeDays: Infinity, lastArchivedTime: 1_700_000_000 });

describe('Prometheus textfile (issue 12)', () => {
  it('every family parses, with a sample per server; odd server names are escaped', () => {
    const families = parsePrometheusTextFormat(formatPrometheus([report('pg', 'ok'), report('a"b\\c', 'critical')], 1_700_000_100_000));
    const status = families.find((family) => family.name === 'walship_check_status');
    expect(status?.type).toBe('GAUGE');
    expect(status?.metrics).toEqual([{ labels: { server: 'pg' }, value: '0' }, { labels: { server: 'a"b\\c' }, value: '2' }]);
    expect(families.find((family) => family.name === 'walship_free_days')?.metrics[0]?.value).toBe('+Inf');
    expect(families.find((family) => family.name === 'walship_check_timestamp_seconds')?.metrics[0]?.value).toBe('1700000100');
  });

  it('is replaced by rename: a new inode, no temp file left, mode 0644', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'walship-prom-'));
    const path = join(dir, 'walship.prom');
    await writePrometheusFile(path, [report('pg', 'ok')], Date.now());
    const first = statSync(path).ino;
    await writePrometheusFile(path, [report('pg', 'critical')], Date.now());
    expect(statSync(path).ino).not.toBe(first);
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['walship.prom']);
    expect(readFileSync(path, 'utf8')).toContain('walship_check_status{server="pg"} 2');
  });
});
