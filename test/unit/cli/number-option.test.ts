// The one numeric option validator: digits only, within range; fractions and Python's int() on request.
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { numberOption, parseNumber } from '../../../src/cli/number-option.js';

describe('parseNumber', () => {
  it.each([
    ['22', { min: 1, max: 65535 }, 22],
    ['0', { min: 0, max: 9 }, 0],
    ['0', { min: 1, max: 9 }, undefined],
    ['10', { min: 1, max: 9 }, undefined],
    ['-1', { min: 0, max: 9 }, undefined],
    ['1e3', { min: 0, max: 9999 }, undefined],
    ['10s', { min: 0, max: 99 }, undefined],
    ['', { min: 0, max: 9 }, undefined],
    [' 3', { min: 0, max: 9 }, undefined],
    ['0.5', { min: 0, max: 9 }, undefined],
    ['0.5', { min: 0, max: 9, fraction: true }, 0.5],
    ['.5', { min: 0, max: 9, fraction: true }, undefined],
    [' +3 ', { min: 1, max: 9, pythonInt: true }, 3],
    ['-3', { min: 1, max: 9, pythonInt: true }, undefined],
  ])('%j in %j is %s', (text, range, expected) => {
    expect(parseNumber(text, range)).toBe(expected);
  });
});

describe('numberOption', () => {
  it('returns the number, or throws the InvalidArgumentError commander reports as a usage error', () => {
    expect(numberOption({ min: 1, max: 65535 })('2222')).toBe(2222);
    expect(() => numberOption({ min: 1, max: 65535 })('0')).toThrow(new InvalidArgumentError('expected an integer from 1 to 65535'));
    expect(() => numberOption({ min: 1, max: Number.MAX_SAFE_INTEGER })('x')).toThrow(new InvalidArgumentError('expected an integer of at least 1'));
    expect(() => numberOption({ min: 0, max: 3600, fraction: true })('x')).toThrow(new InvalidArgumentError('expected a number from 0 to 3600'));
  });
});
