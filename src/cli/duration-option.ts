// Ages and points in time on the command line: `90s`, `30m`, `2h`, `7d`, or plain seconds; and for
// "since" options an ISO 8601 time as well. Malformed values are usage errors, never a silent 0.

import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION_RE = /^(\d+(?:\.\d+)?)([smhd]?)$/;

/** Seconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION_RE.exec(text.trim());
  if (match === null) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** A commander parser for an age option; the value is in seconds. */
export const durationOption = (text: string): number => {
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new InvalidArgumentError('expected a duration such as 90s, 30m, 2h, 7d (plain numbers are seconds)');
  return seconds;
};

/** A commander parser for a point in time: an ISO 8601 time, or a duration meaning "that long ago". */
export const sinceOption =
  (now: () => number = Date.now) =>
  (text: string): number => {
    const seconds = parseDuration(text);
    if (seconds !== undefined) return now() - seconds * 1000;
    const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(time)) throw new InvalidArgumentError('expected an ISO 8601 time (2024-05-01T12:00:00Z) or a duration ago (24h)');
    return time;
  };

/** `3 s`, `12 min`, `5.2 h`, `3.1 d`: how long ago, for humans. */
export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}
