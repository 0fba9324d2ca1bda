import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../src/report/junit.ts';
import { loadRun } from './load.ts';

interface Case {
  '@_name': string;
  '@_classname': string;
  failure?: { '#text'?: string; '@_message': string };
  error?: { '#text'?: string; '@_message': string };
  skipped?: { '@_message': string };
}

function parse(xml: string): { suites: { '@_name': string; '@_tests': string; testcase?: Case[] }[] } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase' || name === 'property',
  });
  const doc = parser.parse(xml) as { testsuites: { testsuite: never } };
  return { suites: doc.testsuites.testsuite };
}

describe('renderJunit', () => {
  it('should write one test case per evaluated claim × target, mapping each status', () => {
    const run = loadRun('sample');
    const xml = renderJunit(run);
    expect(XMLValidator.validate(xml)).toBe(true);
    const { suites } = parse(xml);
    expect(suites).toHaveLength(run.targets.length);
    const cases = suites.flatMap((s) => s.testcase ?? []);
    expect(cases).toHaveLength(run.cells.length);
    for (const cell of run.cells) {
      const tc = cases.find(
        (c) => c['@_classname'] === `phonehome.${cell.target}` && c['@_name'].startsWith(`${cell.claim}: `),
      );
      expect(tc, `${cell.claim} × ${cell.target}`).toBeDefined();
      expect(Boolean(tc!.failure)).toBe(cell.status === 'fail');
      expect(Boolean(tc!.error)).toBe(cell.status === 'error');
      expect(Boolean(tc!.skipped)).toBe(cell.status === 'inconclusive');
      if (cell.status === 'inconclusive') expect(tc!.skipped!['@_message']).toBe(cell.reason);
      if (cell.status === 'fail') {
        expect(tc!.failure!['@_message']).toBe(cell.reason);
        for (const ev of cell.evidence) expect(tc!.failure!['#text']).toContain(ev.token);
      }
    }
    expect(xml).toMatch(/<testsuites [^>]*tests="14" failures="3" errors="1" skipped="1" time="401\.000"/);
  });

  it('should write a not-applicable cell (@3) as skipped, saying so, and never as a pass', () => {
    const run = loadRun('sample-v3');
    const xml = renderJunit(run);
    expect(XMLValidator.validate(xml)).toBe(true);
    const cases = parse(xml).suites.flatMap((s) => s.testcase ?? []);
    expect(cases).toHaveLength(run.cells.length);
    const na = run.cells.filter((c) => c.status === 'not-applicable');
    for (const cell of na) {
      const tc = cases.find(
        (c) => c['@_classname'] === `phonehome.${cell.target}` && c['@_name'].startsWith(`${cell.claim}: `),
      );
      expect(tc?.skipped?.['@_message']).toBe(`not applicable: ${cell.reason}`);
    }
    const inconclusive = run.cells.filter((c) => c.status === 'inconclusive').length;
    expect(xml).toContain(`skipped="${inconclusive + na.length}"`);
  });

  it('should stay well-formed XML with hostile captured text and control characters', () => {
    const run = loadRun('hostile');
    const fail = run.cells.find((c) => c.status === 'fail')!;
    fail.reason = `bad \u0000\u0007 "quote' ]]> </failure><x>`;
    fail.evidence[0]!.token = '\ud800lone surrogate\u001b';
    const xml = renderJunit(run);
    expect(XMLValidator.validate(xml)).toBe(true);
    const cases = parse(xml).suites.flatMap((s) => s.testcase ?? []);
    const messages = cases.map((c) => c.failure?.['@_message']).filter(Boolean);
    expect(messages).toContain('bad \\u0000\\u0007 "quote\' ]]> </failure><x>');
  });
});
