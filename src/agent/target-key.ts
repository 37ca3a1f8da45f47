// The TARGET KEY (what sh compares with a slot's `target`) and the target-hash (what shipped/
// records carry), design §1. The key is a plain join so sh can compute it in a loop of builtins.

import { createHash } from 'node:crypto';
import { isObjectStoreUrl } from '../object-store/target.js';
import type { ArchiveHostKey } from '../transport/namespace.js';

/** Characters that would make a space-joined key ambiguous, or that sh reads differently. */
const UNSAFE_ARG_RE = /[ \t\n\\]/;

/**
 * What the environment adds to an s3:// target's key: the variables resolveEndpoint finds the store
 * and its region by. A reload that changes only them (`env AWS_ENDPOINT_URL=… walship-archive …`)
 * then re-arms the slot as a changed argument does, so an ack for one store is never read as one for
 * another. The sh fast paths append the same words (fast-path/*.sh.in).
 */
const OBJECT_STORE_KEY_ENV = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

/**
 * The arguments joined by single spaces, or undefined (fast path off) when any argument is empty
 * or holds a space, tab, newline or backslash: then two argument lists could give one key. With an
 * s3:// argument, ` env=` and the OBJECT_STORE_KEY_ENV values joined by commas follow (undefined
 * when one holds a newline: the slot's target file is one line).
 */
export function targetKey(args: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if (args.some((arg) => arg === '' || UNSAFE_ARG_RE.test(arg))) return undefined;
  if (!args.some(isObjectStoreUrl)) return args.join(' ');
  const values = OBJECT_STORE_KEY_ENV.map((name) => env[name] ?? '');
  if (values.some((value) => value.includes('\n'))) return undefined;
  return `${args.join(' ')} env=${values.join(',')}`;
}

/** archive_command's arguments minus WAL_PATH (the last). */
export const archiveTargetKey = (argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined =>
  argv.length < 1 ? undefined : targetKey(argv.slice(0, -1), env);

/** restore_command's arguments minus WAL_NAME and WAL_DEST (the last two). */
export const restoreTargetKey = (argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined =>
  argv.length < 2 ? undefined : targetKey(argv.slice(0, -2), env);

/** What identifies an archive destination for shipped/ records, whatever the command-line spelling. */
export interface TargetIdentity extends ArchiveHostKey {
  /** MD5SUMS (Barman < 3.12 reads nothing else) or SHA256SUMS. */
  checksum: 'sha256' | 'md5';
  /** Codec name sent, or undefined for plain bytes. */
  compression: string | undefined;
  /**
   * For an s3:// target: the endpoint URL the store answers at, as resolved (--endpoint-url,
   * AWS_ENDPOINT_URL…). The same bucket and prefix on another store are another archive.
   */
  endpoint?: string | undefined;
}

const DEFAULT_SSH_PORT = 22;

/**
 * sha256 (hex) of the normalised identity: host case folded, the default port spelled out. A
 * different -p spelling or argument order then never forces a re-ship (design §1). An s3:// target
 * keeps its case (bucket names are lower case anyway, key prefixes are case-sensitive: `s3://b/PG`
 * and `s3://b/pg` are two archives) and is keyed by its endpoint instead of an ssh user and port.
 */
export function targetHash(identity: TargetIdentity): string {
  if (identity.endpoint !== undefined) return hashOf(objectStoreIdentity(identity, identity.endpoint));
  return hashOf([
    'walship-target-v1',
    identity.user,
    identity.barmanHost.toLowerCase(),
    identity.port ?? DEFAULT_SSH_PORT,
    identity.config ?? null,
    identity.serverName,
    identity.checksum,
    identity.compression ?? null,
  ]);
}

const objectStoreIdentity = (identity: TargetIdentity, endpoint: string): unknown[] => [
  'walship-target-s3-v1',
  endpoint,
  identity.barmanHost,
  identity.serverName,
  identity.checksum,
  identity.compression ?? null,
];

const hashOf = (normalised: unknown[]): string => createHash('sha256').update(JSON.stringify(normalised)).digest('hex');
