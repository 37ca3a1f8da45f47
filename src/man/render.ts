// Renders a section-1 man page from the commander programs that --help prints, plus the page data
// (pages.ts): the options are read off the same objects, so a flag added to a program appears in
// both. scripts/man-pages.mjs writes the pages; test/unit/man/ checks them with man(1).

import { PassThrough } from 'node:stream';
import type { Command, Option } from 'commander';
import { observePrograms } from '../cli/program.js';
import type { CommandIO } from '../cli/io.js';
import { VERSION } from '../cli/version.js';
import { exitLines } from './exit-status.js';
import type { ManPage } from './pages.js';
import { literal, paragraph, section, tagged, text } from './roff.js';

/** An io whose output goes nowhere: the programs are what we want, not the help text. */
const sinkIO = (name: string): CommandIO => ({ stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {}, invokedAs: name });

/** Runs the page's --help argvs and returns every program they made, in order, subcommands included. */
export async function collectPrograms(page: ManPage): Promise<Command[]> {
  const programs: Command[] = [];
  const stop = observePrograms((program) => programs.push(program));
  try {
    for (const argv of page.helpRuns) await page.main([...argv], sinkIO(page.executable.name));
  } finally {
    stop();
  }
  // Each --help run makes the root program again; keep the first of each name.
  const all = programs.flatMap((program) => [program, ...program.commands]);
  return all.filter((program, index) => all.findIndex((other) => fullName(other) === fullName(program)) === index);
}

/** `walship-safe-dir check`: a subcommand's name with its parents', as its usage line says it. */
const fullName = (program: Command): string => (program.parent ? `${fullName(program.parent)} ${program.name()}` : program.name());

const optionTag = (option: Option): string => option.flags.replace(/<([^>]+)>/g, '$1').replace(/\[([^\]]+)\]/g, '[$1]');

const optionBody = (option: Option): string => {
  const choices = option.argChoices ? ` One of: ${option.argChoices.join(', ')}.` : '';
  const shown = option.defaultValue !== undefined && typeof option.defaultValue !== 'boolean' ? ` Default: ${String(option.defaultValue)}.` : '';
  return `${option.description}.${choices}${shown}`.replace(/\.\./g, '.');
};

/** Options a user may pass, help and version last as in --help; hidden (accepted, ignored) ones left out. */
const visibleOptions = (program: Command): Option[] => (program.options as Option[]).filter((option) => !option.hidden);

/** Arguments and options of one program; a subcommand (when the page has several programs) gets a heading. */
function programSection(program: Command, withHeading: boolean): string[] {
  const lines = withHeading ? [`.SS ${text(fullName(program))}`, literal(`${fullName(program)} ${program.usage()}`)] : [];
  if (withHeading && program.description()) lines.push(paragraph(program.description()));
  for (const argument of program.registeredArguments) {
    if (argument.description) lines.push(tagged(argument.name().toUpperCase(), argument.description));
  }
  for (const option of visibleOptions(program)) lines.push(tagged(optionTag(option), optionBody(option)));
  // commander keeps --help out of program.options (it adds it when printing help), unlike --version.
  lines.push(tagged('-h, --help', 'print this help and exit.'));
  return lines;
}

function exitSection(page: ManPage): string[] {
  const lines = [section('exit status')];
  for (const { label, table, outcomes } of page.exits) {
    if (label !== undefined) lines.push(`.SS ${text(label)}`);
    for (const { status, meaning } of exitLines(table, outcomes)) lines.push(tagged(status, meaning));
  }
  return lines;
}

const listSection = (title: string, entries: ManPage['files']): string[] =>
  entries.length === 0 ? [] : [section(title), ...entries.map(({ status, meaning }) => tagged(status, meaning))];

/** The whole page as roff. `date` is fixed by the caller so builds are reproducible. */
export function renderManPage(page: ManPage, programs: readonly Command[], date: string): string {
  const { name, aliases, description } = page.executable;
  const [root] = programs;
  if (root === undefined) throw new Error(`man page ${name}: --help made no program`);
  const aliasNote = aliases.length === 0 ? [] : [paragraph(`Also installed as ${aliases.join(', ')} (Barman's name), which runs the same program; see INSTALLED NAMES in the README.`)];
  return [
    `.TH ${name.toUpperCase()} 1 "${date}" "walship ${VERSION}" "walship manual"`,
    section('name'),
    `${text(name)} \\- ${text(description)}`,
    section('synopsis'),
    ...programs.map((program) => literal(`${fullName(program)} ${program.usage()}`)),
    section('description'),
    paragraph(description),
    ...aliasNote,
    section('options'),
    ...programs.flatMap((program) => programSection(program, programs.length > 1)),
    ...exitSection(page),
    ...listSection('environment', page.environment),
    ...listSection('files', page.files),
    section('examples'),
    literal(page.examples),
    section('see also'),
    text(page.seeAlso.join(', ')),
    '',
  ].join('\n');
}
