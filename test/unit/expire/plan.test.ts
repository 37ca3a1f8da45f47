// planExpire: what the newest N backups (or a time window) need, and the crash-safe removal order.
import { describe, expect, it } from 'vitest';
import { planExpire } from '../../../src/expire/plan.js';
import type { BackupLabel } from '../../../src/store/backup-label.js';
import type { StoredFile } from '../../../src/store/inventory.js';
import { parseWalName } from '../../../src/wal/name.js';
import { nameOf } from '../../fixtures/check/synthetic.js';

const file = (name: string): StoredFile => ({ wal: parseWalName(name)!, path: `/a/${name}`, location: 'incoming' });
const DAY = 86_400_000;
const NOW = 100 * DAY;
const label = (segno: number, time: number): BackupLabel => {
  const f = file(`${nameOf(1, segno)}.00000028.backup`);
  return { file: f, start: parseWalName(nameOf(1, segno))!, offset: 0x28, time, label: undefined };
};

const files = [...Array.from({ length: 30 }, (_, i) => file(nameOf(1, i + 1))), file('00000002.history'), file(`${nameOf(1, 5)}.00000028.backup`), file(`${nameOf(1, 20)}.00000028.backup`)];
const labels = [label(5, NOW - 10 * DAY), label(20, NOW - 2 * DAY)];

describe('expire plan (issue 12)', () => {
  it('--keep 1 cuts at the newest backup start: older segments and labels go, history files stay', () => {
    const plan = planExpire(files, labels, { keep: 1, keepDays: undefined }, NOW);
    expect(plan.cut?.name).toBe(nameOf(1, 20));
    const names = plan.removals.map((f) => f.wal.name);
    expect(names[0]).toBe(`${nameOf(1, 5)}.00000028.backup`); // labels first
    expect(names.slice(1)).toEqual(Array.from({ length: 19 }, (_, i) => nameOf(1, i + 1))); // oldest first
    expect(names).not.toContain('00000002.history');
  });

  it('--keep-days keeps the backups in the window and the newest one before it', () => {
    expect(planExpire(files, labels, { keep: undefined, keepDays: 1 }, NOW).cut?.name).toBe(nameOf(1, 20));
    expect(planExpire(files, labels, { keep: undefined, keepDays: 5 }, NOW).cut?.name).toBe(nameOf(1, 5));
    // Both: keep what either keeps.
    expect(planExpire(files, labels, { keep: 2, keepDays: 1 }, NOW).cut?.name).toBe(nameOf(1, 5));
  });

  it('keeping every backup still drops the WAL from before the oldest one; no label, no plan', () => {
    expect(planExpire(files, labels, { keep: 2, keepDays: undefined }, NOW).removals.map((f) => f.wal.name)).toEqual(Array.from({ length: 4 }, (_, i) => nameOf(1, i + 1)));
    expect(planExpire(files, [], { keep: 1, keepDays: undefined }, NOW).removals).toEqual([]);
  });
});
