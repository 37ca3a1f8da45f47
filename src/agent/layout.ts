// The one source of truth for the per-cluster async state under `pg_wal/.walship/` (issue 9 design
// §1): every directory and file name the agents, the Node clients and the sh fast paths use.
// The sh entries get these values through shConstants(), substituted by scripts/bundle.mjs, so a
// rename here changes both sides at once.

import { join } from 'node:path';
import { parseWalName } from '../wal/name.js';

/** Layout version written to VERSION; a slot tree of another version is refused, never reinterpreted. */
export const LAYOUT_VERSION = '1';

/** Both commands run with the data directory as cwd, so these are relative to it (design §0). */
export const WAL_DIR = 'pg_wal';
export const STATE_DIR_NAME = '.walship';
export const VERSION_FILE = 'VERSION';
export const POSTMASTER_PID_FILE = 'postmaster.pid';

export type SlotRole = 'archive' | 'restore';
export const SLOT_ROLES: readonly SlotRole[] = ['archive', 'restore'];

/** Files every slot has. */
export const TARGET_FILE = 'target';
export const PM_FILE = 'pm';
export const AGENT_PID_FILE = 'agent.pid';
export const AGENT_LOG_FILE = 'agent.log';
export const AGENT_LOG_ROTATED_FILE = 'agent.log.1';

/** Directories every slot has. */
export const STATUS_DIR = 'status';
export const TMP_DIR = 'tmp';

/** archive/ack/<name> is a hard link to pg_wal/<name>; shipped/ records; want/ markers. */
export const ACK_DIR = 'ack';
export const SHIPPED_DIR = 'shipped';
export const WANT_DIR = 'want';
/** restore/ready/<name> validated segments; inflight/, asked/, served/ empty markers. */
export const READY_DIR = 'ready';
export const INFLIGHT_DIR = 'inflight';
export const ASKED_DIR = 'asked';
export const SERVED_DIR = 'served';

export type SlotDir =
  | typeof STATUS_DIR | typeof TMP_DIR
  | typeof ACK_DIR | typeof SHIPPED_DIR | typeof WANT_DIR
  | typeof READY_DIR | typeof INFLIGHT_DIR | typeof ASKED_DIR | typeof SERVED_DIR;

/** The skeleton of each slot, created by openSlot. */
export const SLOT_DIRS: Readonly<Record<SlotRole, readonly SlotDir[]>> = {
  archive: [STATUS_DIR, TMP_DIR, ACK_DIR, SHIPPED_DIR, WANT_DIR],
  restore: [STATUS_DIR, TMP_DIR, READY_DIR, INFLIGHT_DIR, ASKED_DIR, SERVED_DIR],
};

/**
 * Emptied on re-arm (a new agent, or a new fence): everything that belongs to one postmaster
 * incarnation. shipped/ survives, because it is the memory that stops a re-ship (design §2).
 */
export const REARM_WIPE_DIRS: Readonly<Record<SlotRole, readonly SlotDir[]>> = {
  archive: [ACK_DIR, WANT_DIR, STATUS_DIR],
  restore: [READY_DIR, INFLIGHT_DIR, ASKED_DIR, SERVED_DIR, STATUS_DIR],
};

/** Emptied when an agent exits, so nothing is left for a later recovery to find (design §2.2). */
export const EXIT_PURGE_DIRS: Readonly<Record<SlotRole, readonly SlotDir[]>> = {
  archive: [TMP_DIR],
  restore: [READY_DIR, INFLIGHT_DIR, TMP_DIR],
};

/** status/<name>.error and status/global.error. */
export const ERROR_SUFFIX = '.error';
export const GLOBAL_STATUS_NAME = 'global';

/** The flag that turns async on; its presence in the TARGET KEY is what the sh entry tests. */
export const ASYNC_FLAG = '--async';
/** The only %p the restore fast path serves: PostgreSQL's own recovery call (design §1.2). */
export const RECOVERY_XLOG_PATH = `${WAL_DIR}/RECOVERYXLOG`;

/** `<dataDir>/pg_wal/.walship` */
export const stateDirPath = (dataDir: string): string => join(dataDir, WAL_DIR, STATE_DIR_NAME);
/** `<dataDir>/pg_wal/.walship/<role>` */
export const slotPath = (dataDir: string, role: SlotRole): string => join(stateDirPath(dataDir), role);

/**
 * A name allowed as an entry in ack/, ready/, status/ and the rest: a WAL file name, or `global`
 * in status/. Nothing else ever becomes a path under the slot (no `..`, `/`, dot-files, newlines).
 */
export const isEntryName = (name: string): boolean => parseWalName(name) !== undefined;
export const isStatusName = (name: string): boolean => name === GLOBAL_STATUS_NAME || isEntryName(name);

/**
 * The constants the sh fast paths need, by placeholder name (WP1 writes `@NAME@` in the .sh.in
 * files). Every value is a plain word of [A-Za-z0-9._/-], so it needs no quoting in sh.
 */
export function shConstants(): Readonly<Record<string, string>> {
  const state = `${WAL_DIR}/${STATE_DIR_NAME}`;
  return {
    LAYOUT_VERSION,
    WAL_DIR,
    STATE_DIR: state,
    ARCHIVE_SLOT: `${state}/archive`,
    RESTORE_SLOT: `${state}/restore`,
    POSTMASTER_PID_FILE,
    TARGET_FILE,
    PM_FILE,
    AGENT_PID_FILE,
    STATUS_DIR,
    ERROR_SUFFIX,
    GLOBAL_ERROR_FILE: `${GLOBAL_STATUS_NAME}${ERROR_SUFFIX}`,
    ACK_DIR,
    WANT_DIR,
    READY_DIR,
    INFLIGHT_DIR,
    ASKED_DIR,
    SERVED_DIR,
    ASYNC_FLAG,
    RECOVERY_XLOG_PATH,
  };
}
