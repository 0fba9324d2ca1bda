import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseRunRecord, RunFileError, runJsonSchema } from '../../src/report/run-schema.ts';
import { loadRun } from './load.ts';

const schemaFile = fileURLToPath(new URL('../../src/report/run.schema.json', import.meta.url));
const committed = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(committed);

describe('run.json schema', () => {
  it('should match the schema generated from the zod schema (run src/report/run-schema-write.ts)', () => {
    expect(committed).toEqual(runJsonSchema());
  });

  it('should accept a real run (from `phonehome run`) and the sample runs, in JSON Schema and in zod', () => {
    for (const name of ['real', 'sample', 'hostile', 'extra-leak']) {
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
    const wrongVersion = { ...loadRun('sample'), schema: 'phonehome/run@2' };
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

  it('should reject a run without cells', () => {
    const { cells: _cells, ...rest } = loadRun('sample');
    expect(validate(rest)).toBe(false);
    expect(() => parseRunRecord(rest, 'run.json')).toThrow('run.json: cells: ');
  });
});
