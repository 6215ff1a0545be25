// Runs a composite action.yml the way the GitHub runner does: parsed with GitHub's own parser, each step's `if:` and
// `env:` expressions evaluated with GitHub's expression engine over the inputs/github/runner/steps contexts, the
// `run:` script in `bash --noprofile --norc -eo pipefail`, a fresh GITHUB_OUTPUT file per step, the step summaries
// appended into one job summary, and no INPUT_* variables (composite steps get none). `uses:` steps of
// actions/cache/restore and actions/cache/save run against a DirectoryCache (helpers/actions-cache.ts); any other
// `uses:` is an error, so a new one cannot slip in untested.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { DirectoryCache } from './actions-cache.js';

export interface CompositeRun {
  steps: {
    name: string;
    id?: string;
    ran: boolean;
    code: number;
    log: string;
    uses?: string;
    with?: Record<string, string>;
  }[];
  outputs: Record<string, string>;
  /** The job summary: every step's GITHUB_STEP_SUMMARY, in order. */
  summary: string;
  /** Workflow commands the steps printed: ::error file=…,line=…::message and the like. */
  commands: { command: string; props: Record<string, string>; message: string }[];
  failed: boolean;
}

export interface CompositeOptions {
  actionDir: string;
  inputs: Record<string, string>;
  /** GITHUB_*, RUNNER_* and anything else the job's environment has. */
  env: Record<string, string>;
  /** Only steps whose name matches (the others are skipped as if `if:` were false), e.g. to rerun the report. */
  only?: RegExp;
  /** Where actions/cache/restore and save keep their entries; without it a cache step is an error. */
  cache?: DirectoryCache;
}

type Token = { type: number; expr?: string; value?: string } | string | undefined;

const toData = (value: unknown): data.ExpressionData => {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === 'string') return new data.StringData(value);
  if (typeof value === 'boolean') return new data.BooleanData(value);
  if (typeof value === 'number') return new data.NumberData(value);
  const dict = new data.Dictionary();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) dict.add(k, toData(v));
  return dict;
};

function evaluate(expr: string, contexts: Record<string, unknown>, failed: boolean): data.ExpressionData {
  const status = (v: boolean) => ({ name: '', minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(v) });
  const functions = new Map(
    [
      ['success', status(!failed)],
      ['failure', status(failed)],
      ['always', status(true)],
      ['cancelled', status(false)],
    ].map(([n, f]) => [n as string, { ...(f as object), name: n } as never]),
  );
  const tokens = new Lexer(expr).lex().tokens;
  const tree = new Parser(tokens, Object.keys(contexts), [...functions.values()]).parse();
  return new Evaluator(tree, toData(contexts) as data.Dictionary, functions).evaluate();
}

/** A string with ${{ }} in it (an input default), or a template token from the parser. */
function valueOf(token: Token, contexts: Record<string, unknown>, failed = false): string {
  if (token === undefined) return '';
  if (typeof token === 'string')
    return token.replace(/\$\{\{(.*?)\}\}/g, (_, e: string) => evaluate(e.trim(), contexts, failed).coerceString());
  if (token.expr !== undefined) return evaluate(token.expr, contexts, failed).coerceString();
  return String(token.value ?? '');
}

/** GITHUB_OUTPUT: name=value lines and name<<DELIMITER heredocs (what @actions/core writes). */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i]!.includes('='))
      out[lines[i]!.slice(0, lines[i]!.indexOf('='))] = lines[i]!.slice(lines[i]!.indexOf('=') + 1);
  }
  return out;
}

function parseCommands(log: string): CompositeRun['commands'] {
  const found: CompositeRun['commands'] = [];
  const unescape = (s: string) =>
    s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  for (const m of log.matchAll(/^::(error|warning|notice)(?: ([^:]*))?::(.*)$/gm)) {
    const props = Object.fromEntries(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((p) => [p.slice(0, p.indexOf('=')), unescape(p.slice(p.indexOf('=') + 1))]),
    );
    found.push({ command: m[1]!, props, message: unescape(m[3]!) });
  }
  return found;
}

function bash(script: string, env: Record<string, string>, cwd: string): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { env, cwd });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, log }));
  });
}

interface Mapping {
  count: number;
  get(i: number): { key: { value?: string }; value: unknown };
}
interface Sequence {
  count: number;
  get(i: number): unknown;
}

/** The `with:` mapping of each step, from the parsed file: convertActionTemplate drops it from `uses:` steps. */
function rawWiths(root: unknown): (Mapping | undefined)[] {
  const field = (m: unknown, name: string) => {
    const map = m as Mapping | undefined;
    for (let i = 0; i < (map?.count ?? 0); i++) if (map!.get(i).key.value === name) return map!.get(i).value;
    return undefined;
  };
  const steps = field(field(root, 'runs'), 'steps') as Sequence | undefined;
  return Array.from({ length: steps?.count ?? 0 }, (_, i) => field(steps!.get(i), 'with') as Mapping | undefined);
}

export async function runComposite(opts: CompositeOptions): Promise<CompositeRun> {
  const file = path.join(opts.actionDir, 'action.yml');
  const parsed = parseAction({ name: file, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors();
  if (errors.length) throw new Error(`action.yml does not parse: ${errors.map((e) => e.message).join('; ')}`);
  const template = await convertActionTemplate(parsed.context, parsed.value!);
  const withs = rawWiths(parsed.value);
  const temp = opts.env.RUNNER_TEMP!;
  const base = {
    github: {
      token: opts.env.KPCI_TEST_GITHUB_TOKEN ?? '',
      event_name: opts.env.GITHUB_EVENT_NAME ?? '',
      workspace: opts.env.GITHUB_WORKSPACE ?? '',
    },
    runner: { os: 'Linux', temp },
  };
  const inputs: Record<string, string> = {};
  for (const input of template.inputs ?? [])
    inputs[input.id] = opts.inputs[input.id] ?? valueOf(input.default as Token, base);
  const steps: CompositeRun['steps'] = [];
  const stepContexts: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
  let summary = '';
  let failed = false;
  const jobEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(GITHUB_|INPUT_|RUNNER_|ACTIONS_)/.test(k)),
  ) as Record<string, string>;
  for (const [i, step] of ((template.runs as { steps: Record<string, unknown>[] }).steps ?? []).entries()) {
    const name = String(step.name ?? `step ${i + 1}`);
    const id = step.id as string | undefined;
    const contexts = { ...base, inputs, steps: stepContexts, env: opts.env };
    const wanted =
      valueOf((step.if as Token) ?? { type: 3, expr: 'success()' }, contexts, failed) === 'true' &&
      (!opts.only || opts.only.test(name));
    if (!wanted) {
      steps.push({ name, ...(id ? { id } : {}), ran: false, code: 0, log: '' });
      if (id) stepContexts[id] = { outputs: {}, outcome: 'skipped' };
      continue;
    }
    if (step.uses !== undefined) {
      const uses = valueOf(step.uses as Token, contexts);
      const given: Record<string, string> = {};
      const raw = withs[i];
      for (let n = 0; n < (raw?.count ?? 0); n++)
        given[valueOf(raw!.get(n).key as Token, contexts)] = valueOf(raw!.get(n).value as Token, contexts);
      const kind = /^actions\/cache\/(restore|save)@v\d+$/.exec(uses)?.[1];
      if (!kind || !opts.cache)
        throw new Error(`composite runner: cannot run uses: ${uses}${kind ? ' without a cache (opts.cache)' : ''}`);
      const r = kind === 'restore' ? opts.cache.restore(given) : opts.cache.save(given);
      steps.push({ name, ...(id ? { id } : {}), ran: true, code: r.code, log: r.log, uses, with: given });
      if (id) stepContexts[id] = { outputs: r.outputs, outcome: r.code === 0 ? 'success' : 'failure' };
      if (r.code !== 0) failed = true;
      continue;
    }
    const stepEnv: Record<string, string> = {};
    // the parser's MappingToken: pairs of { key, value } tokens (they print as Key/Value through toJSON)
    for (const pair of (step.env as { map?: { key: Token; value: Token }[] })?.map ?? [])
      stepEnv[valueOf(pair.key, contexts)] = valueOf(pair.value, contexts);
    const dir = path.join(temp, '_runner_file_commands', String(i));
    mkdirSync(dir, { recursive: true });
    const outputFile = path.join(dir, 'output');
    const summaryFile = path.join(dir, 'summary');
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const env = {
      ...jobEnv,
      ...opts.env,
      ...stepEnv,
      GITHUB_ACTION_PATH: opts.actionDir,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
    };
    const { code, log } = await bash(String(step.run), env, opts.env.GITHUB_WORKSPACE ?? opts.actionDir);
    steps.push({ name, ...(id ? { id } : {}), ran: true, code, log });
    summary += readFileSync(summaryFile, 'utf8');
    if (id)
      stepContexts[id] = {
        outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
        outcome: code === 0 ? 'success' : 'failure',
      };
    if (code !== 0) failed = true;
  }
  const outputs: Record<string, string> = {};
  for (const o of template.outputs ?? [])
    outputs[o.id] = valueOf(o.value as Token, { ...base, inputs, steps: stepContexts });
  return { steps, outputs, summary, commands: parseCommands(steps.map((s) => s.log).join('\n')), failed };
}
