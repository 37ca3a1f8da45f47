// Client side of a test sshd: a user's key, and a Host alias with real host-key verification.
import { chown, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { ensureOwnedDir, writeOwnedFile } from './files.js';
import { describeRun, run } from './run.js';
import type { SystemUser } from './users.js';

/** The line every client's ~/.ssh/config starts with, so each sshd instance is one file in config.d. */
const INCLUDE_LINE = 'Include config.d/*.conf';

/**
 * Returns the public key of user's test key ~/.ssh/walship-test/id_ed25519, generating it on first
 * use. The key is made in a temp dir and renamed into place, so two test files racing for the same
 * user end up sharing one complete key pair (the loser's rename fails and it reads the winner's).
 */
export async function ensureClientKey(user: SystemUser): Promise<{ keyPath: string; publicKey: string }> {
  const sshDir = `${user.home}/.ssh`;
  await ensureOwnedDir(sshDir, user, 0o700);
  const keyDir = `${sshDir}/walship-test`;
  const keyPath = `${keyDir}/id_ed25519`;
  const existing = await readPublicKey(keyPath);
  if (existing !== undefined) return { keyPath, publicKey: existing };

  const temp = await mkdtemp(`${sshDir}/.walship-test-`);
  try {
    await chown(temp, user.uid, user.gid); // mkdtemp made it root's; ssh-keygen runs as user
    const keygen = ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `walship-test ${user.name}`];
    const r = await run([...keygen, '-f', `${temp}/id_ed25519`], { user: user.name });
    if (r.code !== 0) throw new Error(`ssh-keygen for ${user.name} failed\n${describeRun(r)}`);
    await rename(temp, keyDir).catch((err: unknown) => {
      if (!(err instanceof Error && 'code' in err && (err.code === 'ENOTEMPTY' || err.code === 'EEXIST'))) throw err;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const publicKey = await readPublicKey(keyPath);
  if (publicKey === undefined) throw new Error(`no public key at ${keyPath}.pub after ssh-keygen`);
  return { keyPath, publicKey };
}

async function readPublicKey(keyPath: string): Promise<string | undefined> {
  try {
    return (await readFile(`${keyPath}.pub`, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

export interface HostAlias {
  alias: string;
  port: number;
  keyPath: string;
  knownHostsPath: string;
}

/**
 * Writes ~/.ssh/config.d/<alias>.conf for user and makes ~/.ssh/config include it. Host keys are
 * checked for real (StrictHostKeyChecking yes against a known_hosts holding only this sshd's key).
 * No HostKeyAlias: ssh looks up `[127.0.0.1]:<port>`, exactly what the per-instance known_hosts holds.
 * Returns the snippet's path, for removal when the sshd stops.
 */
export async function writeHostAlias(user: SystemUser, host: HostAlias): Promise<string> {
  const sshDir = `${user.home}/.ssh`;
  await ensureOwnedDir(`${sshDir}/config.d`, user, 0o700);
  const snippet = [
    `# walship test sshd on 127.0.0.1:${host.port}; written by test/helpers/sshd.ts, removed by its stop()`,
    `Host ${host.alias}`,
    '  HostName 127.0.0.1',
    `  Port ${host.port}`,
    `  IdentityFile ${host.keyPath}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${host.knownHostsPath}`,
    // Keep /etc/ssh/ssh_known_hosts out of it: the only trusted key is the one this sshd was given.
    '  GlobalKnownHostsFile /dev/null',
    '  StrictHostKeyChecking yes',
    // The known_hosts file is root's and read-only to the client: never try to rewrite it.
    '  UpdateHostKeys no',
    '  BatchMode yes',
    '  ConnectTimeout 10',
    '',
  ].join('\n');
  const snippetPath = `${sshDir}/config.d/${host.alias}.conf`;
  await writeOwnedFile(snippetPath, snippet, user, 0o600);
  await ensureIncludeLine(user);
  return snippetPath;
}

/** Puts the Include line at the top of ~/.ssh/config (ssh takes the first value it sees). */
async function ensureIncludeLine(user: SystemUser): Promise<void> {
  const configPath = `${user.home}/.ssh/config`;
  const current = await readFile(configPath, 'utf8').catch(() => '');
  if (current.split('\n').some((line) => line.trim() === INCLUDE_LINE)) return;
  const header = `# Host aliases of walship's test sshd instances (test/helpers/ssh-client.ts)\n${INCLUDE_LINE}\n\n`;
  await writeOwnedFile(configPath, header + current, user, 0o600);
}
