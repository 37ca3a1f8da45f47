// Entry of the single-file executable (scripts/package-sea.mjs bundles it as CommonJS, the only
// format Node 20's single-executable applications run).
import { runDispatch } from './run.js';

runDispatch();
