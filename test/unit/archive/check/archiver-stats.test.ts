// walship-archive --check: what pg_stat_archiver's row means, as one line per problem.
import { describe, expect, it } from 'vitest';
import { judgeArchiverStats, parseArchiverStats } from '../../../../src/archive/check/archiver-stats.js';

const NOW = 1_700_000_000_000;
const row = (fields: string[]): string => `${fields.join('\t')}\n`;

describe('pg_stat_archiver judged (issue 12)', () => {
  it('parses psql -At output, empty trailing fields included', () => {
    expect(parseArchiverStats(row(['on', 'f', '4', '0', '000000010000000000000004', '1699999990.5', '', '']))).toMatchObject({
      archiveMode: 'on', inRecovery: false, archivedCount: 4, failedCount: 0, lastArchivedTime: 1_699_999_990_500, lastFailedTime: undefined,
    });
  });

  it('failing now is CRITICAL, failed recently but archiving since is a WARNING, long ago is fine', () => {
    const failing = parseArchiverStats(row(['on', 'f', '4', '3', 'A', '1699999000', 'B', '1699999900']))!;
    expect(judgeArchiverStats(failing, NOW, 3600)[0]).toMatchObject({ status: 'critical' });
    const recovered = parseArchiverStats(row(['on', 'f', '4', '3', 'A', '1699999950', 'B', '1699999900']))!;
    expect(judgeArchiverStats(recovered, NOW, 3600)[0]).toMatchObject({ status: 'warning' });
    expect(judgeArchiverStats(recovered, NOW, 60)).toEqual([]);
  });

  it('archive_mode off is CRITICAL; a standby is a NOTE', () => {
    expect(judgeArchiverStats(parseArchiverStats(row(['off', 'f', '0', '0', '', '', '', '']))!, NOW, 3600)[0]?.status).toBe('critical');
    expect(judgeArchiverStats(parseArchiverStats(row(['on', 't', '0', '0', '', '', '', '']))!, NOW, 3600)[0]?.status).toBe('note');
  });
});
