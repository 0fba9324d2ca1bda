import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClaimFileError, loadClaims } from '../../src/claims/load.ts';
import { ClaimError, defineClaims } from '../../src/claims/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonehome-claims-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(ext: string, text: string): string {
  const path = join(dir, `claims-${n++}${ext}`);
  writeFileSync(path, text);
  return path;
}

async function errorOf(path: string): Promise<ClaimFileError> {
  const err = await loadClaims(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClaimFileError);
  return err as ClaimFileError;
}

const GOOD = `claims:
  - id: incognito-search-terms-only-to-search-engine
    says: Search terms typed in incognito are sent only to the search engine
    when: { mode: incognito }
    data: [search-terms]
    mayGoTo: [search-engine]
  - id: only-declared
    says: Only declared recipients
    declaredRecipientsOnly: [search-engine, site, vendor, example.com]
`;

/** A change to GOOD (what is replaced, by what), or a whole file's text. */
type Edit = [string, string] | string;

describe('loadClaims (YAML)', () => {
  it('should load claims under `claims:` into the tagged form with defaults filled in', async () => {
    const claims = await loadClaims(file('.yaml', GOOD));
    expect(claims).toEqual([
      {
        id: 'incognito-search-terms-only-to-search-engine',
        says: 'Search terms typed in incognito are sent only to the search engine',
        when: { mode: 'incognito', consent: 'any' },
        data: ['search-terms'],
        rule: { kind: 'may-go-to', recipients: ['search-engine'] },
      },
      {
        id: 'only-declared',
        says: 'Only declared recipients',
        when: { mode: 'any', consent: 'any' },
        data: [],
        rule: {
          kind: 'declared-recipients-only',
          recipients: ['search-engine', 'site', 'vendor', { domain: 'example.com' }],
        },
      },
    ]);
  });

  it('should load a top-level list too (.yml)', async () => {
    const text = GOOD.replace('claims:\n', '').replace(/^ {2}/gm, '');
    expect((await loadClaims(file('.yml', text))).map((c) => c.id)).toEqual([
      'incognito-search-terms-only-to-search-engine',
      'only-declared',
    ]);
  });

  // Each mistake (an edit of GOOD, or a whole text), the line it is on, the field and a word of the reason.
  const mistakes: [string, Edit, number, string, RegExp][] = [
    [
      'a misspelt recipient',
      ['mayGoTo: [search-engine]', 'mayGoTo: [serch-engine]'],
      6,
      'claims[0].mayGoTo[0]',
      /unknown recipient "serch-engine"; use search-engine, site, vendor, third-party or a domain/,
    ],
    ['a misspelt rule key', ['mayGoTo:', 'mayGoto:'], 6, 'claims[0].mayGoto', /unknown field/],
    [
      'a mode that does not exist',
      ['mode: incognito', 'mode: private'],
      4,
      'claims[0].when.mode',
      /Invalid option/,
    ],
    [
      'unknown data',
      ['data: [search-terms]', 'data: [search-terms, location]'],
      5,
      'claims[0].data[1]',
      /unknown data "location"/,
    ],
    ['a missing says', ['    says: Only declared recipients\n', ''], 7, 'claims[1].says', /is required/],
    ['no rule', ['    mayGoTo: [search-engine]\n', ''], 2, 'claims[0]', /needs exactly one rule/],
    [
      'two rules',
      ['    mayGoTo: [search-engine]\n', '    mayGoTo: [search-engine]\n    mustNotGoTo: [vendor]\n'],
      7,
      'claims[0].mustNotGoTo',
      /more than one rule/,
    ],
    [
      'a rule without data',
      ['    data: [search-terms]\n', ''],
      2,
      'claims[0].data',
      /is required with mayGoTo/,
    ],
    [
      'a duplicate id',
      ['id: only-declared', 'id: incognito-search-terms-only-to-search-engine'],
      7,
      'claims[1].id',
      /duplicate id/,
    ],
    [
      'an id that is not kebab-case',
      ['id: only-declared', 'id: Only_Declared'],
      7,
      'claims[1].id',
      /kebab-case/,
    ],
    ['YAML that does not parse', ['data: [search-terms]', 'data: [search-terms'], 6, 'yaml', /./],
    ['a top level that is not claims', 'rules: []\n', 1, 'rules', /unknown field/],
  ];
  it.each(mistakes)(
    'should name file:line, field and reason for %s, on one line',
    async (_, edit, line, field, reason) => {
      const path = file('.yaml', typeof edit === 'string' ? edit : GOOD.replace(...edit));
      const err = await errorOf(path);
      expect(err.message.split('\n')).toHaveLength(1);
      expect(err.message.startsWith(`${path}:${line}: ${field}: `), err.message).toBe(true);
      expect(err.message).toMatch(reason);
      expect(err.stack === undefined || !err.message.includes('    at ')).toBe(true);
    },
  );

  it("should keep a vendor claim's quote, source and appliesTo, and a generic claim's mark", async () => {
    const claims = await loadClaims(
      file(
        '.yaml',
        `claims:
  - id: quoted
    says: Private windows keep no history
    quote: "Firefox deletes your cookies, history, and site data when you close all your private windows."
    source: "browser UI: about:privatebrowsing"
    appliesTo: { targets: [firefox-esr, android-firefox-*], engines: [firefox] }
    data: [search-terms]
    notOnDevice: true
  - id: expected
    says: Search terms go only to the search engine
    generic: true
    data: [search-terms]
    mayGoTo: [search-engine]
`,
      ),
    );
    expect(claims[0]).toMatchObject({
      quote: 'Firefox deletes your cookies, history, and site data when you close all your private windows.',
      source: 'browser UI: about:privatebrowsing',
      appliesTo: { targets: ['firefox-esr', 'android-firefox-*'], engines: ['firefox'] },
    });
    expect(claims[0]?.generic).toBeUndefined();
    expect(claims[1]?.generic).toBe(true);
    expect(claims[1]?.quote).toBeUndefined();
  });

  it.each([
    ['a quote without its source', 'quote: "words"', 'claims[0].source', /is required with quote/],
    [
      'a quote on a generic claim',
      'quote: "words"\n    source: x\n    generic: true',
      'claims[0].generic',
      /cannot be true with quote/,
    ],
    ['an empty appliesTo', 'appliesTo: {}', 'claims[0].appliesTo', /at least one target or engine/],
    [
      'a target that is not an id',
      'appliesTo: { targets: ["Chromium Browser"] }',
      'claims[0].appliesTo.targets[0]',
      /target id/,
    ],
    [
      'an unknown appliesTo key',
      'appliesTo: { browsers: [chromium] }',
      'claims[0].appliesTo.browsers',
      /unknown field|Unrecognized/,
    ],
    [
      'a quote longer than a sentence or two',
      `quote: "${'word '.repeat(100)}"\n    source: x`,
      'claims[0].quote',
      /must be short/,
    ],
  ])('should reject %s, naming the field', async (_what, extra, field, reason) => {
    const path = file(
      '.yaml',
      `claims:\n  - id: c\n    says: S\n    ${extra}\n    data: [search-terms]\n    mayGoTo: [search-engine]\n`,
    );
    const err = await errorOf(path);
    expect(err.message, err.message).toContain(`: ${field}: `);
    expect(err.message).toMatch(reason);
  });

  it('should say so when the file cannot be read or is of an unknown type', async () => {
    expect((await errorOf(join(dir, 'missing.yaml'))).message).toMatch(
      /missing\.yaml:0: file: cannot be read \(ENOENT\)/,
    );
    expect((await errorOf(file('.json', '[]'))).message).toMatch(/:1: file: unknown claim file type ".json"/);
  });
});

const schemaUrl = new URL('../../src/claims/schema.ts', import.meta.url).href;

describe('loadClaims (TypeScript)', () => {
  it('should load a module exporting defineClaims([...])', async () => {
    const path = file(
      '.ts',
      `import { defineClaims } from '${schemaUrl}';
export default defineClaims([
  { id: 'no-plain-http', says: 'Nothing over plain HTTP', data: ['any-canary'], encryptedInTransit: true },
]);
`,
    );
    const [claim] = await loadClaims(path);
    expect(claim).toMatchObject({
      id: 'no-plain-http',
      rule: { kind: 'encrypted-in-transit' },
      data: ['any-canary'],
    });
  });

  it('should point at the line of the bad field of a written claim', async () => {
    const path = file(
      '.ts',
      `export const claims = [
  { id: 'first', says: 'One', data: ['search-terms'], mayGoTo: ['search-engine'] },
  {
    id: 'second',
    says: 'Two',
    data: ['search-terms'],
    mustNotGoTo: ['third party'],
  },
];
`,
    );
    const err = await errorOf(path);
    expect(err.message).toMatch(
      new RegExp(
        `^${path.replace(/[.]/g, '\\.')}:7: claims\\[1\\]\\.mustNotGoTo\\[0\\]: unknown recipient "third party"`,
      ),
    );
  });

  it('should turn a ClaimError thrown by defineClaims at import into file:line', async () => {
    const path = file(
      '.ts',
      `import { defineClaims } from '${schemaUrl}';
export default defineClaims([
  {
    id: 'bad',
    says: 'Bad',
    when: { mode: 'sometimes' },
    data: ['search-terms'],
    mayGoTo: [],
  },
] as never);
`,
    );
    const err = await errorOf(path);
    expect(err.message).toMatch(/:6: claims\[0\]\.when\.mode: Invalid option/);
  });
});

describe('defineClaims', () => {
  it('should throw a ClaimError naming the field for a bad claim', () => {
    expect(() => defineClaims([{ id: 'x', says: 'x', data: ['search-terms'], mustNotGoTo: [] }])).toThrow(
      ClaimError,
    );
    expect(() => defineClaims([{ id: 'x', says: 'x', data: ['search-terms'], mustNotGoTo: [] }])).toThrow(
      'claims[0].mustNotGoTo: must name at least one recipient',
    );
  });

  it('should accept mayGoTo: [] as "to no one"', () => {
    expect(defineClaims([{ id: 'x', says: 'x', data: ['device-ids'], mayGoTo: [] }])[0]!.rule).toEqual({
      kind: 'may-go-to',
      recipients: [],
    });
  });

  it('should reject an ignore pattern that is not a regular expression', () => {
    expect(() => defineClaims([{ id: 'u', says: 'x', unlinkableModes: { ignore: ['('] } }])).toThrow(
      /unlinkableModes\.ignore\[0\]/,
    );
  });
});
