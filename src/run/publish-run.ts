import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { flowsToHar } from '../capture/har.ts';
import type { Flow } from '../model/flow.ts';
import type { RunRecord } from '../model/run-record.ts';
import { maskIdentifier, maskRun } from '../report/mask.ts';

/** What replaces a part of a flow that carried a device identifier, in published flow logs and HARs. */
export const WITHHELD =
  '[withheld by phonehome: this part carries a device identifier; see run.json evidence]';

/** sha256 (hex) of a file's bytes: run.json ties each verdict to the evidence files it was judged on. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every device identifier the run found (findings, evidence, identifiers the browsers made up), longest first. */
export function deviceIdentifiers(run: RunRecord): string[] {
  const found = [
    ...run.findings.filter((f) => f.dataClass === 'device-ids').map((f) => f.token),
    ...run.cells.flatMap((c) => c.evidence.filter((e) => e.dataClass === 'device-ids').map((e) => e.token)),
    ...(run.identifiers ?? []).map((i) => i.value),
  ];
  return [...new Set(found)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
}

/** Replaces every plain occurrence of each identifier by its masked form. */
export function maskText(text: string, identifiers: readonly string[]): string {
  return identifiers.reduce((t, id) => t.split(id).join(maskIdentifier(id)), text);
}

/**
 * A flow as published: each part in which the run found a device identifier (in whatever encoding
 * or hash the detector peeled) is withheld whole, since masking plain text cannot reach an
 * identifier inside base64, gzip or a hash. `where` is the finding's: `body`, `url-path`,
 * `url-query:NAME`, `header:NAME`, `cookie:NAME`.
 */
export function withholdFlow(flow: Flow, wheres: ReadonlySet<string>): Flow {
  if (wheres.size === 0) return flow;
  const request = { ...flow.request };
  if (wheres.has('body')) request.bodyBase64 = Buffer.from(WITHHELD).toString('base64');
  if ([...wheres].some((w) => w.startsWith('url-'))) {
    let origin = '';
    try {
      origin = new URL(request.url).origin;
    } catch {
      // An unparsable URL is withheld whole.
    }
    request.url = `${origin}/${encodeURIComponent(WITHHELD)}`;
  }
  const headers = new Set(
    [...wheres].filter((w) => w.startsWith('header:')).map((w) => w.slice(7).toLowerCase()),
  );
  const cookie = [...wheres].some((w) => w.startsWith('cookie:'));
  request.headers = request.headers.map((h) =>
    headers.has(h.name.toLowerCase()) || (cookie && h.name.toLowerCase() === 'cookie')
      ? { name: h.name, value: WITHHELD }
      : h,
  );
  return { ...flow, request };
}

/**
 * Writes the published form of a run folder into `outDir`: run.json, the HAR and every flow log,
 * with device identifiers masked as in the HTML report, and each flow part that carried one withheld.
 * The run folder itself keeps the full values (local runs only). Returns the paths written,
 * relative to `outDir`.
 */
export function publishRun(run: RunRecord, runDir: string, outDir: string): string[] {
  const identifiers = deviceIdentifiers(run);
  const wheres = new Map<string, Set<string>>();
  const withhold = (flowId: string, where: string) => {
    const set = wheres.get(flowId) ?? new Set<string>();
    set.add(where);
    wheres.set(flowId, set);
  };
  for (const f of run.findings) if (f.dataClass === 'device-ids') withhold(f.flowId, f.where);
  // An identifier the browser made up may sit inside an encoding plain masking cannot reach.
  for (const i of run.identifiers ?? [])
    for (const flow of i.flows) for (const part of i.parts) withhold(flow, part);
  const written: string[] = [];
  const write = (relative: string, text: string) => {
    const path = join(outDir, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, maskText(text, identifiers));
    written.push(relative);
  };
  write('run.json', `${JSON.stringify(maskRun(run), null, 2)}\n`);
  const published: Flow[] = [];
  for (const relative of run.files.flows) {
    const path = join(runDir, relative);
    if (!existsSync(path)) continue;
    const lines = readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        let record: { type?: string } & Partial<Flow>;
        try {
          record = JSON.parse(line);
        } catch {
          // A torn last line (crash mid-write) is not published: it may hold anything.
          return undefined;
        }
        if (record.type !== 'flow' || typeof record.id !== 'string') return JSON.stringify(record);
        const flow = withholdFlow(record as Flow, wheres.get(record.id) ?? new Set());
        published.push(flow);
        return JSON.stringify(flow);
      })
      .filter((line): line is string => line !== undefined);
    write(relative, lines.length ? `${lines.join('\n')}\n` : '');
  }
  if (run.files.har) write(run.files.har, `${JSON.stringify(flowsToHar(published), null, 2)}\n`);
  return written;
}
