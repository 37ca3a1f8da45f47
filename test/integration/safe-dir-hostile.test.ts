// issue 4: hostile BARMAN_SEGMENT values never reach a shell, a path or ssh. notify runs as the
// Barman user with a recording `ssh` first on its PATH; the fixture must never be invoked.
import { chmod, chown, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOwnedDir, makeTempDir } from '../helpers/files.js';
import { requireIntegration } from '../helpers/requirements.js';
import { binPath, describeRun, run } from '../helpers/run.js';
import { BARMAN_USER, ensureUser, PG_USER } from '../helpers/users.js';

const SAFE_DIR_BIN = binPath('walship-safe-dir');
const PWNED = '/tmp/pwned';

const HOSTILE: Array<[string, string]> = [
  ['a shell command after ;', 'x; touch /tmp/pwned'],
  ['a path out of the safe dir', '../../x'],
  ['a command substitution', '$(id)'],
  ['a backquoted command', '`touch /tmp/pwned`'],
  ['a valid name, then a newline and a command', '000000010000000000000001\ntouch /tmp/pwned'],
  ['the empty string', ''],
  ['25 hex digits', '0000000100000000000000001'],
  ['a valid name with a trailing space', '000000010000000000000001 '],
  ['an option for ssh', '-oProxyCommand=touch /tmp/pwned'],
  ['".backup" somewhere in the name', 'x.backup; touch /tmp/pwned'],
];

describe('notify with hostile BARMAN_SEGMENT values', () => {
  let work = '';
  let safeDir = '';
  let fixturePath = '';
  let calls = '';

  beforeAll(async () => {
    requireIntegration(['root']);
    const barman = await ensureUser(BARMAN_USER);
    const pg = await ensureUser(PG_USER);
    work = await makeTempDir('walship-safedir-hostile-');
    safeDir = `${work}/a/b/safe`;
    await ensureOwnedDir(`${work}/a`, pg, 0o755);
    await ensureOwnedDir(`${work}/a/b`, pg, 0o755);
    await ensureOwnedDir(safeDir, pg, 0o700);
    // The fixture ssh records every call in a file the Barman user may write.
    calls = `${work}/ssh-calls`;
    await writeFile(calls, '');
    await chown(calls, barman.uid, barman.gid);
    await ensureOwnedDir(`${work}/bin`, barman, 0o755);
    await writeFile(`${work}/bin/ssh`, `#!/bin/sh\nprintf 'ssh %s\\n' "$*" >> '${calls}'\nexit 0\n`);
    await chmod(`${work}/bin/ssh`, 0o755);
    fixturePath = `${work}/bin:/usr/bin:/bin`;
    await rm(PWNED, { force: true });
  });

  afterAll(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  const notify = (segment: string) =>
    run([SAFE_DIR_BIN, 'notify', '--host', 'pg.invalid', '--user', PG_USER, '--dir', safeDir], {
      user: BARMAN_USER,
      env: {
        PATH: fixturePath,
        BARMAN_HOOK: 'archive_retry_script',
        BARMAN_PHASE: 'post',
        BARMAN_RETRY: '1',
        BARMAN_SERVER: 'pg',
        BARMAN_SEGMENT: segment,
        BARMAN_FILE: `/var/lib/barman/pg/wals/${segment}`,
        BARMAN_ERROR: '',
      },
    });

  it('the fixture is live: a valid segment does reach the recording ssh', async () => {
    const r = await notify('000000010000000000000001');
    expect(r.code, describeRun(r)).toBe(0);
    expect(await readFile(calls, 'utf8')).toBe(
      `ssh -T -o BatchMode=yes -o ConnectTimeout=10 ${PG_USER}@pg.invalid walship-safe-dir mark --dir ${safeDir} -- 000000010000000000000001\n`,
    );
    await writeFile(calls, '');
  });

  it.each(HOSTILE)('%s: exit 62, one ERROR line, no ssh, no file anywhere', async (_what, segment) => {
    const before = { work: await readdir(work), b: await readdir(`${work}/a/b`), a: await readdir(`${work}/a`) };
    const r = await notify(segment);
    expect(r.code, describeRun(r)).toBe(62);
    const shown = JSON.stringify(segment);
    expect(r.stderr).toBe(`ERROR: BARMAN_SEGMENT ${shown} is not a WAL file name; no marker created\n`);
    expect(r.stdout.length).toBe(0);
    expect(await readFile(calls, 'utf8')).toBe('');
    expect(existsSync(PWNED)).toBe(false);
    expect(await readdir(safeDir)).toEqual([]);
    expect({ work: await readdir(work), b: await readdir(`${work}/a/b`), a: await readdir(`${work}/a`) }).toEqual(before);
  });

  it('an unset BARMAN_SEGMENT: exit 62 and no ssh', async () => {
    const r = await run([SAFE_DIR_BIN, 'notify', '--host', 'pg.invalid'], {
      user: BARMAN_USER,
      env: { PATH: fixturePath, BARMAN_HOOK: 'archive_retry_script', BARMAN_PHASE: 'post' },
    });
    expect(r.code, describeRun(r)).toBe(62);
    expect(await readFile(calls, 'utf8')).toBe('');
  });
});
