import { z } from 'zod';
import { flowHost } from '../../capture/flow.ts';
import type { Flow } from '../../model/flow.ts';
import type { Evidence } from '../../model/verdict.ts';
import { blindGaps } from '../judgement.ts';
import { linkableValues } from '../linkable-values.ts';
import { isFirstParty, recipientDomains, registrableDomain } from '../recipients.ts';
import { defineRuleKind } from './rule-kind.ts';

/**
 * No high-entropy value (at least `minLength` characters, not a canary, not a build constant, not
 * matching `ignore`) is sent in both normal and incognito flows to the same non-first-party domain.
 */
export interface UnlinkableModesRule {
  kind: 'unlinkable-modes';
  minLength: number;
  ignore: string[];
}

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export const unlinkableModes = defineRuleKind({
  kind: 'unlinkable-modes',
  input: z.union([
    z.literal(true),
    z.strictObject({
      minLength: z.int().min(4).max(256).optional(),
      ignore: z
        .array(z.string().min(1).refine(isRegExp, { error: 'is not a valid regular expression' }))
        .optional(),
    }),
  ]),
  needsData: false,
  needsAllTraffic: true,
  comparesModes: true,
  toRule: (value): UnlinkableModesRule => ({
    kind: 'unlinkable-modes',
    minLength: (value === true ? undefined : value.minLength) ?? 8,
    ignore: (value === true ? undefined : value.ignore) ?? [],
  }),
  explain: () =>
    'Fails when the same high-entropy value (not a canary, not a constant of the fixture sites) is sent in both normal and incognito requests to the same party other than the site or search engine.',
  text: (rule) =>
    `no value of ${rule.minLength} or more characters, other than canaries and build constants, is sent in both normal and incognito browsing to the same party other than the site or search engine`,
  judge(rule, { target, records, flows, flowsById }, judged) {
    for (const mode of ['normal', 'incognito'] as const) {
      if (!records.some((r) => r.target.mode === mode)) {
        judged.blind.add(`No ${mode}-mode scenario of ${target.base} ran, so there was nothing to compare.`);
      }
    }
    const excluded = new Set<string>();
    for (const r of records) {
      for (const t of r.tokens) if (t.kind === 'canary') excluded.add(t.value);
      for (const c of r.buildConstants ?? []) excluded.add(c);
    }
    const ignore = rule.ignore.map((p) => new RegExp(p));
    // By whole value: a constant inside an identifier (or an identifier inside a constant) does not
    // make the identifier the same for every user.
    const isExcluded = (v: string) => excluded.has(v) || ignore.some((re) => re.test(v));

    const recordOf = new Map(records.map((r) => [`${r.target.id}\u0000${r.scenario}`, r]));
    type Seen = { flow: Flow; where: string; chain: string[] };
    const byKey = new Map<string, { domain: string; value: string; normal?: Seen; incognito?: Seen }>();
    for (const flow of flows) {
      const r = recordOf.get(`${flow.target}\u0000${flow.scenario}`);
      if (!r) continue;
      const host = flowHost(flow);
      if (isFirstParty(host, recipientDomains(r.recipients))) continue;
      const domain = registrableDomain(host);
      for (const v of linkableValues(flow, rule.minLength)) {
        if (isExcluded(v.value)) continue;
        const key = `${domain}\u0000${v.value}`;
        const entry = byKey.get(key) ?? { domain, value: v.value };
        entry[flow.mode] ??= { flow, where: v.where, chain: v.chain };
        byKey.set(key, entry);
      }
    }
    const placeText = (s: Seen) => (s.chain.length > 0 ? `${s.where} via ${s.chain.join(' → ')}` : s.where);
    const evidenceOf = (s: Seen, value: string, says: string): Evidence => ({
      flow: s.flow.id,
      host: flowHost(s.flow),
      url: s.flow.request.url,
      where: s.where,
      chain: s.chain,
      token: value,
      method: s.flow.request.method,
      says,
    });
    for (const e of byKey.values()) {
      if (!e.normal || !e.incognito) continue;
      const says = `the same value went to ${e.domain} in normal and in incognito browsing`;
      judged.violations.push({
        sentence: `The value "${e.value}" was sent to ${e.domain} in normal mode (flow ${e.normal.flow.id}, ${placeText(e.normal)}) and in incognito mode (flow ${e.incognito.flow.id}, ${placeText(e.incognito)}), so the incognito session can be tied to normal browsing.`,
        evidence: [
          evidenceOf(e.normal, e.value, `${says} (normal).`),
          evidenceOf(e.incognito, e.value, `${says} (incognito).`),
        ],
      });
    }

    blindGaps(
      records,
      flowsById,
      {
        host: (host, domains) => !host || !isFirstParty(host, domains),
        flow: (flow, domains) => !isFirstParty(flowHost(flow), domains),
      },
      judged,
    );
    judged.passSentence = `No value was sent to the same party in both modes, across ${flows.length} requests.`;
  },
});
