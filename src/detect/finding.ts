import type { Finding } from '../model/finding.ts';
import type { DataClass } from '../model/token.ts';

/** One sentence saying what was found where. */
export function explainFinding(f: Finding): string {
  const chain = f.chain.length > 0 ? ` via ${f.chain.join(' → ')}` : '';
  const form = f.form ? ` (as ${f.form})` : '';
  return `the ${f.label} "${f.token}"${form} was sent to ${f.host} in ${f.where}${chain} (flow ${f.flowId}, ${f.method} ${f.url.slice(0, 120)})`;
}

/**
 * Whether some finding carries a whole token of this data class: a typed canary's prefix (form
 * `prefix-N…`) does not count, since a search whose last keys were lost sends only a prefix.
 */
export function carriesWhole(findings: readonly Finding[], dataClass: DataClass): boolean {
  return findings.some((f) => f.dataClass === dataClass && !f.form?.startsWith('prefix-'));
}
