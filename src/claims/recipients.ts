import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import type { ScenarioRecord } from '../model/run-record.ts';
import type { Recipient, RecipientClass } from './claim-terms.ts';

/**
 * Recipient classes, by registrable domain (eTLD+1, from the public suffix list via tldts): a host is
 * `search-engine`, `site` or `vendor` when its registrable domain is one of the scenario's, and
 * `third-party` when it is none of them.
 */

/** The registrable domain of a host, or the host itself when it has none (IP address, `localhost`). */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  return getDomain(h, { allowPrivateDomains: true }) ?? h;
}

/** The registrable domains of each class for one scenario. */
export interface RecipientDomains {
  searchEngine: Set<string>;
  sites: Set<string>;
  vendor: Set<string>;
}

export function recipientDomains(recipients: ScenarioRecord['recipients']): RecipientDomains {
  const of = (hosts: string[]) => new Set(hosts.map(hostOf).filter(Boolean).map(registrableDomain));
  return {
    searchEngine: of(recipients.searchEngine),
    sites: of(recipients.sites),
    vendor: of(recipients.vendor),
  };
}

// Recipients lists may hold hosts, domains or whole URLs; keep the host.
function hostOf(s: string): string {
  if (s.includes('://')) {
    try {
      return new URL(s).hostname;
    } catch {
      return '';
    }
  }
  return s.split('/')[0]!.replace(/:\d+$/, '');
}

/** Every class a host belongs to (a host may be both the search engine and the vendor). */
export function classify(host: string, domains: RecipientDomains): RecipientClass[] {
  const h = host.toLowerCase().replace(/\.$/, '');
  const d = registrableDomain(h);
  // A declared domain also covers its subdomains: `googleapis.com` is a private suffix in the public
  // suffix list, so `update.googleapis.com` is its own registrable domain, yet the maker declared it.
  const inSet = (set: Set<string>) => set.has(d) || [...set].some((s) => h === s || h.endsWith(`.${s}`));
  const out: RecipientClass[] = [];
  if (inSet(domains.searchEngine)) out.push('search-engine');
  if (inSet(domains.sites)) out.push('site');
  if (inSet(domains.vendor)) out.push('vendor');
  if (out.length === 0) out.push('third-party');
  return out;
}

/** True when the host is the recipient: in its class, or the named domain or a subdomain of it. */
export function matchesRecipient(host: string, recipient: Recipient, domains: RecipientDomains): boolean {
  if (typeof recipient === 'string') return classify(host, domains).includes(recipient);
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === recipient.domain || h.endsWith(`.${recipient.domain}`);
}

/**
 * True only when the host is known to be the recipient. `matchesRecipient` counts a host in no class
 * as a third party, which is right for a rule data must not break; to show that data went to someone
 * it is not enough: an IP literal (or no host) could be anyone's, the search engine as well as a
 * tracker. An IP literal is the recipient only when that address itself is declared for the class, or
 * is the named domain.
 */
export function provenRecipient(host: string, recipient: Recipient, domains: RecipientDomains): boolean {
  const h = host
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  if (!h) return false;
  if (isIP(h) === 0) return matchesRecipient(h, recipient, domains);
  if (typeof recipient !== 'string') return h === recipient.domain.replace(/^\[(.*)\]$/, '$1');
  if (recipient === 'third-party') return false;
  return classify(h, domains).includes(recipient);
}

export function matchesAny(host: string, recipients: Recipient[], domains: RecipientDomains): boolean {
  return recipients.some((r) => matchesRecipient(host, r, domains));
}

/** First-party for a scenario: the sites it visited and the search engine it used. */
export function isFirstParty(host: string, domains: RecipientDomains): boolean {
  const classes = classify(host, domains);
  return classes.includes('site') || classes.includes('search-engine');
}

/** `the search engine, the site or example.com`. */
export function recipientsText(recipients: Recipient[], joiner = 'or'): string {
  if (recipients.length === 0) return 'no one';
  const parts = recipients.map((r) => (typeof r === 'string' ? RECIPIENT_NAMES[r] : r.domain));
  return parts.length === 1
    ? parts[0]!
    : `${parts.slice(0, -1).join(', ')} ${joiner} ${parts[parts.length - 1]}`;
}

export const RECIPIENT_NAMES: Record<RecipientClass, string> = {
  'search-engine': 'the search engine',
  site: 'the site itself',
  vendor: "the target's maker",
  'third-party': 'third parties',
};
