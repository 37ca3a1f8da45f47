// A real OpenSSH server on 127.0.0.1, private to one test file, with keys and Host aliases for its clients.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { logTail, startDaemon, waitUntilReady } from './daemon.js';
import type { Daemon } from './daemon.js';
import { makeTempDir } from './files.js';
import { freePort } from './free-port.js';
import { describeRun, run } from './run.js';
import { ensureClientKey, writeHostAlias } from './ssh-client.js';
import { ensureUser } from './users.js';
import type { SystemUser } from './users.js';

export interface SshServerUser {
  /** Account that clients log into. */
  user: string;
  /** PATH of that user's ssh sessions (e.g. `${repoRoot}/bin:/usr/bin:/bin`); default: sshd's. */
  path?: string;
}

export interface StartSshdOptions {
  /** Users who will run ssh (PG_USER, 'root', 'barman', …): each gets a key and the Host alias. */
  clients: string[];
  /** Users clients may log into; every client key is authorized for every server user. */
  servers: SshServerUser[];
}

export interface Sshd {
  /** ssh Host alias `walship-sshd-<port>`, valid for every client user: use it as BARMAN_HOST. */
  host: string;
  port: number;
  /** sshd's own log (LogLevel VERBOSE): read it when a login fails. */
  logPath: string;
  /** known_hosts holding this sshd's host key, as `[127.0.0.1]:<port> ssh-ed25519 …`. */
  knownHostsPath: string;
  /** Stops sshd (by PID), removes the clients' Host alias files and the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd'; // absolute: sshd re-executes itself and refuses a relative path
const BIND_ATTEMPTS = 5;

/**
 * Starts sshd on a free 127.0.0.1 port and prepares every client user to reach every server user as
 * `ssh <server-user>@<host>`, with the host key verified. Needs root. Several instances may run at
 * once (one per test file): each has its own temp dir, port, known_hosts and alias file.
 */
export async function startSshd(opts: StartSshdOptions): Promise<Sshd> {
  const dir = await makeTempDir('walship-sshd-');
  let daemon: Daemon | undefined;
  const aliases: string[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await daemon?.stop('SIGTERM');
    await Promise.all(aliases.map((path) => rm(path, { force: true })));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // sshd's privilege-separation directory; the openssh-server package only makes it via systemd.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKey = await generateHostKey(dir);
    await Promise.all(opts.servers.map((s) => allowSshLogin(s.user)));
    const clients = await Promise.all(opts.clients.map(prepareClient));
    await authorizeClients(dir, opts.servers, clients);
    const launched = await launch(dir, opts.servers);
    daemon = launched.daemon;
    const { port } = launched;
    const host = `walship-sshd-${port}`;
    const knownHostsPath = `${dir}/known_hosts`;
    await writeFile(knownHostsPath, `[127.0.0.1]:${port} ${hostKey}\n`, { mode: 0o644 });
    for (const c of clients) {
      aliases.push(await writeHostAlias(c.user, { alias: host, port, knownHostsPath, keyPath: c.keyPath }));
    }
    return { host, port, logPath: `${dir}/sshd.log`, knownHostsPath, stop };
  } catch (err) {
    await stop(); // nothing of a failed start may linger: no server, no alias, no temp dir
    throw err;
  }
}

async function generateHostKey(dir: string): Promise<string> {
  const keygen = ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'walship-test-host'];
  const r = await run([...keygen, '-f', `${dir}/host_ed25519`]);
  if (r.code !== 0) throw new Error(`ssh-keygen (host key) failed\n${describeRun(r)}`);
  const [type, key] = (await readFile(`${dir}/host_ed25519.pub`, 'utf8')).trim().split(' ');
  return `${type} ${key}`;
}

interface Client {
  user: SystemUser;
  keyPath: string;
  publicKey: string;
}

async function prepareClient(name: string): Promise<Client> {
  const user = await ensureUser(name);
  return { user, ...(await ensureClientKey(user)) };
}

/** Every client key may log into every server user (`AuthorizedKeysFile <dir>/authorized_keys/%u`). */
async function authorizeClients(dir: string, servers: SshServerUser[], clients: Client[]): Promise<void> {
  await mkdir(`${dir}/authorized_keys`, { mode: 0o755 });
  const keys = clients.map((c) => c.publicKey).join('\n') + '\n';
  for (const s of servers) await writeFile(`${dir}/authorized_keys/${s.user}`, keys, { mode: 0o644 });
}

/**
 * Without PAM, sshd refuses any login into an account whose password field starts with `!`
 * ("account is locked"), which is how Debian creates its barman and postgres users. Such a field
 * is replaced by `*`: still no password that could ever match, but not "locked".
 */
async function allowSshLogin(name: string): Promise<void> {
  await ensureUser(name);
  const shadow = await run(['getent', 'shadow', name]);
  const password = shadow.stdout.toString('utf8').split(':')[1] ?? '';
  if (password.startsWith('!')) {
    const r = await run(['usermod', '--password', '*', name]);
    if (r.code !== 0) throw new Error(`cannot unlock ${name} for ssh logins\n${describeRun(r)}`);
  }
}

/** Picks a free port and starts sshd on it; another process may grab the port first, so retry. */
async function launch(dir: string, servers: SshServerUser[]): Promise<{ daemon: Daemon; port: number }> {
  const logPath = `${dir}/sshd.log`;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    await writeFile(`${dir}/sshd_config`, sshdConfig(dir, port, servers), { mode: 0o644 });
    const daemon = startDaemon([SSHD, '-D', '-e', '-f', `${dir}/sshd_config`], { logPath, lifetimeSignal: 'SIGTERM' });
    const listening = `Server listening on 127.0.0.1 port ${port}.`;
    try {
      await waitUntilReady(daemon, async () => (await readFile(logPath, 'utf8')).includes(listening), {
        name: 'sshd',
        logPath,
        timeoutMs: 10_000,
      });
      return { daemon, port };
    } catch (err) {
      const bindFailed = (await logTail(logPath, 5)).includes(`Bind to port ${port}`);
      if (!bindFailed || attempt >= BIND_ATTEMPTS) throw err;
    }
  }
}

function sshdConfig(dir: string, port: number, servers: SshServerUser[]): string {
  const lines = [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${dir}/host_ed25519`,
    `PidFile ${dir}/sshd.pid`,
    // Root-owned files in a 755 temp dir: StrictModes would reject them for non-root accounts.
    `AuthorizedKeysFile ${dir}/authorized_keys/%u`,
    'StrictModes no',
    `AllowUsers ${servers.map((s) => s.user).join(' ')}`,
    // No PAM: its session modules (loginuid, limits, motd) vary by machine; keys are all we need.
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    // Parallel archive/restore tests open many connections at once; the default 10 drops some.
    'MaxStartups 100',
    'LogLevel VERBOSE',
  ];
  // Match blocks last: everything after a Match line belongs to it. SetEnv is allowed in Match
  // (OpenSSH ≥ 8.7) and applied after sshd's default PATH, so it wins for that user's sessions.
  for (const server of servers.filter((s) => s.path !== undefined)) {
    if (!/^[^"\\\n\s]+$/.test(server.path ?? '')) throw new Error(`startSshd: unusable PATH ${server.path}`);
    lines.push(`Match User ${server.user}`, `  SetEnv "PATH=${server.path}"`);
  }
  return lines.join('\n') + '\n';
}
