// Writes dist/man/<command>.1 for every walship command, generated from the commander programs
// that print --help (src/man/). Runs on tsc's output, so after `npm run build` (which runs it).
// The date is the last commit's, so the same tree renders the same bytes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAN_PAGES } from '../dist/man/pages.js';
import { collectPrograms, renderManPage } from '../dist/man/render.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const commitDate = () => {
  try {
    return execFileSync('git', ['log', '-1', '--format=%cs'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return new Date().toISOString().slice(0, 10); // a tarball without .git
  }
};

mkdirSync(`${root}dist/man`, { recursive: true });
const date = commitDate();
for (const page of MAN_PAGES) {
  writeFileSync(`${root}dist/man/${page.executable.name}.1`, renderManPage(page, await collectPrograms(page), date));
}
