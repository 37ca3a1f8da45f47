// One line of walship-archive --check: a status and what is wrong, printed as `CRITICAL: ...`.
// NOTE lines tell what was not looked at; they never change the status.

import type { Status } from '../../cli/nagios.js';

export interface Problem {
  readonly status: Status | 'note';
  readonly text: string;
}

export const problem = (status: Problem['status'], text: string): Problem => ({ status, text });
