import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/model/run-record.ts';
import { renderHtml } from '../../src/report/html.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { renderTerminalMatrix } from '../../src/report/terminal.ts';
import { loadRun } from './load.ts';

const ACCEPTED =
  'Unsealed, accepted with --accept-unsealed: the scenario reference:normal / idle ran without a network seal, so this verdict covers only traffic through the proxy; what went around it (DNS, QUIC, direct connections) was not seen.';
const NOT_SEALED =
  'Not sealed: the scenario chromium:normal / idle ran without a network seal because sealing was turned off (PHONEHOME_SEAL=off), so traffic that went around the proxy could not be seen and the claim cannot pass (run sealed, or pass --accept-unsealed to accept that risk).';

/** The @2 sample with one pass accepted unsealed and one cell inconclusive for want of a seal. */
function unsealedRun(): RunRecord {
  const run = loadRun('sample-v2');
  const pass = run.cells.find((c) => c.status === 'pass' && c.target === 'reference:normal')!;
  pass.reason = `${pass.reason} ${ACCEPTED}`;
  pass.unsealed = { accepted: true, says: ACCEPTED };
  const other = run.cells.find((c) => c.status === 'pass' && c.target === 'chromium:normal')!;
  other.status = 'inconclusive';
  // A long reason first: the seal sentence must still be shown, not clipped away.
  other.reason = `Claim “${'x'.repeat(300)}” is inconclusive on chromium:normal. ${NOT_SEALED}`;
  other.unsealed = { accepted: false, says: NOT_SEALED };
  return run;
}

describe('reports of unsealed cells', () => {
  it('should show the seal sentence of inconclusive and accepted cells in the terminal, with a marked symbol', () => {
    const text = renderTerminalMatrix(unsealedRun());
    expect(text).toContain('Passes without a network seal (accepted with --accept-unsealed)');
    expect(text).toContain(ACCEPTED);
    expect(text).toContain(NOT_SEALED);
    expect(text).toContain('✔*');
    expect(text).toContain('?*');
    expect(text).toContain('* not sealed');
    expect(renderTerminalMatrix(loadRun('sample-v2'))).not.toContain('not sealed');
  });

  it('should show them in Markdown and HTML too', () => {
    const md = renderMarkdown(unsealedRun());
    expect(md).toContain('## Passes without a network seal (accepted with --accept-unsealed)');
    expect(md).toContain('accepted with \\-\\-accept\\-unsealed');
    expect(md).toContain('PHONEHOME\\_SEAL=off');
    const html = renderHtml(unsealedRun());
    expect(html).toContain('<sup class="unsealed">*</sup>');
    expect(html).toContain('aria-label="pass (not sealed, accepted)');
    expect(html).toContain('Unsealed, accepted with --accept-unsealed');
  });
});
