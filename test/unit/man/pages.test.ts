// Man pages come from the same commander programs as --help: every option --help lists is in the
// page, every exit-table row has words, and man(1) renders each page without a warning.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { ERROR_PHRASES } from '../../../src/man/exit-status.js';
import { MAN_PAGES } from '../../../src/man/pages.js';
import { collectPrograms, renderManPage } from '../../../src/man/render.js';
import { run } from '../../helpers/run.js';

describe.each(MAN_PAGES.map((page) => [page.executable.name, page] as const))('man page %s', (name, page) => {
  it('lists every option of every program --help prints, in the synopsis and options', async () => {
    const programs = await collectPrograms(page);
    const roff = renderManPage(page, programs, '2025-01-01');
    for (const program of programs) {
      for (const option of (program.options as Option[]).filter((o) => !o.hidden)) {
        expect(roff).toContain(option.long!.replace(/-/g, '\\-'));
      }
    }
  });

  it('has words for every error its exit tables name', () => {
    for (const { table } of page.exits) for (const [type] of table.rows) expect(ERROR_PHRASES, type.name).toHaveProperty(type.name);
  });

  it('renders with man(1) without warnings, with NAME, SYNOPSIS, OPTIONS, EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'walship-man-')), `${name}.1`);
    await writeFile(file, renderManPage(page, await collectPrograms(page), '2025-01-01'));
    const r = await run(['man', '--warnings', '-P', 'cat', '-l', file], { env: { MANWIDTH: '100' } });
    expect(r.stderr).toBe('');
    for (const heading of ['NAME', 'SYNOPSIS', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES']) expect(r.stdout.toString()).toContain(`\n${heading}\n`);
  });
});
