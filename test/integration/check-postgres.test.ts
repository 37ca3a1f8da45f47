// issue 12 "Must show", check on a real archive: PostgreSQL 15 archives through walship-archive
// (--transport local: put-wal's own code) into a walship archive; then a promotion (timeline 2 with
// its history file), a removed range of segments, a stale archive, the Nagios statuses and the
// Prometheus file; and walship-archive --check against the same cluster, healthy and failing.
import { mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOwnedDir, writeOwnedFile } from '../helpers/files.js';
import { baseBackup, startPostgres, type Pg } from '../helpers/postgres.js';
import { waitFor } from '../helpers/poll.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { ensureUser, PG_USER } from '../helpers/users.js';
import { ageArchive, check, makeLocalArchive, parseJson, segmentNames, switchSegment, waitArchived, type LocalArchive } from './check/archive.js';

let archive: LocalArchive;
let primary: Pg | undefined;
let promoted: Pg | undefined;
let backupDir = '';

beforeAll(async () => {
  requireIntegration(['root', 'postgres']);
  archive = await makeLocalArchive('walship-check-');
  primary = await startPostgres({ settings: { archive_mode: 'on', archive_command: archive.archiveCommand } });
  await primary.psql('create table t (id int)');
  backupDir = `${archive.dir}/standby`;
  await baseBackup(primary, backupDir);
  let last = '';
  for (let i = 0; i < 6; i++) last = await switchSegment(primary);
  await waitArchived(primary, last);
}, 300_000);

afterAll(async () => {
  await promoted?.remove();
  await primary?.remove();
});

describe('walship-server check on an archive PostgreSQL 15 filled', () => {
  it('a whole archive is OK: exit 0 in every output mode, and the Prometheus file parses', async () => {
    const text = await check(archive, ['pg']);
    expect(text.code, describeRun(text)).toBe(0);
    expect(text.stdout.toString()).toMatch(/continuity: OK \(timeline 1: \d+ segment\(s\)\)/);
    const nagios = await check(archive, ['--nagios', 'pg']);
    expect(nagios.code, describeRun(nagios)).toBe(0);
    expect(nagios.stdout.toString()).toMatch(/^WALSHIP OK - 1 server\(s\): pg \(\d+ segments, last archived/);
    expect(nagios.stdout.toString().trim().split('\n')).toHaveLength(1);

    // node_exporter's textfile directory, writable by the account that runs check.
    const promDir = join(archive.dir, 'textfile');
    await ensureOwnedDir(promDir, await ensureUser(PG_USER), 0o755);
    const promFile = join(promDir, 'walship.prom');
    const first = await check(archive, ['--json', '--prometheus', promFile, 'pg']);
    expect(first.code, describeRun(first)).toBe(0);
    const families = parsePrometheusTextFormat(await readFile(promFile, 'utf8'));
    const value = (name: string): string | undefined => families.find((family) => family.name === name)?.metrics[0]?.value;
    expect(value('walship_check_status')).toBe('0');
    expect(value('walship_gaps')).toBe('0');
    expect(Number(value('walship_segments'))).toBe((await segmentNames(archive)).length);
    expect(Number(value('walship_free_bytes'))).toBeGreaterThan(0);
    expect(families.find((family) => family.name === 'walship_segments')?.metrics[0]?.labels).toEqual({ server: 'pg' });

    // Replaced, not rewritten in place: a new inode each time, and no temp file left beside it.
    const before = (await stat(promFile)).ino;
    const second = await check(archive, ['--prometheus', promFile, 'pg']);
    expect(second.code, describeRun(second)).toBe(0);
    expect((await stat(promFile)).ino).not.toBe(before);
    expect(await readdir(promDir)).toEqual(['walship.prom']);
  });

  it('a promotion (timeline 2 and its history file) is not a gap', async () => {
    const last = await primary!.psql('select last_archived_wal from pg_stat_archiver');
    await primary!.stop();
    const pgUser = await ensureUser(PG_USER);
    await writeOwnedFile(`${backupDir}/standby.signal`, '', pgUser, 0o600);
    promoted = await startPostgres({
      dataDir: backupDir,
      readyTimeoutMs: 300_000,
      settings: { archive_mode: 'on', archive_command: archive.archiveCommand, restore_command: archive.restoreCommand },
    });
    // Replay everything the old primary archived, then promote: timeline 2 begins after it.
    await waitFor('replay of the archive', async () => (await readFile(promoted!.logPath, 'utf8')).includes(`restored log file "${last}"`), 300_000);
    await promoted.psql('select pg_promote()');
    await waitFor('promotion', async () => (await promoted!.psql('select pg_is_in_recovery()')) === 'f', 120_000);
    let newest = '';
    for (let i = 0; i < 3; i++) newest = await switchSegment(promoted);
    expect(newest.startsWith('00000002')).toBe(true);
    await waitArchived(promoted, newest);
    await waitFor('00000002.history archived', async () => (await stat(join(archive.incoming, '00000002.history')).catch(() => undefined)) !== undefined, 60_000);

    const result = await check(archive, ['--json', 'pg']);
    expect(result.code, describeRun(result)).toBe(0);
    const report = parseJson(result).servers[0]!;
    expect(report.gaps).toEqual([]);
    expect(report.metrics.timelines).toEqual([1, 2]);
    expect(report.findings.filter((finding) => finding.status !== 'ok')).toEqual([]);
  }, 600_000);

  it('a removed segment before the switch point is reported as a gap with its exact range', async () => {
    const timeline1 = (await segmentNames(archive)).filter((name) => name.startsWith('00000001'));
    const removed = timeline1.slice(2, 4);
    expect(removed).toHaveLength(2);
    const aside = join(archive.dir, 'aside');
    await mkdir(aside, { recursive: true });
    for (const name of removed) await rename(join(archive.incoming, name), join(aside, name));
    try {
      const json = await check(archive, ['--json', 'pg']);
      expect(json.code, describeRun(json)).toBe(2);
      expect(parseJson(json).servers[0]!.gaps).toEqual([{ timeline: 1, first: removed[0], last: removed[1], count: 2 }]);
      const nagios = await check(archive, ['--nagios', 'pg']);
      expect(nagios.code).toBe(2);
      expect(nagios.stdout.toString()).toContain(`WALSHIP CRITICAL - pg: continuity: 1 gap(s), 2 segment(s) missing: ${removed[0]}..${removed[1]}`);
    } finally {
      for (const name of removed) await rename(join(aside, name), join(archive.incoming, name));
    }
    expect((await check(archive, ['--nagios', 'pg'])).code).toBe(0);
  });

  it('a stale archive trips the age thresholds: WARNING (1), then CRITICAL (2)', async () => {
    await ageArchive(archive, 2 * 3600);
    const warning = await check(archive, ['--nagios', '--warning', '1h', '--critical', '3h', 'pg']);
    expect(warning.code, describeRun(warning)).toBe(1);
    expect(warning.stdout.toString()).toMatch(/^WALSHIP WARNING - pg: last archived: 00000002[0-9A-F]{16}, 2\.0 h ago \(warning at 60 min\)/);
    await ageArchive(archive, 4 * 3600);
    const critical = await check(archive, ['--nagios', '--warning', '1h', '--critical', '3h', 'pg']);
    expect(critical.code, describeRun(critical)).toBe(2);
    expect(critical.stdout.toString()).toMatch(/^WALSHIP CRITICAL - pg: last archived: .*4\.0 h ago \(critical at 3\.0 h\)/);
  });

  it('a check that cannot run is UNKNOWN (3), on one stdout line', async () => {
    const unknown = await check(archive, ['--nagios', 'no-such-server']);
    expect(unknown.code, describeRun(unknown)).toBe(3);
    expect(unknown.stdout.toString()).toMatch(/^WALSHIP UNKNOWN - no-such-server: server: Unknown server 'no-such-server'/);
    const badOption = await check(archive, ['--nagios', '--warning', 'soon', 'pg']);
    expect(badOption.code).toBe(3);
    expect(badOption.stdout.toString()).toMatch(/^WALSHIP UNKNOWN - /);
    const alias = await run([binPath('barman'), '-c', archive.configPath, 'check', 'pg'], { user: PG_USER });
    expect(alias.code).toBe(2);
    expect(alias.stderr).toContain("'check' is walship's own command");
  });
});

describe('walship-archive --check on the PostgreSQL host', () => {
  const archiveCheck = (args: string[] = []): ReturnType<typeof run> =>
    run([binPath('walship-archive'), '--check', '-D', promoted!.dataDir, ...args], { user: PG_USER, env: promoted!.env });

  it('a cluster that archives is OK (exit 0)', async () => {
    const result = await archiveCheck();
    expect(result.code, describeRun(result)).toBe(0);
    expect(result.stdout.toString()).toMatch(/^OK: archiving keeps up \(0 WAL file\(s\) waiting, last archived 00000002/);
  });

  it('a failing archive_command is CRITICAL (exit 2) with one line per problem', async () => {
    await promoted!.psql("alter system set archive_command = 'false'");
    await promoted!.psql('select pg_reload_conf()');
    await switchSegment(promoted!);
    await waitFor('a failed archive_command', async () => Number(await promoted!.psql('select failed_count from pg_stat_archiver')) > 0, 60_000);
    const result = await archiveCheck(['--ready-warning', '0', '--ready-critical', '1h']);
    expect(result.code, describeRun(result)).toBe(2);
    const lines = result.stdout.toString().trim().split('\n');
    expect(lines[0]).toMatch(/^CRITICAL: archive_command is failing: \d+ failure\(s\), the last for 00000002[0-9A-F]{16} /);
    expect(lines[1]).toMatch(/^WARNING: 1 WAL file\(s\) wait for archive_command, the oldest \(00000002[0-9A-F]{16}\) for /);
    // Without psql the SQL part is skipped with a NOTE; the backlog is still judged.
    const noPsql = await run([process.execPath, binPath('walship-archive'), '--check', '-D', promoted!.dataDir, '--ready-warning', '0'], { user: PG_USER, env: { ...promoted!.env, PATH: '/nonexistent' } });
    expect(noPsql.code, describeRun(noPsql)).toBe(1);
    expect(noPsql.stdout.toString()).toContain('NOTE: psql is not on PATH: pg_stat_archiver not checked');
  });
});
