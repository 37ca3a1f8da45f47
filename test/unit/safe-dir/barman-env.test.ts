// notify's reading of Barman's archive hook environment (barman/hooks.py).
import { describe, expect, it } from 'vitest';
import { planNotify } from '../../../src/safe-dir/barman-env.js';

const SEG = '00000001000000000000000B';
/** What Barman 3.4's hooks.py sets for post_archive_retry_script after a successful archive. */
const post = (more: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  BARMAN_VERSION: '3.4.0',
  BARMAN_SERVER: 'pg',
  BARMAN_CONFIGURATION: '/etc/barman.conf',
  BARMAN_HOOK: 'archive_retry_script',
  BARMAN_RETRY: '1',
  BARMAN_PHASE: 'post',
  BARMAN_SEGMENT: SEG,
  BARMAN_FILE: `/var/lib/barman/pg/wals/0000000100000000/${SEG}`,
  BARMAN_SIZE: '16777216',
  BARMAN_TIMESTAMP: '1700000000.0',
  BARMAN_COMPRESSION: '',
  BARMAN_ERROR: '',
  ...more,
});

describe('notify reads the archive hook environment', () => {
  it('marks a segment Barman archived', () => {
    expect(planNotify(post())).toMatchObject({ action: 'mark', wal: { name: SEG, kind: 'segment' }, notes: [] });
  });

  it('marks a history file Barman archived (9.3 pg_receivexlog fetches them)', () => {
    expect(planNotify(post({ BARMAN_SEGMENT: '00000002.history' }))).toMatchObject({ action: 'mark', wal: { kind: 'history' } });
  });

  it('does nothing in the pre phase: the file is not archived yet', () => {
    expect(planNotify(post({ BARMAN_PHASE: 'pre', BARMAN_SEGMENT: 'not even checked' }))).toMatchObject({ action: 'skip' });
  });

  it('needs no marker for .partial and .backup names', () => {
    expect(planNotify(post({ BARMAN_SEGMENT: `${SEG}.partial` }))).toMatchObject({ action: 'skip' });
    expect(planNotify(post({ BARMAN_SEGMENT: `${SEG}.00000028.backup` }))).toMatchObject({ action: 'skip' });
  });

  it('aborts (62) without a marker when Barman failed to archive the file', () => {
    const plan = planNotify(post({ BARMAN_ERROR: "[Errno 28] No space left on device: '/var/lib/barman'" }));
    expect(plan).toEqual({ action: 'abort', message: `Barman did not archive ${SEG} ("[Errno 28] No space left on device: '/var/lib/barman'"); no marker created` });
  });

  it('still marks when the error only says Barman already had identical bytes', () => {
    const plan = planNotify(post({ BARMAN_ERROR: `MatchingDuplicateWalFile:${SEG}` }));
    expect(plan).toMatchObject({ action: 'mark', notes: [`Barman already had ${SEG} with identical content`] });
  });

  it('aborts for a duplicate with different content', () => {
    expect(planNotify(post({ BARMAN_ERROR: `DuplicateWalFile:${SEG}` }))).toMatchObject({ action: 'abort' });
  });

  it.each([
    'x; touch /tmp/pwned',
    '../../x',
    '$(id)',
    `${SEG}\ntouch /tmp/pwned`,
    '',
    '0000000100000000000000001',
    `${SEG} `,
    `-${SEG}`,
  ])('aborts for BARMAN_SEGMENT %j, quoting it printably', (segment) => {
    const plan = planNotify(post({ BARMAN_SEGMENT: segment }));
    expect(plan).toEqual({ action: 'abort', message: `BARMAN_SEGMENT ${JSON.stringify(segment)} is not a WAL file name; no marker created` });
    expect(plan.action === 'abort' && plan.message.includes('\n')).toBe(false);
  });

  it('caps a very long hostile value in the message', () => {
    const plan = planNotify(post({ BARMAN_SEGMENT: 'A'.repeat(10_000) }));
    expect(plan.action === 'abort' && plan.message.length).toBeLessThan(200);
  });

  it('aborts when BARMAN_SEGMENT is not set at all', () => {
    const env = post();
    delete env['BARMAN_SEGMENT'];
    expect(planNotify(env)).toMatchObject({ action: 'abort' });
  });

  it('aborts when configured as another hook (a deleted WAL is not a safe one)', () => {
    expect(planNotify(post({ BARMAN_HOOK: 'wal_delete_retry_script' }))).toMatchObject({ action: 'abort' });
  });

  it('aborts for a phase Barman never sets', () => {
    expect(planNotify(post({ BARMAN_PHASE: 'during' }))).toMatchObject({ action: 'abort' });
  });

  it('works without Barman variables other than BARMAN_SEGMENT (a manual run), and warns for a non-retry hook', () => {
    expect(planNotify({ BARMAN_SEGMENT: SEG })).toMatchObject({ action: 'mark', notes: [] });
    expect(planNotify(post({ BARMAN_HOOK: 'archive_script', BARMAN_RETRY: '0' }))).toMatchObject({ action: 'mark', notes: [expect.stringMatching(/^WARNING: notify runs as a non-retry hook/)] });
  });
});
