import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunRecord } from '../model/run-record.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export type ReportFormat = 'html' | 'md' | 'junit';

/** Every published form of a run, with its file name; each is rendered from run.json alone. */
export const REPORT_FORMATS: Record<
  ReportFormat,
  { file: string; render: (run: RunRecord, history: RunRecord[]) => string }
> = {
  html: { file: 'report.html', render: renderHtml },
  md: { file: 'summary.md', render: (run) => renderMarkdown(run) },
  junit: { file: 'junit.xml', render: (run) => renderJunit(run) },
};

/** Writes the reports of a run into `dir`; returns the paths written. Throws on a write error. */
export function writeReports(
  run: RunRecord,
  dir: string,
  formats: ReportFormat[] = ['html', 'md', 'junit'],
  history: RunRecord[] = [],
): string[] {
  return formats.map((format) => {
    const path = join(dir, REPORT_FORMATS[format].file);
    writeFileSync(path, REPORT_FORMATS[format].render(run, history));
    return path;
  });
}
