// Every action.yml and workflow in the repo, and every workflow the README tells users to copy, validated by GitHub's
// own parser (@actions/workflow-parser, the one behind the Actions language service).
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { REPO } from '../helpers/fixtures.js';

const errorsOf = (r: { context: { errors: { getErrors(): { message: string }[] } } }) =>
  r.context.errors.getErrors().map((e) => e.message);
const workflowErrors = (name: string, content: string) =>
  errorsOf(parseWorkflow({ name, content }, new NoOperationTraceWriter()));

/** The ```yaml blocks of the README that are whole workflows (they have jobs:). */
function readmeWorkflows(): { name: string; content: string }[] {
  const text = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  return [...text.matchAll(/```ya?ml\n([\s\S]*?)```/g)]
    .map((m, i) => ({ name: `README.md yaml block ${i + 1}`, content: m[1]! }))
    .filter((b) => /^jobs:/m.test(b.content));
}

describe('GitHub Actions files', () => {
  test.each(['action.yml', 'aggregate/action.yml'])('%s is a valid action', async (file) => {
    const parsed = parseAction(
      { name: file, content: readFileSync(path.join(REPO, file), 'utf8') },
      new NoOperationTraceWriter(),
    );
    expect(errorsOf(parsed)).toEqual([]);
    const template = await convertActionTemplate(parsed.context, parsed.value!);
    expect(template.runs?.using).toBe('composite');
  });

  const workflows = readdirSync(path.join(REPO, '.github', 'workflows')).filter((f) => /\.ya?ml$/.test(f));
  test.each(workflows)('.github/workflows/%s is a valid workflow', (file) => {
    expect(workflowErrors(file, readFileSync(path.join(REPO, '.github', 'workflows', file), 'utf8'))).toEqual([]);
  });

  test("the README's workflows for push, pull_request, the matrix and the fork recipe are valid", () => {
    const blocks = readmeWorkflows();
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) expect([b.name, workflowErrors(b.name, b.content)]).toEqual([b.name, []]);
  });

  test('the validator does catch mistakes (a step with neither run nor uses, an unknown key)', () => {
    expect(
      workflowErrors('bad.yml', 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - name: x\n')
        .length,
    ).toBeGreaterThan(0);
    const bad = parseAction(
      { name: 'bad.yml', content: 'name: x\ndescription: y\nruns:\n  using: composite\n  steps:\n    - run: echo\n' },
      new NoOperationTraceWriter(),
    );
    expect(errorsOf(bad)).toEqual([expect.stringContaining('Required property is missing: shell')]);
  });

  test('every input of action.yml is passed to the steps through env (composite steps get no INPUT_*)', () => {
    const text = readFileSync(path.join(REPO, 'action.yml'), 'utf8');
    const inputs = [...text.split('\noutputs:')[0]!.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]!);
    expect(inputs).toEqual([
      'tree',
      'ref',
      'series',
      'configs',
      'stages',
      'fail-on',
      'token',
      'comment',
      'comment-on-push',
      'ccache-size',
      'header',
    ]);
    for (const name of inputs)
      expect(text).toContain(`KPCI_${name.toUpperCase().replace(/-/g, '_')}: \${{ inputs.${name} }}`);
  });

  test(
    'Marketplace and runtime: a description under 125 characters, ' +
      "and only the Node 24 majors of GitHub's own actions",
    () => {
      const files = [
        'action.yml',
        'aggregate/action.yml',
        ...workflows.map((f) => path.join('.github', 'workflows', f)),
      ].map((f) => [f, readFileSync(path.join(REPO, f), 'utf8')] as const);
      for (const [file, text] of files.slice(0, 2))
        expect([file, /^description: (.*)$/m.exec(text)![1]!.length < 125]).toEqual([file, true]);
      const wanted: Record<string, number> = {
        checkout: 5,
        'upload-artifact': 6,
        'download-artifact': 7,
        cache: 5,
        'cache/restore': 5,
        'cache/save': 5,
        'setup-node': 5,
      };
      const used = [...files, ['README.md', readFileSync(path.join(REPO, 'README.md'), 'utf8')] as const].flatMap(
        ([file, text]) =>
          [...text.matchAll(/uses: actions\/([\w/-]+)@v(\d+)/g)].map((m) => [file, m[1]!, Number(m[2])] as const),
      );
      expect(used.length).toBeGreaterThan(8);
      for (const [file, name, major] of used) expect([file, name, major]).toEqual([file, name, wanted[name]]);
    },
  );
});
