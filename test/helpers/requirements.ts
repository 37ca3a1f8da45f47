// Fails an integration test file loudly when a real component it needs is absent (never skips it).
import { accessSync, constants } from 'node:fs';

export type Part = 'root' | 'sshd' | 'postgres' | 'barman' | 'barman-cli' | 'repmgr' | 'patroni' | 'ceph' | 'barman-cloud';

/** Directory of the PostgreSQL 15 executables from Debian's postgresql-15 package. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** The executables each part stands for, with the Debian package that ships them. */
const EXECUTABLES: Record<Exclude<Part, 'root'>, { files: string[]; packages: string }> = {
  sshd: {
    files: ['/usr/sbin/sshd', '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/timeout'],
    packages: 'openssh-server, openssh-client, coreutils',
  },
  postgres: {
    files: ['initdb', 'postgres', 'pg_ctl', 'psql', 'pgbench', 'pg_basebackup'].map((f) => `${PG_BIN}/${f}`),
    packages: 'postgresql-15',
  },
  barman: { files: ['/usr/bin/barman'], packages: 'barman' },
  'barman-cli': {
    files: ['/usr/bin/barman-wal-archive', '/usr/bin/barman-wal-restore'],
    packages: 'barman-cli',
  },
  repmgr: { files: [`${PG_BIN}/repmgr`], packages: 'postgresql-15-repmgr' },
  patroni: { files: ['/usr/bin/patroni', '/usr/bin/etcd'], packages: 'patroni, etcd-server' },
  ceph: { files: ['/usr/bin/ceph-mon', '/usr/bin/ceph-osd', '/usr/bin/radosgw', '/usr/bin/radosgw-admin'], packages: 'ceph-mon, ceph-osd, radosgw' },
  'barman-cloud': { files: ['/usr/bin/barman-cloud-wal-archive', '/usr/bin/barman-cloud-wal-restore'], packages: 'barman-cli-cloud' },
};

/**
 * Call first thing in an integration test file's beforeAll. Throws one Error naming every missing
 * part: skipped tests are banned here, and CI (root, after scripts/install-deps.sh) has them all.
 */
export function requireIntegration(parts: Part[]): void {
  const missing: string[] = [];
  for (const part of parts) {
    if (part === 'root') {
      if (process.getuid?.() !== 0) missing.push('root (it creates users and starts sshd)');
      continue;
    }
    const { files, packages } = EXECUTABLES[part];
    const absent = files.filter((file) => !isExecutable(file));
    if (absent.length > 0) missing.push(`${part} (${absent.join(', ')}; Debian packages: ${packages})`);
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `  - ${m}`).join('\n');
    throw new Error(`integration test needs:\n${list}\nrun \`npm test\` as root, which installs them`);
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
