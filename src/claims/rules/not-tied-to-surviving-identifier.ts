import { z } from 'zod';
import { flowHost } from '../../capture/flow.ts';
import { type Identifier, survivesRestart } from '../../model/identifier.ts';
import type { Evidence } from '../../model/verdict.ts';
import { dataText, whenText } from '../claim-terms.ts';
import { findIdentifiers, restartedOnProfile } from '../identifiers.ts';
import { blindGaps, findingEvidence, selects } from '../judgement.ts';
import { defineRuleKind } from './rule-kind.ts';

/**
 * The requests that carried the claim's data (a search term) carry no identifier the browser made up
 * that survives a restart (src/claims/identifiers.ts): one kept in the profile, derived from the
 * device, or the same across fresh profiles. `scenarios` narrows which scenarios' requests count.
 */
export interface NotTiedToSurvivingIdentifierRule {
  kind: 'not-tied-to-surviving-identifier';
  scenarios?: string[];
}

const CLASS_TEXT: Record<Identifier['class'], string> = {
  profile: 'an identifier kept in the profile',
  'device-derived': 'an identifier derived from this machine',
  linking: 'an identifier shared by the normal and the private mode',
  unresolved: 'a value that is the same in fresh profiles on this machine',
};

const BOUNDARY_TEXT = {
  restart: 'a restart',
  profile: 'a fresh profile',
  mode: 'the change of mode',
  machine: 'another machine',
} as const;

export const notTiedToSurvivingIdentifier = defineRuleKind({
  kind: 'not-tied-to-surviving-identifier',
  input: z.union([z.literal(true), z.strictObject({ scenarios: z.array(z.string().min(1)).min(1) })]),
  needsData: true,
  needsAllTraffic: true,
  // Identifiers are classified from every pass of the target: both modes, fresh profiles, the other machine.
  comparesModes: true,
  toRule: (value): NotTiedToSurvivingIdentifierRule => ({
    kind: 'not-tied-to-surviving-identifier',
    ...(value === true ? {} : { scenarios: value.scenarios }),
  }),
  explain: () =>
    'Fails when a request that carried the claim’s data also carried a value the browser sent again after a restart or in a fresh profile (an identifier it made up); a value whose class could not be told, or a scenario that was never restarted on its profile, makes it inconclusive.',
  text: (rule, claim) =>
    `${dataText(claim.data)}${whenText(claim)}${rule.scenarios ? ` (in the ${rule.scenarios.join(', ')} scenario)` : ''} go with no identifier that survives a restart`,
  judge(rule, { claim, target, records, flows, flowsById }, judged) {
    const cellRecords = records.filter(
      (r) => r.target.id === target.id && (!rule.scenarios || rule.scenarios.includes(r.scenario)),
    );
    if (cellRecords.length === 0) {
      judged.blind.add(
        `No ${rule.scenarios ? `${rule.scenarios.join(' or ')} ` : ''}scenario ran for ${target.id}, so no request with ${dataText(claim.data)} could be looked at.`,
      );
      return;
    }
    const { identifiers } = findIdentifiers(records, flows);
    const surviving = identifiers.filter((i) => i.target === target.base && survivesRestart(i));
    let carrying = 0;
    for (const r of cellRecords) {
      const where = `${r.target.id} / ${r.scenario}`;
      const findings = r.findings.filter((f) => claim.data.some((d) => selects(d, f)));
      const flowIds = new Set(findings.map((f) => f.flowId));
      carrying += flowIds.size;
      if (flowIds.size === 0) continue;
      if (!restartedOnProfile(r)) {
        judged.blind.add(
          `The scenario ${where} was not restarted on its profile, so whether a value sent with its ${dataText(claim.data)} comes back after a restart is unknown.`,
        );
      }
      for (const id of surviving) {
        const tied = id.flows.filter((f) => flowIds.has(f));
        if (tied.length === 0) continue;
        const flowId = tied[0] as string;
        const flow = flowsById.get(flowId);
        const host = flow ? flowHost(flow) : (id.hosts[0] ?? 'unknown');
        const survived = id.survived.map((b) => BOUNDARY_TEXT[b]).join(' and ');
        if (id.class === 'unresolved') {
          judged.blind.add(
            `The value "${id.value}" went to ${host} with ${dataText(claim.data)} (flow ${flowId}) and came back in ${survived}; whether it identifies this machine is unknown: ${id.reason}.`,
          );
          continue;
        }
        const finding = findings.find((f) => f.flowId === flowId);
        const says = `${CLASS_TEXT[id.class]}, sent again after ${survived}.`;
        const idEvidence: Evidence = {
          flow: flowId,
          host,
          url: flow?.request.url ?? '',
          where: id.parts.join(', '),
          chain: [],
          token: id.value,
          says: `it carried ${says}`,
        };
        judged.violations.push({
          sentence: `A request that carried ${dataText(claim.data)} to ${host} (flow ${flowId}, ${where}) also carried "${id.value}", ${says}`,
          evidence: [
            ...(finding ? [findingEvidence(finding, 'the data the claim is about.')] : []),
            idEvidence,
          ],
        });
      }
    }
    blindGaps(cellRecords, flowsById, { host: () => true, flow: () => true }, judged);
    judged.passSentence = `None of the ${carrying} requests that carried ${dataText(claim.data)} carried a value sent again after a restart or in a fresh profile.`;
  },
});
