// shipped/ records: "v1 <sha256> <size> <target-hash>\n", strict; a bad record is ignored, never trusted.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatShippedRecord, parseShippedRecord, readShippedRecord, shippedPath, writeShippedRecord } from '../../../src/agent/shipped-record.js';

const SEG = '000000010000000000000001';
const SHA = 'a'.repeat(64);
const TH = '0123456789abcdef'.repeat(4);
const record = { sha256: SHA, size: 16777216, targetHash: TH };

describe('shipped records', () => {
  it('formats one v1 line and parses it back', () => {
    expect(formatShippedRecord(record)).toBe(`v1 ${SHA} 16777216 ${TH}\n`);
    expect(parseShippedRecord(formatShippedRecord(record))).toEqual(record);
    expect(parseShippedRecord(`v1 ${SHA} 0 ${TH}\n`)?.size).toBe(0);
  });

  it.each([
    ['no newline', `v1 ${SHA} 1 ${TH}`],
    ['two lines', `v1 ${SHA} 1 ${TH}\n\n`],
    ['another version', `v2 ${SHA} 1 ${TH}\n`],
    ['upper-case hex', `v1 ${SHA.toUpperCase()} 1 ${TH}\n`],
    ['short hash', `v1 ${SHA.slice(1)} 1 ${TH}\n`],
    ['leading zero', `v1 ${SHA} 01 ${TH}\n`],
    ['negative size', `v1 ${SHA} -1 ${TH}\n`],
    ['huge size', `v1 ${SHA} 9999999999999999 ${TH}\n`],
    ['double space', `v1  ${SHA} 1 ${TH}\n`],
    ['trailing field', `v1 ${SHA} 1 ${TH} x\n`],
  ])('refuses a record with %s', (_what, text) => {
    expect(parseShippedRecord(text)).toBeUndefined();
  });

  it('refuses to format a bad record', () => {
    expect(() => formatShippedRecord({ ...record, sha256: 'x' })).toThrow(RangeError);
    expect(() => formatShippedRecord({ ...record, size: 1.5 })).toThrow(RangeError);
  });

  it('writes durably under shipped/<name> and reads present, malformed or absent', async () => {
    const slot = await mkdtemp(join(tmpdir(), 'walship-shipped-'));
    await mkdir(join(slot, 'shipped'));
    expect(await readShippedRecord(slot, SEG)).toEqual({ state: 'absent' });
    await writeShippedRecord(slot, SEG, record);
    expect(await readFile(join(slot, 'shipped', SEG), 'utf8')).toBe(formatShippedRecord(record));
    expect(await readShippedRecord(slot, SEG)).toEqual({ state: 'present', value: record });
    await writeFile(join(slot, 'shipped', SEG), 'garbage\n');
    expect(await readShippedRecord(slot, SEG)).toEqual({ state: 'malformed', text: 'garbage\n' });
  });

  it('refuses hostile names', () => {
    for (const name of ['../x', 'global', '', `${SEG}/..`]) expect(() => shippedPath('/s', name)).toThrow(RangeError);
  });
});
