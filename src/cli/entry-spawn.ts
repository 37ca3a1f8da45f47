// How walship starts one of its own entries in a new process (the async archive agent, the restore
// prefetch worker): `node dist/bundle/<entry>.js ARGS` when running from the bundle, and
// `walship <entry> ARGS` (the same binary, dispatching on its first argument) when running as the
// single-file executable, which has no bundle files beside it (issue 11, src/sea/).

import { fileURLToPath } from 'node:url';

/** true only in the single-file executable: scripts/sea-bundle.mjs defines it, the ESM bundle does not. */
declare const __WALSHIP_SEA__: boolean | undefined;
export const IN_SEA: boolean = typeof __WALSHIP_SEA__ === 'boolean' && __WALSHIP_SEA__;

/** Entries started as processes of their own; scripts/bundle.mjs builds each as dist/bundle/<name>.js. */
export type WorkerEntry = 'archive-agent' | 'restore-agent' | 'prefetch-main';

export interface EntryInvocation {
  command: string;
  args: string[];
}

/**
 * The bundle file sits beside the bundle that spawns it (every bundle is in dist/bundle/), so it is
 * resolved from this module's own URL; resolved at call time, because the single-file executable
 * has no file URL to resolve against.
 */
export const entryBundlePath = (entry: WorkerEntry): string => fileURLToPath(new URL(`./${entry}.js`, import.meta.url));

/** The command line that runs `entry` with `args`, in whichever form walship itself runs. */
export const entryInvocation = (entry: WorkerEntry, args: readonly string[]): EntryInvocation => ({
  command: process.execPath,
  args: IN_SEA ? [entry, ...args] : [entryBundlePath(entry), ...args],
});

/**
 * Does a process's argv (from /proc/PID/cmdline, argv[0] first) run `entry`? Either form counts,
 * so that a client of one install recognises the agent an earlier install of the other form left.
 */
export const runsEntry = (argv: readonly string[], entry: WorkerEntry): boolean =>
  argv[1] === entry || argv.slice(1).some((arg) => arg.endsWith(`/${entry}.js`));
