// Start-up of each form walship ships (issue 11 item 2: the bundled Node entry, the bin/ sh wrapper,
// the single-file executable by name and through its sh wrapper), by scripts/startup-bench.mjs run
// inside the bench. The SEA is packaged first from this run's build (a few seconds), so its rows
// measure the same code as the rest of the run; a stale dist/pkg would not. When packaging fails,
// its rows say so instead of stopping the bench.

import { join } from 'node:path';
import { repoRoot, run } from '../../test/helpers/run.js';
import type { FormsResult, FormTiming } from './types.js';

const script = (name: string): string => join(repoRoot, 'scripts', name);
/** The forms packaged by scripts/package-sea.mjs (the snapshot build is a separate, optional one). */
export const isSea = (form: FormTiming): boolean => form.path.includes('/dist/pkg/');
const tail = (text: string): string => text.trim().split('\n').slice(-2).join(' / ');

export async function runStartupForms(runs: number, log: (line: string) => void): Promise<FormsResult> {
  return measureForms(runs, log).catch((e: unknown) => ({ runs, forms: [], error: e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e) }));
}

async function measureForms(runs: number, log: (line: string) => void): Promise<FormsResult> {
  log('start-up forms: packaging the single-file executable (scripts/package-sea.mjs)');
  const pkg = await run([process.execPath, script('package-sea.mjs')], { cwd: repoRoot, timeoutMs: 300_000 });
  const packageError = pkg.code === 0 ? undefined : `scripts/package-sea.mjs exit ${pkg.code}: ${tail(pkg.stderr)}`;
  log(`start-up forms: scripts/startup-bench.mjs ${runs}`);
  const r = await run([process.execPath, script('startup-bench.mjs'), String(runs), '--json'], { cwd: repoRoot, timeoutMs: 300_000 });
  if (r.code !== 0) return { runs, forms: [], error: `scripts/startup-bench.mjs exit ${r.code}: ${tail(r.stderr)}` };
  const forms = parseForms(r.stdout.toString('utf8'));
  if (packageError === undefined) return { runs, forms };
  // A failed packaging may have left an older dist/pkg behind: its times would not be this build's.
  return { runs, forms: forms.map((f) => (isSea(f) ? { label: f.label, path: f.path } : f)), packageError };
}

/** startup-bench.mjs --json's `forms`, checked field by field (it is another program's output). */
function parseForms(stdout: string): FormTiming[] {
  const parsed: unknown = JSON.parse(stdout);
  const forms = (parsed as { forms?: unknown }).forms;
  if (!Array.isArray(forms)) throw new Error(`scripts/startup-bench.mjs --json: no forms in ${stdout.slice(0, 200)}`);
  return forms.map((f: Record<string, unknown>) => ({
    label: String(f.label),
    path: String(f.path),
    ...(f.measured === true ? { median: Number(f.median), min: Number(f.min), max: Number(f.max) } : {}),
  }));
}
