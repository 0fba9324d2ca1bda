import type { RunRecord } from '../model/run-record.ts';

/**
 * Masks an identifier for public reports: the first and last two characters stay, so a reader can
 * match it with the device they hold, and the rest is hidden.
 */
export function maskIdentifier(value: string): string {
  if (value.length <= 6) return '•'.repeat(value.length);
  return `${value.slice(0, 2)}${'•'.repeat(value.length - 4)}${value.slice(-2)}`;
}

/**
 * The run as published: every device identifier found in it (IMEI, Android ID, serial, MAC, machine
 * id, …) and every identifier the browser made up (`identifiers`) is masked wherever it appears in findings, evidence and reasons. run.json itself keeps the
 * full values; HTML, Markdown and JUnit are rendered from this.
 */
export function maskRun(run: RunRecord): RunRecord {
  const secrets = [
    ...new Set(run.findings.filter((f) => f.dataClass === 'device-ids').map((f) => f.token)),
    // Identifiers the browser made up tie its user's requests together as a device id does.
    ...(run.identifiers ?? []).map((i) => i.value),
  ].filter((v) => v.length > 0);
  for (const cell of run.cells) {
    for (const e of cell.evidence) if (e.dataClass === 'device-ids') secrets.push(e.token);
  }
  // The form the identifier was found in (its sha256, its base64, …) is as linkable as the value;
  // excerpts wrap it in «…».
  for (const item of [...run.findings, ...run.cells.flatMap((c) => c.evidence)]) {
    if (item.dataClass !== 'device-ids' || !item.excerpt) continue;
    for (const m of item.excerpt.matchAll(/«([^»]+)»/g)) if (m[1]) secrets.push(m[1]);
  }
  if (secrets.length === 0) return run;
  const unique = [...new Set(secrets)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
  const mask = (text: string): string =>
    unique.reduce((t, secret) => t.split(secret).join(maskIdentifier(secret)), text);
  // Every string of the record, not only findings and evidence: an identifier also turns up in a
  // scenario's error, a gap's detail or a target's name, and each of them is rendered.
  const deep = (value: unknown): unknown => {
    if (typeof value === 'string') return mask(value);
    if (Array.isArray(value)) return value.map(deep);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v)]));
    }
    return value;
  };
  return deep(run) as RunRecord;
}
