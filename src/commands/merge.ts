import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MergeError, mergeRuns, partDir } from '../report/merge-runs.ts';
import { writeReports } from '../report/publish.ts';
import { readRun } from '../report/read-run.ts';
import { commandArgs, usageError } from './args.ts';

export const MERGE_HELP = `Usage: phonehome merge BASE OTHER... [options]

Merges finished runs of different targets into one run (the nightly: its desktop matrix, merged from
the shards, and the Android emulator job's run). BASE and each OTHER is a run.json or a run folder.
Each run's cells are kept as judged where it ran; a target that is in two runs is refused. The
others' flow logs are copied under parts/<run-id>/ and run.json lists every part (\`parts\`).

Options:
  --out DIR      where to write the merged run (default: BASE's folder, updated in place)
  --quiet        do not print what was written
  -h, --help     this help

Writes run.json, report.html, summary.md and junit.xml. Exit codes: 0 merged; 2 bad arguments, a bad
run.json or runs that cannot be merged (one line: file, field and reason).`;

/** `phonehome merge`: returns the exit code; problems are one line on stderr, never a stack. */
export async function mergeCommand(argv: string[]): Promise<number> {
  const parsed = commandArgs(
    'merge',
    argv,
    { out: { type: 'string' }, quiet: { type: 'boolean' } },
    MERGE_HELP,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length < 2) return usageError('merge', 'expected BASE and at least one OTHER', MERGE_HELP);
  try {
    const base = readRun(positionals[0]!);
    const others = positionals.slice(1).map((p) => readRun(p));
    let run: ReturnType<typeof mergeRuns>;
    try {
      run = mergeRuns(
        base.run,
        others.map((o) => o.run),
      );
    } catch (error) {
      if (!(error instanceof MergeError)) throw error;
      // The later of two runs that collide is the one named (a run given twice: its second mention).
      const culprit = [...others].reverse().find((o) => o.run.runId === error.runId)?.file ?? base.file;
      process.stderr.write(`phonehome merge: ${culprit}: ${error.field}: ${error.message}\n`);
      return 2;
    }
    const baseDir = dirname(resolve(base.file));
    const out = resolve(values.out ?? baseDir);
    mkdirSync(out, { recursive: true });
    const say = (line: string) => {
      if (!values.quiet) process.stdout.write(`${line}\n`);
    };
    // The base's own files stay where its run.json names them; a new --out gets copies.
    const copies: [string, string][] = [];
    if (out !== baseDir) {
      for (const f of [...base.run.files.flows, ...(base.run.files.har ? [base.run.files.har] : [])]) {
        copies.push([join(baseDir, f), join(out, f)]);
      }
    }
    for (const other of others) {
      const dir = dirname(resolve(other.file));
      for (const f of other.run.files.flows) {
        copies.push([join(dir, f), join(out, partDir(other.run.runId), f)]);
      }
    }
    for (const [from, to] of copies) {
      // A missing log stays missing: run.json still names it and its sha256, and a reader that
      // cannot find it says so; it is not invented here.
      if (!existsSync(from)) continue;
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
    }
    writeFileSync(join(out, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
    say(`wrote ${join(out, 'run.json')} (${run.parts?.length ?? 1} runs, ${run.targets.length} targets)`);
    for (const path of writeReports(run, out)) say(`wrote ${path}`);
    return 0;
  } catch (error) {
    process.stderr.write(`phonehome merge: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
}
