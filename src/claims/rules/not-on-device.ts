import { explainDeviceFinding } from '../../device/device-finding.ts';
import type { Finding } from '../../model/finding.ts';
import { dataText, whenText } from '../claim-terms.ts';
import { capital, gapSentence, selects, tokenEvidence } from '../judgement.ts';
import { defineFlagRuleKind } from './rule-kind.ts';

/** The claim's data is in no file the browser wrote once the scenario closed (the device side). */
export type NotOnDeviceRule = { kind: 'not-on-device' };

/**
 * The device side: the claim's data must be in no file the browser wrote. Only scenarios that
 * planted the claim's data count (an idle scenario has nothing to leave behind). Fails on any
 * finding; a scenario whose files were not scanned, or a file that could not be read, leaves the
 * claim inconclusive; so does a run in which no scenario planted the data.
 */
export const notOnDevice = defineFlagRuleKind({
  kind: 'not-on-device',
  needsData: true,
  // It reads files, not traffic: a missing seal is a note, not a blind spot.
  needsAllTraffic: false,
  explain: () =>
    'Fails when the claim’s data is found in a file the browser wrote (profile, caches, its home folder) once the scenario closed; a file that could not be read makes it inconclusive.',
  text: (_rule, claim) =>
    `${dataText(claim.data)}${whenText(claim)} remain in no file the browser wrote, once it closed`,
  judge(_rule, { claim, records, onlyToken }, judged) {
    const wanted = (t: Pick<Finding, 'dataClass' | 'tokenKind'> & { token: string }) =>
      onlyToken !== undefined ? t.token === onlyToken : claim.data.some((d) => selects(d, t));
    let files = 0;
    let scanned = 0;
    for (const r of records) {
      const planted = r.tokens.some((t) =>
        wanted({ dataClass: t.dataClass, tokenKind: t.kind, token: t.value }),
      );
      if (!planted) continue;
      const where = `${r.target.id} / ${r.scenario}`;
      if (!r.device) {
        judged.blind.add(`The files the browser wrote in ${where} were not scanned.`);
        continue;
      }
      if (r.device.notScanned) {
        judged.blind.add(`The files the browser wrote in ${where} were not scanned: ${r.device.notScanned}.`);
        continue;
      }
      scanned++;
      files += r.device.summary?.files ?? 0;
      for (const f of r.device.findings) {
        if (!wanted(f)) continue;
        const says = `it is still in ${f.where.slice('file:'.length)} after the browser closed.`;
        judged.violations.push({
          sentence: `${capital(explainDeviceFinding(f))}, after the browser closed (${where}).`,
          evidence: [tokenEvidence(f, { flow: where, host: 'this device', url: f.where }, says)],
        });
      }
      for (const gap of r.gaps) {
        if (gap.kind === 'file-unread') judged.blind.add(gapSentence(gap));
      }
    }
    if (scanned === 0 && judged.blind.size === 0 && onlyToken === undefined) {
      judged.blind.add(
        `No scenario planted any ${dataText(claim.data)}, so nothing could be looked for on the device.`,
      );
    }
    judged.passSentence = `None of the ${dataText(claim.data)} was found in the ${files} files the browser wrote in ${scanned} scenario${scanned === 1 ? '' : 's'}.`;
  },
});
