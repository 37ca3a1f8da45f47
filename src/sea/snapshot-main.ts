// Entry of the single-file executable built with a V8 startup snapshot (`npm run package --
// --snapshot`): the bundle is evaluated once at build time, and each start deserializes the heap
// and runs only the dispatcher. Entries still load lazily at run time (run.ts), so no module's
// top-level code runs at build time with the build machine's environment.
import { startupSnapshot } from 'node:v8';
import { runDispatch } from './run.js';

startupSnapshot.setDeserializeMainFunction(runDispatch);
