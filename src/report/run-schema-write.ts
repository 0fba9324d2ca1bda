/**
 * Writes src/report/run.schema.json from the zod schema in src/model/run-schema.ts:
 * `npx tsx src/report/run-schema-write.ts`. A test fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runJsonSchema } from '../model/run-schema.ts';

const file = fileURLToPath(new URL('./run.schema.json', import.meta.url));
writeFileSync(file, `${JSON.stringify(runJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${file}\n`);
