// The layout's names are what sh and Node both use; sh gets them unquoted, so they must be plain words.
import { describe, expect, it } from 'vitest';
import {
  EXIT_PURGE_DIRS, isEntryName, isStatusName, REARM_WIPE_DIRS, SHIPPED_DIR, shConstants, SLOT_DIRS, slotPath, stateDirPath,
} from '../../../src/agent/layout.js';

describe('agent layout', () => {
  it('puts each slot under pg_wal/.walship of the data dir', () => {
    expect(stateDirPath('/pg/data')).toBe('/pg/data/pg_wal/.walship');
    expect(slotPath('/pg/data', 'restore')).toBe('/pg/data/pg_wal/.walship/restore');
  });

  it('gives sh the relative paths PostgreSQL’s cwd (the data dir) makes valid', () => {
    const sh = shConstants();
    expect(sh.ARCHIVE_SLOT).toBe('pg_wal/.walship/archive');
    expect(sh.RESTORE_SLOT).toBe('pg_wal/.walship/restore');
    expect(sh.GLOBAL_ERROR_FILE).toBe('global.error');
    expect(sh.RECOVERY_XLOG_PATH).toBe('pg_wal/RECOVERYXLOG');
  });

  it('renders only plain words, which need no quoting in sh', () => {
    for (const [name, value] of Object.entries(shConstants())) {
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(value).toMatch(/^[A-Za-z0-9._/-]+$/);
    }
  });

  it('wipes and purges only directories of the slot, and never shipped/ on re-arm', () => {
    for (const role of ['archive', 'restore'] as const) {
      for (const dir of [...REARM_WIPE_DIRS[role], ...EXIT_PURGE_DIRS[role]]) expect(SLOT_DIRS[role]).toContain(dir);
      expect(REARM_WIPE_DIRS[role]).not.toContain(SHIPPED_DIR);
    }
  });

  it('accepts WAL names as entries and refuses hostile ones', () => {
    for (const good of ['000000010000000000000001', '00000002.history', '000000010000000000000001.partial']) expect(isEntryName(good)).toBe(true);
    for (const bad of ['', '.', '..', '../000000010000000000000001', 'a/b', '.000000010000000000000001', '000000010000000000000001\n', 'global']) {
      expect(isEntryName(bad)).toBe(false);
    }
    expect(isStatusName('global')).toBe(true);
    expect(isStatusName('global/..')).toBe(false);
  });
});
