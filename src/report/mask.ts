import type { RunRecord } from './run-record.ts';

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
 * id, …) is masked wherever it appears in findings, evidence and reasons. run.json itself keeps the
 * full values; HTML, Markdown and JUnit are rendered from this.
 */
export function maskRun(run: RunRecord): RunRecord {
  const secrets = [
    ...new Set(run.findings.filter((f) => f.dataClass === 'device-ids').map((f) => f.token)),
  ].filter((v) => v.length > 0);
  for (const cell of run.cells) {
    for (const e of cell.evidence) if (e.dataClass === 'device-ids') secrets.push(e.token);
  }
  if (secrets.length === 0) return run;
  const unique = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  const mask = (text: string): string =>
    unique.reduce((t, secret) => t.split(secret).join(maskIdentifier(secret)), text);
  const maskOptional = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : mask(text);
  return {
    ...run,
    cells: run.cells.map((cell) => ({
      ...cell,
      reason: mask(cell.reason),
      evidence: cell.evidence.map((e) => ({
        ...e,
        token: mask(e.token),
        url: mask(e.url),
        ...(e.excerpt !== undefined ? { excerpt: maskOptional(e.excerpt) } : {}),
        ...(e.says !== undefined ? { says: maskOptional(e.says) } : {}),
      })),
    })),
    findings: run.findings.map((f) => ({
      ...f,
      token: mask(f.token),
      url: mask(f.url),
      excerpt: mask(f.excerpt),
    })),
  };
}
