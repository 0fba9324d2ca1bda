import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { runJsonSchema } from '../../src/model/run-schema.ts';
import { parseRunRecord, RunFileError } from '../../src/report/read-run.ts';
import { loadRun } from './load.ts';

const schemaFile = fileURLToPath(new URL('../../src/report/run.schema.json', import.meta.url));
const committed = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(committed);

describe('run.json schema', () => {
  it('should match the schema generated from the zod schema (run src/report/run-schema-write.ts)', () => {
    expect(committed).toEqual(runJsonSchema());
  });

  it('should accept a real run (from `phonehome run`) and the sample runs, @1, @2 and @3, in JSON Schema and in zod', () => {
    for (const name of [
      'real',
      'sample',
      'hostile',
      'extra-leak',
      'sample-v2',
      'extra-leak-v2',
      'sample-v3',
    ]) {
      const run = loadRun(name);
      expect(validate(run), JSON.stringify(validate.errors)).toBe(true);
      expect(parseRunRecord(run, `${name}/run.json`).runId).toBe(run.runId);
    }
  });

  it('should accept fields it does not know yet (run.json only gains fields)', () => {
    const run = { ...loadRun('sample'), futureField: { x: 1 } };
    expect(validate(run)).toBe(true);
    expect(() => parseRunRecord(run, 'run.json')).not.toThrow();
  });

  it('should reject a wrong schema version and a bad cell status, naming file, field and reason', () => {
    const wrongVersion = { ...loadRun('sample'), schema: 'phonehome/run@4' };
    expect(validate(wrongVersion)).toBe(false);
    expect(() => parseRunRecord(wrongVersion, 'a/run.json')).toThrow(/^a\/run\.json: schema: /);

    const badStatus = loadRun('sample');
    (badStatus.cells[2] as { status: string }).status = 'passed';
    expect(validate(badStatus)).toBe(false);
    let error: unknown;
    try {
      parseRunRecord(badStatus, 'b/run.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunFileError);
    expect((error as RunFileError).message.split('\n')).toHaveLength(1);
    expect((error as RunFileError).field).toBe('cells[2].status');
  });

  it('should read the @2 fields (per-scenario seal and consent, watch window, retries, new gap kinds)', () => {
    const run = parseRunRecord(loadRun('extra-leak-v2'), 'run.json');
    expect(run.schema).toBe('phonehome/run@2');
    expect(run.scenarios.every((s) => typeof s.sealed === 'boolean' && s.consent === 'none')).toBe(true);
    expect(run.scenarios[0]?.watch?.ended).toBe('quiet');
    expect(run.scenarios[0]?.retries).toBe(1);
    expect(run.gaps.map((g) => g.kind)).toEqual(expect.arrayContaining(['capture-lost', 'still-sending']));
  });

  it('should reject an @2 run whose scenarios do not say whether they were sealed or what consent they gave', () => {
    for (const field of ['sealed', 'consent'] as const) {
      const run = loadRun('sample-v2');
      delete run.scenarios[1]![field];
      expect(validate(run)).toBe(false);
      expect(() => parseRunRecord(run, 'run.json')).toThrow(`run.json: scenarios[1].${field}: `);
    }
    const badWatch = loadRun('sample-v2');
    (badWatch.scenarios[0]!.watch as { ended: string }).ended = 'bored';
    expect(validate(badWatch)).toBe(false);
    expect(() => parseRunRecord(badWatch, 'run.json')).toThrow('run.json: scenarios[0].watch.ended: ');
  });

  it('should reject the gap kinds of @2 in an @1 run (an @1 reader would not know them)', () => {
    const run = loadRun('sample');
    run.gaps.push({ kind: 'capture-lost', reason: 'the flow log is missing' });
    expect(validate(run)).toBe(false);
    expect(() => parseRunRecord(run, 'run.json')).toThrow(/^run\.json: gaps\[\d+\]\.kind: /);
    expect(() =>
      parseRunRecord({ ...run, schema: 'phonehome/run@2', scenarios: [] }, 'run.json'),
    ).not.toThrow();
  });

  it('should read the @3 fields: not-applicable cells, and claims with quote, appliesTo and generic', () => {
    const run = parseRunRecord(loadRun('sample-v3'), 'run.json');
    expect(run.schema).toBe('phonehome/run@3');
    const na = run.cells.filter((c) => c.status === 'not-applicable');
    expect(na.length).toBeGreaterThan(0);
    expect(na.every((c) => c.evidence.length === 0 && c.reason.includes('does not apply'))).toBe(true);
    const quoted = run.claims.find((c) => c.quote);
    expect(quoted?.source).toMatch(/^browser UI: /);
    expect(quoted?.appliesTo?.targets).toEqual(['chromium']);
    expect(run.claims.some((c) => c.generic === true)).toBe(true);
  });

  it('should reject a not-applicable cell in an @1 or @2 run (their readers know four statuses)', () => {
    for (const name of ['sample', 'sample-v2']) {
      const run = loadRun(name);
      (run.cells[0] as { status: string }).status = 'not-applicable';
      expect(validate(run), name).toBe(false);
      expect(() => parseRunRecord(run, 'run.json'), name).toThrow('run.json: cells[0].status: ');
    }
    // The same run is valid once it says it is @3 (its other fields are @3's too).
    const v2 = loadRun('sample-v2');
    (v2.cells[0] as { status: string }).status = 'not-applicable';
    expect(() => parseRunRecord({ ...v2, schema: 'phonehome/run@3' }, 'run.json')).not.toThrow();
  });

  it('should read the form-entries data class in an @3 run only', () => {
    const v3 = loadRun('sample-v3');
    const finding = { ...v3.findings[0]!, dataClass: 'form-entries' as const };
    const row = { ...v3.phoneHome[0]!, dataClasses: ['form-entries' as const] };
    expect(() => parseRunRecord({ ...v3, findings: [finding], phoneHome: [row] }, 'run.json')).not.toThrow();
    const v2 = loadRun('sample-v2');
    expect(() => parseRunRecord({ ...v2, findings: [finding] }, 'run.json')).toThrow(
      'run.json: findings[0].dataClass: ',
    );
    expect(() => parseRunRecord({ ...v2, phoneHome: [row] }, 'run.json')).toThrow(
      'run.json: phoneHome[0].dataClasses[0]: ',
    );
    expect(validate({ ...v2, findings: [finding] })).toBe(false);
  });

  it('should reject an @3 run whose cell has no status, and a claim whose appliesTo is not a list', () => {
    const noStatus = loadRun('sample-v3');
    delete (noStatus.cells[0] as { status?: string }).status;
    expect(validate(noStatus)).toBe(false);
    expect(() => parseRunRecord(noStatus, 'run.json')).toThrow('run.json: cells[0].status: ');
    const badScope = loadRun('sample-v3');
    (badScope.claims.at(-1) as { appliesTo: unknown }).appliesTo = { targets: 'chromium' };
    expect(validate(badScope)).toBe(false);
    expect(() => parseRunRecord(badScope, 'run.json')).toThrow(
      /^run\.json: claims\[4\]\.appliesTo\.targets: /,
    );
  });

  it('should reject a run without cells', () => {
    const { cells: _cells, ...rest } = loadRun('sample');
    expect(validate(rest)).toBe(false);
    expect(() => parseRunRecord(rest, 'run.json')).toThrow('run.json: cells: ');
  });
});
