// The single-file executable's dispatcher: picks the command from the name it was run by or its
// first argument (dispatch.ts), then loads only that command's code. main.ts runs it at once;
// snapshot-main.ts runs it when a V8 startup snapshot is deserialized.

import { VERSION } from '../cli/version.js';
import { COMMAND_NAMES, dispatch, type Entry } from './dispatch.js';

/**
 * Each import runs that entry's main, as `node dist/bundle/<entry>.js` does. The imports are
 * dynamic so that esbuild evaluates only the chosen entry's modules: start-up cost is the one command's.
 */
const ENTRIES: Record<Entry, () => Promise<unknown>> = {
  archive: () => import('../archive/main.js'),
  restore: () => import('../restore/main.js'),
  server: () => import('../server/main.js'),
  'safe-dir': () => import('../safe-dir/main.js'),
  'archive-agent': () => import('../archive/agent/main.js'),
  'restore-agent': () => import('../restore/agent/main.js'),
  'prefetch-main': () => import('../restore/prefetch/main.js'),
};

const usage = (): string =>
  `usage: walship COMMAND [ARGS...]   (or run it by a command's name, e.g. a symlink walship-archive -> walship)\n` +
  `commands: ${[...COMMAND_NAMES.keys()].join(', ')}\n`;

/** Dispatches process.argv and starts the chosen entry (or prints the binary's own help or version). */
export function runDispatch(): void {
  const chosen = dispatch(process.argv);
  switch (chosen.kind) {
    case 'entry':
      process.argv = chosen.argv;
      ENTRIES[chosen.entry]().catch((error: unknown) => {
        process.stderr.write(`ERROR: walship could not load its ${chosen.entry} entry: ${String(error)}\n`);
        process.exitCode = 1;
      });
      break;
    case 'help':
      process.stdout.write(usage());
      break;
    case 'version':
      process.stdout.write(`walship ${VERSION}\n`);
      break;
    case 'unknown':
      // 2: the usage status of every walship command.
      process.stderr.write(`ERROR: unknown command '${chosen.name}'\nHINT: ${usage()}`);
      process.exitCode = 2;
      break;
  }
}
