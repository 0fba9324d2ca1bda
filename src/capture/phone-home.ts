import type { Flow } from '../model/flow.ts';
import type { PhoneHomeRow } from '../model/run-record.ts';
import type { DataClass } from '../model/token.ts';

/** Who the target talked to: requests, bytes sent and data classes found, per host. */
export function phoneHomeRows(
  target: string,
  scenario: string,
  flows: Flow[],
  findings: { host: string; dataClass: DataClass }[],
): PhoneHomeRow[] {
  const rows = new Map<string, PhoneHomeRow>();
  for (const flow of flows) {
    const host = safeHost(flow.request.url);
    const row = rows.get(host) ?? { target, scenario, host, requests: 0, bytes: 0, dataClasses: [] };
    row.requests += 1;
    const headerBytes = flow.request.headers.reduce((n, h) => n + h.name.length + h.value.length + 4, 0);
    row.bytes += flow.request.url.length + headerBytes + flow.request.bodySize;
    rows.set(host, row);
  }
  for (const finding of findings) {
    const row = rows.get(finding.host);
    if (row && !row.dataClasses.includes(finding.dataClass)) row.dataClasses.push(finding.dataClass);
  }
  return [...rows.values()].sort((a, b) => b.requests - a.requests || a.host.localeCompare(b.host));
}

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '(unparsable URL)';
  }
}
