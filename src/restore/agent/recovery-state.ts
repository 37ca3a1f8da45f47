// Is the cluster still recovering? PostgreSQL removes standby.signal / recovery.signal when
// recovery ends (PG 12+; recovery.conf is renamed to recovery.done on PG ≤ 11). Once none is there
// the agent has nothing left to prefetch for, so it purges and exits (design §2.2).

import { existsSync } from 'node:fs';
import { join } from 'node:path';

const RECOVERY_FILES = ['standby.signal', 'recovery.signal', 'recovery.conf'];

export const isRecovering = (dataDir: string): boolean => RECOVERY_FILES.some((name) => existsSync(join(dataDir, name)));
