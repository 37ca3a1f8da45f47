// The one validator for numeric options and variables (ports, seconds, jobs, --peek): digits only,
// within a range, so that "10s", "-1" or "1e3" are usage errors instead of surprising values.

import { InvalidArgumentError } from 'commander';

export interface NumberRange {
  min: number;
  max: number;
  /** Seconds with a fraction (`--wait 0.5`). */
  fraction?: boolean;
  /** Python's int(): blanks around and a leading `+` (what Barman's argparse accepts for --peek). */
  pythonInt?: boolean;
}

const syntaxOf = (range: NumberRange): RegExp =>
  range.fraction ? /^\d+(\.\d+)?$/ : range.pythonInt ? /^\s*\+?\d+\s*$/ : /^\d+$/;

/** The number `text` spells, or undefined when it is malformed or out of range. */
export function parseNumber(text: string, range: NumberRange): number | undefined {
  if (!syntaxOf(range).test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= range.min && value <= range.max ? value : undefined;
}

const describe = (range: NumberRange): string => {
  const kind = range.fraction ? 'a number' : 'an integer';
  return range.max === Number.MAX_SAFE_INTEGER ? `${kind} of at least ${range.min}` : `${kind} from ${range.min} to ${range.max}`;
};

/** A commander argument parser; commander names the option and the value in its message. */
export const numberOption =
  (range: NumberRange) =>
  (text: string): number => {
    const value = parseNumber(text, range);
    if (value === undefined) throw new InvalidArgumentError(`expected ${describe(range)}`);
    return value;
  };
