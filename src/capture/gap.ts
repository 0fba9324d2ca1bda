import type { Gap } from '../model/gap.ts';

/** One sentence for a gap, for verdict reasons and reports. */
export function explainGap(gap: Gap): string {
  const where = [gap.target, gap.scenario].filter(Boolean).join(' / ');
  const host = gap.host ? ` (${gap.protocol ? `${gap.protocol} ` : ''}${gap.host})` : '';
  return `${gap.kind}${host}${where ? ` in ${where}` : ''}: ${gap.reason}`;
}
