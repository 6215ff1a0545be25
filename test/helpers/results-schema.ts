// schema/results.schema.json, the contract the README cites: every results.json a test reads goes through here, so
// a field the code adds without the schema (or a shape the schema forbids) fails the test that produced it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { REPO } from './fixtures.js';

const schema = JSON.parse(readFileSync(path.join(REPO, 'schema', 'results.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

/** The problems of one results object against the schema, as "path: message" lines; empty when it conforms. */
export function schemaProblems(results: unknown): string[] {
  return validate(results)
    ? []
    : (validate.errors ?? []).map((e) => {
        const extra = e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : '';
        return `${e.instancePath || '/'}: ${e.message}${extra}`;
      });
}

/** Parse a results.json and throw if it breaks the schema. */
export function readValidResults<T>(file: string): T {
  const results = JSON.parse(readFileSync(file, 'utf8')) as T;
  const problems = schemaProblems(results);
  if (problems.length) throw new Error(`${file} breaks schema/results.schema.json:\n${problems.join('\n')}`);
  return results;
}
