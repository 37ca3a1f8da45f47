// System accounts the integration tests run as: created once, idempotently, then looked up by name.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** PostgreSQL side: owns the test clusters, runs archive_command/restore_command and the ssh client. */
export const PG_USER = 'walship-pg';
/** Archive host side: the account walship-server (the `barman` alias) runs as over ssh. */
export const ARCHIVE_USER = 'walship-bm';
/** Debian's barman package account (home /var/lib/barman): the real Barman server side. */
export const BARMAN_USER = 'barman';
/**
 * Another local account on the PostgreSQL host (issue 8's threat model): it can write wherever the
 * system lets everyone write (/tmp, /var/tmp) and plants directories, symlinks and files there.
 */
export const ATTACKER_USER = 'walship-evil';

/** Homes of the accounts created here; 755 so paths under it can be reached by the other test users. */
const HOMES_DIR = '/var/lib/walship-test';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** A clean login-like environment for user: root's PATH may name dirs they cannot enter (/root/.pyenv). */
export function loginEnv(user: SystemUser): Record<string, string> {
  const path = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return { PATH: path, LANG: 'C.UTF-8', HOME: user.home, USER: user.name, LOGNAME: user.name };
}

/** The account as NSS sees it (`getent passwd`), or undefined when there is none. */
export async function lookupUser(name: string): Promise<SystemUser | undefined> {
  try {
    const { stdout } = await execFileAsync('getent', ['passwd', name]);
    const fields = stdout.trim().split(':');
    const [uid, gid, home] = [fields[2], fields[3], fields[5]];
    if (uid === undefined || gid === undefined || home === undefined) throw new Error(`odd passwd entry: ${stdout}`);
    return { name, uid: Number(uid), gid: Number(gid), home };
  } catch (err) {
    // getent exits 2 for "no such key".
    if (isExecError(err) && err.code === 2) return undefined;
    throw err;
  }
}

/**
 * Returns the account, creating it first if needed (needs root). Existing accounts (e.g. Debian's
 * `barman`, or `root`) are only read. Created accounts get a home in /var/lib/walship-test/<name>,
 * bash as shell and the password field `*` (no password, but not "locked"): sshd without PAM
 * refuses public-key logins into accounts whose password field starts with `!`.
 */
export async function ensureUser(name: string): Promise<SystemUser> {
  const existing = await lookupUser(name);
  if (existing !== undefined) return existing;
  await mkdir(HOMES_DIR, { recursive: true, mode: 0o755 });
  const argv = ['--system', '--user-group', '--create-home', '--home-dir', `${HOMES_DIR}/${name}`];
  argv.push('--shell', '/bin/bash', '--password', '*', name);
  await addUserRetrying(argv, name);
  const created = await lookupUser(name);
  if (created === undefined) throw new Error(`ensureUser: useradd ${name} succeeded but getent does not see it`);
  return created;
}

/** Test files run in parallel forks: another one may hold the passwd lock or win the race to create. */
async function addUserRetrying(argv: string[], name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await execFileAsync('useradd', argv);
      return;
    } catch (err) {
      if ((await lookupUser(name)) !== undefined) return;
      const stderr = isExecError(err) ? err.stderr : String(err);
      if (attempt >= 10) throw new Error(`ensureUser: useradd ${name} failed: ${stderr}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

interface ExecError extends Error {
  code: number | string;
  stderr: string;
}

function isExecError(err: unknown): err is ExecError {
  return err instanceof Error && 'code' in err && 'stderr' in err;
}
