import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RunRecord } from '../model/run-record.ts';
import { REPORT_FORMATS, type ReportFormat, writeReports } from '../report/publish.ts';
import { readRun, readRunFolder } from '../report/read-run.ts';
import { renderTerminalMatrix } from '../report/terminal.ts';
import { publishRun } from '../run/publish-run.ts';
import { commandArgs, usageError } from './args.ts';

export const REPORT_HELP = `Usage: phonehome report RUN_JSON_OR_DIR [options]

Renders the reports of a finished run from its run.json alone (nothing is re-run).

Options:
  --out DIR          where to write the reports (default: the run's folder)
  --history DIR      a folder of earlier runs (DIR/<run>/run.json) for the history in the HTML report
  --format LIST      comma-separated: html, md, junit (default: html,md,junit)
  --publish          also write the run as published (into --out): run.json, run.har and the flow
                     logs with device identifiers masked and each flow part that carried one
                     withheld; what the nightly puts on Pages and in shared artifacts
  --quiet            do not print the matrix
  -h, --help         this help

Writes report.html, summary.md and junit.xml. Exit codes: 0 written; 2 bad arguments or a bad run.json
(the message names file, field and reason).`;

/** `phonehome report`: returns the exit code; reports problems on stderr in one line, never throws. */
export async function reportCommand(argv: string[]): Promise<number> {
  const parsed = commandArgs(
    'report',
    argv,
    {
      out: { type: 'string' },
      history: { type: 'string' },
      format: { type: 'string' },
      quiet: { type: 'boolean' },
      publish: { type: 'boolean' },
    },
    REPORT_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError('report', 'expected one RUN_JSON_OR_DIR', REPORT_HELP);
  const formats = (values.format ?? 'html,md,junit')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const unknown = formats.filter((f) => !(f in REPORT_FORMATS));
  if (unknown.length > 0 || formats.length === 0) {
    return usageError(
      'report',
      `unknown format ${unknown.join(', ') || '(none)'}; formats: ${Object.keys(REPORT_FORMATS).join(', ')}`,
      REPORT_HELP,
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
    if (values.publish) {
      if (resolve(out) === resolve(dirname(file))) {
        return usageError(
          'report',
          '--publish needs --out: the run folder keeps the full values',
          REPORT_HELP,
        );
      }
      for (const path of publishRun(run, dirname(file), out)) process.stdout.write(`published ${path}\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`phonehome report: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
}
