import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { REPORT_FORMATS, type ReportFormat, writeReports } from '../report/publish.ts';
import { readRun, readRunFolder } from '../report/read-run.ts';
import type { RunRecord } from '../report/run-record.ts';
import { renderTerminalMatrix } from '../report/terminal.ts';

export const REPORT_HELP = `Usage: phonehome report RUN_JSON_OR_DIR [options]

Renders the reports of a finished run from its run.json alone (nothing is re-run).

Options:
  --out DIR          where to write the reports (default: the run's folder)
  --history DIR      a folder of earlier runs (DIR/<run>/run.json) for the history in the HTML report
  --format LIST      comma-separated: html, md, junit (default: html,md,junit)
  --quiet            do not print the matrix
  -h, --help         this help

Writes report.html, summary.md and junit.xml. Exit codes: 0 written; 2 bad arguments or a bad run.json
(the message names file, field and reason).`;

/** `phonehome report`: returns the exit code; reports problems on stderr in one line, never throws. */
export async function reportCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${REPORT_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) return usage('expected one RUN_JSON_OR_DIR');
  const formats = (values.format ?? 'html,md,junit')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = formats.filter((f) => !(f in REPORT_FORMATS));
  if (unknown.length > 0 || formats.length === 0) {
    return usage(
      `unknown format ${unknown.join(', ') || '(none)'}; formats: ${Object.keys(REPORT_FORMATS).join(', ')}`,
    );
  }

  try {
    const { run, file } = readRun(positionals[0]!);
    let history: RunRecord[] = [];
    if (values.history) {
      const folder = readRunFolder(values.history);
      history = folder.runs;
      for (const p of folder.problems) process.stderr.write(`phonehome report: history: skipped ${p}\n`);
    }
    const out = values.out ?? dirname(file);
    mkdirSync(out, { recursive: true });
    if (!values.quiet) process.stdout.write(renderTerminalMatrix(run, { color: process.stdout.isTTY }));
    for (const path of writeReports(run, out, formats as ReportFormat[], history)) {
      process.stdout.write(`wrote ${path}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`phonehome report: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      history: { type: 'string' },
      format: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function usage(message: string): number {
  process.stderr.write(`phonehome report: ${message}\n${REPORT_HELP}\n`);
  return 2;
}
