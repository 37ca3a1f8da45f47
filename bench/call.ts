// Runs one archive_command/restore_command exactly as PostgreSQL does: `/bin/sh -c '<cmd>'` through
// system(), as the cluster's user, with the data directory as cwd, and times it from spawn to exit.

import { spawn } from 'node:child_process';
import { loginEnv, lookupUser } from '../test/helpers/users.js';
import type { SystemUser } from '../test/helpers/users.js';

export interface CallResult {
  ms: number;
  code: number | null;
  stderr: string;
}

export interface Caller {
  /** Substitutes %p/%f/%% as PostgreSQL does, then runs the command and times it. */
  call(template: string, cwd: string, subst: { p: string; f: string }): Promise<CallResult>;
  user: SystemUser;
}

/** PostgreSQL's own substitution (shell-quoting is the command author's job, as in postgresql.conf). */
export const substitute = (template: string, subst: { p: string; f: string }): string =>
  template.replace(/%([pf%])/g, (_m, c: string) => (c === 'p' ? subst.p : c === 'f' ? subst.f : '%'));

export async function makeCaller(userName: string): Promise<Caller> {
  const user = await lookupUser(userName);
  if (user === undefined) throw new Error(`no user ${userName}`);
  const env = loginEnv(user);
  const call = (template: string, cwd: string, subst: { p: string; f: string }): Promise<CallResult> =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const child = spawn('/bin/sh', ['-c', substitute(template, subst)], {
        cwd, env, uid: user.uid, gid: user.gid, stdio: ['ignore', 'ignore', 'pipe'],
      });
      const stderr: Buffer[] = [];
      child.stderr.on('data', (b: Buffer) => stderr.push(b));
      const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, stderr: Buffer.concat(stderr).toString('utf8') });
      });
    });
  return { call, user };
}
