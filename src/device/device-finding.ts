import type { DeviceFinding } from '../model/finding.ts';

/** One sentence saying what was found in which file. */
export function explainDeviceFinding(f: DeviceFinding): string {
  const chain = f.chain.length > 0 ? ` via ${f.chain.join(' → ')}` : ' as plain bytes';
  const form = f.form ? ` (as ${f.form})` : '';
  return `the ${f.label} "${f.token}"${form} remains in ${f.where.slice('file:'.length)} (${f.format}, ${f.fileBytes} bytes)${chain}`;
}
