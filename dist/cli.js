#!/usr/bin/env node
import { existsSync, createReadStream, createWriteStream, constants } from 'node:fs';
import { mkdir, writeFile, readFile, rm, stat, readdir, mkdtemp, rename, copyFile, cp, utimes, readlink, lstat, appendFile, chmod, open, access, statfs } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import os from 'node:os';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// Errors that end a run with exit 2 and a one-line reason; anything else is a bug and is reported as such.
class RunError extends Error {
    kind;
    constructor(message, kind = 'input') {
        super(message);
        this.kind = kind;
        this.name = 'RunError';
    }
}
const usageError = (message) => new RunError(message, 'usage');
const inputError = (message) => new RunError(message, 'input');
const infraError = (message) => new RunError(message, 'infrastructure');
/** One line for the user, whatever was thrown. */
function oneLine(error) {
    const text = error instanceof Error ? error.message : String(error);
    const first = text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
    return error instanceof RunError ? first.trim() : `internal error: ${first.trim()}`;
}

// The results model: the one language stages, renderers, the CLI and the Action share (schemaVersion 1,
// docs/CONTRACT.md).
const SCHEMA_VERSION = 1;
/** The stages, in the order they run and are reported; src/stages/index.ts maps each to its module. */
const STAGE_ORDER = ['apply', 'checkpatch', 'sparse', 'build', 'boot', 'readiness'];

/** Does this finding fail the series under the chosen --fail-on policy? */
function isBlocking(finding, failOn) {
    if (finding.severity === 'error')
        return finding.new !== false;
    if (finding.severity !== 'warning')
        return false;
    if (failOn === 'error')
        return false;
    if (failOn === 'warning')
        return true;
    return finding.new !== false;
}
/** A stage's status from its findings: fail if any blocks, warn if any warning remains, pass otherwise. */
function statusFromFindings(findings, failOn) {
    if (findings.some((f) => isBlocking(f, failOn)))
        return 'fail';
    if (findings.some((f) => f.severity !== 'info' && f.new !== false))
        return 'warn';
    return 'pass';
}
const RANK = { skip: 0, pass: 1, warn: 2, fail: 3, error: 4 };
/**
 * The worst of some statuses (cells of a stage, jobs of a matrix), starting from `from` (skip < pass < … < error).
 */
function worstStatus(statuses, from = 'skip') {
    return statuses.reduce((w, s) => (RANK[s] > RANK[w] ? s : w), from);
}
function overallVerdict(stages) {
    if (stages.some((s) => s.status === 'error'))
        return 'error';
    if (stages.some((s) => s.status === 'fail'))
        return 'fail';
    return 'pass';
}
/** The one-line reason for a fail or error verdict: the first stage that caused it. */
function verdictReason(stages) {
    const culprit = stages.find((s) => s.status === 'error') ?? stages.find((s) => s.status === 'fail');
    return culprit ? `${culprit.name}: ${culprit.summary}` : undefined;
}
function exitCodeFor(results) {
    return results.verdict === 'pass' ? 0 : results.verdict === 'fail' ? 1 : 2;
}

const esc$1 = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
function line(f) {
    const where = f.file ? ` ${f.file}${f.line ? `:${f.line}` : ''}` : '';
    return `${f.stage}${f.type ? ` \`${f.type}\`` : ''}${where}${f.config ? ` (${f.config})` : ''}: ${esc$1(f.message)}`;
}
function previousSection(prev) {
    const lines = ['### Since the previous version', ''];
    if (prev.findingsKnown) {
        const n = (k) => k.length;
        lines.push(`Against ${esc$1(prev.from)}: **${n(prev.fixed)} fixed**, **${n(prev.added)} new**, ` +
            `${n(prev.remaining)} still there.`, '');
        for (const [label, list] of [
            ['fixed', prev.fixed],
            ['new', prev.added],
            ['still there', prev.remaining],
        ])
            lines.push(...list.map((f) => `- ${label}: ${line(f)}`));
        if (prev.fixed.length + prev.added.length + prev.remaining.length)
            lines.push('');
    }
    else
        lines.push(`Against ${esc$1(prev.from)} (its findings are not known: only its patches were given).`, '');
    if (prev.rangeDiff !== undefined) {
        // a fence longer than any run of backticks in the diff
        const fence = '`'.repeat(Math.max(3, ...(prev.rangeDiff.match(/`+/g) ?? []).map((r) => r.length + 1)));
        lines.push('<details><summary>git range-diff</summary>', '', `${fence}diff`, prev.rangeDiff, fence, '', '</details>', '');
    }
    else if (prev.rangeDiffWhy)
        lines.push(`No range-diff: ${esc$1(prev.rangeDiffWhy)}.`, '');
    return lines;
}

const ICON = { pass: '✅', warn: '⚠️', fail: '❌', skip: '⏭️', error: '💥' };
const esc = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
function findingLocation(f) {
    if (!f.file)
        return f.patch ? `patch ${f.patch}` : '';
    return `${f.file}${f.line ? `:${f.line}` : ''}`;
}
function findingLine(f) {
    const where = findingLocation(f);
    const tags = [f.patch && f.file ? `patch ${f.patch}` : '', f.config ?? ''].filter(Boolean).join(', ');
    // a kernel splat or a scenario's log tail follows its first line: keep it readable as a block
    const [first, ...rest] = f.message.split('\n');
    const block = rest.length ? `\n\n  \`\`\`\n${rest.map((l) => `  ${l.replace(/`/g, "'")}`).join('\n')}\n  \`\`\`` : '';
    return (`- **${f.severity}**${f.type ? ` \`${f.type}\`` : ''}${where ? ` ${where}` : ''}${tags ? ` (${tags})` : ''}: ` +
        `${esc(first ?? '')}${block}`);
}
function stageSection(stage) {
    const lines = [`### ${ICON[stage.status] ?? ''} ${stage.name} — ${stage.status}`, '', esc(stage.summary), ''];
    if (stage.cells?.length) {
        lines.push('| config | status | time | summary |', '|---|---|---|---|');
        for (const c of stage.cells)
            lines.push(`| ${c.config} | ${c.status} | ${secs(c.durationMs)} | ${esc(c.summary)} |`);
        lines.push('');
    }
    for (const c of stage.cells ?? []) {
        if (!c.reproduce?.length)
            continue;
        // a fence longer than any run of backticks inside, so a command line cannot close it
        const fence = '`'.repeat(Math.max(3, ...c.reproduce.map((l) => (l.match(/`+/g) ?? []).reduce((n, r) => Math.max(n, r.length + 1), 0))));
        lines.push(`<details><summary>Reproduce ${c.config} locally</summary>`, '', `${fence}sh`, ...c.reproduce, fence, '', '</details>', '');
    }
    const shown = stage.findings.filter((f) => f.new !== false);
    const preexisting = stage.findings.length - shown.length;
    if (shown.length > 0)
        lines.push(...shown.map(findingLine), '');
    if (preexisting > 0) {
        lines.push(`<details><summary>${preexisting} finding${preexisting === 1 ? '' : 's'} ` +
            'the base tree already had (not blamed on the series)</summary>', '');
        lines.push(...stage.findings.filter((f) => f.new === false).map(findingLine), '', '</details>', '');
    }
    return lines.join('\n');
}
function renderMarkdown(results) {
    const head = `## kernel-patch-ci: ${ICON[results.verdict === 'pass' ? 'pass' : results.verdict]} ` +
        `${results.verdict.toUpperCase()}`;
    const lines = [head, ''];
    if (results.reason)
        lines.push(`**${esc(results.reason)}**`, '');
    if (results.previous)
        lines.push(...previousSection(results.previous));
    const tree = results.tree;
    lines.push(`Tree: \`${tree.source}\`${tree.ref ? ` (${tree.ref})` : ''}` +
        `${tree.baseCommit ? ` at \`${tree.baseCommit.slice(0, 12)}\`` : ''}` +
        `${tree.baseFrom ? ` (${tree.baseFrom})` : ''}`, '');
    if (results.series.length > 0) {
        lines.push('| # | patch | author | files |', '|---|---|---|---|');
        for (const p of results.series)
            lines.push(`| ${p.index} | ${esc(p.subject)} | ${esc(p.author)} | ${p.files.length} |`);
        lines.push('');
    }
    if (results.stages.length > 0) {
        lines.push('| stage | status | time | summary |', '|---|---|---|---|');
        for (const s of results.stages)
            lines.push(`| ${s.name} | ${ICON[s.status] ?? ''} ${s.status} | ${secs(s.durationMs)} | ${esc(s.summary)} |`);
        lines.push('');
        for (const s of results.stages)
            lines.push(stageSection(s));
    }
    lines.push(`<sub>${results.tool.name} ${results.tool.version}</sub>`, '');
    return lines.join('\n');
}

// Kept equal to package.json's version (a test checks), so the bundle needs no JSON import at run time.
const TOOL_VERSION = '0.1.0';

// The one place results.json is read and written: the out dir's file, a --continue step's, a matrix job's.
const RESULTS_FILE = 'results.json';
/** The results of a run that could not be done at all: verdict error, the reason, no stages. */
function errorResults(reason, treeSource = '') {
    return {
        schemaVersion: SCHEMA_VERSION,
        tool: { name: 'kernel-patch-ci', version: TOOL_VERSION },
        verdict: 'error',
        reason,
        tree: { source: treeSource },
        series: [],
        stages: [],
    };
}
/** A results file, checked to be one of this schema; undefined when it does not exist, one line when it is not one. */
async function readResultsFile(file) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined)
        return undefined;
    let results;
    try {
        results = JSON.parse(text);
    }
    catch {
        throw inputError(`${file} is not a results file (not JSON)`);
    }
    if (results?.schemaVersion !== SCHEMA_VERSION || !Array.isArray(results.stages)) {
        throw inputError(`${file} is not a results file of schema ${SCHEMA_VERSION}`);
    }
    return results;
}
/** The out dir's results.json, or undefined when there is none yet. */
function readResults(outDir) {
    return readResultsFile(path.join(outDir, RESULTS_FILE));
}
/** results.json and report.md, side by side in the out dir. */
async function writeResults(outDir, results) {
    await mkdir(outDir, { recursive: true });
    const json = path.join(outDir, RESULTS_FILE);
    const markdown = path.join(outDir, 'report.md');
    await writeFile(json, JSON.stringify(results, null, 2) + '\n');
    await writeFile(markdown, renderMarkdown(results));
    return { json, markdown };
}

// The only place child processes are started: argument arrays, a hard timeout that kills the whole process group.
/** Debian package for a command, so "missing tool" says what to install. */
const PACKAGE_OF = {
    git: 'git',
    perl: 'perl',
    make: 'make',
    sparse: 'sparse',
    tar: 'tar',
    xz: 'xz-utils',
    gcc: 'gcc',
    'qemu-system-x86_64': 'qemu-system-x86',
    'qemu-system-i386': 'qemu-system-x86',
    cpio: 'cpio',
    'apt-get': 'apt',
    'dpkg-deb': 'dpkg',
    gcov: 'gcc',
    spatch: 'coccinelle',
};
const live = new Set();
let exitHookInstalled = false;
function killGroup(pid, signal) {
    try {
        process.kill(-pid, signal);
    }
    catch {
        // already gone
    }
}
/** Make sure no child outlives us, even on Ctrl-C. */
function installExitHook() {
    if (exitHookInstalled)
        return;
    exitHookInstalled = true;
    process.on('exit', () => {
        for (const pid of live)
            killGroup(pid, 'SIGKILL');
    });
    for (const signal of ['SIGINT', 'SIGTERM']) {
        process.once(signal, () => {
            for (const pid of live)
                killGroup(pid, 'SIGKILL');
            process.exit(signal === 'SIGINT' ? 130 : 143);
        });
    }
}
function execTool(command, args, options = {}) {
    installExitHook();
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, {
            cwd: options.cwd,
            env: options.env ?? process.env,
            detached: true, // own process group, so a timeout kills make's children too
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        const out = [];
        const err = [];
        let timedOut = false;
        // one partial-line buffer per stream, so stdout and stderr never splice into one line
        const pending = { out: '', err: '' };
        const feed = (stream) => (chunk) => {
            if (!options.onLine)
                return;
            const lines = (pending[stream] + chunk.toString('utf8')).split('\n');
            pending[stream] = lines.pop() ?? '';
            for (const line of lines)
                options.onLine(line);
        };
        const onOut = feed('out');
        const onErr = feed('err');
        child.stdout.on('data', (c) => (out.push(c), onOut(c)));
        child.stderr.on('data', (c) => (err.push(c), onErr(c)));
        let timer;
        let killTimer;
        if (child.pid !== undefined)
            live.add(child.pid);
        if (options.timeoutMs !== undefined && child.pid !== undefined) {
            const pid = child.pid;
            timer = setTimeout(() => {
                timedOut = true;
                killGroup(pid, 'SIGTERM');
                killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
            }, options.timeoutMs);
        }
        const onAbort = () => {
            if (child.pid !== undefined)
                killGroup(child.pid, 'SIGKILL');
        };
        if (options.signal?.aborted)
            onAbort();
        else
            options.signal?.addEventListener('abort', onAbort, { once: true });
        child.on('error', (error) => {
            if (timer)
                clearTimeout(timer);
            options.signal?.removeEventListener('abort', onAbort);
            if (child.pid !== undefined)
                live.delete(child.pid);
            if (error.code === 'ENOENT') {
                const pkg = PACKAGE_OF[command];
                reject(new RunError(`${command} is not installed${pkg ? ` (Debian package: ${pkg})` : ''}`, 'tool'));
            }
            else
                reject(new RunError(`cannot run ${command}: ${error.message}`, 'tool'));
        });
        child.on('close', (code, signal) => {
            if (timer)
                clearTimeout(timer);
            options.signal?.removeEventListener('abort', onAbort);
            if (child.pid !== undefined) {
                // a group member may still hold the pipes' other ends; make sure none survives
                if (timedOut)
                    killGroup(child.pid, 'SIGKILL');
                live.delete(child.pid);
            }
            if (killTimer)
                clearTimeout(killTimer);
            if (options.onLine)
                for (const rest of [pending.out, pending.err])
                    if (rest)
                        options.onLine(rest);
            resolve({
                code: code ?? (signal ? 128 + 1 : 1),
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: Buffer.concat(err).toString('utf8'),
                timedOut,
            });
        });
        child.stdin.on('error', () => undefined); // a tool that exits without reading its input
        child.stdin.end(options.input ?? '');
    });
}

// The only place git runs. Isolated from the user's git config so results do not depend on it.
const BOT_IDENTITY = { name: 'kernel-patch-ci', email: 'kernel-patch-ci@localhost' };
class GitError extends RunError {
    args;
    result;
    constructor(args, result) {
        super(`git ${args[0] ?? ''} failed: ${lastMeaningfulLine(result.stderr || result.stdout)}`, 'tool');
        this.args = args;
        this.result = result;
    }
}
function lastMeaningfulLine(text) {
    const lines = text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('hint:'));
    const fatal = lines.find((l) => l.startsWith('fatal:') || l.startsWith('error:'));
    return (fatal ?? lines.at(-1) ?? 'no output').replace(/^(fatal|error): /, '');
}
class Git {
    where;
    constructor(where) {
        this.where = where;
    }
    env(extra) {
        return {
            ...process.env,
            LC_ALL: 'C',
            GIT_TERMINAL_PROMPT: '0',
            GIT_CONFIG_NOSYSTEM: '1',
            GIT_CONFIG_GLOBAL: '/dev/null',
            GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? BOT_IDENTITY.name,
            GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? BOT_IDENTITY.email,
            GIT_COMMITTER_NAME: BOT_IDENTITY.name,
            GIT_COMMITTER_EMAIL: BOT_IDENTITY.email,
            ...(this.where.gitDir ? { GIT_DIR: this.where.gitDir } : {}),
            ...extra,
        };
    }
    /** Run git; the result whatever the exit code. */
    exec(args, options = {}) {
        // No background gc: a detached `gc --auto` would outlive the run (and pack a cache another run is reading).
        return execTool('git', ['-c', 'safe.directory=*', '-c', 'gc.auto=0', '-c', 'maintenance.auto=false', ...args], {
            ...options,
            cwd: this.where.cwd,
            env: this.env(options.env),
        });
    }
    /** Run git; stdout on success, GitError otherwise. */
    async run(args, options = {}) {
        const result = await this.exec(args, options);
        if (result.code !== 0)
            throw new GitError(args, result);
        return result.stdout;
    }
    async revParse(rev) {
        const result = await this.exec(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
        return result.code === 0 ? result.stdout.trim() : undefined;
    }
}
/** Refs are passed as arguments, never through a shell; still, reject what git itself would not call a ref. */
async function isValidRefName(ref) {
    if (/^[0-9a-f]{7,40}$/i.test(ref))
        return true;
    if (ref.startsWith('-'))
        return false;
    const result = await execTool('git', ['check-ref-format', '--allow-onelevel', ref]);
    return result.code === 0;
}

// Pure parser of a unified git diff: which files a patch touches, its hunks and the lines it adds.
const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
function unquote$1(p) {
    return p.startsWith('"') && p.endsWith('"') ? JSON.parse(p) : p;
}
function stripPrefix(p) {
    const path = unquote$1(p.trim());
    return path.replace(/^[ab]\//, '');
}
function parseDiff(text) {
    const files = [];
    let current;
    let hunk;
    let newLine = 0;
    let oldLine = 0;
    let oldLeft = 0;
    let newLeft = 0;
    for (const line of text.split('\n')) {
        if (line.startsWith('diff --git ')) {
            const m = /^diff --git (a\/.+|"a\/.+") (b\/.+|"b\/.+")$/.exec(line);
            const path = m ? stripPrefix(m[2]) : line.slice('diff --git '.length);
            current = { path, status: 'modified', binary: false, hunks: [] };
            if (m && stripPrefix(m[1]) !== path)
                current.oldPath = stripPrefix(m[1]);
            files.push(current);
            hunk = undefined;
            continue;
        }
        if (!current)
            continue;
        if (hunk && (oldLeft > 0 || newLeft > 0)) {
            // inside a hunk body: count lines so a "--- " removed line is not taken for a header
            if (line.startsWith('+')) {
                hunk.added.push(newLine++);
                newLeft--;
            }
            else if (line.startsWith('-')) {
                if (line.trim() !== '-')
                    hunk.firstOldLine ??= line.slice(1);
                hunk.removed.push(oldLine++);
                oldLeft--;
            }
            else if (line.startsWith(' ') || line === '') {
                if (line.trim() !== '')
                    hunk.firstOldLine ??= line.slice(1);
                newLine++;
                oldLine++;
                oldLeft--;
                newLeft--;
            }
            continue;
        }
        const h = HUNK.exec(line);
        if (h) {
            hunk = {
                oldStart: Number(h[1]),
                oldLines: h[2] === undefined ? 1 : Number(h[2]),
                newStart: Number(h[3]),
                newLines: h[4] === undefined ? 1 : Number(h[4]),
                header: line,
                added: [],
                removed: [],
            };
            newLine = hunk.newStart;
            oldLine = hunk.oldStart;
            oldLeft = hunk.oldLines;
            newLeft = hunk.newLines;
            current.hunks.push(hunk);
        }
        else if (line.startsWith('new file mode'))
            current.status = 'added';
        else if (line.startsWith('deleted file mode'))
            current.status = 'deleted';
        else if (line.startsWith('rename from ')) {
            current.status = 'renamed';
            current.oldPath = line.slice('rename from '.length);
        }
        else if (line.startsWith('rename to '))
            current.path = line.slice('rename to '.length);
        else if (line === 'GIT binary patch' || /^Binary files .* differ$/.test(line))
            current.binary = true;
        else if (line.startsWith('+++ ') && line !== '+++ /dev/null')
            current.path = stripPrefix(line.slice(4));
    }
    return files;
}
/** The hunk of `file` whose old range contains `oldLine` (what "patch failed: file:N" points at). */
function hunkAt(files, file, oldLine) {
    const change = files.find((f) => f.path === file || f.oldPath === file);
    return (change?.hunks.find((h) => h.oldStart === oldLine) ??
        change?.hunks.find((h) => oldLine >= h.oldStart && oldLine < h.oldStart + Math.max(h.oldLines, 1)));
}

// Read --series (patch files, a directory, an mbox, or BASE..HEAD of a local tree) into parsed patches.
const PATCH_EXTENSIONS = /\.(patch|diff|mbox|mbx|eml)$/;
/** --series BASE..HEAD: a commit range of the local tree, not a path. */
const SERIES_RANGE = /^([^\s.][^\s]*?)\.\.([^\s.][^\s]*)$/;
const MBOX_FROM_LINE = 'From kernel-patch-ci Thu Jan  1 00:00:00 1970\n';
function toSeriesEntries(series) {
    return series.patches.map((p) => ({
        index: p.index,
        subject: p.subject,
        author: `${p.author} <${p.authorEmail}>`,
        files: p.files.map((f) => f.path),
    }));
}
/** Why a file that git mailsplit rejected is not a patch, in words a user can act on. */
function explainNonMail(name, text) {
    if (text.trim() === '')
        return `${name} is empty`;
    if (text.includes('\0') || /\uFFFD/.test(text))
        return `${name} is not a patch (binary data)`;
    if (/^diff --git |^--- \S+[\s\S]*^\+\+\+ \S+/m.test(text)) {
        return `${name} is a bare diff without mail headers: create the series with git format-patch`;
    }
    return `${name} is not a patch (no mail headers and no diff)`;
}
/** Ensure a message starts with an mbox "From " line; files saved from a mail client often lack it. */
function asMbox(text) {
    if (text.startsWith('From '))
        return text;
    if (/^[A-Za-z][A-Za-z0-9-]*: /.test(text) && /^Subject: /m.test(text))
        return MBOX_FROM_LINE + text;
    return undefined;
}
async function listInputFiles(spec) {
    const info = await stat(spec).catch(() => undefined);
    if (!info)
        throw inputError(`series ${spec} does not exist`);
    if (info.isFile())
        return [spec];
    if (!info.isDirectory())
        throw inputError(`series ${spec} is neither a file nor a directory`);
    const names = (await readdir(spec)).filter((n) => PATCH_EXTENSIONS.test(n) && !n.startsWith('.')).sort();
    if (names.length === 0)
        throw inputError(`series directory ${spec} contains no .patch, .diff or .mbox files`);
    return names.map((n) => path.join(spec, n));
}
/** Split every input into single messages with git mailsplit; returns their files in order. */
async function splitMessages(inputs, splitDir) {
    const git = new Git({});
    const messages = [];
    for (const [i, input] of inputs.entries()) {
        const raw = await readFile(input);
        const text = raw.toString('utf8');
        const mbox = asMbox(text);
        if (mbox === undefined)
            throw inputError(explainNonMail(input, text));
        const outDir = path.join(splitDir, String(i + 1).padStart(4, '0'));
        await mkdir(outDir, { recursive: true });
        const normalized = path.join(outDir, 'input.mbox');
        await writeFile(normalized, mbox);
        const result = await git.exec(['mailsplit', '-o' + outDir, normalized]);
        const count = Number(result.stdout.trim());
        if (result.code !== 0 || !(count > 0))
            throw inputError(explainNonMail(input, text));
        for (let n = 1; n <= count; n++)
            messages.push(path.join(outDir, String(n).padStart(4, '0')));
    }
    return messages;
}
async function mailInfo(file) {
    const git = new Git({});
    const mail = await readFile(file, 'utf8');
    const msgFile = `${file}.msg`;
    const diffFile = `${file}.diff`;
    const header = await git.run(['mailinfo', '-k', msgFile, diffFile], { input: mail });
    const field = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(header)?.[1]?.trim() ?? '';
    const rawSubject = field('Subject');
    return {
        author: field('Author'),
        email: field('Email'),
        rawSubject,
        subject: rawSubject.replace(/^(\s*\[[^\]]*\]\s*)+/, '').trim(),
        body: await readFile(msgFile, 'utf8'),
        diff: await readFile(diffFile, 'utf8'),
    };
}
const isCoverLetter = (subject) => /^\s*\[[^\]]*\b0+\/\d+\]/.test(subject);
async function messagesToSeries(messages) {
    const series = { patches: [] };
    for (const [i, file] of messages.entries()) {
        const info = await mailInfo(file);
        const files = parseDiff(info.diff);
        if (files.length === 0) {
            if (isCoverLetter(info.rawSubject) && !series.coverLetter) {
                series.coverLetter = { subject: info.subject, file };
                continue;
            }
            throw inputError(`message ${i + 1} (${info.rawSubject || 'no subject'}) contains no diff: not a patch`);
        }
        const index = series.patches.length + 1;
        const binary = files.find((f) => f.binary);
        if (binary) {
            throw inputError(`patch ${index} (${info.subject}) has a binary diff for ${binary.path}: ` +
                'kernel patches must be text that can be mailed');
        }
        if (!info.email)
            throw inputError(`patch ${index} (${info.subject || 'no subject'}) has no author (From:) line`);
        series.patches.push({
            index,
            file,
            subject: info.subject,
            rawSubject: info.rawSubject,
            author: info.author,
            authorEmail: info.email,
            signedOffBy: [...info.body.matchAll(/^Signed-off-by:\s*(.+)$/gim)].map((m) => m[1].trim()),
            body: info.body,
            files,
        });
    }
    if (series.patches.length === 0)
        throw inputError('the series contains no patches (only a cover letter)');
    return series;
}
/** The commits BASE..HEAD of a local git tree, exported with git format-patch (read-only for that tree). */
async function exportRange(treeDir, base, head, splitDir) {
    const git = new Git({ cwd: treeDir });
    const baseSha = await git.revParse(base);
    const headSha = await git.revParse(head);
    if (!baseSha)
        throw inputError(`${base} is not a commit in ${treeDir}`);
    if (!headSha)
        throw inputError(`${head} is not a commit in ${treeDir}`);
    const mbox = await git.run(['format-patch', '--stdout', '--no-signature', `${baseSha}..${headSha}`], {
        timeoutMs: 10 * 60_000,
    });
    if (mbox.trim() === '')
        throw inputError(`${base}..${head} contains no commits`);
    const file = path.join(splitDir, 'range.mbox');
    await writeFile(file, mbox);
    return { mbox: file, base: baseSha };
}
async function readSeries(specs, tree, workDir) {
    const splitDir = path.join(workDir, 'series');
    await rm(splitDir, { recursive: true, force: true });
    await mkdir(splitDir, { recursive: true });
    const range = specs.length === 1 ? SERIES_RANGE.exec(specs[0]) : null;
    if (range && !(await stat(specs[0]).catch(() => undefined))) {
        if (tree.kind !== 'git-dir')
            throw inputError(`series ${specs[0]} is a commit range, which needs --tree to be a local git checkout`);
        const exported = await exportRange(tree.dir, range[1], range[2], splitDir);
        return { series: await messagesToSeries(await splitMessages([exported.mbox], splitDir)), rangeBase: exported.base };
    }
    const inputs = [];
    for (const spec of specs)
        inputs.push(...(await listInputFiles(path.resolve(spec))));
    return { series: await messagesToSeries(await splitMessages(inputs, splitDir)) };
}

// What --tree names: a git URL, a local checkout, a plain source directory, or a source tarball.
const DEFAULT_TREE_URL = 'https://git.kernel.org/pub/scm/linux/kernel/git/device-mapper/linux-dm.git';
const DEFAULT_REMOTE_REF = 'for-next';
const URL_PATTERN = /^(https?|git|ssh|file):\/\/\S+$/;
const SCP_PATTERN = /^[\w.-]+@[\w.-]+:\S+$/;
const TARBALL_PATTERN = /\.(tar|tar\.xz|txz|tar\.gz|tgz|tar\.bz2|tbz2|tar\.zst)$/;
async function classifyTree(spec) {
    if (URL_PATTERN.test(spec) || SCP_PATTERN.test(spec))
        return { kind: 'remote', url: spec };
    const resolved = path.resolve(spec);
    const info = await stat(resolved).catch(() => undefined);
    if (!info)
        throw inputError(`tree ${spec} does not exist (give a git URL, a kernel checkout or a source tarball)`);
    if (info.isFile()) {
        if (!TARBALL_PATTERN.test(resolved))
            throw inputError(`tree ${spec} is a file but not a source tarball (.tar, .tar.xz, .tar.gz, …)`);
        return { kind: 'tarball', file: resolved };
    }
    if (!info.isDirectory())
        throw inputError(`tree ${spec} is neither a directory nor a tarball`);
    if (!existsSync(path.join(resolved, 'Makefile')) || !existsSync(path.join(resolved, 'Kconfig'))) {
        throw inputError(`tree ${spec} is not a kernel source tree (no top-level Makefile and Kconfig)`);
    }
    return existsSync(path.join(resolved, '.git'))
        ? { kind: 'git-dir', dir: resolved }
        : { kind: 'plain-dir', dir: resolved };
}
function describeSource(source) {
    switch (source.kind) {
        case 'remote':
            return source.url;
        case 'tarball':
            return source.file;
        default:
            return source.dir;
    }
}

// tar, for unpacking only: a kernel source tarball, the guest's results disk (a tar written onto a raw disk).
/** Unpack `archive` into `dir` (which must exist); the first line of tar's complaint when it cannot. */
async function extractTar(archive, dir, options) {
    const result = await execTool('tar', ['-xf', archive, '-C', dir], {
        timeoutMs: options.timeoutMs,
        ...(options.onLine ? { onLine: options.onLine } : {}),
    });
    if (result.code === 0)
        return { ok: true };
    return {
        ok: false,
        why: result.timedOut
            ? `tar took longer than ${options.timeoutMs / 1000}s`
            : result.stderr.trim().split('\n')[0] || 'tar failed',
    };
}
/** Unpack only the members matching `globs` (tar --wildcards) of `archive` into `dir`. */
async function extractMembers(archive, dir, globs) {
    const result = await execTool('tar', ['-xf', archive, '-C', dir, '--wildcards', '--no-same-owner', ...globs], {
        timeoutMs: 300_000,
    });
    if (result.code !== 0)
        throw infraError(`cannot unpack ${globs.join(', ')} of ${archive}: ${result.stderr.trim().split('\n')[0]}`);
}
/** An xz-compressed tarball of `names` (relative to `dir`). */
async function createTarXz(file, dir, names) {
    const result = await execTool('tar', ['-cJf', file, '-C', dir, '--', ...names], { timeoutMs: 300_000 });
    if (result.code !== 0)
        throw infraError(`cannot write ${file}: ${result.stderr.trim().split('\n')[0]}`);
}

// Turn a tarball or a plain directory into one commit in a cached bare repository, without writing into the source.
const IMPORT_REF = 'refs/kpci/import';
// A fixed identity and date make the imported commit's id the same on every machine: cache keys can use it.
const IMPORT_DATE = '2000-01-01T00:00:00Z';
function key(...parts) {
    return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}
async function commitSnapshot(gitDir, workTree, message) {
    const git = new Git({ gitDir });
    // Debian's linux-source ignores everything in its top-level .gitignore: -f takes the files regardless.
    await git.run(['--work-tree', workTree, 'add', '-f', '-A', '.'], { timeoutMs: 20 * 60_000 });
    const tree = (await git.run(['write-tree'])).trim();
    const env = {
        GIT_AUTHOR_DATE: IMPORT_DATE,
        GIT_COMMITTER_DATE: IMPORT_DATE,
        GIT_AUTHOR_NAME: 'kernel-patch-ci',
        GIT_AUTHOR_EMAIL: 'kernel-patch-ci@localhost',
    };
    const commit = (await git.run(['commit-tree', tree, '-m', message], { env })).trim();
    await git.run(['update-ref', IMPORT_REF, commit]);
    return commit;
}
async function initBare(gitDir) {
    await mkdir(gitDir, { recursive: true });
    await new Git({ gitDir }).run(['init', '-q', '--bare', gitDir]);
}
/** The top directory a kernel tarball unpacks into (linux-source-6.1/), or the extraction dir itself. */
async function unpackedRoot(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.length === 1 && entries[0].isDirectory() ? path.join(dir, entries[0].name) : dir;
}
/** Where the import of this tarball lives in the cache: one repository per file, size and mtime. */
async function tarballGitDir(file, cacheDir) {
    const info = await stat(file);
    return path.join(cacheDir, 'tarballs', `${path.basename(file)}-${key(file, String(info.size), String(info.mtimeMs))}.git`);
}
/** Where the import of this plain directory lives in the cache. */
function directoryGitDir(dir, cacheDir) {
    return path.join(cacheDir, 'dirs', `${path.basename(dir)}-${key(dir)}.git`);
}
/** Import a source tarball once; later runs find the cached repository and skip the work. */
async function importTarball(file, cacheDir, onLine) {
    const gitDir = await tarballGitDir(file, cacheDir);
    if (existsSync(gitDir)) {
        const commit = await new Git({ gitDir }).revParse(IMPORT_REF);
        if (commit)
            return { gitDir, commit, cached: true };
        await rm(gitDir, { recursive: true, force: true });
    }
    await mkdir(path.dirname(gitDir), { recursive: true });
    const scratch = await mkdtemp(path.join(path.dirname(gitDir), '.import-'));
    try {
        const unpack = path.join(scratch, 'src');
        await mkdir(unpack);
        const tar = await extractTar(file, unpack, { timeoutMs: 20 * 60_000, ...(onLine ? { onLine } : {}) });
        if (!tar.ok)
            throw inputError(`cannot unpack ${file}: ${tar.why}`);
        const root = await unpackedRoot(unpack);
        if (!existsSync(path.join(root, 'Makefile')) || !existsSync(path.join(root, 'Kconfig'))) {
            throw inputError(`${file} does not contain a kernel source tree (no top-level Makefile and Kconfig)`);
        }
        const tmpGit = path.join(scratch, 'repo.git');
        await initBare(tmpGit);
        const commit = await commitSnapshot(tmpGit, root, `Import ${path.basename(file)}`);
        // Another run may have finished the same import meanwhile; either copy is good.
        await rename(tmpGit, gitDir).catch(async () => {
            if (!existsSync(gitDir))
                throw infraError(`cannot store the imported tree in ${gitDir}`);
        });
        return { gitDir, commit };
    }
    finally {
        await rm(scratch, { recursive: true, force: true });
    }
}
/** Import a plain directory (no .git). Its index stays in the cache so a re-run only re-hashes what changed. */
async function importDirectory(dir, cacheDir) {
    const gitDir = directoryGitDir(dir, cacheDir);
    if (!existsSync(gitDir))
        await initBare(gitDir);
    const commit = await commitSnapshot(gitDir, dir, `Import ${dir}`);
    return { gitDir, commit };
}

// Resolve --tree/--ref to a base commit and check it out in our own work directory; the user's tree is only read.
/** Our checkout of the tree, in the run's work dir. */
const treeDirOf = (workDir) => path.join(workDir, 'linux');
/**
 * The build dirs live in the tree, one level down: kbuild then names the sources by relative paths (srctree ..), so
 * an O= dir means the same in any out dir and a cached base's can be restored into another run's tree.
 */
const BUILD_DIR_PREFIX = 'kpci-build-';
/** git clean keeps them (with -x it still honours -e). */
const KEEP_BUILD_DIRS = ['-e', `/${BUILD_DIR_PREFIX}*/`];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Where the fetches of this URL live in the cache: one bare repository per URL. */
function remoteGitDir(url, cacheDir) {
    return path.join(cacheDir, 'remotes', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
}
/** Shallow fetch of one ref into a cached bare repository, retried with exponential backoff. */
async function fetchRemote(url, ref, options) {
    const gitDir = remoteGitDir(url, options.cacheDir);
    const git = new Git({ gitDir });
    if (!existsSync(gitDir)) {
        await mkdir(gitDir, { recursive: true });
        await git.run(['init', '-q', '--bare', gitDir]);
    }
    const target = 'refs/kpci/fetched';
    let lastError = '';
    for (let attempt = 1; attempt <= options.fetchAttempts; attempt++) {
        const result = await git.exec(['fetch', '--depth=1', '--no-tags', '--quiet', url, `+${ref}:${target}`], {
            timeoutMs: 30 * 60_000,
            onLine: options.onLine,
        });
        if (result.code === 0)
            return { gitDir, commit: (await git.revParse(target)) };
        lastError = result.timedOut
            ? 'timed out'
            : (result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${result.code}`);
        if (/couldn't find remote ref|not our ref/i.test(result.stderr))
            break; // the ref is wrong: retrying will not help
        if (attempt < options.fetchAttempts)
            await sleep(options.fetchBackoffMs * 2 ** (attempt - 1));
    }
    throw new RunError(`cannot fetch ${ref} from ${url}: ${lastError.replace(/^fatal: /, '')}`, 'infrastructure');
}
/** Our checkout from an earlier run with the same out dir, if it borrows from the same objects: reusable. */
async function reusableCheckout(dir, objects) {
    const alternates = await readFile(path.join(dir, '.git', 'objects', 'info', 'alternates'), 'utf8').catch(() => undefined);
    if (alternates?.trim() !== objects)
        return undefined;
    const git = new Git({ cwd: dir });
    await git.exec(['am', '--abort']); // a run killed mid-series leaves git am's state behind
    return git;
}
/**
 * A checkout of `commit` in `dir` that borrows the objects of the repository at `from` through git's alternates:
 * nothing is copied and nothing is written into `from`. A checkout left by an earlier run is reused, so a
 * re-run only rewrites the files that differ (a full kernel checkout is over a gigabyte of writes).
 */
async function checkout(from, commit, dir) {
    const common = (await new Git({ cwd: from }).run(['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
    const objects = path.join(common, 'objects');
    let git = existsSync(dir) ? await reusableCheckout(dir, objects) : undefined;
    if (!git) {
        if (existsSync(dir))
            await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
        git = new Git({ cwd: dir });
        await git.run(['init', '--quiet']);
        await writeFile(path.join(dir, '.git', 'objects', 'info', 'alternates'), objects + '\n');
    }
    // A shallow fetch's boundary must be known here too, or git looks for parents that were never fetched.
    if (existsSync(path.join(common, 'shallow')))
        await copyFile(path.join(common, 'shallow'), path.join(dir, '.git', 'shallow'));
    await git.run(['update-ref', 'refs/kpci/base', commit]);
    await git.run(['checkout', '--quiet', '--force', '--detach', commit], { timeoutMs: 20 * 60_000 });
    await git.run(['clean', '-ffdxq', ...KEEP_BUILD_DIRS], { timeoutMs: 10 * 60_000 });
    return git;
}
/** The URL a local checkout was cloned from (its origin remote), read only. */
async function originUrl(dir) {
    const result = await new Git({ cwd: dir }).exec(['remote', 'get-url', 'origin']);
    return result.code === 0 && result.stdout.trim() ? result.stdout.trim() : undefined;
}
async function prepareTree(source, options) {
    if (options.ref !== undefined && !(await isValidRefName(options.ref))) {
        throw inputError(`--ref ${JSON.stringify(options.ref)} is not a valid git ref name`);
    }
    const dir = treeDirOf(options.workDir);
    let origin;
    let ref = options.ref;
    let upstream;
    switch (source.kind) {
        case 'tarball':
            origin = await importTarball(source.file, options.cacheDir, options.onLine);
            break;
        case 'plain-dir':
            origin = await importDirectory(source.dir, options.cacheDir);
            break;
        case 'remote':
            ref ??= DEFAULT_REMOTE_REF;
            origin = await fetchRemote(source.url, ref, options);
            upstream = source.url;
            break;
        case 'git-dir': {
            ref ??= 'HEAD';
            const commit = await new Git({ cwd: source.dir }).revParse(ref);
            if (!commit)
                throw inputError(`ref ${ref} does not exist in ${source.dir}`);
            origin = { gitDir: source.dir, commit };
            upstream = await originUrl(source.dir);
            break;
        }
    }
    try {
        const git = await checkout(origin.gitDir, origin.commit, dir);
        const how = source.kind === 'tarball'
            ? origin.cached
                ? `${path.basename(source.file)} imported earlier, from the cache`
                : `${path.basename(source.file)} imported`
            : undefined;
        return {
            dir,
            git,
            baseCommit: origin.commit,
            source: describeSource(source),
            ref,
            ...(upstream ? { upstream } : {}),
            ...(how ? { how } : {}),
        };
    }
    catch (error) {
        if (error instanceof GitError)
            throw infraError(`cannot check out the base tree in ${dir}: ${error.message}`);
        throw error;
    }
}

const HANDING_STAGES = ['apply', 'build'];
const handsOn = (name) => HANDING_STAGES.includes(name);

// apply: git am --3way, patch by patch, on the base; on failure name the patch, file and hunk, and abort cleanly.
const FILE_ERROR = new RegExp('^error: (.+): (does not exist in index|No such file or directory|' +
    'already exists in (?:index|working directory))$');
/**
 * Pure: what failed, from `git apply --reject --verbose` (which names every rejected hunk) or from git am's own
 * output (which names the file, and the line of the first failing hunk when 3-way merging was not possible).
 */
function parseApplyFailure(output) {
    const failures = [];
    const has = (file) => failures.some((f) => f.file === file);
    let current;
    for (const l of output.split('\n')) {
        let m = /^(?:Checking patch|Applying patch) (.+?)(?: with \d+ rejects?)?\.\.\.$/.exec(l);
        if (m)
            current = m[1];
        else if ((m = /^Rejected hunk #(\d+)\.$/.exec(l)) && current)
            failures.push({ file: current, hunk: Number(m[1]) });
        else if ((m = /^error: patch failed: (.+):(\d+)$/.exec(l)) && !has(m[1]))
            failures.push({ file: m[1], line: Number(m[2]) });
        else if ((m = /^CONFLICT \([^)]*\): Merge conflict in (.+)$/.exec(l)) && !has(m[1]))
            failures.push({ file: m[1] });
        else if ((m = FILE_ERROR.exec(l)) && !has(m[1])) {
            failures.push({ file: m[1] });
        }
    }
    // "patch failed: file:N" precedes the per-hunk lines of the same file; keep the more precise ones
    return failures.filter((f) => f.hunk !== undefined || !failures.some((g) => g.file === f.file && g.hunk !== undefined));
}
function describe$3(patch, total) {
    return `patch ${patch.index}/${total} "${patch.subject}"`;
}
/** Files a patch expects to find: modified, deleted or renamed, and not created by an earlier patch. */
function expectedFiles(patch, createdEarlier) {
    return patch.files
        .filter((f) => f.status !== 'added' && !createdEarlier.has(f.oldPath ?? f.path))
        .map((f) => f.oldPath ?? f.path);
}
/** Which hunks failed: `git apply --reject` names each one; the work tree is reset afterwards. */
async function explainFailure(ctx, patch, amOutput) {
    const { git } = ctx.tree;
    const probe = await git.exec(['apply', '--reject', '--verbose', patch.file], {
        timeoutMs: ctx.settings.stepTimeoutMs,
    });
    await git.exec(['reset', '--hard', '--quiet']);
    await git.exec(['clean', '-fdxq', ...KEEP_BUILD_DIRS]); // .rej files are in .gitignore; the build dirs stay
    let failures = parseApplyFailure(`${probe.stdout}\n${probe.stderr}`);
    if (failures.length === 0)
        failures = parseApplyFailure(amOutput);
    const total = ctx.series.patches.length;
    const findings = failures.map((f) => {
        const change = patch.files.find((c) => c.path === f.file || c.oldPath === f.file);
        const hunk = f.hunk !== undefined
            ? change?.hunks[f.hunk - 1]
            : f.line !== undefined
                ? hunkAt(patch.files, f.file, f.line)
                : undefined;
        const firstLine = hunk?.firstOldLine?.trim();
        const what = hunk
            ? `hunk${f.hunk ? ` #${f.hunk}` : ''} ${hunk.header}` +
                `${firstLine && !hunk.header.includes(firstLine) ? ` (expecting "${firstLine}")` : ''}`
            : 'its changes';
        return {
            tool: 'git',
            severity: 'error',
            type: 'APPLY_FAILED',
            patch: patch.index,
            new: true,
            file: f.file,
            line: hunk?.oldStart ?? f.line,
            message: `${describe$3(patch, total)} does not apply: ${what} of ${f.file} failed`,
        };
    });
    if (findings.length === 0) {
        const reason = amOutput.split('\n').find((l) => l.startsWith('error:') || l.startsWith('fatal:')) ?? 'git am failed';
        findings.push({
            tool: 'git',
            severity: 'error',
            type: 'APPLY_FAILED',
            patch: patch.index,
            new: true,
            message: `${describe$3(patch, total)} does not apply: ${reason}`,
        });
    }
    return findings;
}
async function applySeries(ctx) {
    const { git, dir } = ctx.tree;
    const patches = ctx.series.patches;
    const total = patches.length;
    const commits = [];
    const created = new Set();
    const result = (status, summary, findings) => ({
        result: { name: 'apply', status, durationMs: 0, summary, findings },
    });
    for (const patch of patches) {
        const expected = expectedFiles(patch, created);
        const missing = expected.filter((f) => !existsSync(path.join(dir, f)));
        if (expected.length > 0 && missing.length === expected.length) {
            // Nothing it changes is here: a patch for another project or tree, not a conflict to resolve.
            const summary = `${describe$3(patch, total)} is not for this tree: ` +
                `${missing.slice(0, 3).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist in it`;
            return result('error', summary, [
                { tool: 'git', severity: 'error', type: 'WRONG_TREE', message: summary, patch: patch.index, new: true },
            ]);
        }
        const am = await git.exec(['am', '--3way', patch.file], { timeoutMs: ctx.settings.stepTimeoutMs });
        if (am.code !== 0) {
            await git.exec(['am', '--abort']);
            const findings = await explainFailure(ctx, patch, `${am.stdout}\n${am.stderr}`);
            const files = [...new Set(findings.map((f) => f.file).filter(Boolean))];
            const summary = `${describe$3(patch, total)} does not apply${files.length ? ` to ${files.join(', ')}` : ''}`;
            return result('fail', summary, findings);
        }
        commits.push((await git.revParse('HEAD')));
        for (const f of patch.files)
            if (f.status === 'added')
                created.add(f.path);
    }
    const handoff = {
        baseCommit: ctx.tree.baseCommit,
        commits,
        patchedCommit: commits.at(-1) ?? ctx.tree.baseCommit,
    };
    return {
        ...result('pass', `${total} patch${total === 1 ? '' : 'es'} applied on ${ctx.tree.baseCommit.slice(0, 12)}`, []),
        handoff,
    };
}
const applyStage = { name: 'apply', needs: [], uses: [], run: applySeries };

// The tree's own scripts/checkpatch.pl, run on one patch, and a pure parser of its default output.
const HEAD = /^(ERROR|WARNING|CHECK):([A-Z0-9_]+): (.*)$/;
const WHERE = /^#\d+: FILE: (.+):(\d+):$/;
const TOTAL = /^total: (\d+) errors, (\d+) warnings, (?:(\d+) checks, )?(\d+) lines checked$/;
/** Each finding is a block: "LEVEL:TYPE: message", then maybe "#N: FILE: path:line:", then quoted context. */
function parseCheckpatch(output) {
    const report = { findings: [] };
    let current;
    let inContext = false;
    for (const line of output.split('\n')) {
        const head = HEAD.exec(line);
        if (head) {
            current = { level: head[1], type: head[2], message: head[3].trim() };
            report.findings.push(current);
            inContext = false;
            continue;
        }
        const total = TOTAL.exec(line);
        if (total) {
            report.totals = {
                errors: Number(total[1]),
                warnings: Number(total[2]),
                checks: Number(total[3] ?? 0),
                lines: Number(total[4]),
            };
            current = undefined;
            continue;
        }
        if (!current)
            continue;
        if (line.trim() === '') {
            current = undefined;
            continue;
        }
        const where = WHERE.exec(line);
        if (where) {
            current.file = where[1];
            current.line = Number(where[2]);
            inContext = true;
        }
        else if (/^#\d+: /.test(line))
            inContext = true;
        // a message wrapped onto more lines
        else if (!inContext && !/^[+\- ]/.test(line))
            current.message += ` ${line.trim()}`;
    }
    return report;
}
async function runCheckpatch(patchFile, options) {
    const args = [
        path.join(options.treeDir, 'scripts', 'checkpatch.pl'),
        '--no-color',
        '--show-types',
        '--no-summary-file',
    ];
    if (options.strict)
        args.push('--strict');
    if (options.ignore.length > 0)
        args.push('--ignore', options.ignore.join(','));
    args.push(patchFile);
    const result = await execTool('perl', args, {
        cwd: options.treeDir,
        timeoutMs: options.timeoutMs,
        env: { ...process.env, LC_ALL: 'C' },
    });
    const report = parseCheckpatch(result.stdout);
    // 0 = clean, 1 = style problems; anything else, or no totals line, means checkpatch itself did not run right.
    if (result.timedOut || (result.code !== 0 && result.code !== 1) || (!report.totals && report.findings.length === 0)) {
        const why = result.timedOut ? 'timed out' : (result.stderr.trim().split('\n')[0] ?? `exit ${result.code}`);
        throw new RunError(`checkpatch.pl did not run on ${path.basename(patchFile)}: ${why}`, 'tool');
    }
    return report;
}

/**
 * An empty side is written as the line before it ("-10,0" inserts after line 10): its range starts at the next line.
 */
const oldFrom = (h) => (h.oldLines === 0 ? h.oldStart + 1 : h.oldStart);
const newFrom = (h) => (h.newLines === 0 ? h.newStart + 1 : h.newStart);
/** Pure: where old line `line` is after one patch's hunks on its file, or undefined when a hunk removes it. */
function traceLine(hunks, line) {
    let offset = 0;
    for (const h of hunks) {
        const oldStart = oldFrom(h);
        const oldEnd = oldStart + h.oldLines;
        if (line < oldStart)
            break;
        if (line < oldEnd) {
            if (h.removed.includes(line))
                return undefined;
            // the k-th kept line of the old range is the k-th line of the new range the hunk did not add
            let k = 0;
            for (let l = oldStart; l < line; l++)
                if (!h.removed.includes(l))
                    k++;
            for (let n = newFrom(h); n < newFrom(h) + h.newLines; n++) {
                if (h.added.includes(n))
                    continue;
                if (k-- === 0)
                    return n;
            }
            return undefined;
        }
        offset = newFrom(h) + h.newLines - oldEnd;
    }
    return line + offset;
}
/** Pure: like traceLine, but a removed line maps onto what replaced it (for a finding, which must point somewhere). */
function shiftLine(hunks, line) {
    const traced = traceLine(hunks, line);
    if (traced !== undefined)
        return traced;
    const h = hunks.find((x) => line >= oldFrom(x) && line < oldFrom(x) + x.oldLines);
    return Math.min(newFrom(h) + (line - oldFrom(h)), newFrom(h) + Math.max(h.newLines - 1, 0));
}
/** The line in the tree after the whole series, for `line` of `file` as it was right after patch `after`. */
function lineInFinalTree(patches, after, file, line) {
    let current = line;
    for (const patch of patches.slice(after)) {
        const change = patch.files.find((f) => (f.oldPath ?? f.path) === file || f.path === file);
        if (change)
            current = shiftLine(change.hunks, current);
    }
    return current;
}
/**
 * Where a line written by patch `after` is in the final tree, following renames; undefined when a later patch drops it.
 */
function traceToFinalTree(patches, after, file, line) {
    let where = { file, line };
    for (const patch of patches.slice(after)) {
        const change = patch.files.find((f) => (f.oldPath ?? f.path) === where.file);
        if (!change)
            continue;
        if (change.status === 'deleted')
            return undefined;
        const traced = traceLine(change.hunks, where.line);
        if (traced === undefined)
            return undefined;
        where = { file: change.path, line: traced };
    }
    return where;
}

const SEVERITY$1 = { ERROR: 'error', WARNING: 'warning', CHECK: 'info' };
async function checkEveryPatch(ctx, input) {
    // the tree's own checkpatch.pl and spelling list, as of the patched tree (a series may update them)
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', input.apply.patchedCommit]);
    const findings = [];
    const counts = { errors: 0, warnings: 0, checks: 0 };
    for (const patch of ctx.series.patches) {
        const report = await runCheckpatch(patch.file, {
            treeDir: ctx.tree.dir,
            strict: ctx.settings.checkpatchStrict,
            ignore: ctx.settings.checkpatchIgnore,
            timeoutMs: ctx.settings.stepTimeoutMs,
        });
        for (const f of report.findings) {
            counts[f.level === 'ERROR' ? 'errors' : f.level === 'WARNING' ? 'warnings' : 'checks']++;
            findings.push({
                tool: 'checkpatch',
                severity: SEVERITY$1[f.level],
                type: f.type,
                message: f.message,
                // checkpatch counts lines right after this patch; later patches may move them
                ...(f.file
                    ? {
                        file: f.file,
                        line: f.line === undefined ? undefined : lineInFinalTree(ctx.series.patches, patch.index, f.file, f.line),
                    }
                    : {}),
                patch: patch.index,
                new: true,
            });
        }
    }
    const n = ctx.series.patches.length;
    const summary = `${n} patch${n === 1 ? '' : 'es'}: ${counts.errors} errors, ${counts.warnings} warnings` +
        `${ctx.settings.checkpatchStrict ? `, ${counts.checks} checks` : ''}`;
    return {
        result: {
            name: 'checkpatch',
            status: statusFromFindings(findings, ctx.settings.failOn),
            durationMs: 0,
            summary,
            findings,
        },
    };
}
const checkpatchStage = { name: 'checkpatch', needs: ['apply'], uses: [], run: checkEveryPatch };

// Which Kconfig symbol builds a source file (read from its Makefile), and whether a .config really has what we asked.
/** Makefile text with continuation lines joined and comments dropped. */
function logicalLines(makefile) {
    return makefile
        .replace(/\\\n/g, ' ')
        .split('\n')
        .map((l) => l.replace(/#.*$/, '').trim())
        .filter(Boolean);
}
const ASSIGN = /^([\w.-]+)-(y|objs|\$\(CONFIG_(\w+)\))\s*[:+]?=\s*(.*)$/;
const IF_ON = /^(?:ifeq\s*\(\$\(CONFIG_(\w+)\),\s*y\)|ifdef\s+CONFIG_(\w+)|ifneq\s*\(\$\(CONFIG_(\w+)\),\s*\))$/;
function withSymbols(rule, extra) {
    if (extra.length === 0 || rule.kind === 'unknown')
        return rule;
    const base = rule.kind === 'symbols' ? rule.symbols : [];
    return { kind: 'symbols', symbols: [...base, ...extra.filter((s) => !base.includes(s))] };
}
/**
 * Pure: the rule that builds `object` (e.g. "dm-crypt.o") according to one directory's Makefile, following
 * composite objects ("dm-mod-y += dm.o" then "obj-$(CONFIG_BLK_DEV_DM) += dm-mod.o") and ifeq/ifdef blocks.
 */
function buildRuleIn(makefile, object, depth = 0) {
    if (depth > 4)
        return { kind: 'unknown' };
    const conditions = [];
    for (const line of logicalLines(makefile)) {
        const cond = IF_ON.exec(line);
        if (cond) {
            conditions.push(cond[1] ?? cond[2] ?? cond[3]);
            continue;
        }
        if (/^if(n?eq|n?def)\b/.test(line))
            conditions.push(undefined); // a condition we cannot read: no symbol from it
        else if (line === 'endif')
            conditions.pop();
        const m = ASSIGN.exec(line);
        if (!m)
            continue;
        const [, target, kind, symbol, rhs] = m;
        if (!rhs.split(/\s+/).includes(object))
            continue;
        const own = [...conditions.filter((c) => c !== undefined), ...(symbol ? [symbol] : [])];
        if (target === 'obj')
            return kind === 'y'
                ? withSymbols({ kind: 'always' }, own)
                : symbol
                    ? { kind: 'symbols', symbols: own }
                    : { kind: 'unknown' };
        if (target === 'lib' || target === 'extra' || target === 'always')
            continue;
        // `object` is part of the composite `target.o`: it needs whatever builds the composite, plus its own symbols.
        const parent = buildRuleIn(makefile, `${target}.o`, depth + 1);
        if (parent.kind !== 'unknown')
            return withSymbols(parent, own);
    }
    return { kind: 'unknown' };
}
async function buildRuleFor(treeDir, cFile) {
    const dir = path.dirname(cFile);
    // a .c file's object, or a directory ("power/") as its parent's Makefile names it
    const object = cFile.endsWith('/') ? `${path.basename(cFile)}/` : path.basename(cFile).replace(/\.c$/, '.o');
    for (const name of ['Makefile', 'Kbuild']) {
        const text = await readFile(path.join(treeDir, dir, name), 'utf8').catch(() => undefined);
        if (text === undefined)
            continue;
        const rule = buildRuleIn(text, object);
        if (rule.kind !== 'unknown')
            return rule;
    }
    return { kind: 'unknown' };
}
/**
 * The rule that builds a .c file, with the symbols that make kbuild descend into its directory: drivers/md/ needs
 * CONFIG_MD ("obj-$(CONFIG_MD) += md/" in drivers/Makefile), kernel/power/ nothing ("obj-y += power/").
 * Top-level directories are always entered; a parent rule we cannot read adds nothing.
 */
async function buildRuleWithParents(treeDir, cFile) {
    let rule = await buildRuleFor(treeDir, cFile);
    if (rule.kind === 'unknown')
        return rule;
    for (let dir = path.dirname(cFile); path.dirname(dir) !== '.'; dir = path.dirname(dir)) {
        const parent = await buildRuleFor(treeDir, path.join(path.dirname(dir), `${path.basename(dir)}/`));
        if (parent.kind === 'symbols')
            rule = {
                kind: 'symbols',
                symbols: [
                    ...parent.symbols.filter((s) => !(rule.kind === 'symbols' && rule.symbols.includes(s))),
                    ...(rule.kind === 'symbols' ? rule.symbols : []),
                ],
            };
    }
    return rule;
}
/** Whether the object's own Makefile (or Kbuild) sets CFLAGS_<object>: a make variable on the command line would
 *  replace those flags, not add to them. */
async function setsObjectCflags(treeDir, object) {
    const variable = `CFLAGS_${path.basename(object)}`;
    for (const name of ['Makefile', 'Kbuild']) {
        const text = await readFile(path.join(treeDir, path.dirname(object), name), 'utf8').catch(() => '');
        if (text.split('\n').some((l) => l.trim().startsWith(variable)))
            return true;
    }
    return false;
}
/** Pure: parse .config text (or a fragment) into symbol → value ("y", "m", a string, or "n" for "is not set"). */
function parseConfig(text) {
    const values = new Map();
    for (const line of text.split('\n')) {
        const set = /^CONFIG_(\w+)=(.*)$/.exec(line);
        if (set)
            values.set(set[1], set[2]);
        const unset = /^# CONFIG_(\w+) is not set$/.exec(line);
        if (unset)
            values.set(unset[1], 'n');
    }
    return values;
}
/** Pure: every symbol asked for that the final .config does not have with the asked value (Kconfig drops silently). */
function droppedSymbols(wanted, finalConfig) {
    const dropped = [];
    for (const [symbol, value] of wanted) {
        const got = finalConfig.get(symbol) ?? 'n';
        if (got !== value)
            dropped.push({ symbol, wanted: value, got });
    }
    return dropped;
}
/** Which of these symbols some Kconfig file in the tree defines ("config FOO" or "menuconfig FOO"). */
async function definedSymbols(git, symbols) {
    if (symbols.length === 0)
        return new Set();
    const pattern = `^[[:space:]]*(menu)?config[[:space:]]+(${symbols.join('|')})[[:space:]]*$`;
    const result = await git.exec(['grep', '-h', '-E', pattern, '--', '*Kconfig*']);
    const found = new Set();
    for (const line of result.stdout.split('\n')) {
        const m = /config\s+(\w+)/.exec(line);
        if (m)
            found.add(m[1]);
    }
    return found;
}
/** Pure: "6.12.118" from the top-level Makefile's VERSION, PATCHLEVEL and SUBLEVEL. */
function makefileVersion(makefile) {
    const field = (name) => new RegExp(`^${name}\\s*=\\s*(\\d+)\\s*$`, 'm').exec(makefile)?.[1];
    const [v, p, s] = [field('VERSION'), field('PATCHLEVEL'), field('SUBLEVEL')];
    return v && p ? `${v}.${p}${s ? `.${s}` : ''}` : undefined;
}

// Fingerprints that identify a diagnostic without its line number, and the base-vs-patched comparison built on them.
/** Numbers, quoted line references and column hints change when code moves; the diagnostic does not. */
function normalizeMessage(message) {
    return message
        .replace(/\bline \d+\b/g, 'line #')
        .replace(/:\d+(:\d+)?\b/g, ':#')
        .replace(/\b0x[0-9a-f]+\b/gi, '#')
        .replace(/\s+/g, ' ')
        .trim();
}
function fingerprint(d, enclosing) {
    return [d.file ?? '', enclosing ?? '<file scope>', normalizeMessage(d.message)].join(' | ');
}
/** Multiset difference by fingerprint, so a second copy of an existing warning still counts as new. */
function compareByFingerprint(base, patched, key) {
    const remaining = new Map();
    for (const item of base) {
        const k = key(item);
        remaining.set(k, [...(remaining.get(k) ?? []), item]);
    }
    const introduced = [];
    const existing = [];
    for (const item of patched) {
        const pool = remaining.get(key(item));
        if (pool && pool.length > 0) {
            pool.shift();
            existing.push(item);
        }
        else
            introduced.push(item);
    }
    const fixed = [...remaining.values()].flat();
    return { introduced, fixed, existing };
}
/** Base against patched by key: the one comparison sparse, gcc and the kernel log watchdog share. */
function classifyAgainstBase(base, patched, key, options = { repeats: 'count' }) {
    if (options.repeats === 'count')
        return compareByFingerprint(base, patched, key);
    const baseKeys = new Set(base.map(key));
    const patchedKeys = new Set(patched.map(key));
    return {
        introduced: patched.filter((item) => !baseKeys.has(key(item))),
        existing: patched.filter((item) => baseKeys.has(key(item))),
        fixed: base.filter((item) => !patchedKeys.has(key(item))),
    };
}
/**
 * The comparison as findings, in patched order for new and pre-existing ones (new first when both are asked for),
 * then the fixed ones; a kind without a maker gives no findings.
 */
function comparisonFindings(comparison, make) {
    const out = [];
    for (const kind of ['introduced', 'fixed', 'existing']) {
        const maker = make[kind];
        if (!maker)
            continue;
        for (const item of comparison[kind]) {
            const finding = maker(item);
            if (finding !== undefined)
                out.push(finding);
        }
    }
    return out;
}

// Pure: the C function a line belongs to, found the way a kernel reader would (kernel style puts a function's
// opening brace alone in column 0), so fingerprints survive code moving up or down the file.
/** How far above its brace a declarator may start (long parameter lists, attributes, #ifdef'd alternatives). */
const HEADER_WINDOW = 120;
/** Words written like calls around a declarator that are never the function's name. */
const NOT_A_NAME = new Set([
    '__attribute__',
    '__attribute',
    '__printf',
    '__scanf',
    '__section',
    '__aligned',
    '__acquires',
    '__releases',
    '__must_hold',
    '__cond_acquires',
    '__cond_releases',
    '__alloc_size',
    '__realloc_size',
    '__assume_aligned',
    '__diagnose_as',
    '__counted_by',
    '__malloc',
    '__access',
    '__cleanup',
    'alignas',
    '_Alignas',
    '__declspec',
    '__typeof__',
    '__typeof',
    'typeof',
    'sizeof',
    '_Static_assert',
    'static_assert',
    'asm',
    '__asm__',
    'void',
    'char',
    'short',
    'int',
    'long',
    'float',
    'double',
    'signed',
    'unsigned',
    'const',
    'volatile',
    'struct',
    'union',
    'enum',
    'static',
    'inline',
    'extern',
    'return',
    'if',
    'while',
    'for',
    'switch',
]);
/** Comments, string and character literals blanked out (newlines kept, so line numbers stay). */
function withoutCommentsAndStrings(text) {
    return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) => m.startsWith('"') ? '""' : m.startsWith("'") ? "''" : m.replace(/[^\n]/g, ' '));
}
/**
 * Preprocessor lines (with their continuations) blanked, and with them the #else/#elif branches that close before
 * the brace: a declarator written twice under #ifdef reads as its first variant. A branch still open at the brace
 * is the one the function is in, and stays.
 */
function firstBranchOnly(lines) {
    const kept = [...lines];
    const open = []; // per #if seen: where its first #else/#elif began
    let orphanElseAt; // the window began inside an #if: its #else, if we meet one
    let continued = false;
    lines.forEach((line, i) => {
        const directive = continued || /^\s*#/.test(line);
        if (directive && !continued) {
            const word = /^\s*#\s*(\w+)/.exec(line)?.[1] ?? '';
            const top = open.at(-1);
            if (/^if/.test(word))
                open.push({});
            else if (word === 'else' || word === 'elif') {
                if (top)
                    top.elseAt ??= i;
                else
                    orphanElseAt ??= i;
            }
            else if (word === 'endif') {
                let from;
                if (open.length)
                    from = open.pop().elseAt;
                else
                    [from, orphanElseAt] = [orphanElseAt, undefined];
                if (from !== undefined)
                    for (let k = from; k < i; k++)
                        kept[k] = '';
            }
        }
        continued = directive && /\\\s*$/.test(line);
        if (directive)
            kept[i] = '';
    });
    return kept;
}
const isWord = (t) => t !== undefined && /^[A-Za-z_]/.test(t);
/** Pure: whether a group's tokens read as a parameter list ("struct x *p, int n", "void", "...", or empty), not as
 *  the arguments of a macro ("5, 6", "elt", "&netdev_priv(dev)->lock"). */
function looksLikeParameters(tokens) {
    if (tokens.length === 0)
        return true;
    const params = [[]];
    let depth = 0;
    for (const t of tokens) {
        if (t === ',' && depth === 0)
            params.push([]);
        else {
            if (t === '(' || t === '[')
                depth++;
            if (t === ')' || t === ']')
                depth--;
            params.at(-1).push(t);
        }
    }
    return params.some((p) => {
        if (p.join('') === 'void' || p.join('') === '...')
            return true;
        const words = p.filter(isWord).length;
        return words >= 2 && p.every((t) => isWord(t) || /^[*()[\]]$|^\d+$/.test(t));
    });
}
/** The first word followed by "(" inside the group opening at `open`, one level down. */
function innerName(tokens, open) {
    let depth = 0;
    for (let i = open; i < tokens.length; i++) {
        if (tokens[i] === '(') {
            if (depth === 1 && isWord(tokens[i - 1]) && !NOT_A_NAME.has(tokens[i - 1]))
                return tokens[i - 1];
            depth++;
        }
        else if (tokens[i] === ')' && --depth === 0)
            return undefined;
    }
    return undefined;
}
/**
 * Pure: the name a function header declares ("static int __init foo(int a) __releases(x)" → "foo",
 * "void (*get_handler(int n))(void)" → "get_handler"), or undefined when the text is not a function header (a
 * struct, an initialiser).
 */
function declaredName(header) {
    const tokens = header.match(/[A-Za-z_]\w*|\S/g) ?? [];
    const groups = [];
    let depth = 0;
    let open = -1; // where the group being read at depth 0 began
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i];
        if (t === '(') {
            if (depth === 0)
                open = i;
            depth++;
        }
        else if (t === ')' && depth > 0 && --depth === 0) {
            const before = tokens[open - 1];
            if (tokens[open + 1] === '*' || before === ')') {
                // "(*name(args))[4]", "typeof(x)(name(args))": a function returning a pointer; its name is inside
                const inner = innerName(tokens, open);
                if (inner)
                    groups.push({ name: inner, parameters: true });
            }
            else if (isWord(before) && !NOT_A_NAME.has(before)) {
                groups.push({ name: before, parameters: looksLikeParameters(tokens.slice(open + 1, i)) });
            }
        }
        else if (depth === 0 && t === '=')
            return undefined; // an initialiser: "static struct x y[] =" with { below
    }
    // The last group with parameters: macros before a declarator (SEC("xdp"), PRINTF(5, 6)) and annotations after it
    // (__dm_written_to_disk(elt)) take arguments, not parameters. Old-style definitions have none at all.
    return (groups.filter((g) => g.parameters).at(-1) ?? groups.at(-1))?.name;
}
/** The declarator above the brace on line index `brace`, comments, strings and other #if branches removed. */
function headerAbove(lines, brace) {
    let start = brace;
    // back to the end of the body or declaration before ("}" or "};" alone; "} *p)" ends a struct in a parameter list)
    while (start > 0 && brace - start < HEADER_WINDOW && !/^}\s*;?\s*(\/[*/].*)?$/.test(lines[--start]))
        ;
    let window = lines.slice(start, brace).join('\n');
    const close = window.indexOf('*/');
    if (close >= 0 && !window.slice(0, close).includes('/*'))
        window = window.slice(close + 2); // began inside a comment
    return firstBranchOnly(withoutCommentsAndStrings(window).split('\n')).join('\n');
}
/** Index of the last of these characters outside parentheses (a struct defined in a parameter list has ; and }). */
function lastOutsideParens(code, chars) {
    let depth = 0;
    for (let i = code.length - 1; i >= 0; i--) {
        const c = code[i];
        if (c === ')')
            depth++;
        else if (c === '(')
            depth = Math.max(0, depth - 1);
        else if (depth === 0 && chars.includes(c))
            return i;
    }
    return -1;
}
// Callers ask about many lines of one file in a row: split it once.
let lastSource;
let lastLines = [];
function linesOf(source) {
    if (source !== lastSource)
        [lastSource, lastLines] = [source, source.split('\n')];
    return lastLines;
}
/** Name of the function whose body contains 1-based `line`, or undefined at file scope. */
function enclosingFunction(source, line) {
    const lines = linesOf(source);
    for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
        const text = lines[i];
        if (text.startsWith('}') && i < line - 1)
            return undefined; // a body closed before our line: file scope
        if (!text.startsWith('{'))
            continue;
        if (lines[i - 1]?.endsWith('\\'))
            return undefined; // a brace inside a #define: not a function's body
        const code = headerAbove(lines, i);
        // The declarator stands after the previous declaration or body (its ; or }); a macro invocation with no ; of
        // its own ("STORE_LOCKED(x)") a blank line above it; old-style parameter declarations end in ; themselves.
        const afterBody = code.slice(lastOutsideParens(code, '{}') + 1);
        const header = afterBody.slice(lastOutsideParens(afterBody, ';') + 1);
        const paragraph = header.slice(header.search(/\n\s*\n(?![\s\S]*\n\s*\n)/) + 1);
        return declaredName(paragraph) ?? declaredName(header) ?? declaredName(afterBody);
    }
    return undefined;
}
/** Pure: every kernel-style function body of a file (brace in column 0), named as enclosingFunction() names them. */
function functionBodies(source) {
    const lines = source.split('\n');
    const bodies = [];
    for (let i = 0; i < lines.length; i++) {
        if (!lines[i].startsWith('{'))
            continue;
        const name = enclosingFunction(source, i + 1);
        let end = i + 1;
        while (end < lines.length && !lines[end].startsWith('}'))
            end++;
        if (name)
            bodies.push({ name, start: i + 1, end: end + 1 });
        i = end;
    }
    return bodies;
}

// Compiler diagnostics with their fingerprints, read against the source as it is checked out right now.
/** Call while the revision the diagnostics came from is checked out: the enclosing function is read from it. */
async function locate(diags, treeDir) {
    const sources = new Map();
    const located = [];
    for (const d of diags) {
        if (!sources.has(d.file))
            sources.set(d.file, await readFile(path.join(treeDir, d.file), 'utf8').catch(() => ''));
        located.push({ ...d, key: fingerprint(d, enclosingFunction(sources.get(d.file), d.line)) });
    }
    return located;
}

// Pure parser for "file:line:col: severity: message" diagnostics, the format gcc and sparse share.
const DIAG = /^(.+?):(\d+):(?:(\d+):)? (warning|error|note|info): (.*)$/;
/** sparse continues a message on lines that repeat its position: "file:line:col:    struct foo *". */
const CONTINUATION = /^(.+?):(\d+):(?:\d+:)?\s{2,}(\S.*)$/;
/**
 * Paths as the tree names them. kbuild runs the compiler in the O= dir, so a relative path (ccache with
 * CCACHE_BASEDIR makes them relative, e.g. "../../linux/drivers/md/dm.c") is resolved from there; what is not in
 * the tree (generated headers in the O= dir) keeps its name without a leading "./".
 */
function treeRelative(file, treeDir, cwd) {
    const absolute = path.isAbsolute(file) ? file : cwd ? path.resolve(cwd, file) : undefined;
    const prefix = treeDir.endsWith(path.sep) ? treeDir : treeDir + path.sep;
    if (absolute?.startsWith(prefix))
        return absolute.slice(prefix.length);
    return file.replace(/^(\.\/)+/, '');
}
function parseDiagnostics(output, treeDir, cwd) {
    const found = [];
    let last;
    for (const raw of output.split('\n')) {
        const line = raw.replace(/\r$/, '');
        const cont = CONTINUATION.exec(line);
        if (cont && last && treeRelative(cont[1], treeDir, cwd) === last.file && Number(cont[2]) === last.line) {
            last.message += ` ${cont[3].trim()}`;
            continue;
        }
        const m = DIAG.exec(line);
        if (m && !line.startsWith(' ')) {
            if (m[4] === 'note') {
                last = undefined;
                continue;
            }
            last = {
                file: treeRelative(m[1], treeDir, cwd),
                line: Number(m[2]),
                column: m[3] === undefined ? undefined : Number(m[3]),
                severity: m[4] === 'error' ? 'error' : m[4] === 'warning' ? 'warning' : 'info',
                message: m[5].trim(),
            };
            found.push(last);
        }
        else
            last = undefined;
    }
    return found;
}
const UNDEFINED_AT = /^(?:(\S+?):(?:\([^)]*\)|(\d+))|\S*ld(?:\.bfd)?: (\S+?)(?::\([^)]*\))?)/;
const UNDEFINED_SYMBOL = /: undefined reference to [`'‘]([^'’`]+)['’`]$/;
const UNDEFINED_REFERENCE = new RegExp(UNDEFINED_AT.source + UNDEFINED_SYMBOL.source);
/**
 * Pure: undefined references from ld ("ld: x.o: in function `f':" then "x.c:(.text+0x1): undefined reference to
 * `sym'", or "<path>/x.c:123: undefined reference…" when x.o has debug info) and from modpost
 * ('ERROR: modpost: "sym" [drivers/md/x.ko] undefined!').
 */
function parseLinkErrors(output) {
    const errors = [];
    let object;
    let fn;
    for (const line of output.split('\n')) {
        const inFunction = /^(?:\S*ld(?:\.bfd)?): (\S+): in function [`'‘]([^'’`]+)['’`]:$/.exec(line);
        if (inFunction) {
            object = inFunction[1];
            fn = inFunction[2];
            continue;
        }
        const undef = UNDEFINED_REFERENCE.exec(line);
        if (undef) {
            const symbol = undef[4];
            const source = undef[1] === undefined ? undefined : path.basename(undef[1]);
            errors.push({
                object: object ?? undef[3] ?? '',
                source,
                ...(undef[2] ? { line: Number(undef[2]) } : {}),
                function: fn,
                symbol,
                message: `undefined reference to \`${symbol}'${fn ? ` in ${fn}()` : ''}`,
            });
            continue;
        }
        const modpost = /^ERROR: modpost: "([^"]+)" \[([^\]]+)\] undefined!$/.exec(line);
        if (modpost)
            errors.push({
                object: modpost[2],
                symbol: modpost[1],
                message: `undefined reference to \`${modpost[1]}' (modpost)`,
            });
    }
    return errors;
}

/** The .c files added or modified by these patches and still present after them, in first-touched order. */
function touchedCFiles(patches) {
    const files = new Set();
    for (const patch of patches) {
        for (const f of patch.files) {
            if (f.status === 'deleted')
                files.delete(f.path);
            else {
                if (f.status === 'renamed' && f.oldPath)
                    files.delete(f.oldPath);
                if (f.path.endsWith('.c'))
                    files.add(f.path);
            }
        }
    }
    return [...files];
}
/** The index of the only patch that touches `file`, or undefined when several (or none) do. */
function onlyPatchTouching(patches, file) {
    const touching = patches.filter((p) => p.files.some((f) => f.path === file));
    return touching.length === 1 ? touching[0].index : undefined;
}

// A command line as a user can paste it into a shell: for the reproduce blocks, never for running anything (every
// process here starts from an argument array, see exec.ts).
const SAFE = /^[\w@%+=:,./-]+$/;
function shellQuote(word) {
    return word !== '' && SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
function commandLine(argv, env = {}) {
    const assignments = Object.entries(env)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${shellQuote(v)}`);
    return [...assignments, ...argv.map(shellQuote)].join(' ');
}

// The only place make runs against a kernel tree: always out of tree (O=), never writing into the sources' config.
/** Fixed so that object files, and so ccache hits, do not depend on who built them and when. */
const REPRODUCIBLE_ENV = {
    KBUILD_BUILD_TIMESTAMP: '1970-01-01',
    KBUILD_BUILD_USER: 'kernel-patch-ci',
    KBUILD_BUILD_HOST: 'kernel-patch-ci',
    LC_ALL: 'C',
};
/** make's arguments and the environment it adds, for running and for the reproduce block alike. */
function makeInvocation(options, args, extraEnv = {}) {
    const vars = [`O=${options.buildDir}`, ...(options.arch ? [`ARCH=${options.arch}`] : [])];
    if (options.crossCompile)
        vars.push(`CROSS_COMPILE=${options.crossCompile}`);
    if (options.ccache)
        vars.push(`CC=ccache ${options.crossCompile ?? ''}gcc`, 'HOSTCC=ccache gcc');
    return {
        argv: ['make', '-C', options.srcDir, `-j${options.jobs}`, ...vars, ...args],
        env: { ...REPRODUCIBLE_ENV, ...options.ccache, ...extraEnv },
    };
}
function make(options, args, extraEnv = {}) {
    const { argv, env } = makeInvocation(options, args, extraEnv);
    return execTool(argv[0], argv.slice(1), {
        env: { ...process.env, ...env },
        timeoutMs: options.timeoutMs,
        onLine: options.onLine,
    });
}
/** Compile warnings stay warnings (kbuild's own -Werror=implicit-function-declaration and friends stay errors). */
const ANALYSIS_KCFLAGS = 'KCFLAGS=-Wno-error';
/** The first error lines of a failed make, for a one-line summary. */
function firstError(result) {
    const text = `${result.stdout}\n${result.stderr}`;
    const line = text.split('\n').find((l) => / error: |^make(\[\d+\])?: \*\*\*|Error \d+/.test(l));
    return (line ?? text.trim().split('\n').at(-1) ?? 'make failed').trim();
}
/**
 * tinyconfig, the fragments merged on top in order with the tree's own merge_config.sh, then olddefconfig: the
 * documented way to build a small config from fragments. Returns the failing step's result, or undefined when all
 * went well.
 */
/** What configureFromFragment runs, as shell lines for a reproduce block. */
function configureCommands(options, fragments) {
    const quiet = { ...options, ccache: undefined };
    const make = (target) => {
        const m = makeInvocation(quiet, [target]);
        return commandLine(m.argv, m.env);
    };
    const merge = commandLine([
        'bash',
        `${options.srcDir}/scripts/kconfig/merge_config.sh`,
        '-m',
        '-O',
        options.buildDir,
        `${options.buildDir}/.config`,
        ...fragments,
    ], { ...REPRODUCIBLE_ENV, ...(options.arch ? { ARCH: options.arch } : {}) });
    return [make('tinyconfig'), `(cd ${shellQuote(options.srcDir)} && ${merge})`, make('olddefconfig')];
}
async function configureFromFragment(options, fragments) {
    const quiet = { ...options, ccache: undefined };
    const tiny = await make(quiet, ['tinyconfig']);
    if (tiny.code !== 0)
        return tiny;
    const merge = await execTool('bash', [
        `${options.srcDir}/scripts/kconfig/merge_config.sh`,
        '-m',
        '-O',
        options.buildDir,
        `${options.buildDir}/.config`,
        ...fragments,
    ], {
        cwd: options.srcDir,
        env: { ...process.env, ...REPRODUCIBLE_ENV, ...(options.arch ? { ARCH: options.arch } : {}) },
        timeoutMs: options.timeoutMs,
    });
    if (merge.code !== 0)
        return merge;
    const old = await make(quiet, ['olddefconfig']);
    return old.code !== 0 ? old : undefined;
}

// ccache for kernel builds: where it keeps its cache, and a pure reader of its per-build stats log.
/** Add CCACHE_STATSLOG per build phase to count that phase's hits. */
function ccacheEnv(settings) {
    return {
        CCACHE_DIR: settings.dir,
        CCACHE_MAXSIZE: settings.maxSize,
        CCACHE_BASEDIR: settings.baseDir,
        CCACHE_NOHASHDIR: 'true',
    };
}
/** CCACHE_STATSLOG holds one "# file" block of counters per compiler call; calls ccache cannot cache are skipped. */
function parseStatsLog(text) {
    const stats = { hits: 0, misses: 0 };
    for (const block of text.split(/^# /m).slice(1)) {
        const counters = new Set(block
            .split('\n')
            .slice(1)
            .map((l) => l.trim()));
        if (counters.has('direct_cache_hit') || counters.has('preprocessed_cache_hit'))
            stats.hits++;
        else if (counters.has('cache_miss'))
            stats.misses++;
    }
    return stats;
}
function hitRate(stats) {
    const total = stats.hits + stats.misses;
    return total === 0 ? undefined : stats.hits / total;
}

// Every fact about a kernel architecture, in one table (like TuxMake's arch files): what make is told, which
// compiler builds it, which image it makes, and how QEMU and the guest's Debian packages run it. Adding an
// architecture is one entry here plus a config fragment with its "# arch:" header.
const X86_GUEST = { qemuPackage: 'qemu-system-x86', machine: 'pc', console: 'ttyS0' };
const ARCHES = {
    x86_64: {
        name: 'x86_64',
        srcArch: 'x86',
        nativeOn: ['x64'],
        crossPrefix: 'x86_64-linux-gnu-',
        crossPackage: 'gcc-x86-64-linux-gnu',
        imageTarget: 'bzImage',
        imagePath: 'arch/x86/boot/bzImage',
        guest: { ...X86_GUEST, qemuBinary: 'qemu-system-x86_64', debianArch: 'amd64', memoryMiB: 1024 },
    },
    i386: {
        name: 'i386',
        srcArch: 'x86',
        // the host gcc builds it with -m32
        nativeOn: ['x64', 'ia32'],
        crossPrefix: 'i686-linux-gnu-',
        crossPackage: 'gcc-i686-linux-gnu',
        imageTarget: 'bzImage',
        imagePath: 'arch/x86/boot/bzImage',
        // more than its ~890 MiB of lowmem, so that HighTotal is not zero and kmap_local_page() really maps
        guest: { ...X86_GUEST, qemuBinary: 'qemu-system-i386', debianArch: 'i386', memoryMiB: 2048 },
    },
    arm64: {
        name: 'arm64',
        srcArch: 'arm64',
        nativeOn: ['arm64'],
        crossPrefix: 'aarch64-linux-gnu-',
        crossPackage: 'gcc-aarch64-linux-gnu',
        imageTarget: 'Image',
        imagePath: 'arch/arm64/boot/Image',
    },
    arm: {
        name: 'arm',
        srcArch: 'arm',
        nativeOn: ['arm'],
        crossPrefix: 'arm-linux-gnueabihf-',
        crossPackage: 'gcc-arm-linux-gnueabihf',
        imageTarget: 'zImage',
        imagePath: 'arch/arm/boot/zImage',
    },
    riscv: {
        name: 'riscv',
        srcArch: 'riscv',
        nativeOn: ['riscv64'],
        crossPrefix: 'riscv64-linux-gnu-',
        crossPackage: 'gcc-riscv64-linux-gnu',
        imageTarget: 'Image',
        imagePath: 'arch/riscv/boot/Image',
    },
    powerpc: {
        name: 'powerpc',
        srcArch: 'powerpc',
        nativeOn: ['ppc64'],
        crossPrefix: 'powerpc64le-linux-gnu-',
        crossPackage: 'gcc-powerpc64le-linux-gnu',
        imageTarget: 'zImage',
        imagePath: 'arch/powerpc/boot/zImage',
    },
    s390: {
        name: 's390',
        srcArch: 's390',
        nativeOn: ['s390x'],
        crossPrefix: 's390x-linux-gnu-',
        crossPackage: 'gcc-s390x-linux-gnu',
        imageTarget: 'bzImage',
        imagePath: 'arch/s390/boot/bzImage',
    },
};
/** The table's entry; an architecture it does not know is the user's error, never a silent x86 default. */
function archOf(name) {
    const arch = Object.hasOwn(ARCHES, name) ? ARCHES[name] : undefined;
    if (!arch)
        throw usageError(`unknown architecture ${JSON.stringify(name)} (known: ${Object.keys(ARCHES).join(', ')})`);
    return arch;
}
/** Whether this tool can boot the arch's kernels, and how. */
function guestOf(name) {
    return archOf(name).guest;
}

// What a Kconfig symbol depends on, read from the tree's own Kconfig files, and why a .config has it off: enough
// Kconfig to turn on the symbols that build a changed file and to say why one could not be turned on.
const TOKEN = /\s*(\(|\)|!=|<=|>=|&&|\|\||!|=|<|>|"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.-]+)/y;
/** Pure: a Kconfig expression ("SWAP && ARCH_HIBERNATION_POSSIBLE", "!64BIT || X86_PAE", "NR_CPUS > 1"). */
function parseExpr(text) {
    const tokens = [];
    TOKEN.lastIndex = 0;
    let m;
    let end = 0;
    while ((m = TOKEN.exec(text))) {
        tokens.push(m[1]);
        end = TOKEN.lastIndex;
    }
    if (text.slice(end).trim() !== '')
        return undefined;
    let at = 0;
    const orExpr = () => {
        let left = andExpr();
        while (left && tokens[at] === '||') {
            at++;
            const right = andExpr();
            left = right && { kind: 'or', left, right };
        }
        return left;
    };
    const andExpr = () => {
        let left = unary();
        while (left && tokens[at] === '&&') {
            at++;
            const right = unary();
            left = right && { kind: 'and', left, right };
        }
        return left;
    };
    const unary = () => {
        const t = tokens[at++];
        if (t === '!') {
            const operand = unary();
            return operand && { kind: 'not', operand };
        }
        if (t === '(') {
            const inner = orExpr();
            return tokens[at++] === ')' ? inner : undefined;
        }
        if (t === undefined || /^[()&|!=<>]/.test(t))
            return undefined;
        const op = tokens[at];
        if (op && /^(=|!=|<|>|<=|>=)$/.test(op)) {
            at++;
            const right = tokens[at++];
            // a quoted side stays quoted: it is a constant (CMDLINE != ""), not a symbol to look up
            return right === undefined ? undefined : { kind: 'compare', op, left: t, right };
        }
        return { kind: 'symbol', name: unquote(t) };
    };
    const expr = orExpr();
    return expr && at === tokens.length ? expr : undefined;
}
const unquote = (t) => t.replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
const TRISTATE = { n: 0, m: 1, y: 2 };
function valueOf(name, config) {
    if (name === 'y' || name === 'm' || name === 'n')
        return name;
    if (/^"(.*)"$|^'(.*)'$/.test(name))
        return unquote(name);
    if (/^-?\d+$|^0x[0-9a-f]+$/i.test(name) && !config.has(name))
        return name;
    return (config.get(name) ?? 'n').replace(/^"(.*)"$/, '$1');
}
/** Pure: the tristate value (0 n, 1 m, 2 y) of an expression in a .config; unset symbols are n. */
function evaluate(expr, config) {
    switch (expr.kind) {
        case 'symbol':
            return TRISTATE[valueOf(expr.name, config)] ?? 0;
        case 'not':
            return 2 - evaluate(expr.operand, config);
        case 'and':
            return Math.min(evaluate(expr.left, config), evaluate(expr.right, config));
        case 'or':
            return Math.max(evaluate(expr.left, config), evaluate(expr.right, config));
        case 'compare': {
            const [a, b] = [valueOf(expr.left, config), valueOf(expr.right, config)];
            const numeric = /^-?\d+$/.test(a) && /^-?\d+$/.test(b);
            const cmp = numeric ? Number(a) - Number(b) : a.localeCompare(b);
            const holds = { '=': cmp === 0, '!=': cmp !== 0, '<': cmp < 0, '>': cmp > 0, '<=': cmp <= 0, '>=': cmp >= 0 }[expr.op] ??
                false;
            return holds ? 2 : 0;
        }
    }
}
/** Pure: the symbols that must be on for the expression to hold, from its top-level conjunction (not under ! or ||). */
function requiredSymbols(expr) {
    if (expr.kind === 'and')
        return [...requiredSymbols(expr.left), ...requiredSymbols(expr.right)];
    if (expr.kind === 'symbol' && !/^[ymn]$/.test(expr.name))
        return [expr.name];
    return [];
}
/** Pure: the expression as Kconfig writes it. */
function show(expr, parent) {
    switch (expr.kind) {
        case 'symbol':
            return expr.name;
        case 'not':
            return `!${show(expr.operand, 'not')}`;
        case 'compare':
            return `${expr.left}${expr.op}${expr.right}`;
        default: {
            const text = `${show(expr.left, expr.kind)} ${expr.kind === 'and' ? '&&' : '||'} ${show(expr.right, expr.kind)}`;
            return parent && parent !== expr.kind ? `(${text})` : text;
        }
    }
}
/** Pure: the conjuncts of an expression that are false in the config ("SWAP", "!64BIT"), outermost && split only. */
function unmetTerms(expr, config) {
    if (expr.kind === 'and')
        return [...unmetTerms(expr.left, config), ...unmetTerms(expr.right, config)];
    return evaluate(expr, config) === 0 ? [show(expr)] : [];
}
/**
 * Pure: the config and menuconfig entries of one Kconfig file. `depends` gathers the entry's own `depends on`, its
 * menu's and its `if` blocks' (within this file; a `source` inside an `if` is not followed).
 */
function parseKconfig(text, file) {
    const entries = [];
    const blocks = [];
    let entry;
    let menuHeader; // a menu (or choice) whose own `depends on` lines are still coming
    let helpIndent;
    let inHelp = false;
    // a continued line is joined into its first line; the lines it took stay, empty, so line numbers still hold
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
        let j = i;
        while (lines[i].endsWith('\\') && j + 1 < lines.length) {
            lines[i] = `${lines[i].slice(0, -1)} ${lines[++j]}`;
            lines[j] = '';
        }
        i = j;
    }
    for (const [i, raw] of lines.entries()) {
        const indent = /^[ \t]*/.exec(raw)[0].replace(/\t/g, '        ').length;
        const line = raw.replace(/(^|\s)#.*$/, '').trim();
        if (inHelp) {
            if (raw.trim() === '')
                continue;
            helpIndent ??= indent;
            if (indent >= helpIndent)
                continue;
            inHelp = false;
        }
        if (line === '')
            continue;
        const word = line.split(/\s+/)[0];
        const rest = line.slice(word.length).trim();
        const inherited = () => blocks.flatMap((b) => b.depends);
        if (word === 'config' || word === 'menuconfig') {
            entry = { symbol: rest, file, line: i + 1, prompt: false, depends: inherited() };
            entries.push(entry);
            menuHeader = undefined;
        }
        else if (word === 'if') {
            blocks.push({ kind: 'if', depends: [rest] });
            entry = menuHeader = undefined;
        }
        else if (word === 'menu' || word === 'choice') {
            const block = { kind: word, depends: [] };
            blocks.push(block);
            menuHeader = block;
            entry = undefined;
        }
        else if (word === 'endif' || word === 'endmenu' || word === 'endchoice') {
            blocks.pop();
            entry = menuHeader = undefined;
        }
        else if (word === 'help' || word === '---help---') {
            inHelp = true;
            helpIndent = undefined;
        }
        else if (word === 'depends' && rest.startsWith('on ')) {
            (entry ?? menuHeader)?.depends.push(rest.slice(3).trim());
        }
        else if (entry && ((/^(bool|tristate|string|int|hex)$/.test(word) && /^["']/.test(rest)) || word === 'prompt')) {
            entry.prompt = true;
        }
        else if (/^(source|comment|mainmenu|endchoice)$/.test(word))
            entry = menuHeader = undefined;
    }
    return entries;
}
/** The Kconfig entries of these symbols in the tree, leaving out other architectures' arch/ directories. */
async function kconfigEntries(git, treeDir, symbols, srcArch) {
    const found = new Map();
    if (symbols.length === 0)
        return found;
    const pattern = `^[[:space:]]*(menu)?config[[:space:]]+(${symbols.join('|')})[[:space:]]*$`;
    const hits = await git.exec(['grep', '-l', '-E', pattern, '--', '*Kconfig*']);
    const files = hits.stdout
        .split('\n')
        .filter((f) => f && (!f.startsWith('arch/') || f.startsWith(`arch/${srcArch}/`)));
    const wanted = new Set(symbols);
    for (const file of files) {
        const text = await readFile(path.join(treeDir, file), 'utf8').catch(() => '');
        for (const e of parseKconfig(text, file)) {
            if (!wanted.has(e.symbol))
                continue;
            found.set(e.symbol, [...(found.get(e.symbol) ?? []), e]);
        }
    }
    return found;
}
/**
 * Pure: why a symbol is off in a config, from its entries
 * ("depends on SWAP && ARCH_HIBERNATION_POSSIBLE: SWAP is off").
 */
function whyOff(entries, config) {
    if (!entries || entries.length === 0)
        return 'no Kconfig file of this tree defines it';
    for (const e of entries) {
        const unmet = e.depends.flatMap((d) => {
            const expr = parseExpr(d);
            return expr ? unmetTerms(expr, config) : [];
        });
        if (unmet.length)
            return `it needs ${[...new Set(unmet)].join(' and ')} (${e.file}:${e.line})`;
    }
    if (entries.every((e) => !e.prompt))
        return 'it cannot be set by hand (no prompt): only selected or defaulted';
    return 'olddefconfig turned it off (a choice or a select elsewhere)';
}

// The config symbols a series needs: what builds each changed .c file (its Makefile and its parents'), with the
// Kconfig dependencies a user could turn on, added to a cell before olddefconfig; and, after it, which stayed off
// and why.
/** The symbols each changed file's build rule names (in the patched tree: a series may add the Makefile line). */
async function symbolsBuilding(treeDir, files) {
    const needs = new Map();
    for (const file of files) {
        const rule = await buildRuleWithParents(treeDir, file);
        if (rule.kind !== 'symbols')
            continue;
        for (const s of rule.symbols)
            needs.set(s, [...(needs.get(s) ?? []), file]);
    }
    return needs;
}
/**
 * The symbols to ask for in a cell: those the changed files need that the cell's fragment does not already set,
 * plus, a few levels deep, the prompted symbols their `depends on` requires (HIBERNATION needs SWAP). A symbol
 * the fragment turns off stays off: the cell's author meant it.
 */
async function seriesAdditions(git, treeDir, needs, arch, fragment) {
    const asked = new Map();
    const entries = new Map();
    let level = [...needs.keys()].filter((s) => !fragment.has(s));
    for (const s of level)
        asked.set(s, needs.get(s));
    for (let depth = 0; depth < 4 && level.length; depth++) {
        const found = await kconfigEntries(git, treeDir, level.filter((s) => !entries.has(s)), archOf(arch).srcArch);
        for (const [s, e] of found)
            entries.set(s, e);
        const next = [];
        for (const s of level) {
            for (const dep of (entries.get(s) ?? []).flatMap((e) => e.depends.flatMap((d) => requiredSymbols(parseExpr(d) ?? { kind: 'symbol', name: 'y' })))) {
                if (fragment.has(dep) || asked.has(dep) || next.includes(dep))
                    continue;
                next.push(dep);
                asked.set(dep, asked.get(s));
            }
        }
        if (next.length === 0)
            break;
        const nextEntries = await kconfigEntries(git, treeDir, next, archOf(arch).srcArch);
        for (const [s, e] of nextEntries)
            entries.set(s, e);
        // a promptless dependency (MMU, ARCH_HIBERNATION_POSSIBLE) is computed by Kconfig: asking for it changes nothing
        level = next.filter((s) => nextEntries.get(s)?.some((e) => e.prompt));
        for (const s of next)
            if (!level.includes(s))
                asked.delete(s);
    }
    return { asked, direct: [...needs.keys()].filter((s) => asked.has(s)), entries };
}
/**
 * The extra fragment of a cell: the series' symbols, and warnings never turned into errors (-Werror hides the rest).
 */
async function writeSeriesFragment(file, additions, definesWerror) {
    const lines = ['# kernel-patch-ci: what the series needs, added to the cell before olddefconfig'];
    for (const [s, files] of additions.asked)
        lines.push(`CONFIG_${s}=y`, `# (for ${files.join(', ')})`);
    if (definesWerror)
        lines.push('# CONFIG_WERROR is not set');
    await writeFile(file, `${lines.join('\n')}\n`);
}
/** Pure: which asked symbols the final .config has on, and for the files' own symbols left off the Kconfig reason. */
function judgeAdditions(additions, finalConfig) {
    const outcome = { added: [], refused: [] };
    for (const [symbol, files] of additions.asked) {
        const value = finalConfig.get(symbol);
        if (value === 'y' || value === 'm')
            outcome.added.push(symbol);
        // a dependency that stayed off shows in the reason of the symbol that needed it
        else if (additions.direct.includes(symbol))
            outcome.refused.push({ symbol, files, reason: whyOff(additions.entries.get(symbol), finalConfig) });
    }
    return outcome;
}

// The keys of what the base proves, from everything that decides it and nothing else: a key that hits means the base
// would come out the same if it were computed again. Pure; the stages gather the parts.
function keyOf(kind, parts) {
    // sorted keys: the same parts give the same key whatever order they were written in
    const canonical = JSON.stringify(parts, Object.keys(parts).sort());
    return `${kind}-${createHash('sha256').update(canonical).digest('hex').slice(0, 24)}`;
}
function baseBuildKey(parts) {
    return keyOf('build', { ...parts, touched: [...parts.touched].sort() });
}
function baseBootKey(parts) {
    return keyOf('boot', {
        ...parts,
        scenarios: parts.scenarios ? [...parts.scenarios] : 'all',
        suitesDisk: parts.suitesDisk ?? 'none',
        suiteTests: [...parts.suiteTests],
    });
}
function baseSparseKey(parts) {
    return keyOf('sparse', { ...parts, configLines: [...parts.configLines], files: [...parts.files].sort() });
}

function baseCacheNote(use) {
    const key = use.key.replace(/^(\w+-[0-9a-f]{12}).*$/, '$1');
    if (use.hit)
        return `base from cache, key ${key}`;
    const saved = use.saved === undefined ? '' : use.saved === 'saved' ? ', now cached' : `, ${use.saved}`;
    return `base computed (${use.why ?? 'no entry'}${saved}), key ${key}`;
}

// gcc, asked only what it is: its version line (a cache key part, doctor's report, whether a cross compiler exists).
/** The first line of `<prefix>gcc --version`, or undefined when that compiler is not installed. */
async function gccVersion(crossPrefix = '') {
    const result = await execTool(`${crossPrefix}gcc`, ['--version']).catch(() => undefined);
    return result && result.code === 0 ? result.stdout.split('\n')[0] : undefined;
}
/**
 * Run a compile command kbuild saved (argv[0] is the compiler it used: gcc, a cross gcc, ccache gcc), rewritten to
 * preprocess only; whether it succeeded.
 */
async function runSavedCompile(argv, cwd, timeoutMs) {
    const result = await execTool(argv[0], argv.slice(1), { cwd, timeoutMs });
    return result.code === 0;
}

// A store of immutable cache entries, one folder per key, each file checked by its sha256 before anything trusts it.
// An entry appears whole or not at all (written to a temporary folder, then renamed), so two runs saving one key at
// once leave one complete entry; one that does not verify is moved aside and rebuilt, never read.
/** Bumped when what an entry holds changes meaning: an entry of another format is not read. */
const ENTRY_FORMAT = 1;
const MANIFEST = 'manifest.json';
const MANIFEST_SUM = 'manifest.sha256';
const sha256File = (file) => new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
        .on('data', (chunk) => h.update(chunk))
        .on('error', reject)
        .on('end', () => resolve(h.digest('hex')));
});
const sha256Text = (text) => createHash('sha256').update(text).digest('hex');
/** Every file and link under dir, as paths relative to it, sorted (the manifest's order). */
async function listTree(dir, rel = '') {
    const out = [];
    for (const ent of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name < b.name ? -1 : 1)) {
        const p = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory())
            out.push(...(await listTree(dir, p)));
        else if (ent.isSymbolicLink())
            out.push({ path: p, kind: 'link' });
        else if (ent.isFile())
            out.push({ path: p, kind: 'file' });
    }
    return out;
}
async function describe$2(root, skip) {
    const files = [];
    for (const f of await listTree(root)) {
        if (skip(f.path) || f.path === MANIFEST || f.path === MANIFEST_SUM)
            continue;
        const full = path.join(root, f.path);
        if (f.kind === 'link')
            files.push({ path: f.path, link: await readlink(full) });
        else
            files.push({ path: f.path, size: (await lstat(full)).size, sha256: await sha256File(full) });
    }
    return files;
}
const errorText = (error) => {
    const e = error;
    return e.code === 'ENOSPC' ? 'no space left on device' : (e.code ?? e.message ?? String(error));
};
/** Keep content under key; a key already saved (by this run or another at the same moment) is left as it is. */
async function saveEntry(store, key, content) {
    const final = path.join(store.dir, key);
    if (existsSync(final))
        return { saved: false, why: 'already saved' };
    const tmp = path.join(store.dir, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const skipPrefix = content.skipPrefix;
    const skip = (p) => skipPrefix !== undefined && path.basename(p).startsWith(skipPrefix);
    try {
        await mkdir(tmp, { recursive: true });
        for (const { name, from } of content.copy) {
            await cp(from, path.join(tmp, name), {
                recursive: true,
                verbatimSymlinks: true,
                filter: (src) => !skip(src),
            });
        }
        await writeFile(path.join(tmp, 'meta.json'), JSON.stringify(content.meta));
        // the checksums are of what landed on the disk, so a short write is caught here rather than at the next read
        const manifest = { format: ENTRY_FORMAT, tool: store.tool, key, files: await describe$2(tmp, skip) };
        const text = JSON.stringify(manifest);
        await writeFile(path.join(tmp, MANIFEST), text);
        await writeFile(path.join(tmp, MANIFEST_SUM), sha256Text(text));
        try {
            await rename(tmp, final);
        }
        catch (error) {
            const code = error.code;
            if (code === 'ENOTEMPTY' || code === 'EEXIST') {
                await rm(tmp, { recursive: true, force: true });
                return { saved: false, why: 'another run saved it first' };
            }
            throw error;
        }
        return { saved: true };
    }
    catch (error) {
        await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
        return { saved: false, why: `cannot save it: ${errorText(error)}` };
    }
}
/** Why an entry's folder cannot be trusted, or undefined when every file is as its manifest says. */
async function verify(store, key, dir) {
    const text = await readFile(path.join(dir, MANIFEST), 'utf8').catch(() => undefined);
    const sum = await readFile(path.join(dir, MANIFEST_SUM), 'utf8').catch(() => undefined);
    if (text === undefined || sum === undefined)
        return 'it is incomplete (no manifest)';
    if (sha256Text(text) !== sum.trim())
        return 'its manifest does not match its checksum';
    const manifest = JSON.parse(text);
    if (manifest.format !== ENTRY_FORMAT)
        return `it has entry format ${manifest.format}, this tool reads ${ENTRY_FORMAT}`;
    if (manifest.tool !== store.tool)
        return `it was written by kernel-patch-ci ${manifest.tool}, this is ${store.tool}`;
    if (manifest.key !== key)
        return `it holds key ${manifest.key}`;
    const listed = new Set(manifest.files.map((f) => f.path));
    for (const f of manifest.files) {
        const full = path.join(dir, f.path);
        if (f.link !== undefined) {
            if ((await readlink(full).catch(() => undefined)) !== f.link)
                return `${f.path} is not the link it was`;
            continue;
        }
        const st = await lstat(full).catch(() => undefined);
        if (!st)
            return `${f.path} is missing`;
        if (st.size !== f.size)
            return `${f.path} is ${st.size} bytes, ${f.size} when saved (truncated?)`;
        if ((await sha256File(full)) !== f.sha256)
            return `${f.path} does not match its checksum`;
    }
    const extra = (await listTree(dir)).find((f) => !listed.has(f.path) && f.path !== MANIFEST && f.path !== MANIFEST_SUM);
    return extra ? `${extra.path} was not in it when saved` : undefined;
}
/** The entry under key, verified; an entry that does not verify is moved out of the way and reported as a miss. */
async function loadEntry(store, key) {
    const dir = path.join(store.dir, key);
    if (!existsSync(dir))
        return { hit: false, why: 'no entry for this key' };
    let why;
    try {
        why = await verify(store, key, dir);
    }
    catch (error) {
        why = `it cannot be read: ${errorText(error)}`;
    }
    if (why) {
        await discard(store, dir);
        return { hit: false, why: `the entry was not used: ${why}` };
    }
    return { hit: true, dir, meta: JSON.parse(await readFile(path.join(dir, 'meta.json'), 'utf8')) };
}
/** Out of the way first (a rename), so a run reading it at the same moment sees it whole or not at all. */
async function discard(store, dir) {
    const trash = path.join(store.dir, `.trash-${path.basename(dir)}-${randomBytes(4).toString('hex')}`);
    await rename(dir, trash).catch(() => undefined);
    await rm(trash, { recursive: true, force: true }).catch(() => undefined);
}
/**
 * Copy a verified entry's folder to `to`, every file stamped with one time: make then sees the restored objects as
 * newer than the sources checked out before, and none older than another (a kbuild O= dir restored as built).
 */
async function restoreFolder(entryDir, name, to, stamp = new Date()) {
    await rm(to, { recursive: true, force: true });
    await cp(path.join(entryDir, name), to, { recursive: true, verbatimSymlinks: true });
    for (const f of await listTree(to))
        if (f.kind === 'file')
            await utimes(path.join(to, f.path), stamp, stamp);
}

/** `sparse --version`, a key part: another sparse can warn otherwise. */
async function sparseVersion() {
    const result = await execTool('sparse', ['--version']).catch(() => undefined);
    return result?.code === 0 ? result.stdout.trim() : 'no sparse --version';
}
/** The cached base of key into buildDir (its files all stamped now), or why there is none. */
async function restoreSparseBase(store, key, buildDir) {
    const entry = await loadEntry(store, key);
    if (!entry.hit)
        return { use: { key, hit: false, why: entry.why } };
    await restoreFolder(entry.dir, 'O', buildDir);
    return { use: { key, hit: true }, base: entry.meta };
}
/** Keep a base check that ran to its end, before the patched tree is checked out; what saving said. */
async function saveSparseBase(store, key, buildDir, base) {
    const saved = await saveEntry(store, key, {
        copy: [{ name: 'O', from: buildDir }],
        meta: base,
        skipPrefix: '.kpci-',
    });
    return saved.saved ? 'saved' : `not saved: ${saved.why}`;
}

// sparse: check the C files the series touches on the base and on the patched tree, in an x86_64 and an i386
// HIGHMEM configuration; blame only what is new.
/** x86_64 defconfig, and i386's with HIGHMEM: kmap_local code is HIGHMEM code, which x86_64 never compiles. */
const SPARSE_CONFIGS = [
    { name: 'x86_64-defconfig', arch: 'x86_64', extra: {} },
    { name: 'i386-highmem-defconfig', arch: 'i386', extra: { HIGHMEM4G: 'y' } },
];
/** Compile, then check: a second make with C=2 on up-to-date objects prints sparse's output and nothing else. */
async function checkRevision(ctx, kbuild, sparseConfig, objects, label) {
    const log = path.join(ctx.outDir, 'logs', `sparse-${sparseConfig.name}-${label}.log`);
    const compile = await ctx.progress.alive(`compiling the ${label} tree (${sparseConfig.name})`, make(kbuild, [ANALYSIS_KCFLAGS, ...objects]));
    await writeFile(log, compile.stdout + compile.stderr);
    if (compile.code !== 0) {
        const error = compile.timedOut ? `timed out after ${kbuild.timeoutMs / 1000}s` : firstError(compile);
        const located = compile.timedOut
            ? []
            : (await locate(parseDiagnostics(compile.stdout + compile.stderr, ctx.tree.dir, kbuild.buildDir), ctx.tree.dir)).filter((d) => d.severity === 'error');
        const at = located[0];
        return {
            tool: 'gcc',
            severity: 'error',
            type: 'COMPILE_ERROR',
            config: sparseConfig.name,
            new: label === 'patched',
            message: `the ${label} tree does not compile (${sparseConfig.name}): ${at ? at.message : error}`,
            ...(at?.file ? { file: at.file, line: at.line, patch: onlyPatchTouching(ctx.series.patches, at.file) } : {}),
        };
    }
    const check = await ctx.progress.alive(`running sparse on the ${label} tree (${sparseConfig.name})`, make(kbuild, [ANALYSIS_KCFLAGS, 'C=2', ...objects]));
    await appendFile(log, check.stdout + check.stderr);
    if (check.code !== 0) {
        return {
            tool: 'sparse',
            severity: 'error',
            type: 'SPARSE_FAILED',
            config: sparseConfig.name,
            message: `sparse failed on the ${label} tree (${sparseConfig.name}): ${firstError(check)}`,
        };
    }
    return locate(parseDiagnostics(check.stdout + check.stderr, ctx.tree.dir, kbuild.buildDir), ctx.tree.dir);
}
/** Pure: the lines set on top of the arch's defconfig: our extras, the series' symbols, warnings left as warnings. */
function configLines(sparseConfig, additions, definesWerror) {
    return [
        ...Object.entries(sparseConfig.extra).map(([s, v]) => `CONFIG_${s}=${v}`),
        ...[...additions.asked.keys()].map((s) => `CONFIG_${s}=y`),
        // defconfig sets CONFIG_WERROR: one unused variable would hide every other finding
        ...(definesWerror ? ['# CONFIG_WERROR is not set'] : []),
    ];
}
/** The config for one sparse run: defconfig and the lines on top. */
async function configure(kbuild, sparseConfig, lines) {
    const defconfig = await make(kbuild, ['defconfig']);
    if (defconfig.code !== 0)
        return `make defconfig failed (${sparseConfig.name}): ${firstError(defconfig)}`;
    const configFile = path.join(kbuild.buildDir, '.config');
    await appendFile(configFile, lines.map((l) => `${l}\n`).join(''));
    const olddefconfig = await make(kbuild, ['olddefconfig']);
    if (olddefconfig.code !== 0)
        return `make olddefconfig failed (${sparseConfig.name}): ${firstError(olddefconfig)}`;
    return parseConfig(await readFile(configFile, 'utf8'));
}
/** Which touched files a config builds (their objects), and a NOT_CHECKED finding for each it does not. */
async function objectsIn(ctx, sparseConfig, files, config, additions) {
    const refused = judgeAdditions(additions, config).refused;
    const objects = [];
    const notChecked = [];
    for (const file of files) {
        const rule = await buildRuleFor(ctx.tree.dir, file);
        const off = rule.kind === 'symbols' ? rule.symbols.filter((s) => config.get(s) !== 'y' && config.get(s) !== 'm') : [];
        if (rule.kind === 'unknown')
            continue;
        if (off.length === 0) {
            objects.push(file.replace(/\.c$/, '.o'));
            continue;
        }
        const why = off
            .map((s) => `CONFIG_${s} stays off: ${refused.find((r) => r.symbol === s)?.reason ?? 'a dependency is off'}`)
            .join('; ');
        notChecked.push({
            tool: 'sparse',
            severity: 'info',
            type: 'NOT_CHECKED',
            file,
            config: sparseConfig.name,
            message: `${file} is not checked in ${sparseConfig.name}: ${why}`,
        });
    }
    return { objects, notChecked };
}
/**
 * One configuration: which touched files it builds, and sparse's output on base and patched for them. The base
 * side comes from the base cache when an earlier run checked the same base the same way.
 */
async function checkInConfig(ctx, applied, sparseConfig, files, needs, definesWerror, findings, cache, uses) {
    const kbuild = {
        srcDir: ctx.tree.dir,
        // in our checkout, one level down: kbuild names the sources by relative paths, so a kept O= dir means the same
        // in another out dir
        buildDir: path.join(ctx.tree.dir, `${BUILD_DIR_PREFIX}sparse-${sparseConfig.arch}`),
        arch: sparseConfig.arch,
        jobs: ctx.settings.jobs,
        timeoutMs: ctx.settings.stepTimeoutMs,
        // the same compiler cache as the build cells: a new out dir does not recompile prepare's host tools
        ccache: ccacheEnv({ dir: ctx.settings.ccacheDir, maxSize: ctx.settings.ccacheSize, baseDir: ctx.workDir }),
    };
    await mkdir(kbuild.buildDir, { recursive: true });
    const additions = await seriesAdditions(ctx.tree.git, ctx.tree.dir, needs, sparseConfig.arch, new Map(Object.entries(sparseConfig.extra)));
    const lines = configLines(sparseConfig, additions, definesWerror);
    const key = cache
        ? baseSparseKey({
            baseCommit: applied.baseCommit,
            config: sparseConfig.name,
            arch: sparseConfig.arch,
            configLines: lines,
            compiler: cache.compiler,
            sparse: cache.sparse,
            files,
        })
        : undefined;
    const restored = cache && key ? await restoreSparseBase(cache.store, key, kbuild.buildDir) : undefined;
    const use = restored?.use;
    if (use)
        uses.push({ config: sparseConfig.name, use });
    // on a hit as on a miss the base is checked out, so the series' files are rewritten after the O= dir's stamp
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.baseCommit]);
    let objects;
    let base;
    if (restored?.base) {
        ({ objects, diagnostics: base } = restored.base);
        findings.push(...restored.base.notChecked);
    }
    else {
        const config = await configure(kbuild, sparseConfig, lines);
        if (typeof config === 'string') {
            findings.push({
                tool: 'sparse',
                severity: 'error',
                type: 'SPARSE_FAILED',
                config: sparseConfig.name,
                message: config,
            });
            return undefined;
        }
        const found = await objectsIn(ctx, sparseConfig, files, config, additions);
        findings.push(...found.notChecked);
        objects = found.objects;
        if (objects.length === 0)
            return undefined;
        const checked = await checkRevision(ctx, kbuild, sparseConfig, objects, 'base');
        if (!Array.isArray(checked)) {
            findings.push(checked);
            return undefined;
        }
        base = checked;
        if (cache && key && use)
            use.saved = await saveSparseBase(cache.store, key, kbuild.buildDir, {
                objects,
                notChecked: found.notChecked,
                diagnostics: base,
            });
    }
    if (objects.length === 0)
        return undefined;
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.patchedCommit]);
    const after = await checkRevision(ctx, kbuild, sparseConfig, objects, 'patched');
    if (!Array.isArray(after)) {
        findings.push(after);
        return undefined;
    }
    return {
        base: { config: sparseConfig.name, diagnostics: base },
        patched: { config: sparseConfig.name, diagnostics: after },
        objects,
    };
}
async function runSparse(ctx, input) {
    const result = (status, summary, findings = []) => ({
        result: { name: 'sparse', status, durationMs: 0, summary, findings },
    });
    const files = touchedCFiles(ctx.series.patches);
    if (files.length === 0)
        return result('pass', 'no C files changed: nothing to check');
    const patched = input.apply.patchedCommit;
    const findings = [];
    await mkdir(path.join(ctx.outDir, 'logs'), { recursive: true });
    try {
        // what builds each touched file is read from the patched tree: a patch may add the Makefile line
        await ctx.tree.git.run(['checkout', '--quiet', '--detach', patched]);
        const checkable = [];
        for (const file of files) {
            if ((await buildRuleFor(ctx.tree.dir, file)).kind === 'unknown') {
                findings.push({
                    tool: 'sparse',
                    severity: 'info',
                    type: 'NOT_CHECKED',
                    file,
                    message: `${file} is not checked: no Makefile rule in its directory builds it`,
                });
            }
            else
                checkable.push(file);
        }
        const needs = await symbolsBuilding(ctx.tree.dir, checkable);
        const definesWerror = (await definedSymbols(ctx.tree.git, ['WERROR'])).has('WERROR');
        const cache = ctx.settings.baseCacheDir
            ? {
                store: { dir: path.join(ctx.settings.baseCacheDir, 'sparse'), tool: TOOL_VERSION },
                compiler: (await gccVersion()) ?? 'no gcc --version',
                sparse: await sparseVersion(),
            }
            : undefined;
        const uses = [];
        const runs = [];
        for (const sparseConfig of SPARSE_CONFIGS) {
            const r = await checkInConfig(ctx, input.apply, sparseConfig, checkable, needs, definesWerror, findings, cache, uses);
            if (r)
                runs.push(r);
        }
        const cacheNote = uses.length ? `; ${uses.map((u) => `${u.config}: ${baseCacheNote(u.use)}`).join('; ')}` : '';
        const compileError = findings.find((f) => f.type === 'COMPILE_ERROR' && f.new);
        const broken = findings.find((f) => f.type === 'SPARSE_FAILED' || (f.type === 'COMPILE_ERROR' && !f.new));
        if (runs.length === 0 && !compileError && !broken)
            return result(statusFromFindings(findings, ctx.settings.failOn), 'no changed C file could be built in any sparse config', findings);
        // one warning seen in both configs is one finding (the first config's)
        const seen = new Set();
        const once = (kind, d) => !seen.has(`${kind} ${d.key}`) && seen.add(`${kind} ${d.key}`);
        const counts = { introduced: 0, fixed: 0, existing: 0 };
        for (const r of runs) {
            const comparison = classifyAgainstBase(r.base.diagnostics, r.patched.diagnostics, (d) => d.key);
            comparison.introduced = comparison.introduced.filter((d) => once('new', d));
            comparison.fixed = comparison.fixed.filter((d) => once('fixed', d));
            comparison.existing = comparison.existing.filter((d) => once('old', d));
            for (const kind of ['introduced', 'fixed', 'existing'])
                counts[kind] += comparison[kind].length;
            const sparse = (d, config, isNew) => ({
                tool: 'sparse',
                severity: d.severity,
                type: 'SPARSE',
                message: d.message,
                file: d.file,
                line: d.line,
                ...(isNew ? { patch: onlyPatchTouching(ctx.series.patches, d.file) } : {}),
                config,
                new: isNew,
            });
            findings.push(...comparisonFindings(comparison, {
                introduced: (d) => sparse(d, r.patched.config, true),
                fixed: (d) => ({
                    ...sparse(d, r.base.config, false),
                    severity: 'info',
                    type: 'SPARSE_FIXED',
                    message: `fixed: ${d.message}`,
                }),
                existing: (d) => sparse(d, r.patched.config, false),
            }));
        }
        const checked = new Set(runs.flatMap((r) => r.objects));
        const perConfig = runs.map((r) => `${r.objects.length} in ${r.patched.config}`).join(', ');
        const tally = `${counts.introduced} new, ${counts.fixed} fixed, ${counts.existing} pre-existing`;
        if (compileError)
            return result('fail', `${compileError.message}${runs.length ? `; ${tally}` : ''}`, findings);
        if (broken)
            return result('error', broken.message, findings);
        const summary = `${checked.size} file${checked.size === 1 ? '' : 's'} checked (${perConfig}): ${tally}${cacheNote}`;
        return result(statusFromFindings(findings, ctx.settings.failOn), summary, findings);
    }
    finally {
        await ctx.tree.git.exec(['checkout', '--quiet', '--detach', patched]);
    }
}
const sparseStage = { name: 'sparse', needs: ['apply'], uses: [], run: runSparse };

// Where the build stage leaves each cell's kernels, and the record of them it hands to the boot stage.
function cellArtifacts(outDir, workDir, cell) {
    const dir = path.join(outDir, 'artifacts', cell);
    return {
        dir,
        bzImage: path.join(dir, 'bzImage'),
        vmlinux: path.join(dir, 'vmlinux'),
        baseBzImage: path.join(dir, 'base', 'bzImage'),
        baseVmlinux: path.join(dir, 'base', 'vmlinux'),
        baseGcno: path.join(dir, 'base', 'gcno'),
        buildDir: path.join(treeDirOf(workDir), `${BUILD_DIR_PREFIX}${cell}`),
    };
}

// Pure: which changed lines of a C file the preprocessor kept in a given configuration. A copy of the file gets a
// marker comment at the end of each changed code line; the preprocessor, run with the object's own flags and -CC
// (keep comments, in macro arguments too), drops the markers of lines in inactive #if branches.
/** Comments and the insides of string and character literals as spaces: same length, same newlines. */
function blankCommentsAndStrings(text) {
    return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, (m) => {
        if (m.startsWith('"') || m.startsWith("'"))
            return m[0] + m.slice(1, -1).replace(/[^\n]/g, ' ') + m.at(-1);
        return m.replace(/[^\n]/g, ' ');
    });
}
const marker = (line) => `/*kpci:${line}*/`;
/** Pure: `source` with a marker after the last code character of each of `lines` (1-based) that has code. */
function instrumentLines(source, lines) {
    const raw = source.split('\n');
    const code = blankCommentsAndStrings(source).split('\n');
    const wanted = new Set(lines);
    const marked = [];
    let inDirective = false;
    for (let i = 0; i < raw.length; i++) {
        const blank = code[i];
        const directive = inDirective || /^\s*#/.test(blank);
        inDirective = directive && /\\\s*$/.test(blank);
        if (directive || !wanted.has(i + 1) || blank.trim() === '')
            continue;
        let at = blank.trimEnd().length;
        if (blank.trimEnd().endsWith('\\'))
            at = blank.trimEnd().length - 1; // keep a line continuation last
        // after a division sign ("x = a /" continued below) a marker would open a // comment and be lost
        const space = blank[at - 1] === '/' ? ' ' : '';
        raw[i] = raw[i].slice(0, at) + space + marker(i + 1) + raw[i].slice(at);
        marked.push(i + 1);
    }
    return { text: raw.join('\n'), marked };
}
/** Pure: the lines whose markers survived preprocessing. */
function keptLines(preprocessed) {
    return new Set([...preprocessed.matchAll(/\/\*kpci:(\d+)\*\//g)].map((m) => Number(m[1])));
}
/** Pure: the conditional branch (#if, #ifdef, #ifndef, #elif, #else) a line is in, innermost first. */
function enclosingConditions(source, line) {
    const code = blankCommentsAndStrings(source).split('\n');
    const stack = [];
    for (let i = 0; i < Math.min(line - 1, code.length); i++) {
        const m = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(code[i]);
        if (!m)
            continue;
        const text = `#${m[1]}${m[2].replace(/\s+/g, ' ').trimEnd()}`;
        if (m[1].startsWith('if')) {
            const c = { text, line: i + 1 };
            stack.push({ opening: c, branch: c });
        }
        else if (m[1] === 'endif')
            stack.pop();
        else if (stack.length) {
            const top = stack.at(-1);
            top.branch = { text, line: i + 1, opening: top.opening };
        }
    }
    return stack.map((s) => s.branch).reverse();
}
/** Pure: the CONFIG_ symbols a directive tests. */
function symbolsIn(directive) {
    return [...new Set([...directive.matchAll(/\bCONFIG_(\w+)/g)].map((m) => m[1]))];
}
/**
 * Pure: kbuild's saved compile command for an object (the first command of its .cmd line: "ccache gcc … -c -o
 * x.o x.c ; objtool …") as argument words, the way the shell reads them.
 */
function shellWords(command) {
    const words = [];
    let word;
    for (let i = 0; i < command.length; i++) {
        const c = command[i];
        if (c === "'") {
            const end = command.indexOf("'", i + 1);
            word = (word ?? '') + command.slice(i + 1, end < 0 ? undefined : end);
            i = end < 0 ? command.length : end;
        }
        else if (c === '"') {
            let j = i + 1;
            let s = '';
            for (; j < command.length && command[j] !== '"'; j++)
                s += command[j] === '\\' && /["\\$`]/.test(command[j + 1] ?? '') ? command[++j] : command[j];
            word = (word ?? '') + s;
            i = j;
        }
        else if (c === '\\')
            word = (word ?? '') + (command[++i] ?? '');
        else if (/\s/.test(c)) {
            if (word !== undefined)
                words.push(word);
            word = undefined;
        }
        else if (c === ';' || c === '|' || c === '&')
            break; // the next command (objtool) is not ours
        else
            word = (word ?? '') + c;
    }
    if (word !== undefined)
        words.push(word);
    return words;
}
/**
 * Pure: a compile command turned into a preprocessing of `source` into `output`: -E -CC instead of -c, no
 * dependency file, no ccache in front.
 */
function preprocessCommand(compile, source, output) {
    const words = compile[0] === 'ccache' ? compile.slice(1) : [...compile];
    const out = [];
    for (let i = 0; i < words.length; i++) {
        const w = words[i];
        if (w === '-c' || w.startsWith('-Wp,-MMD') || w.startsWith('-Wp,-MD'))
            continue;
        if (w === '-o') {
            i++;
            continue;
        }
        out.push(w);
    }
    out[out.length - 1] = source; // kbuild puts the source last
    return [...out, '-E', '-CC', '-o', output];
}

// Proof of compile per changed line, in one cell: preprocess a marked copy of each changed file with the exact
// command kbuild compiled its object with (from the object's .cmd file), and see which markers survived.
/** Pure: the compile command a kbuild .cmd file saved for its object ("savedcmd_…" since 6.3, "cmd_…" before). */
function savedCompileCommand(cmdFile) {
    const m = /^(?:saved)?cmd_\S+\s*:=\s*(.*)$/m.exec(cmdFile);
    return m?.[1];
}
/**
 * For each changed file whose object this cell built: which of its changed code lines the preprocessor kept.
 * Runs after the patched build, with the tree at the patched commit.
 */
async function compiledLines(treeDir, buildDir, changed, builtObjects, timeoutMs) {
    const out = new Map();
    const scratch = path.join(buildDir, '.kpci-lines');
    await mkdir(scratch, { recursive: true });
    for (const [file, lines] of changed) {
        const source = await readFile(path.join(treeDir, file), 'utf8').catch(() => undefined);
        if (source === undefined)
            continue;
        const marked = instrumentLines(source, lines);
        const object = file.replace(/\.c$/, '.o');
        if (!builtObjects.includes(object)) {
            out.set(file, { built: false, marked: marked.marked, why: 'its object is not built in this config' });
            continue;
        }
        const cmdFile = path.join(buildDir, path.dirname(object), `.${path.basename(object)}.cmd`);
        const saved = savedCompileCommand(await readFile(cmdFile, 'utf8').catch(() => ''));
        if (!saved) {
            out.set(file, { built: false, marked: marked.marked, why: `no compile command saved for ${object}` });
            continue;
        }
        const copy = path.join(scratch, file.replace(/\//g, '__'));
        await writeFile(copy, marked.text);
        const compile = shellWords(saved);
        // the copy lives elsewhere: its "quoted" includes must still find the headers beside the original
        const args = preprocessCommand(compile, copy, `${copy}.i`);
        args.splice(args.length - 4, 0, '-iquote', path.join(treeDir, path.dirname(file)));
        if (!(await runSavedCompile(args, buildDir, timeoutMs))) {
            // a file the compiler cannot even preprocess was compiled and failed: its error is the build's finding
            out.set(file, { built: true, marked: marked.marked, kept: marked.marked });
            continue;
        }
        const kept = keptLines(await readFile(`${copy}.i`, 'utf8'));
        out.set(file, { built: true, marked: marked.marked, kept: marked.marked.filter((l) => kept.has(l)) });
    }
    return out;
}

// A cell's base build kept between runs: the O= dir as the base build and its W=1 left it, the base kernel, and the
// base's diagnostics. A v2 run of the same base restores them and makes only what the series changed.
async function baseBuildKeyOf(parts) {
    return baseBuildKey({
        baseCommit: parts.baseCommit,
        cell: parts.cell,
        arch: parts.arch,
        fragment: await readFile(parts.fragmentFile, 'utf8'),
        seriesFragment: await readFile(parts.seriesFragmentFile, 'utf8'),
        compiler: parts.compiler,
        touched: parts.touched,
    });
}
/** The cached base of key into buildDir and the base kernel's paths; a miss says why and touches nothing. */
async function restoreBaseBuild(store, key, buildDir, base) {
    const entry = await loadEntry(store, key);
    if (!entry.hit)
        return { use: { key, hit: false, why: entry.why } };
    await restoreFolder(entry.dir, 'O', buildDir);
    await mkdir(path.dirname(base.image), { recursive: true });
    await copyFile(path.join(entry.dir, 'image'), base.image);
    await copyFile(path.join(entry.dir, 'vmlinux'), base.vmlinux);
    if (base.gcnoDir && existsSync(path.join(entry.dir, 'gcno')))
        await restoreFolder(entry.dir, 'gcno', base.gcnoDir);
    return { use: { key, hit: true }, diagnostics: entry.meta.diagnostics };
}
/** Keep a base just built (before any patched make touches the O= dir); what saving said, in a few words. */
async function saveBaseBuild(store, key, buildDir, base, diagnostics) {
    const saved = await saveEntry(store, key, {
        copy: [
            { name: 'O', from: buildDir },
            { name: 'image', from: base.image },
            { name: 'vmlinux', from: base.vmlinux },
            ...(base.gcnoDir && existsSync(base.gcnoDir) ? [{ name: 'gcno', from: base.gcnoDir }] : []),
        ],
        meta: { diagnostics },
        // our own scratch files in the O= dir (ccache stats logs, the line proof's preprocessed output)
        skipPrefix: '.kpci-',
    });
    return saved.saved ? 'saved' : `not saved: ${saved.why}`;
}

// One build cell's I/O: configure, build the base, compile after each patch, build the patched tree, keep the
// kernels. What happened comes back as a plain record for build/judge.ts; nothing here decides a verdict.
/** The makes of a failing cell, last REPRODUCE_MAKES of them, after where its .config is kept. */
const REPRODUCE_MAKES = 6;
function reproduceBuild(cell, artifactsDir, commands) {
    const configure = commands.slice(0, 4);
    const makes = commands.slice(4).slice(-2 * REPRODUCE_MAKES);
    const header = `# ${cell.name} (ARCH=${cell.arch}), the .config as built: ${path.join(artifactsDir, 'config')}`;
    return [header, ...configure, ...makes];
}
/** make with its output appended to the cell's build log and its ccache calls counted in a phase's stats log. */
async function step(run, label, args, phase) {
    args = [...args, ...run.vars];
    await appendFile(run.log, `\n### ${label}: make ${args.join(' ')}\n`);
    const invocation = makeInvocation(run.options, args);
    run.commands.push(`# ${label}`, commandLine(invocation.argv, invocation.env));
    const statsLog = path.join(run.options.buildDir, `.kpci-ccache-${phase}.log`);
    const ccache = run.options.ccache && { ...run.options.ccache, CCACHE_STATSLOG: statsLog };
    const result = await run.input.progress.alive(`${label} (${run.input.cell.name})`, make({ ...run.options, ccache }, args));
    const killed = result.timedOut ? `\n### killed after ${run.options.timeoutMs / 1000}s\n` : '';
    await appendFile(run.log, result.stdout + result.stderr + killed);
    return result;
}
async function phaseHitRate(run, phase) {
    const text = await readFile(path.join(run.options.buildDir, `.kpci-ccache-${phase}.log`), 'utf8').catch(() => '');
    return hitRate(parseStatsLog(text));
}
async function clearStats(run, ...phases) {
    for (const phase of phases)
        await rm(path.join(run.options.buildDir, `.kpci-ccache-${phase}.log`), { force: true });
}
/** The image and vmlinux just built, where the boot stage looks for them (the base kernel in its own folder). */
async function keepKernel(run, kind) {
    const paths = cellArtifacts(run.input.outDir, run.input.workDir, run.input.cell.name);
    const [image, vmlinux] = kind === 'base' ? [paths.baseBzImage, paths.baseVmlinux] : [paths.bzImage, paths.vmlinux];
    await mkdir(path.dirname(image), { recursive: true });
    for (const f of [image, vmlinux])
        await rm(f, { force: true }); // a failed build must not leave an old kernel behind
    const built = path.join(run.options.buildDir, archOf(run.input.cell.arch).imagePath);
    if (!existsSync(built))
        return undefined;
    await copyFile(built, image);
    await copyFile(path.join(run.options.buildDir, 'vmlinux'), vmlinux).catch(() => undefined);
    return { image, vmlinux };
}
/** Each object's .gcno as the base build left it, under to/ at its O= path (none: nothing was profiled). */
async function keepBaseNotes(buildDir, objects, to) {
    await rm(to, { recursive: true, force: true });
    for (const o of objects) {
        const notes = path.join(buildDir, o.replace(/\.o$/, '.gcno'));
        if (!existsSync(notes))
            continue;
        await mkdir(path.dirname(path.join(to, o)), { recursive: true });
        await copyFile(notes, path.join(to, o.replace(/\.o$/, '.gcno')));
    }
}
function failure(result, run) {
    return result.timedOut ? `killed after the ${run.options.timeoutMs / 1000}s step timeout` : firstError(result);
}
/** gcc/sparse-style diagnostics plus linker errors, as located diagnostics of this revision. */
/**
 * Pure: a build log's compiler diagnostics (notes dropped) and linker errors. ld names a source by its basename only,
 * so an undefined reference is given to the series' own file of that name when there is one.
 */
function buildDiagnostics(log, treeDir, buildDir, touched) {
    const diags = parseDiagnostics(log, treeDir, buildDir).filter((d) => d.severity !== 'info');
    for (const link of parseLinkErrors(log)) {
        const file = touched.find((f) => link.source && path.basename(f) === link.source) ?? link.object.replace(/\.o$/, '.c');
        diags.push({ file, line: link.line ?? 0, severity: 'error', message: link.message, fromLinker: true });
    }
    return diags;
}
/** Pure: W=1 and the normal build report the same warning twice; keep one per fingerprint and line. */
function onePerLine(located) {
    const seen = new Set();
    return located.filter((d) => {
        const id = `${d.key}@${d.line}`;
        return seen.has(id) ? false : (seen.add(id), true);
    });
}
/** The makes' diagnostics as located diagnostics of the revision checked out now. */
async function diagnosticsOf(run, results) {
    const log = results.map((r) => r.stdout + r.stderr).join('\n');
    const touched = touchedCFiles(run.input.series.patches);
    const diags = buildDiagnostics(log, run.input.treeDir, run.options.buildDir, touched);
    return onePerLine(await locate(diags, run.input.treeDir));
}
/** Objects of touched files that this cell's .config builds (compiling an object Kconfig leaves off proves nothing). */
async function enabledObjects(treeDir, files, config) {
    const objects = [];
    for (const file of files) {
        const rule = await buildRuleFor(treeDir, file);
        const on = rule.kind === 'always' || (rule.kind === 'symbols' && rule.symbols.every((s) => config.get(s) === 'y'));
        if (on)
            objects.push(file.replace(/\.c$/, '.o'));
    }
    return objects;
}
async function runBuildCell(input) {
    const { cell, git, series } = input;
    const paths = cellArtifacts(input.outDir, input.workDir, cell.name);
    const run = {
        input,
        options: { ...input.kbuild, buildDir: paths.buildDir, arch: cell.arch },
        log: path.join(paths.dir, 'build.log'),
        vars: [],
        commands: [],
    };
    await mkdir(run.options.buildDir, { recursive: true });
    await mkdir(paths.dir, { recursive: true });
    // no stale kernel
    for (const f of [paths.bzImage, paths.vmlinux, paths.baseBzImage, paths.baseVmlinux])
        await rm(f, { force: true });
    await writeFile(run.log, `# kernel-patch-ci build log for ${cell.name} (ARCH=${cell.arch})\n`);
    const metrics = {
        configureMs: 0,
        baseBuildMs: 0,
        perPatchMs: 0,
        patchedBuildMs: 0,
        ccacheHitRate: {},
    };
    const kernels = { dir: paths.dir, buildDir: paths.buildDir };
    const record = {
        cell: cell.name,
        fragment: path.basename(cell.fragmentPath),
        dropped: [],
        additions: { added: [], refused: [] },
        objects: [],
        base: [],
        patched: [],
        bisect: [],
        patchedImage: { ok: false, timedOut: false },
        changedAt: 0,
        objectMtimes: {},
        lines: new Map(),
    };
    const done = () => ({ record, metrics, kernels, commands: run.commands });
    await git.run(['checkout', '--quiet', '--detach', series.baseCommit]);
    // 1. configure (the fragment, then what the series needs), and what Kconfig dropped of the fragment's symbols;
    // or the O= dir of a base an earlier run built from the same parts, restored as that run left it
    let t = Date.now();
    const seriesFragment = path.join(paths.dir, 'series.config');
    await writeSeriesFragment(seriesFragment, series.additions, series.definesWerror);
    const fragments = [cell.fragmentPath, seriesFragment];
    run.commands.push('# configure: tinyconfig, the fragments merged, olddefconfig', ...configureCommands(run.options, fragments));
    const cache = input.baseCache;
    const key = cache
        ? await baseBuildKeyOf({
            baseCommit: series.baseCommit,
            cell: cell.name,
            arch: cell.arch,
            fragmentFile: cell.fragmentPath,
            seriesFragmentFile: seriesFragment,
            compiler: cache.compiler,
            touched: touchedCFiles(series.patches),
        })
        : undefined;
    const basePaths = { image: paths.baseBzImage, vmlinux: paths.baseVmlinux, gcnoDir: paths.baseGcno };
    const restored = cache && key ? await restoreBaseBuild(cache.store, key, run.options.buildDir, basePaths) : undefined;
    if (restored)
        metrics.baseCache = restored.use;
    const configFailed = restored?.use.hit ? undefined : await configureFromFragment(run.options, fragments);
    metrics.configureMs = Date.now() - t;
    if (configFailed) {
        record.stopped = { phase: 'configure', failure: failure(configFailed, run) };
        return done();
    }
    const configText = await readFile(path.join(run.options.buildDir, '.config'), 'utf8');
    await writeFile(path.join(paths.dir, 'config'), configText);
    const config = parseConfig(configText);
    const dropped = droppedSymbols(cell.wanted, config);
    const defined = await definedSymbols(git, dropped.map((d) => d.symbol));
    record.dropped = dropped.map((d) => ({ ...d, defined: defined.has(d.symbol) }));
    record.additions = judgeAdditions(series.additions, config);
    // 2. the base: full image, then the touched objects again with W=1
    const objects = (record.objects = await enabledObjects(input.treeDir, touchedCFiles(series.patches), config));
    // gcov notes for the touched objects, so the boot stage can tell which changed lines ran; the same variables on
    // every make keep base and patched objects built alike (and ccache hits shared)
    if (config.get('GCOV_KERNEL') === 'y')
        run.vars = objects.map((o) => `GCOV_PROFILE_${path.basename(o)}=y`);
    // debug info for the touched objects only, so that the boot stage's decoded stack traces give their line numbers
    // (for the whole kernel it would cost minutes per build)
    for (const o of objects)
        if (!(await setsObjectCflags(input.treeDir, o)))
            run.vars.push(`CFLAGS_${path.basename(o)}=-g`);
    await clearStats(run, 'base', 'per-patch', 'patched');
    const image = archOf(cell.arch).imageTarget;
    if (restored?.use.hit) {
        record.base = restored.diagnostics ?? [];
        kernels.base = basePaths;
        run.commands.push(`# the base: restored from the base cache (key ${key}), as an earlier run built it`);
    }
    else {
        t = Date.now();
        const baseImage = await step(run, 'base build', [image], 'base');
        if (baseImage.code !== 0) {
            record.stopped = { phase: 'base', failure: failure(baseImage, run) };
            return done();
        }
        // the notes of the objects in the base image: W=1 compiles them again with another stamp
        await keepBaseNotes(run.options.buildDir, objects, paths.baseGcno);
        const baseW1 = objects.length ? await step(run, 'base W=1', ['W=1', ...objects], 'base') : undefined;
        record.base = await diagnosticsOf(run, [baseImage, ...(baseW1 ? [baseW1] : [])]);
        metrics.baseBuildMs = Date.now() - t;
        const baseKernel = await keepKernel(run, 'base');
        if (baseKernel)
            kernels.base = { ...baseKernel, gcnoDir: paths.baseGcno };
        metrics.ccacheHitRate.base = await phaseHitRate(run, 'base');
        // kept before any patched make changes the O= dir; a timed-out or failed step never gets here
        if (cache && key && baseKernel && metrics.baseCache)
            metrics.baseCache.saved = await saveBaseBuild(cache.store, key, run.options.buildDir, { ...baseKernel, gcnoDir: paths.baseGcno }, record.base);
    }
    // 3. bisectability: every intermediate tree compiles what the series touched so far
    t = Date.now();
    for (let i = 0; i < series.commits.length - 1; i++) {
        const touchedSoFar = await enabledObjects(input.treeDir, touchedCFiles(series.patches.slice(0, i + 1)), config);
        if (touchedSoFar.length === 0)
            continue;
        await git.run(['checkout', '--quiet', '--detach', series.commits[i]]);
        const partial = await step(run, `after patch ${i + 1}`, touchedSoFar, 'per-patch');
        if (partial.code !== 0)
            record.bisect.push({ patch: i + 1, failure: failure(partial, run) });
    }
    metrics.perPatchMs = Date.now() - t;
    // 4. the patched tree: touched objects with W=1, then the full image
    await git.run(['checkout', '--quiet', '--detach', series.commits.at(-1)]);
    record.changedAt = Date.now();
    t = Date.now();
    const patchedW1 = objects.length ? await step(run, 'patched W=1', ['W=1', ...objects], 'patched') : undefined;
    const patchedImage = await step(run, 'patched build', [image], 'patched');
    metrics.patchedBuildMs = Date.now() - t;
    metrics.ccacheHitRate.patched = await phaseHitRate(run, 'patched');
    record.ccacheHitRate = metrics.ccacheHitRate.patched;
    record.patched = await diagnosticsOf(run, [...(patchedW1 ? [patchedW1] : []), patchedImage]);
    record.patchedImage = {
        ok: patchedImage.code === 0,
        timedOut: patchedImage.timedOut,
        ...(patchedImage.code !== 0 ? { failure: failure(patchedImage, run) } : {}),
    };
    // 5. what the proof of compile needs: the objects' mtimes, and which changed lines they contain
    for (const obj of objects)
        record.objectMtimes[obj] = (await stat(path.join(run.options.buildDir, obj)).catch(() => undefined))?.mtimeMs;
    record.lines = await compiledLines(input.treeDir, run.options.buildDir, series.changedLines, objects, run.options.timeoutMs);
    // 6. the kernels for the boot stage and for decoding stack traces
    if (patchedImage.code === 0) {
        const patchedKernel = await keepKernel(run, 'patched');
        if (patchedKernel)
            kernels.patched = patchedKernel;
    }
    return done();
}

// Pure judge of the per-line proof of compile: which changed lines no cell compiled, and why, from what each cell's
// preprocessor kept (build/line-proof.ts) and the source around the lines.
/** Pure: changed code lines this cell compiled, out of all changed code lines of the series. */
function tally(files) {
    let compiled = 0;
    let total = 0;
    for (const f of files.values()) {
        total += f.marked.length;
        if (f.built)
            compiled += f.kept.length;
    }
    return { compiled, total };
}
/** Pure: changed code lines at least one cell compiled, out of all. */
function tallyAnywhere(cells) {
    const all = new Map();
    const kept = new Map();
    for (const c of cells) {
        for (const [file, f] of c.files) {
            all.set(file, new Set([...(all.get(file) ?? []), ...f.marked]));
            if (f.built)
                kept.set(file, new Set([...(kept.get(file) ?? []), ...f.kept]));
        }
    }
    let compiled = 0;
    let total = 0;
    for (const [file, lines] of all) {
        total += lines.size;
        compiled += [...lines].filter((l) => kept.get(file)?.has(l)).length;
    }
    return { compiled, total };
}
function describe$1(c, file) {
    return `\`${c.text}\` (${path.basename(file)}:${c.line})`;
}
/** What would compile a line under this branch: its symbols on (#if, #ifdef), or off (#ifndef, #else). */
function wouldCompile(branch) {
    const opening = branch.opening ?? branch;
    if (/^#if\s+0\s*$/.test(opening.text) && !branch.opening)
        return 'no configuration compiles it';
    const negative = (text) => text.startsWith('#ifndef') || /^#(el)?if\s+!/.test(text);
    // an #else compiles when its #if does not: off for #ifdef X, on for #ifndef X
    const negated = branch.text.startsWith('#else') ? !negative(opening.text) : negative(branch.text);
    const symbols = symbolsIn(branch.text.startsWith('#else') ? opening.text : branch.text);
    if (symbols.length === 0)
        return 'the condition is false in every config that builds the file';
    return `a config with ${symbols.map((s) => `CONFIG_${s}${negated ? ' off' : '=y'}`).join(' and ')} would compile it`;
}
/**
 * Pure: a finding per run of changed lines no cell compiled, naming the preprocessor branch that excluded them and
 * what would compile them; a file no cell built at all is one finding at its first changed line, with each cell's
 * reason. `sources` holds the patched text of each changed file.
 */
function linesNotCompiled(cells, sources) {
    const findings = [];
    const files = [...new Set(cells.flatMap((c) => [...c.files.keys()]))];
    for (const file of files) {
        const views = cells.map((c) => ({ cell: c.cell, lines: c.files.get(file) })).filter((v) => v.lines);
        const marked = views[0]?.lines?.marked ?? [];
        if (marked.length === 0)
            continue;
        const builders = views.filter((v) => v.lines.built);
        const unbuilt = views.filter((v) => !v.lines.built).map((v) => `${v.cell}: ${v.lines.why}`);
        if (builders.length === 0) {
            findings.push({
                tool: 'kbuild',
                severity: 'warning',
                type: 'NOT_COMPILED',
                file,
                line: marked[0],
                new: true,
                message: `changed file not built by any config, ${marked.length} changed line${marked.length === 1 ? '' : 's'} ` +
                    `never compiled (${unbuilt.join('; ')})`,
            });
            continue;
        }
        const kept = new Set(builders.flatMap((v) => v.lines.kept));
        const source = sources.get(file) ?? '';
        let run;
        const flush = () => {
            if (!run)
                return;
            const where = run.first === run.last ? `changed line ${run.first}` : `changed lines ${run.first}-${run.last}`;
            const elsewhere = unbuilt.length ? `; not built in ${unbuilt.join('; ')}` : '';
            findings.push({
                tool: 'kbuild',
                severity: 'warning',
                type: 'NOT_COMPILED_LINE',
                file,
                line: run.first,
                new: true,
                message: `${where} not compiled by any config: ${run.why}${elsewhere}`,
            });
            run = undefined;
        };
        for (const [i, line] of marked.entries()) {
            if (kept.has(line)) {
                flush();
                continue;
            }
            const [inner, outer] = enclosingConditions(source, line);
            const why = inner
                ? `inside ${describe$1(inner, file)}${outer ? ` within ${describe$1(outer, file)}` : ''}; ${wouldCompile(inner)}`
                : 'the preprocessor dropped it in every config that builds the file (a macro that discards its argument?)';
            if (run && run.why === why && marked[i - 1] === run.last)
                run.last = line;
            else {
                flush();
                run = { first: line, last: line, why };
            }
        }
        flush();
    }
    return findings;
}

/** Why this cell does not build a changed file: the Kconfig reason of its symbols, when we asked for them. */
function notBuiltBecause(file, outcome) {
    const refused = outcome.refused.filter((r) => r.files.includes(file));
    if (!refused.length)
        return 'its object is not built in this config';
    return refused.map((r) => `CONFIG_${r.symbol} stays off: ${r.reason}`).join('; ');
}
function configFindings(record) {
    const findings = record.dropped.map((d) => {
        const why = d.defined
            ? `is ${d.got === 'n' ? 'off' : d.got} after olddefconfig (a dependency is missing or it is selected otherwise)`
            : 'does not exist in this tree';
        // not the series' doing (new: false), but the cell does not test what it claims: a reviewer must see it
        const message = `CONFIG_${d.symbol}=${d.wanted} asked by ${record.fragment} ${why}`;
        return { tool: 'kbuild', severity: 'warning', type: 'CONFIG_DROPPED', new: false, message };
    });
    const { added, refused } = record.additions;
    if (added.length) {
        const message = `added for the series: ${added.map((s) => `CONFIG_${s}`).join(', ')}`;
        findings.push({ tool: 'kbuild', severity: 'info', type: 'CONFIG_FOR_SERIES', message });
    }
    for (const r of refused) {
        const message = `CONFIG_${r.symbol} (for ${r.files.join(', ')}) stays off: ${r.reason}`;
        findings.push({ tool: 'kbuild', severity: 'info', type: 'CONFIG_NOT_ENABLED', message });
    }
    return findings;
}
/**
 * Only what the series introduced is blamed. The patched build recompiles only what changed, so a base warning
 * missing from it is fixed only if its file is one the series changed (and so was recompiled); the others were
 * simply not printed again.
 */
function diagnosticFindings(record, patches) {
    const changedFiles = new Set(patches.flatMap((p) => p.files.map((f) => f.path)));
    const comparison = classifyAgainstBase(record.base, record.patched, (d) => d.key);
    comparison.fixed = comparison.fixed.filter((d) => changedFiles.has(d.file));
    const tool = (d) => (d.fromLinker ? 'kbuild' : 'gcc');
    const at = (d) => ({ file: d.file, ...(d.line ? { line: d.line } : {}) });
    const newType = (d) => d.fromLinker ? 'LINK_ERROR' : d.severity === 'error' ? 'COMPILE_ERROR' : 'COMPILER_WARNING';
    const findings = comparisonFindings(comparison, {
        introduced: (d) => ({
            tool: tool(d),
            severity: d.severity,
            type: newType(d),
            message: d.message,
            ...at(d),
            patch: onlyPatchTouching(patches, d.file),
            new: true,
        }),
        fixed: (d) => ({
            tool: tool(d),
            severity: 'info',
            type: 'WARNING_FIXED',
            message: `fixed: ${d.message}`,
            ...at(d),
            new: false,
        }),
        existing: (d) => ({
            tool: tool(d),
            severity: d.severity,
            type: 'COMPILER_WARNING',
            message: d.message,
            ...at(d),
            new: false,
        }),
    });
    const counts = {
        introduced: comparison.introduced.length,
        fixed: comparison.fixed.length,
        existing: comparison.existing.length,
    };
    const firstError = comparison.introduced.find((d) => d.severity === 'error');
    return { findings, counts, ...(firstError ? { firstError } : {}) };
}
/** The proof of compile: a touched object rebuilt after the change began (a second of slack for coarse mtimes). */
function rebuiltAfterChange(record) {
    return record.objects
        .filter((o) => (record.objectMtimes[o] ?? -Infinity) >= record.changedAt - 1000)
        .map((o) => o.replace(/\.o$/, '.c'));
}
function judgeBuildCell(record, patches, failOn) {
    const findings = configFindings(record);
    const lines = new Map(record.lines);
    const finish = (status, summary, compiled = []) => ({
        status,
        summary,
        findings: findings.map((f) => ({ ...f, config: record.cell })),
        compiled,
        lines,
    });
    if (record.stopped?.phase === 'configure')
        return finish('error', `configuration failed: ${record.stopped.failure}`);
    if (record.stopped)
        return finish('error', `the base tree does not build: ${record.stopped.failure}`);
    // bisectability: every intermediate tree must compile what the series touched so far
    for (const b of record.bisect) {
        const message = `the tree after patch ${b.patch} does not build on its own: ${b.failure}`;
        findings.push({ tool: 'gcc', severity: 'error', type: 'BISECT_BUILD', patch: b.patch, new: true, message });
    }
    const diagnostics = diagnosticFindings(record, patches);
    findings.push(...diagnostics.findings);
    const compiled = rebuiltAfterChange(record);
    for (const [file, l] of lines)
        if (!l.built)
            lines.set(file, { ...l, why: notBuiltBecause(file, record.additions) });
    const lineTally = tally(lines);
    const { added } = record.additions;
    const addedSummary = added.length ? `; added for the series: ${added.map((s) => `CONFIG_${s}`).join(', ')}` : '';
    if (!record.patchedImage.ok) {
        const first = diagnostics.firstError;
        const failure = record.patchedImage.failure ?? 'make failed';
        if (!first) {
            const message = `the patched tree does not build: ${failure}`;
            findings.push({ tool: 'kbuild', severity: 'error', type: 'BUILD_FAILED', new: true, message });
        }
        const where = first ? `${first.file}${first.line ? `:${first.line}` : ''}: ${first.message}` : failure;
        return finish(record.patchedImage.timedOut ? 'error' : 'fail', `build failed: ${where}${addedSummary}`, compiled);
    }
    const { introduced, fixed, existing } = diagnostics.counts;
    const rate = record.ccacheHitRate;
    const summary = `${introduced} new, ${fixed} fixed, ${existing} pre-existing warnings; ` +
        `${compiled.length}/${record.objects.length} changed objects rebuilt, ` +
        `${lineTally.compiled}/${lineTally.total} changed lines compiled${addedSummary}` +
        `${rate !== undefined ? `; ccache ${(rate * 100).toFixed(0)}% hits` : ''}`;
    return finish(statusFromFindings(findings, failOn), summary, compiled);
}

/** The reproduce lines are made only for a cell that failed or errored: nobody reruns a passing one. */
function judgedCell(config, judged, facts, reproduce) {
    const broke = judged.status === 'fail' || judged.status === 'error';
    return {
        config,
        status: judged.status,
        summary: judged.summary,
        ...facts,
        ...(broke ? { reproduce: reproduce() } : {}),
    };
}

// Which compiler builds a cell's arch: the host gcc where the arch table says it is native, a cross gcc otherwise.
async function toolchainFor(archName, hostArch = os.arch()) {
    const arch = archOf(archName);
    if (arch.nativeOn.includes(hostArch))
        return { ok: true };
    if (!arch.crossPrefix)
        return { ok: false, reason: `no known compiler for ARCH=${arch.name} on a ${hostArch} host` };
    const version = await gccVersion(arch.crossPrefix);
    if (!version) {
        return {
            ok: false,
            reason: `no compiler for ARCH=${arch.name}: ${arch.crossPrefix}gcc is not installed ` +
                `(Debian package: ${arch.crossPackage})`,
        };
    }
    return { ok: true, crossCompile: arch.crossPrefix };
}

// The functions a series changed, by name and by their changed lines in the final tree: what coverage and the
// kernel-log watchdog talk about.
/** Added lines of every .c file, carried to the final tree, grouped by the function around them. */
async function changedFunctions(treeDir, patches) {
    const byKey = new Map();
    const sources = new Map();
    for (const { patch, file, line } of addedLinesTraced(patches)) {
        if (!sources.has(file))
            sources.set(file, await readFile(path.join(treeDir, file), 'utf8').catch(() => undefined));
        const source = sources.get(file);
        if (source === undefined)
            continue;
        const name = enclosingFunction(source, line);
        if (!name)
            continue;
        const key = `${file}:${name}`;
        const fn = byKey.get(key) ?? { file, name, lines: [], patches: [] };
        if (!fn.lines.includes(line))
            fn.lines.push(line);
        if (!fn.patches.includes(patch))
            fn.patches.push(patch);
        byKey.set(key, fn);
    }
    return [...byKey.values()].map((f) => ({ ...f, lines: f.lines.sort((a, b) => a - b) }));
}
/** Pure: the lines of each .c file, in the final tree, that the series added (a later patch may move or drop them). */
function addedLinesInFinalTree(patches) {
    const lines = new Map();
    for (const { file, line } of addedLinesTraced(patches)) {
        const set = lines.get(file) ?? new Set();
        set.add(line);
        lines.set(file, set);
    }
    return new Map([...lines].map(([f, s]) => [f, [...s].sort((a, b) => a - b)]));
}
/** Every line a patch added to a .c file, where it is in the final tree; lines a later patch removed are left out. */
function* addedLinesTraced(patches) {
    for (const patch of patches) {
        for (const change of patch.files) {
            if (change.status === 'deleted')
                continue;
            for (const added of change.hunks.flatMap((h) => h.added)) {
                const where = traceToFinalTree(patches, patch.index, change.path, added);
                if (where && where.file.endsWith('.c'))
                    yield { patch: patch.index, ...where };
            }
        }
    }
}

/** The patched text of each changed .c file, for naming the #if around a line no cell compiled. */
async function patchedSources(ctx, files) {
    const sources = new Map();
    for (const f of files) {
        const text = await readFile(path.join(ctx.tree.dir, f), 'utf8').catch(() => undefined);
        if (text !== undefined)
            sources.set(f, text);
    }
    return sources;
}
/**
 * Our fragments ask for symbols of the kernels they were written for (6.1 to 6.12). On a tree that does not define
 * some of them (an older kernel), no build can test what the cells claim: say which, before any make runs.
 */
async function shippedFragmentsMisfit(ctx) {
    const misfits = [];
    for (const cell of ctx.settings.cells.filter((c) => c.shipped)) {
        const asked = [...cell.wanted].filter(([, v]) => v !== 'n').map(([k]) => k);
        const defined = await definedSymbols(ctx.tree.git, asked);
        const missing = asked.filter((k) => !defined.has(k)).sort();
        if (missing.length)
            misfits.push(`${path.basename(cell.fragmentPath)} asks for ${missing.map((k) => `CONFIG_${k}`).join(', ')}`);
    }
    if (misfits.length === 0)
        return undefined;
    const version = makefileVersion(await readFile(path.join(ctx.tree.dir, 'Makefile'), 'utf8').catch(() => ''));
    return (`no shipped config fits this tree (linux ${version ?? 'of unknown version'}): ${misfits.join('; ')}, ` +
        'which it does not define; give fragments of your own with --configs');
}
/** One cell: its makes (runner), then the verdict on what they printed (judge), as the stage's cell result. */
async function buildOneCell(ctx, cell, series) {
    const t0 = Date.now();
    const toolchain = await toolchainFor(cell.arch);
    if (!toolchain.ok) {
        return {
            result: { config: cell.name, status: 'error', durationMs: 0, summary: toolchain.reason },
            findings: [
                { tool: 'kbuild', severity: 'error', type: 'NO_COMPILER', config: cell.name, message: toolchain.reason },
            ],
            lines: new Map(),
        };
    }
    ctx.progress.info(`build: ${cell.name} (ARCH=${cell.arch})`);
    const { settings } = ctx;
    const kbuild = {
        srcDir: ctx.tree.dir,
        ...(toolchain.crossCompile ? { crossCompile: toolchain.crossCompile } : {}),
        jobs: settings.jobs,
        timeoutMs: settings.stepTimeoutMs,
        ccache: ccacheEnv({ dir: settings.ccacheDir, maxSize: settings.ccacheSize, baseDir: ctx.workDir }),
    };
    const baseCache = settings.baseCacheDir
        ? {
            store: { dir: path.join(settings.baseCacheDir, 'build'), tool: TOOL_VERSION },
            compiler: (await gccVersion(toolchain.crossCompile)) ?? 'no gcc --version',
        }
        : undefined;
    const run = await runBuildCell({
        cell,
        kbuild,
        git: ctx.tree.git,
        treeDir: ctx.tree.dir,
        outDir: ctx.outDir,
        workDir: ctx.workDir,
        series,
        progress: ctx.progress,
        ...(baseCache ? { baseCache } : {}),
    });
    const judged = judgeBuildCell(run.record, series.patches, settings.failOn);
    const facts = { durationMs: Date.now() - t0, metrics: run.metrics, artifacts: run.kernels.dir };
    const result = judgedCell(cell.name, judged, facts, () => reproduceBuild(cell, run.kernels.dir, run.commands));
    const use = run.metrics.baseCache;
    if (use)
        result.summary += `; ${baseCacheNote(use)}`;
    ctx.progress.info(`build: ${cell.name} ${result.status} in ${(result.durationMs / 1000).toFixed(1)}s — ${result.summary}`);
    return {
        result,
        findings: judged.findings,
        lines: judged.status === 'error' ? new Map() : judged.lines,
        kernels: run.kernels,
    };
}
async function buildEveryCell(ctx, input) {
    const settings = ctx.settings;
    const misfit = await shippedFragmentsMisfit(ctx);
    if (misfit) {
        const finding = {
            tool: 'kbuild',
            severity: 'error',
            type: 'CONFIG_DOES_NOT_FIT',
            new: false,
            message: misfit,
        };
        return { result: { name: 'build', status: 'error', durationMs: 0, summary: misfit, findings: [finding] } };
    }
    const applied = input.apply;
    // What the series needs is read from the patched tree (a patch may add the Makefile line), once for all cells.
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.patchedCommit]);
    const needs = await symbolsBuilding(ctx.tree.dir, touchedCFiles(ctx.series.patches));
    const definesWerror = (await definedSymbols(ctx.tree.git, ['WERROR'])).has('WERROR');
    const changedLines = addedLinesInFinalTree(ctx.series.patches);
    const sources = await patchedSources(ctx, changedLines.keys());
    const outcomes = [];
    for (const cell of settings.cells) {
        const additions = await seriesAdditions(ctx.tree.git, ctx.tree.dir, needs, cell.arch, cell.wanted);
        const series = {
            patches: ctx.series.patches,
            commits: applied.commits,
            baseCommit: applied.baseCommit,
            additions,
            definesWerror,
            changedLines,
        };
        outcomes.push(await buildOneCell(ctx, cell, series));
    }
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', applied.patchedCommit]);
    const judged = outcomes
        .filter((o) => o.result.status !== 'error')
        .map((o) => ({ cell: o.result.config, files: o.lines }));
    const proof = judged.length ? linesNotCompiled(judged, sources) : [];
    const anywhere = tallyAnywhere(judged);
    const findings = [...outcomes.flatMap((o) => o.findings), ...proof];
    const cells = outcomes.map((o) => o.result);
    const worstCell = worstStatus(cells.map((c) => c.status), 'pass');
    const status = worstStatus([statusFromFindings(proof, settings.failOn)], worstCell);
    const bad = cells.filter((c) => c.status === 'fail' || c.status === 'error');
    const built = cells.map((c) => c.config).join(', ');
    const summary = bad.length
        ? bad.map((c) => `${c.config}: ${c.summary}`).join('; ')
        : `${cells.length} config${cells.length === 1 ? '' : 's'} built: ${built}; ` +
            `${anywhere.compiled}/${anywhere.total} changed lines compiled in at least one`;
    const handoff = {
        cells: Object.fromEntries(outcomes.flatMap((o) => (o.kernels ? [[o.result.config, o.kernels]] : []))),
    };
    return { result: { name: 'build', status, durationMs: 0, summary, cells, findings }, handoff };
}
const buildStage = {
    name: 'build',
    needs: ['apply'],
    uses: [],
    run: buildEveryCell,
};

// apt-get against a private root per architecture: resolves and downloads Debian packages for the guest without
// installing anything or touching the host's apt state (no dpkg --add-architecture, no root needed).
const HOST_SOURCES = ['/etc/apt/sources.list', '/etc/apt/sources.list.d'];
/** The private root's -o options: its own lists, cache, empty status file and a single foreign architecture. */
function aptOptions(root) {
    const o = (k, v) => ['-o', `${k}=${v}`];
    return [
        ...o('Dir::Etc::sourcelist', path.join(root.dir, 'sources.list')),
        ...o('Dir::Etc::sourceparts', path.join(root.dir, 'sources.list.d')),
        ...o('Dir::State', path.join(root.dir, 'state')),
        ...o('Dir::State::status', path.join(root.dir, 'status')),
        ...o('Dir::Cache', path.join(root.dir, 'cache')),
        ...o('APT::Architecture', root.arch),
        ...o('APT::Architectures::', root.arch),
        ...o('Debug::NoLocking', '1'),
        ...o('Acquire::Languages', 'none'),
        ...o('APT::Sandbox::User', 'root'), // files stay owned by whoever runs us
    ];
}
/** A private root that reads the host's package sources (the mirrors this machine is allowed to reach). */
async function createAptRoot(dir, arch, sources = HOST_SOURCES) {
    await mkdir(path.join(dir, 'sources.list.d'), { recursive: true });
    await mkdir(path.join(dir, 'state', 'lists', 'partial'), { recursive: true });
    await mkdir(path.join(dir, 'cache', 'archives', 'partial'), { recursive: true });
    await writeFile(path.join(dir, 'status'), '');
    await writeFile(path.join(dir, 'sources.list'), '');
    for (const source of sources) {
        if (source.endsWith('.list') && existsSync(source))
            await copyFile(source, path.join(dir, 'sources.list.d', 'host.list'));
        else if (existsSync(source)) {
            for (const name of await readdir(source).catch(() => [])) {
                if (/\.(list|sources)$/.test(name))
                    await copyFile(path.join(source, name), path.join(dir, 'sources.list.d', name));
            }
        }
    }
    return { dir, arch };
}
/**
 * Pure: a host package source turned into its source-package twin (deb → deb-src), for `apt-get source`: the same
 * archive the guest's binaries come from. Lines that are not binary sources are dropped.
 */
function sourceTwin(text, format) {
    if (format === 'list')
        return text
            .split('\n')
            .filter((l) => /^\s*deb\s/.test(l))
            .map((l) => l.replace(/^\s*deb\s/, 'deb-src '))
            .join('\n');
    return text
        .split(/\n\s*\n/)
        .filter((stanza) => /^Types:(.*\s)?deb(\s|$)/m.test(stanza) && !/^Enabled:\s*no/im.test(stanza))
        .map((stanza) => stanza.replace(/^Types:.*$/m, 'Types: deb-src'))
        .join('\n\n');
}
/** A private root whose sources are the host's binary sources as deb-src: for `apt-get source` only. */
async function createSourceRoot(dir, sources = HOST_SOURCES) {
    const root = await createAptRoot(dir, 'amd64', []);
    const files = [];
    for (const source of sources) {
        if (source.endsWith('.list'))
            files.push(source);
        else
            for (const name of await readdir(source).catch(() => []))
                files.push(path.join(source, name));
    }
    for (const file of files.filter((f) => /\.(list|sources)$/.test(f) && existsSync(f))) {
        const twin = sourceTwin(await readFile(file, 'utf8'), file.endsWith('.list') ? 'list' : 'sources');
        if (twin.trim())
            await writeFile(path.join(dir, 'sources.list.d', `src-${path.basename(file)}`), `${twin}\n`);
    }
    return root;
}
/** Pure: the source version of a binary package's version (a binNMU's +bN is the binary's alone). */
function sourceVersion(binaryVersion) {
    return binaryVersion.replace(/\+b\d+$/, '');
}
/**
 * `apt-get source --download-only` of the source of binary package `p` at its version into `dir` (nothing is
 * built); the .dsc's path. Refreshes the source indexes once when apt does not know that version.
 */
async function downloadSource(root, p, dir) {
    await mkdir(dir, { recursive: true });
    const wanted = `${p.name}=${sourceVersion(p.version)}`;
    const fetch = () => aptGet(root, ['source', '--download-only', wanted], dir);
    let result = await fetch();
    if (result.code !== 0) {
        await updateIndexes(root).catch(() => undefined);
        result = await fetch();
    }
    const dsc = (await readdir(dir)).find((n) => n.endsWith('.dsc'));
    if (result.code !== 0 || !dsc)
        throw infraError(`cannot download the Debian source of ${wanted}: ${firstAptError(result)}`);
    return path.join(dir, dsc);
}
/** dpkg-source -x: the source tree with Debian's patches applied, into `dir` (which must not exist). */
async function unpackSource(dsc, dir) {
    const result = await execTool('dpkg-source', ['-x', dsc, dir], { timeoutMs: 300_000 });
    if (result.code !== 0)
        throw infraError(`cannot unpack ${path.basename(dsc)}: ` +
            `${result.stderr
                .trim()
                .split('\n')
                .find((l) => /error/.test(l)) ?? `exit status ${result.code}`}`);
}
function aptGet(root, args, cwd, timeoutMs = 300_000) {
    return execTool('apt-get', [...aptOptions(root), '-q', ...args], {
        cwd,
        timeoutMs,
        env: { ...process.env, LC_ALL: 'C' },
    });
}
const firstAptError = (r) => (r.stderr + r.stdout)
    .split('\n')
    .find((l) => /^E: /.test(l))
    ?.slice(3)
    .trim() ?? `exit status ${r.code}`;
/**
 * Refresh the package indexes. One index can fail while a mirror syncs ("File has unexpected size"); that is not
 * fatal when the others arrived: resolving the packages tells whether what we need is there.
 */
async function updateIndexes(root, attempts = 3) {
    let last;
    for (let i = 0; i < attempts; i++) {
        last = await aptGet(root, ['update']);
        if (last.code === 0)
            return {};
    }
    const lists = await readdir(path.join(root.dir, 'state', 'lists')).catch(() => []);
    if (lists.some((n) => n.includes('_Packages')))
        return { warning: `apt-get update (${root.arch}): ${firstAptError(last)}` };
    throw infraError(`cannot download the ${root.arch} package indexes: ${firstAptError(last)}`);
}
/** Pure: the packages and versions an `apt-get -s install` would unpack, from its "Inst" lines. */
function parseSimulatedInstall(output) {
    const packages = [];
    for (const line of output.split('\n')) {
        const m = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+)/.exec(line);
        if (m)
            packages.push({ name: m[1].replace(/:\w+$/, ''), version: m[2] });
    }
    return packages.sort((a, b) => a.name.localeCompare(b.name));
}
/** The named packages plus every dependency apt would install with them (no recommends), with versions. */
async function resolvePackages(root, names) {
    if (names.length === 0)
        return [];
    const result = await aptGet(root, ['-s', 'install', '--no-install-recommends', ...names]);
    if (result.code !== 0)
        throw infraError(`cannot resolve the ${root.arch} guest packages: ${firstAptError(result)}`);
    return parseSimulatedInstall(result.stdout);
}
/** The .deb file name apt-get download writes (an epoch's colon is escaped). */
function debFileName(p, arch, all = false) {
    return `${p.name}_${p.version.replace(/:/g, '%3a')}_${all ? 'all' : arch}.deb`;
}
/** Download exactly these versions into `dir`, skipping files already there. */
async function downloadPackages(root, packages, dir) {
    await mkdir(dir, { recursive: true });
    const have = new Set(await readdir(dir));
    const present = (p) => have.has(debFileName(p, root.arch)) || have.has(debFileName(p, root.arch, true));
    const missing = packages.filter((p) => !present(p));
    if (missing.length) {
        const result = await aptGet(root, ['download', ...missing.map((p) => `${p.name}=${p.version}`)], dir);
        if (result.code !== 0)
            throw infraError(`cannot download the ${root.arch} guest packages: ${firstAptError(result)}`);
    }
    const files = new Set(await readdir(dir));
    return packages.map((p) => {
        const name = [debFileName(p, root.arch), debFileName(p, root.arch, true)].find((n) => files.has(n));
        if (!name)
            throw infraError(`apt-get download did not produce ${debFileName(p, root.arch)}`);
        return path.join(dir, name);
    });
}
/** Unpack a .deb's files into `dir` (dpkg-deb -x: no maintainer scripts, nothing registered). */
async function unpackDeb(deb, dir) {
    const result = await execTool('dpkg-deb', ['-x', deb, dir], { timeoutMs: 120_000 });
    if (result.code !== 0)
        throw infraError(`cannot unpack ${path.basename(deb)}: ${result.stderr.trim().split('\n')[0] ?? `exit status ${result.code}`}`);
}

// cpio, the initramfs format: pack a directory as a newc archive owned by root.
async function walk(root, rel = '') {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    const out = [];
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        out.push(p);
        if (e.isDirectory())
            out.push(...(await walk(root, p)));
    }
    return out;
}
/** Every file under `dir` into the newc archive `outFile`, in name order so the archive is reproducible. */
async function packDirectory(dir, outFile) {
    const files = await walk(dir);
    const result = await execTool('cpio', ['-o', '-H', 'newc', '-R', '0:0', '--quiet', '-O', outFile], {
        cwd: dir,
        input: files.join('\n') + '\n',
        timeoutMs: 300_000,
    });
    if (result.code !== 0)
        throw infraError(`cpio could not pack ${dir}: ${result.stderr.trim().split('\n')[0] ?? `exit status ${result.code}`}`);
}

// The guest's initramfs: Debian packages of the guest's architecture, unpacked (cached by their versions), followed
// by a small second archive with our init, scenarios and lvm.conf (the kernel unpacks concatenated archives in order).
/** Pure: guest/packages.txt ("install: a b", "bare: c", "drop: path …", # comments). */
function parsePackageList(text, where = 'packages.txt') {
    const list = { install: [], bare: [], drop: [] };
    text.split('\n').forEach((raw, i) => {
        const line = raw.replace(/#.*$/, '').trim();
        if (!line)
            return;
        const m = /^(install|bare|drop):\s*(.*)$/.exec(line);
        if (!m)
            throw inputError(`${where}:${i + 1}: expected "install: …", "bare: …" or "drop: …", got ${JSON.stringify(raw.trim())}`);
        list[m[1]].push(...m[2].split(/\s+/).filter(Boolean));
    });
    if (list.install.length === 0)
        throw inputError(`${where} installs no packages`);
    return list;
}
/** Cache key: the architecture, every resolved package version and what we drop. */
function packagesKey(arch, packages, drop) {
    const h = createHash('sha256').update(`${arch}\n`);
    for (const p of packages)
        h.update(`${p.name}=${p.version}\n`);
    h.update(drop.join('\n'));
    return h.digest('hex').slice(0, 16);
}
async function expand(root, pattern) {
    let paths = [root];
    for (const part of pattern.split('/')) {
        const next = [];
        for (const dir of paths) {
            if (!part.includes('*')) {
                if (existsSync(path.join(dir, part)))
                    next.push(path.join(dir, part));
                continue;
            }
            const re = new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
            for (const name of await readdir(dir).catch(() => []))
                if (re.test(name))
                    next.push(path.join(dir, name));
        }
        paths = next;
    }
    return paths;
}
/** Resolve with the indexes we have; refresh them only when that fails, so a warm cache needs no network. */
async function resolveGuestPackages(aptDir, debArch, list) {
    const root = await createAptRoot(aptDir, debArch);
    // the bare packages are resolved too (for their versions), and everything they alone would pull is left out
    const resolve = async () => {
        const withDeps = await resolvePackages(root, list.install);
        const bare = (await resolvePackages(root, list.bare)).filter((p) => list.bare.includes(p.name));
        return [...withDeps, ...bare.filter((b) => !withDeps.some((p) => p.name === b.name))].sort((a, b) => a.name.localeCompare(b.name));
    };
    const lists = await readdir(path.join(aptDir, 'state', 'lists')).catch(() => []);
    if (lists.some((n) => n.includes('_Packages'))) {
        const packages = await resolve().catch(() => undefined);
        if (packages)
            return { packages };
    }
    const { warning } = await updateIndexes(root);
    return { packages: await resolve(), warning };
}
/** Download (into the arch's shared debs/ cache) and unpack these packages into `staging`, less the dropped paths. */
async function unpackPackages(archDir, debArch, packages, drop, staging) {
    const root = await createAptRoot(path.join(archDir, 'apt'), debArch);
    const debs = await downloadPackages(root, packages, path.join(archDir, 'debs'));
    for (const deb of debs)
        await unpackDeb(deb, staging);
    for (const pattern of drop)
        for (const p of await expand(staging, pattern))
            await rm(p, { recursive: true, force: true });
}
async function packageArchive(opts, list) {
    const debArch = guestOf(opts.arch)?.debianArch;
    if (!debArch)
        throw inputError(`no guest userspace for ARCH=${opts.arch}: the arch table has no guest for it`);
    const base = path.join(opts.cacheDir, 'guest', debArch);
    const { packages, warning } = await resolveGuestPackages(path.join(base, 'apt'), debArch, list);
    const file = path.join(base, `packages-${packagesKey(debArch, packages, list.drop)}.cpio`);
    if (existsSync(file))
        return { file, packages, cached: true, warning };
    const staging = await mkdtemp(path.join(base, 'staging-'));
    try {
        await unpackPackages(base, debArch, packages, list.drop, staging);
        const tmp = `${file}.tmp-${process.pid}`;
        await packDirectory(staging, tmp);
        await rename(tmp, file); // atomic: a concurrent run sees the whole archive or none
    }
    finally {
        await rm(staging, { recursive: true, force: true });
    }
    return { file, packages, cached: false, warning };
}
/** Our files: /init, /kpci/lib.sh, /kpci/run-tests.sh (the suites' runner), /kpci/scenarios/*.sh, /etc/lvm/lvm.conf. */
async function scriptsArchive(guestDir, outFile) {
    const staging = await mkdtemp(`${outFile}.d-`);
    try {
        await mkdir(path.join(staging, 'kpci', 'scenarios'), { recursive: true });
        await mkdir(path.join(staging, 'etc', 'lvm'), { recursive: true });
        await copyFile(path.join(guestDir, 'init'), path.join(staging, 'init'));
        await chmod(path.join(staging, 'init'), 0o755);
        await copyFile(path.join(guestDir, 'lib.sh'), path.join(staging, 'kpci', 'lib.sh'));
        const suiteRunner = path.join(guestDir, 'suites', 'run-tests.sh');
        if (existsSync(suiteRunner))
            await copyFile(suiteRunner, path.join(staging, 'kpci', 'run-tests.sh'));
        await copyFile(path.join(guestDir, 'lvm.conf'), path.join(staging, 'etc', 'lvm', 'lvm.conf'));
        for (const name of (await readdir(path.join(guestDir, 'scenarios'))).filter((n) => n.endsWith('.sh'))) {
            await copyFile(path.join(guestDir, 'scenarios', name), path.join(staging, 'kpci', 'scenarios', name));
        }
        await packDirectory(staging, outFile);
    }
    finally {
        await rm(staging, { recursive: true, force: true });
    }
}
async function buildInitramfs(opts) {
    const list = parsePackageList(await readFile(path.join(opts.guestDir, 'packages.txt'), 'utf8'), path.join(opts.guestDir, 'packages.txt'));
    const pkgs = await packageArchive(opts, list);
    await mkdir(path.dirname(opts.outFile), { recursive: true });
    const scripts = `${opts.outFile}.scripts`;
    await scriptsArchive(opts.guestDir, scripts);
    const out = createWriteStream(opts.outFile);
    await pipeline(createReadStream(pkgs.file), out, { end: false });
    await pipeline(createReadStream(scripts), out);
    await rm(scripts, { force: true });
    return {
        file: opts.outFile,
        packages: pkgs.packages,
        cached: pkgs.cached,
        ...(pkgs.warning ? { warning: pkgs.warning } : {}),
    };
}

// The guest's scenarios as the host sees them: name, and what each says it reaches in its header
// ("# kpci-reaches: FILE[:FUNCTION] …", "# kpci-smoke"), so that a run can choose the ones a series needs.
/** Pure: a scenario's header lines into what it reaches. */
function parseScenario(fileName, text) {
    const name = fileName.replace(/\.sh$/, '').replace(/^\d\d-/, '');
    const reaches = [];
    let smoke = false;
    for (const line of text.split('\n')) {
        if (!line.startsWith('#'))
            break; // the header is the leading comment block
        const m = /^#\s*kpci-reaches:\s*(.*)$/.exec(line);
        if (m)
            reaches.push(...m[1].split(/\s+/).filter(Boolean));
        if (/^#\s*kpci-smoke\s*$/.test(line))
            smoke = true;
    }
    return { name, reaches, smoke };
}
/** Every scenario of a guest folder, in the order the guest runs them. */
async function readScenarios(guestDir) {
    const dir = path.join(guestDir, 'scenarios');
    const files = (await readdir(dir)).filter((n) => n.endsWith('.sh')).sort();
    return Promise.all(files.map(async (f) => parseScenario(f, await readFile(path.join(dir, f), 'utf8'))));
}
/** guest/not-reached.tsv: "file<TAB>function<TAB>why no scenario reaches it", keyed "file:function". */
async function readNotReached(guestDir) {
    const text = await readFile(path.join(guestDir, 'not-reached.tsv'), 'utf8').catch(() => '');
    const reasons = new Map();
    for (const line of text.split('\n')) {
        const [file, fn, why] = line.split('\t');
        if (!line.startsWith('#') && file && fn && why)
            reasons.set(`${file}:${fn}`, why.trim());
    }
    return reasons;
}

/** Pure: "name: a(), b(), c(), d() and 2 more", each reason once. */
function reasonLine(name, reasons) {
    const list = [...new Set(reasons)];
    return `${name}: ${list.length > 4 ? `${list.slice(0, 4).join(', ')} and ${list.length - 4} more` : list.join(', ')}`;
}
function globToRegExp$1(glob) {
    return new RegExp(`^${glob
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`);
}
function matches(pattern, file, fn) {
    const [filePart, fnPart] = pattern.split(':');
    if (!globToRegExp$1(filePart).test(file))
        return false;
    return fnPart === undefined ? true : fn !== undefined && globToRegExp$1(fnPart).test(fn);
}
/**
 * A changed function goes to the scenarios that name it (FILE:FUNCTION), or else to those that reach its file; a
 * changed file with no changed function (a header, a Makefile, lines outside any function) to those that reach the
 * file. The smoke scenarios always run.
 */
function chooseScenarios(scenarios, files, functions) {
    const why = new Map();
    const add = (s, reason) => why.set(s.name, [...(why.get(s.name) ?? []), reason]);
    const unreached = [];
    for (const file of files) {
        const own = functions.filter((f) => f.file === file);
        const fileLevel = scenarios.filter((s) => s.reaches.some((p) => !p.includes(':') && matches(p, file)));
        if (own.length === 0) {
            fileLevel.forEach((s) => add(s, file));
            if (fileLevel.length === 0)
                unreached.push(file);
            continue;
        }
        for (const fn of own) {
            const specific = scenarios.filter((s) => s.reaches.some((p) => p.includes(':') && matches(p, file, fn.name)));
            (specific.length ? specific : fileLevel).forEach((s) => add(s, `${fn.name}()`));
            if (specific.length === 0 && fileLevel.length === 0 && !unreached.includes(file))
                unreached.push(file);
        }
    }
    for (const s of scenarios)
        if (s.smoke)
            add(s, 'smoke');
    const chosen = scenarios.filter((s) => why.has(s.name));
    const reasons = chosen.map((s) => reasonLine(s.name, why.get(s.name)));
    return { names: chosen.map((s) => s.name), reasons, unreached };
}

// The maintainers' own test suites the guest can run (guest/suites/<suite>/suite.conf): which Debian source holds
// them, what the guest needs to run them, and what each test reaches, so that a run picks the tests its series needs.
const KEY_RE = /^(source|keep|packages|test):\s*(.*)$/;
/** Pure: one suite.conf. */
function parseSuiteConf(suite, text, where = `${suite}/suite.conf`) {
    const info = { name: suite, binary: '', keep: [], packages: [], tests: [] };
    text.split('\n').forEach((raw, i) => {
        const line = raw.replace(/(^|\s)#.*$/, '').trim();
        if (!line)
            return;
        const m = KEY_RE.exec(line);
        const bad = (why) => inputError(`${where}:${i + 1}: ${why}`);
        if (!m)
            throw bad(`expected "source:", "keep:", "packages:" or "test:", got ${JSON.stringify(raw.trim())}`);
        const words = m[2].split(/\s+/).filter(Boolean);
        if (m[1] === 'source')
            info.binary = words[0] ?? '';
        else if (m[1] === 'keep')
            info.keep.push(...words);
        else if (m[1] === 'packages')
            info.packages.push(...words);
        else {
            const [name, ...options] = words;
            if (!name || !/^[\w.+-]+$/.test(name))
                throw bad(`a test needs a name of letters, digits and .+-_`);
            const test = { id: `${suite}:${name}`, suite, name, reaches: [], fullOnly: false };
            for (const option of options) {
                const [key, value = ''] = option.split(/=(.*)/s);
                if (key === 'reaches')
                    test.reaches.push(...value.split(',').filter(Boolean));
                else if (key === 'full' && !value)
                    test.fullOnly = true;
                else if (key === 'images' && /^[^:]+:.+$/.test(value)) {
                    const [tarball, members] = value.split(/:(.*)/s);
                    test.images = { tarball, members: members.split(',').filter(Boolean) };
                }
                else
                    throw bad(`unknown option ${JSON.stringify(option)} of test ${name}`);
            }
            info.tests.push(test);
        }
    });
    if (!info.binary)
        throw inputError(`${where}: no "source:" line (the binary package whose source has the tests)`);
    if (info.keep.length === 0)
        throw inputError(`${where}: no "keep:" line (what of the source the guest gets)`);
    return info;
}
/** Every suite of a guest folder (none when it has no suites/ folder). */
async function readSuites(guestDir) {
    const dir = path.join(guestDir, 'suites');
    const names = (await readdir(dir, { withFileTypes: true }).catch(() => []))
        .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'suite.conf')))
        .map((d) => d.name)
        .sort();
    return Promise.all(names.map(async (name) => parseSuiteConf(name, await readFile(path.join(dir, name, 'suite.conf'), 'utf8'), path.join(dir, name))));
}
/**
 * Pure: the suite tests the change reaches, by the scenarios' rules (a changed function goes to the tests naming
 * it, else to those reaching its file). `full` runs every test of each suite the change reaches, full-only ones too.
 */
function chooseSuiteTests(suites, mode, files, functions) {
    if (mode === 'none')
        return { tests: [], reasons: [] };
    const all = suites.flatMap((s) => s.tests);
    const candidates = mode === 'full' ? all : all.filter((t) => !t.fullOnly);
    const asScenarios = (tests) => tests.map((t) => ({ name: t.id, reaches: t.reaches, smoke: false }));
    const picked = chooseScenarios(asScenarios(candidates), files, functions);
    if (mode === 'default') {
        return { tests: candidates.filter((t) => picked.names.includes(t.id)), reasons: picked.reasons };
    }
    const reached = new Set(candidates.filter((t) => picked.names.includes(t.id)).map((t) => t.suite));
    const tests = all.filter((t) => reached.has(t.suite));
    const reasons = tests.map((t) => picked.reasons.find((r) => r.startsWith(`${t.id}: `)) ?? `${t.id}: --suites full (the ${t.suite} suite)`);
    return { tests, reasons };
}

// mke2fs -d: an ext4 file system image filled from a directory, made without root or a loop device.
/** Write `file` (sparse, `mib` MiB) as an ext4 image of `dir`'s contents; no journal: the guest's copy is scratch. */
async function makeExt4Image(file, dir, mib, label) {
    const handle = await open(file, 'w');
    try {
        await handle.truncate(mib * 1024 * 1024);
    }
    finally {
        await handle.close();
    }
    const args = ['-q', '-F', '-t', 'ext4', '-O', '^has_journal', '-L', label, '-d', dir, file];
    const result = await execTool('mke2fs', args, { timeoutMs: 300_000, env: { ...process.env, LC_ALL: 'C' } });
    if (result.code !== 0)
        throw infraError(`mke2fs could not make ${file}: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? result.code}`);
}

// The suites' disk: an ext4 image the guest mounts and chroots into to run the maintainers' test suites. It holds
// the guest's packages plus what the tests need (bash, coreutils, util-linux…), the tests of each suite from the
// Debian source of the guest's own binary (same version), and the image subsets the default selection uses. A disk
// rather than a bigger initramfs: the guest reads only the files the tests touch instead of unpacking all of them.
// Cached by everything it is made of, like the guest's package archive.
/** Room for what the tests write (mdadm's 14 loop files take 544 MiB in /var/tmp); the host file stays sparse. */
const FREE_MIB = 1536;
async function filesHash(dir, h = createHash('sha256')) {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory())
            await filesHash(file, h.update(`${entry.name}/\n`));
        else
            h.update(`${entry.name}\n`).update(await readFile(file));
    }
    return h;
}
/** The suite's source tree at the binary's version, unpacked once into the cache. */
async function sourceTree(cacheDir, binary, aptSources) {
    const base = path.join(cacheDir, 'guest', 'sources');
    const tree = path.join(base, `${binary.name}_${binary.version.replace(/:/g, '%3a')}`);
    if (existsSync(tree))
        return tree;
    await mkdir(base, { recursive: true });
    const work = await mkdtemp(path.join(base, 'download-'));
    try {
        const root = await createSourceRoot(path.join(base, 'apt'), aptSources);
        const dsc = await downloadSource(root, binary, path.join(work, 'files'));
        await unpackSource(dsc, path.join(work, 'tree'));
        await rename(path.join(work, 'tree'), tree).catch((e) => {
            if (!existsSync(tree))
                throw e; // a concurrent run unpacked the same source first
        });
    }
    finally {
        await rm(work, { recursive: true, force: true });
    }
    return tree;
}
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\n';
const GROUP = 'root:x:0:\ndisk:x:6:\n';
// the tests call `udevadm settle`; no udev runs in the guest, and libdevmapper makes the device nodes itself
const UDEVADM = '#!/bin/sh\nexit 0\n';
async function stageSuite(staging, suite, tree, guestDir) {
    const dir = path.join(staging, 'kpci-suite', suite.name);
    await mkdir(path.join(dir, 'src'), { recursive: true });
    for (const keep of suite.keep) {
        if (!existsSync(path.join(tree, keep)))
            throw inputError(`${suite.name}: the source has no ${keep} to keep`);
        await cp(path.join(tree, keep), path.join(dir, 'src', keep), { recursive: true, preserveTimestamps: true });
    }
    const own = path.join(guestDir, 'suites', suite.name);
    await copyFile(path.join(own, 'run-test'), path.join(dir, 'run-test'));
    // a test's trim for the default selection (NAME.sed)
    for (const sed of (await readdir(own)).filter((n) => n.endsWith('.sed')))
        await copyFile(path.join(own, sed), path.join(dir, sed));
    for (const test of suite.tests.filter((t) => t.images)) {
        const { tarball, members } = test.images;
        const source = path.join(tree, suite.keep[0], tarball);
        const cut = await mkdtemp(path.join(staging, '.cut-'));
        try {
            await extractMembers(source, cut, members);
            const out = path.join(dir, 'subsets', test.name);
            await mkdir(out, { recursive: true });
            await createTarXz(path.join(out, tarball), cut, await readdir(cut));
        }
        finally {
            await rm(cut, { recursive: true, force: true });
        }
    }
}
async function du(dir) {
    let bytes = 0;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        bytes += entry.isDirectory() ? 4096 + (await du(file)) : (await lstat(file)).size + 4096;
    }
    return bytes;
}
async function buildSuiteDisk(opts) {
    const debArch = guestOf(opts.arch)?.debianArch;
    if (!debArch)
        throw inputError(`no guest userspace for ARCH=${opts.arch}: the arch table has no guest for it`);
    const list = parsePackageList(await readFile(path.join(opts.guestDir, 'packages.txt'), 'utf8'), path.join(opts.guestDir, 'packages.txt'));
    const extra = opts.suites.flatMap((s) => [...s.packages, s.binary]);
    const archDir = path.join(opts.cacheDir, 'guest', debArch);
    const withSuites = { ...list, install: [...new Set([...list.install, ...extra])] };
    const { packages } = await resolveGuestPackages(path.join(archDir, 'apt'), debArch, withSuites);
    const binaries = opts.suites.map((s) => {
        const found = packages.find((p) => p.name === s.binary);
        if (!found)
            throw infraError(`${s.name}: apt did not resolve its package ${s.binary}`);
        return found;
    });
    const trees = [];
    // one after the other: they share the sources' apt root
    for (const b of binaries)
        trees.push(await sourceTree(opts.cacheDir, b, opts.aptSources));
    const sources = binaries.map((b, i) => ({ suite: opts.suites[i].name, binary: b.name, version: b.version }));
    const h = createHash('sha256').update(`${debArch}\n`);
    for (const p of packages)
        h.update(`${p.name}=${p.version}\n`);
    h.update(list.drop.join('\n'));
    await filesHash(path.join(opts.guestDir, 'suites'), h);
    h.update(await readFile(path.join(opts.guestDir, 'lvm.conf')));
    const file = path.join(archDir, `suites-${h.digest('hex').slice(0, 16)}.img`);
    if (existsSync(file))
        return { file, sources, cached: true };
    const staging = await mkdtemp(path.join(archDir, 'suites-staging-'));
    try {
        await unpackPackages(archDir, debArch, packages, list.drop, staging);
        for (const [i, suite] of opts.suites.entries())
            await stageSuite(staging, suite, trees[i], opts.guestDir);
        for (const d of ['proc', 'sys', 'dev', 'tmp', 'run', 'var/tmp', 'root', 'kpci-bb', 'etc/lvm', 'usr/local/sbin'])
            await mkdir(path.join(staging, d), { recursive: true });
        await writeFile(path.join(staging, 'etc', 'passwd'), PASSWD);
        await writeFile(path.join(staging, 'etc', 'group'), GROUP);
        await copyFile(path.join(opts.guestDir, 'lvm.conf'), path.join(staging, 'etc', 'lvm', 'lvm.conf'));
        await writeFile(path.join(staging, 'usr', 'local', 'sbin', 'udevadm'), UDEVADM, { mode: 0o755 });
        await copyFile(path.join(opts.guestDir, 'suites', 'run'), path.join(staging, 'kpci-suite', 'run'));
        await chmod(path.join(staging, 'kpci-suite', 'run'), 0o755);
        const mib = Math.ceil((await du(staging)) / 1024 / 1024) + FREE_MIB;
        const tmp = `${file}.tmp-${process.pid}`;
        await makeExt4Image(tmp, staging, mib, 'kpci-suites');
        await rename(tmp, file); // atomic: a concurrent run sees the whole image or none
    }
    finally {
        await rm(staging, { recursive: true, force: true });
    }
    return { file, sources, cached: false };
}

// The tree's own scripts/decode_stacktrace.sh: "func+0x1f/0x80" frames become "func (file.c:123)", found with
// addr2line in the vmlinux the kernel was built as. That needs its debug info: frames it cannot place stay as
// they were.
/** A frame the script decoded ends with its location, "(file.c:123)" or "(a.h:3 file.c:9)"; "(file.c:?)", all a
 *  vmlinux without debug info gives, would only lose the offset. */
const LOCATED = /\([^()\s]+:\d+( [^()\s]+:(\d+|\?))*\)\s*$/;
/**
 * The messages with their frames decoded, one output line per input line; undefined when the script or the
 * vmlinux is missing, the script fails or times out. A Code: line is left as it is: decoding it would
 * disassemble it into thirty lines.
 */
async function decodeStacktrace(req) {
    const script = path.join(req.treeDir, 'scripts', 'decode_stacktrace.sh');
    if (!existsSync(script) || !existsSync(req.vmlinux))
        return undefined;
    // the script reads with a plain `read`: it drops leading blanks and backslashes, so those are put back after
    const input = req.messages.map((m) => (/\bCode: /.test(m) ? '' : m.replace(/\\/g, '')));
    // the source root is given, not guessed: the script guesses from init/main.c, which may have no debug info
    const result = await execTool('bash', [script, req.vmlinux, path.resolve(req.treeDir)], {
        input: input.join('\n') + '\n',
        timeoutMs: req.timeoutMs ?? 60_000,
    }).catch(() => undefined);
    if (!result || result.code !== 0 || result.timedOut)
        return undefined;
    // addr2line tells apart code paths on one line with "(discriminator N)": no use to a reader, and it would nest
    const out = result.stdout
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => l.replace(/ \(discriminator \d+\)/g, ''));
    if (out.length !== input.length)
        return undefined;
    // only lines that gained a location are taken: the script rewrites some others ("[<addr>]" words) on its way
    return req.messages.map((m, i) => LOCATED.test(out[i]) && !LOCATED.test(m)
        ? `${/^\s*/.exec(m)[0]}${locationsInTree(out[i].trim(), req.treeDir)}`
        : m);
}
/** Locations as paths in the tree: an O= build records "<build dir>/../../linux/drivers/md/dm-crypt.c". */
function locationsInTree(decoded, treeDir) {
    const root = path.resolve(treeDir);
    return decoded.replace(LOCATED, (where) => where.replace(/([^\s()]+):(\d+|\?)/g, (_, file, line) => `${treeRelative(path.resolve(root, file), root)}:${line}`));
}

// QEMU, one function per question: the command line for a boot (pure), and a boot run under a hard timeout with
// a watchdog that can stop it early. Serial console on stdout; -no-reboot turns the guest's reboot into an exit.
/** The arch table's guest entry; an arch this tool builds but cannot boot is the caller's one-line error. */
function guest(arch) {
    const found = guestOf(arch);
    if (!found)
        throw new Error(`no QEMU machine for ARCH=${arch} in the arch table`);
    return found;
}
function qemuBinary(arch) {
    return guest(arch).qemuBinary;
}
/**
 * Pure: QEMU's arguments. -nodefaults drops the NIC (no iPXE ROM to load) and the VGA; panic=-1 reboots, i.e. exits.
 */
function qemuArgs(boot) {
    const { machine, console } = guest(boot.arch);
    return [
        '-nodefaults',
        '-no-reboot',
        '-display',
        'none',
        '-serial',
        'stdio',
        '-machine',
        machine,
        '-accel',
        boot.accel,
        ...(boot.accel === 'kvm' ? ['-cpu', 'host'] : []),
        // one CPU per socket: SeaBIOS's MP table lists only each socket's first core, and our kernels find their CPUs
        // there (no ACPI), so QEMU's default of cores in one socket leaves the guest with one CPU
        '-m',
        String(boot.memoryMiB),
        '-smp',
        `${boot.cpus},sockets=${boot.cpus},cores=1,threads=1`,
        '-kernel',
        boot.kernel,
        '-initrd',
        boot.initrd,
        '-append',
        [`console=${console}`, 'panic=-1', ...boot.append].join(' '),
        ...boot.disks.flatMap((file) => ['-drive', `file=${file},format=raw,if=virtio,cache=unsafe`]),
        ...(boot.snapshotDisks ?? []).flatMap((file) => [
            '-drive',
            `file=${file},format=raw,if=virtio,cache=unsafe,snapshot=on`,
        ]),
    ];
}
function runQemu(boot, options) {
    return execTool(qemuBinary(boot.arch), qemuArgs(boot), {
        timeoutMs: options.timeoutMs,
        onLine: options.onLine,
        signal: options.signal,
    });
}

// Does a guest really start under KVM? /dev/kvm can be there and QEMU still fail with the run's own command line
// (a nested host refusing an MSR that `-cpu host` sets, seen on this project's build machines). The probe boots a
// 58-byte multiboot image with that same command line: it prints "KVM" on the serial port and halts, in well
// under a second when KVM works.
const LOAD_ADDRESS = 0x100000;
const PROBE_TEXT = 'KVM';
/** A multiboot v1 image (the a.out kludge: a flat binary at 1 MiB) whose code writes PROBE_TEXT to COM1 and halts. */
function multibootProbeImage() {
    const magic = 0x1badb002;
    const flags = 0x00010000; // the address fields below are valid
    const header = Buffer.alloc(32);
    [magic, flags, -464433154 >>> 0, LOAD_ADDRESS, LOAD_ADDRESS, 0, 0, LOAD_ADDRESS + 32].forEach((v, i) => header.writeUInt32LE(v >>> 0, i * 4));
    const out = (ch) => [0xb0, ch, 0xee]; // mov al, ch; out dx, al
    const code = Buffer.from([
        0x66,
        0xba,
        0xf8,
        0x03,
        ...[...PROBE_TEXT, '\n'].flatMap((c) => out(c.charCodeAt(0))),
        0xfa,
        0xf4,
        0xeb,
        0xfd,
    ]); // mov dx, 0x3f8 … cli; hlt; jmp hlt
    return Buffer.concat([header, code]);
}
/** Boot the probe image with the run's QEMU command line under `accel`: did it print, and if not, what QEMU said. */
async function probeGuest(arch, accel, timeoutMs = 15_000) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-kvm-probe-'));
    try {
        const kernel = path.join(dir, 'probe.bin');
        const initrd = path.join(dir, 'module');
        await writeFile(kernel, multibootProbeImage());
        await writeFile(initrd, 'kernel-patch-ci probe\n');
        const abort = new AbortController();
        const started = Date.now();
        let seen = false;
        const r = await execTool(qemuBinary(arch), qemuArgs({
            arch,
            kernel,
            initrd,
            append: [],
            memoryMiB: 64,
            cpus: Math.min(2, os.availableParallelism()),
            disks: [],
            accel,
        }), {
            timeoutMs,
            signal: abort.signal,
            onLine: (line) => {
                if (line.trim() === PROBE_TEXT) {
                    seen = true;
                    abort.abort();
                }
            },
        }).catch((error) => ({ code: -1, stdout: '', stderr: error.message }));
        const said = `${r.stderr}\n${r.stdout}`
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .find((l) => /error|fail/i.test(l)) ?? `no output in ${timeoutMs / 1000}s`;
        return { started: seen, ms: Date.now() - started, said: said.slice(0, 160) };
    }
    finally {
        await rm(dir, { recursive: true, force: true });
    }
}
/** KVM when the probe guest prints under it with the run's QEMU command line; TCG otherwise, with the reason. */
async function probeKvm(arch, timeoutMs = 15_000) {
    try {
        await access('/dev/kvm', constants.R_OK | constants.W_OK);
    }
    catch {
        return { accel: 'tcg', why: 'no usable /dev/kvm' };
    }
    const p = await probeGuest(arch, 'kvm', timeoutMs);
    if (p.started)
        return { accel: 'kvm', why: `a probe guest ran under KVM in ${(p.ms / 1000).toFixed(1)}s` };
    return { accel: 'tcg', why: `/dev/kvm is there but a probe guest did not start under it (${p.said})` };
}

// Pure: read a guest's serial console — our KTAP lines and markers, and the kernel's own messages.
// Kernel lines carry a printk timestamp ("[    1.234567] …", CONFIG_PRINTK_TIME); our userspace lines do not.
const KERNEL_LINE = /^\[\s*\d+\.\d+\] ?(.*)$/;
/** The message of a kernel log line, or undefined for a userspace line. */
function kernelMessage(line) {
    const m = KERNEL_LINE.exec(line);
    return m ? m[1] : undefined;
}
// Serial consoles deliver \r\n and, after a guest crash, arbitrary bytes: keep lines printable.
function clean(line) {
    /* eslint-disable no-control-regex -- control characters are what this removes */
    return line
        .replace(/\r/g, '')
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
        .replace(/[\x00-\x08\x0b-\x1f\x7f\ufffd]/g, '');
    /* eslint-enable no-control-regex */
}
// A record printed while another CPU or userspace was half-way through a line lands in the middle of it. Each
// record gets its own line, and the interrupted userspace text is joined to its rest on the next userspace line.
const RECORD_START = /\[\s*\d+\.\d{6}\]/g;
/** A splitter fed raw console lines in order, giving back clean ones (none, while our line waits for its rest). */
function consoleLineSplitter() {
    let interrupted = '';
    return {
        push(raw) {
            const line = clean(raw);
            const starts = [...line.matchAll(RECORD_START)].map((m) => m.index);
            if (starts.length === 0) {
                const joined = interrupted + line;
                interrupted = '';
                return [joined];
            }
            if (starts[0] > 0)
                interrupted += line.slice(0, starts[0]);
            return starts.map((at, k) => line.slice(at, starts[k + 1]));
        },
        flush: () => (interrupted ? [interrupted] : []),
    };
}
function consoleLines(text) {
    const splitter = consoleLineSplitter();
    return [...text.split('\n').flatMap((raw) => splitter.push(raw)), ...splitter.flush()];
}
const lastWhere = (items, ok) => [...items].reverse().find(ok);
/** Our init's lines that mark a scenario's life, read here after the boot and by the host's live watchdog during it. */
const GUEST_MARKERS = {
    init: /^# kpci-guest /,
    begin: /^# kpci-begin (\d+) (\S+)$/,
    result: /^(not ok|ok) (\d+) (\S+)(?: # (.*))?$/,
};
function parseConsole(text) {
    const lines = consoleLines(text);
    const report = { lines, scenarios: [], ended: false };
    // the scenario whose result block is being printed ("# kpci-time name" up to its result line)
    let reporting;
    const owner = () => reporting ?? lastWhere(report.scenarios, (x) => x.status === 'missing');
    lines.forEach((line, i) => {
        const kernel = kernelMessage(line);
        if (kernel !== undefined) {
            const v = /^Linux version (\S+)/.exec(kernel);
            if (v && !report.kernelVersion)
                report.kernelVersion = v[1];
            return;
        }
        let m;
        if ((m = GUEST_MARKERS.init.exec(line)))
            report.initLine ??= i;
        else if ((m = /^# kpci-meminfo (MemTotal|HighTotal):\s*(\d+) kB/.exec(line))) {
            if (m[1] === 'MemTotal')
                report.memTotalKb = Number(m[2]);
            else
                report.highTotalKb = Number(m[2]);
        }
        else if ((m = /^1\.\.(\d+)$/.exec(line)))
            report.planned = Number(m[1]);
        else if ((m = /^# kpci-suites (\d+)$/.exec(line)))
            report.suitesPlanned = Number(m[1]);
        else if ((m = GUEST_MARKERS.begin.exec(line))) {
            // a suite test's rerun begins again under the same number
            if (report.scenarios.some((x) => x.n === Number(m[1]) && x.name === m[2] && x.status === 'missing'))
                return;
            report.scenarios.push({
                n: Number(m[1]),
                name: m[2],
                status: 'missing',
                hashes: {},
                notes: [],
                firstLine: i,
                endLine: -1,
            });
        }
        else if ((m = /^# kpci-time (\S+) /.exec(line))) {
            reporting = lastWhere(report.scenarios, (x) => x.name === m[1] && x.status === 'missing');
        }
        else if ((m = GUEST_MARKERS.result.exec(line))) {
            const s = report.scenarios.find((x) => x.n === Number(m[2]) && x.name === m[3]);
            if (!s)
                return;
            const directive = m[4] ?? '';
            s.status = /^SKIP\b/i.test(directive) ? 'skip' : m[1] === 'ok' ? 'pass' : 'fail';
            const reason = directive.replace(/^SKIP\s*/i, '').trim();
            if (reason)
                s.reason = reason;
            s.endLine = i + 1; // the guest cleans up before it prints the result: cleanup is inside
            if (reporting === s)
                reporting = undefined;
        }
        else if ((m = /^# kpci-attempts (\S+)((?: (?:pass|fail|skip))+)$/.exec(line))) {
            const s = owner();
            if (s && s.name === m[1])
                s.attempts = m[2].trim().split(' ');
        }
        else if ((m = /^# kpci-hash (\S+) ([0-9a-f]{64})$/.exec(line))) {
            const s = owner();
            if (s)
                s.hashes[m[1]] = m[2];
        }
        else if (/^# kpci-end$/.test(line)) {
            report.ended = true;
            report.endLine ??= i;
        }
        else if (line.startsWith('# ') && !line.startsWith('# kpci-')) {
            owner()?.notes.push(line.slice(2));
        }
    });
    for (const s of report.scenarios)
        if (s.endLine < 0)
            s.endLine = report.endLine ?? lines.length;
    return report;
}
/** The scenarios running at console line `line`: begun, and their result not yet printed. */
function runningAt(report, line) {
    return report.scenarios.filter((s) => line >= s.firstLine && line < s.endLine);
}
/**
 * The scenario a guest died in before its begin marker reached the console: the first one planned that never began,
 * when every one that began has a result and the guest never ended. Our init prints the marker and starts the
 * scenario at once; a guest that reboots or panics right away can lose the tty's unsent output, marker included.
 */
function silentScenario(report) {
    if (report.ended || report.initLine === undefined || report.planned === undefined)
        return undefined;
    if (report.scenarios.some((s) => s.status === 'missing'))
        return undefined;
    for (let n = 1; n <= report.planned; n++)
        if (!report.scenarios.some((s) => s.n === n))
            return n;
    return undefined;
}
/** The last `n` non-empty console lines: what to show when a guest hangs or dies. */
function tail(lines, n = 15) {
    return lines.filter((l) => l.trim() !== '').slice(-n);
}
/**
 * The KTAP document of a guest run, in test-number order (the two queues print their results as they finish):
 * each scenario's diagnostics, then its result. Empty when the guest never got as far as its plan.
 */
function ktapDocument(report) {
    if (report.planned === undefined)
        return '';
    const out = ['KTAP version 1', `1..${report.planned}`];
    if (report.suitesPlanned)
        out.push(`# kpci-suites ${report.suitesPlanned}`);
    for (const s of [...report.scenarios].sort((a, b) => a.n - b.n)) {
        out.push(`# kpci-begin ${s.n} ${s.name}`);
        for (const [label, hash] of Object.entries(s.hashes))
            out.push(`# kpci-hash ${label} ${hash}`);
        if (s.attempts)
            out.push(`# kpci-attempts ${s.name} ${s.attempts.join(' ')}`);
        for (const note of s.notes)
            out.push(`# ${note}`);
        const directive = s.status === 'skip'
            ? ` # SKIP${s.reason ? ` ${s.reason}` : ''}`
            : s.status === 'missing'
                ? ' # no result'
                : s.reason
                    ? ` # ${s.reason}`
                    : '';
        out.push(`${s.status === 'pass' || s.status === 'skip' ? 'ok' : 'not ok'} ${s.n} ${s.name}${directive}`);
    }
    return out.join('\n') + '\n';
}

// One boot of one kernel: fresh scratch disks, QEMU under a watchdog (time to reach init, time per scenario, total),
// the console parsed, the results disk unpacked, and every scratch file removed again.
/** The host's limit for one scenario or suite test: a suite test has its own, a little over the guest's. */
function limitFor(name, limits) {
    return name.includes(':') && limits.suites ? limits.suites.timeoutSeconds * 1000 + 30_000 : limits.scenarioTimeoutMs;
}
const SCRATCH_DISKS = 4;
const SCRATCH_MIB = 256;
const RESULTS_MIB = 64;
async function sparseFile(file, mib) {
    const handle = await open(file, 'w');
    try {
        await handle.truncate(mib * 1024 * 1024);
    }
    finally {
        await handle.close();
    }
}
/** What the host follows on the live console: whether our init started, and which scenarios run since when. */
class LiveConsole {
    startedAt;
    init = false;
    firstScenarioAt;
    /** Host milliseconds each suite's tests took, reruns included (by suite name). */
    suitesMs = {};
    // begun and not yet reported: the guest runs two queues side by side, so a result ends only its own scenario
    running = new Map();
    testStartedAt = new Map();
    constructor(startedAt) {
        this.startedAt = startedAt;
    }
    line(text, now) {
        if (GUEST_MARKERS.init.test(text))
            this.init = true;
        const begin = GUEST_MARKERS.begin.exec(text);
        const result = GUEST_MARKERS.result.exec(text);
        if (begin) {
            this.running.set(begin[2], now);
            this.firstScenarioAt ??= now - this.startedAt;
            if (begin[2].includes(':'))
                this.testStartedAt.set(begin[2], this.testStartedAt.get(begin[2]) ?? now);
        }
        else if (result) {
            this.running.delete(result[3]);
            const since = this.testStartedAt.get(result[3]);
            const suite = result[3].split(':')[0];
            if (since !== undefined)
                this.suitesMs[suite] = (this.suitesMs[suite] ?? 0) + (now - since);
        }
    }
    /** Why the guest must be stopped at `now`, if it must. */
    overdue(now, limits) {
        if (!this.init)
            return now - this.startedAt > limits.bootTimeoutMs
                ? `the kernel did not start our init within ${limits.bootTimeoutMs / 1000}s`
                : undefined;
        const late = [...this.running].find(([name, since]) => now - since > limitFor(name, limits));
        if (!late)
            return undefined;
        const what = late[0].includes(':') ? 'suite test' : 'scenario';
        return `${what} ${late[0]} did not finish within ${limitFor(late[0], limits) / 1000}s`;
    }
}
async function bootKernel(opts) {
    await rm(opts.dir, { recursive: true, force: true });
    await mkdir(opts.dir, { recursive: true });
    const disks = Array.from({ length: SCRATCH_DISKS }, (_, i) => path.join(opts.dir, `scratch${i}.img`));
    const resultsDisk = path.join(opts.dir, 'results.img');
    for (const d of disks)
        await sparseFile(d, SCRATCH_MIB);
    await sparseFile(resultsDisk, RESULTS_MIB);
    const started = Date.now();
    const live = new LiveConsole(started);
    const abort = new AbortController();
    let killed;
    const splitter = consoleLineSplitter();
    const onLine = (raw) => splitter.push(raw).forEach((line) => live.line(line, Date.now()));
    const timer = setInterval(() => {
        const why = live.overdue(Date.now(), opts);
        if (why && !killed) {
            killed = why;
            abort.abort();
        }
    }, 250);
    const append = [
        `kpci.out=/dev/vd${String.fromCharCode(97 + SCRATCH_DISKS)}`,
        ...(opts.only ? [`kpci.only=${opts.only.join(',') || '-'}`] : []),
        ...(opts.learn ? ['kpci.learn=1'] : []),
        ...(opts.suites && opts.suites.tests.length
            ? [
                `kpci.suites=${opts.suites.tests.join(',')}`,
                `kpci.suitedisk=/dev/vd${String.fromCharCode(98 + SCRATCH_DISKS)}`,
                `kpci.suitetimeout=${opts.suites.timeoutSeconds}`,
                `kpci.reruns=${opts.suites.reruns}`,
                `kpci.suitemode=${opts.suites.mode}`,
            ]
            : []),
        ...(opts.append ?? []),
    ];
    const qemu = {
        arch: opts.arch,
        kernel: opts.kernel,
        initrd: opts.initrd,
        append,
        memoryMiB: opts.memoryMiB,
        cpus: opts.cpus,
        disks: [...disks, resultsDisk],
        ...(opts.suites && opts.suites.tests.length ? { snapshotDisks: [opts.suites.disk] } : {}),
        accel: opts.accel,
    };
    const command = [
        ...disks.map((d) => `truncate -s ${SCRATCH_MIB}M ${shellQuote(d)}`),
        `truncate -s ${RESULTS_MIB}M ${shellQuote(resultsDisk)}`,
        commandLine([qemuBinary(opts.arch), ...qemuArgs(qemu)]),
    ];
    let result;
    try {
        result = await runQemu(qemu, { timeoutMs: opts.totalTimeoutMs, onLine, signal: abort.signal });
    }
    catch (error) {
        await rm(opts.dir, { recursive: true, force: true }); // QEMU could not start: leave no disks behind
        throw error;
    }
    finally {
        clearInterval(timer);
    }
    if (result.timedOut && !killed)
        killed = `the guest did not finish within ${opts.totalTimeoutMs / 1000}s`;
    const console = result.stdout + (result.stderr ? `\n${result.stderr}` : '');
    const report = parseConsole(console);
    let resultsDir;
    if (opts.collectResults && report.ended) {
        const dir = path.join(opts.dir, 'results');
        await mkdir(dir, { recursive: true });
        if ((await extractTar(resultsDisk, dir, { timeoutMs: 60_000 })).ok)
            resultsDir = dir;
    }
    for (const d of [...disks, resultsDisk])
        await rm(d, { force: true });
    return {
        console,
        report,
        command,
        ...(killed ? { killed } : {}),
        durationMs: Date.now() - started,
        ...(live.firstScenarioAt !== undefined ? { toFirstScenarioMs: live.firstScenarioAt } : {}),
        ...(resultsDir ? { resultsDir } : {}),
        ...(Object.keys(live.suitesMs).length ? { suitesMs: live.suitesMs } : {}),
    };
}
const probed = new Map();
/**
 * KVM only when a guest really starts under it: /dev/kvm can exist and still leave a guest stuck before its
 * first console line (seen on this project's build machines). The tiny probe guest must run, then the real kernel
 * must reach its init. KPCI_ACCEL=tcg|kvm overrides both.
 */
function chooseAccel(probe, env = process.env) {
    const forced = env.KPCI_ACCEL;
    if (forced === 'tcg' || forced === 'kvm')
        return Promise.resolve({ accel: forced, why: 'KPCI_ACCEL' });
    const key = probe.arch;
    let choice = probed.get(key);
    if (!choice) {
        choice = (async () => {
            // the sub-second probe first (doctor's): where QEMU cannot run any guest under KVM, no kernel boot is spent
            const quick = await probeKvm(probe.arch);
            if (quick.accel === 'tcg')
                return quick;
            const boot = await bootKernel({
                ...probe,
                accel: 'kvm',
                only: [],
                totalTimeoutMs: 20_000,
                bootTimeoutMs: 15_000,
                dir: path.join(probe.dir, 'kvm-probe'),
            });
            await rm(path.join(probe.dir, 'kvm-probe'), { recursive: true, force: true });
            if (boot.report.ended)
                return { accel: 'kvm', why: `a probe guest booted under KVM in ${(boot.durationMs / 1000).toFixed(1)}s` };
            await writeFile(path.join(probe.dir, 'kvm-probe.log'), boot.console).catch(() => undefined);
            const last = boot.console
                .split('\n')
                .map((l) => l.trim())
                .filter(Boolean)
                .at(-1)
                ?.slice(0, 160);
            return {
                accel: 'tcg',
                why: '/dev/kvm is there but a probe guest did not start under it ' +
                    `(${boot.killed ?? last ?? 'no console output'})`,
            };
        })();
        probed.set(key, choice);
        choice.catch(() => probed.delete(key)); // a failure (qemu missing) is reported, not remembered
    }
    return choice;
}

// Pure: find kernel splats in a console (WARN, BUG, Oops, lockdep, KASAN, sleeping in atomic context, preempt
// count complaints), cut each into an excerpt, name the functions in it and the scenario that was running.
const TRIGGERS = [
    /^WARNING: /,
    /^BUG: /,
    /\bOops\b/,
    /^Kernel panic/,
    /scheduling while atomic/,
    /sleeping function called from invalid context/,
    /possible (recursive|circular) locking/,
    /inconsistent lock state/,
    /DEBUG_LOCKS_WARN_ON/,
    /suspicious RCU usage/,
    /KASAN: /,
    /preempt[ _]count|preemption imbalance/,
    /^kernel BUG at /,
];
const END = /^---\[ end (trace|Kernel panic)/;
const FRAME = /(?:RIP: [0-9a-f]+:|EIP: |^\s+(?:\? )?)([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/;
const MAX_EXCERPT = 60;
function isTrigger(message) {
    return TRIGGERS.some((re) => re.test(message));
}
function scenarioAt(report, line) {
    const running = runningAt(report, line);
    if (running.length)
        return running.map((s) => s.name).join(' and ');
    if (report.initLine === undefined ||
        line < report.initLine ||
        report.scenarios.length === 0 ||
        line < report.scenarios[0].firstLine)
        return 'boot';
    if (report.endLine !== undefined && line > report.endLine)
        return 'shutdown';
    // between two scenarios: late messages of the one that just finished (its cleanup's deferred work)
    return report.scenarios.filter((s) => s.endLine <= line).sort((a, b) => b.endLine - a.endLine)[0]?.name ?? 'shutdown';
}
function findSplats(report) {
    const splats = [];
    const { lines } = report;
    for (let i = 0; i < lines.length; i++) {
        const message = kernelMessage(lines[i]);
        if (message === undefined || !isTrigger(message))
            continue;
        const excerpt = [message];
        let j = i + 1;
        for (; j < lines.length && excerpt.length < MAX_EXCERPT; j++) {
            const next = kernelMessage(lines[j]);
            if (next === undefined)
                continue; // our own lines interleave with the kernel's; they are not part of it
            excerpt.push(next);
            if (END.test(next))
                break;
        }
        const functions = [];
        for (const l of excerpt) {
            const m = FRAME.exec(l);
            if (m && !functions.includes(m[1]))
                functions.push(m[1]);
        }
        // "DEBUG_LOCKS_WARN_ON(…)" comes before the "WARNING: … at file:line func" that says where
        const headline = excerpt.slice(0, 4).find((l) => /^(WARNING|BUG|kernel BUG|Oops|Kernel panic)\b/.test(l)) ?? message;
        splats.push({
            line: i,
            title: headline.trim().replace(/(\.\.\/)+linux\//g, ''),
            excerpt,
            functions,
            scenario: scenarioAt(report, i),
        });
        i = j; // lines inside one report (a lockdep report prints several headers) do not start another
    }
    return splats;
}
/**
 * What stays the same when the same splat happens on another boot: addresses, pids, counts and CPUs removed. Not
 * the scenario: with two queues side by side, which scenarios overlap the splat varies from boot to boot.
 */
function splatKey(splat) {
    const title = splat.title
        .replace(/0x[0-9a-f]+/gi, 'N')
        .replace(/\b\d+\b/g, 'N')
        .replace(/\/N(\/N)*/g, '/N')
        .replace(/\s+/g, ' ');
    return `${title}|${splat.functions.slice(0, 3).join(',')}`;
}
/**
 * Pure: the changed function a splat is about: one in its call trace, or else one called from a function in its
 * trace (whose body, in a changed file's source, calls it).
 */
function blameChanged(splat, changed, sources) {
    for (const name of splat.functions) {
        const fn = changed.find((c) => c.name === name);
        if (fn)
            return { fn };
    }
    for (const name of splat.functions) {
        for (const [file, source] of sources) {
            const body = functionBodies(source).find((b) => b.name === name);
            if (!body)
                continue;
            const text = source
                .split('\n')
                .slice(body.start - 1, body.end)
                .join('\n');
            const fn = changed.find((c) => c.file === file && c.name !== name && new RegExp(`\\b${c.name}\\s*\\(`).test(text));
            if (fn)
                return { fn, via: name };
        }
    }
    return undefined;
}

// gcov: the JSON intermediate format of one source file's counters, read from its object directory.
/** gcov's JSON document for `<objDir>/<base>.gcda` against its .gcno; undefined when gcov cannot read them. */
async function gcovJson(objDir, base) {
    const result = await execTool('gcov', ['--json-format', '--stdout', '--object-directory', objDir, `${base}.c`], {
        cwd: objDir,
        timeoutMs: 60_000,
    });
    if (result.code !== 0)
        return undefined;
    const json = result.stdout.split('\n').find((l) => l.startsWith('{'));
    return json ? JSON.parse(json) : undefined;
}

// Which changed functions and lines ran in the guest: gcov counters pulled out of the guest (debugfs), matched
// with the notes files the build left next to each object, read with the host's gcov in JSON.
/** Where the guest's tar puts a file's counters: the build dir's absolute path under gcov/ (gcov-suites/ for the
 *  suites' run). */
function gcdaPath(resultsDir, buildDir, file, run = 'gcov') {
    return path.join(resultsDir, run, buildDir.replace(/^\/+/, ''), file.replace(/\.c$/, '.gcda'));
}
/** Pure: the scenarios' coverage with the suites' counts beside it. */
function withSuitesCoverage(scenarios, suites) {
    return scenarios.map((c) => {
        const s = suites.find((x) => x.file === c.file && x.name === c.name);
        return s?.calls === undefined ? c : { ...c, suites: { calls: s.calls, linesRun: s.linesRun } };
    });
}
/** gcov's JSON for one object: the guest's .gcda is put next to the build's .gcno for the run, then removed. */
async function readCounters(buildDir, gcda, file) {
    const objDir = path.join(buildDir, path.dirname(file));
    const base = path.basename(file, '.c');
    if (!existsSync(gcda) || !existsSync(path.join(objDir, `${base}.gcno`)))
        return undefined;
    const target = path.join(objDir, `${base}.gcda`);
    await copyFile(gcda, target);
    try {
        return (await gcovJson(objDir, base));
    }
    finally {
        await rm(target, { force: true });
    }
}
/** Pure: per changed function, whether it ran and how many of its changed lines did. */
function coverageOfChanges(report, changed) {
    return changed.map((fn) => {
        const file = report?.files.find((f) => f.file === fn.file || f.file.endsWith(`/${fn.file}`));
        if (!file)
            return { file: fn.file, name: fn.name, linesWithCode: 0, linesRun: 0, patches: fn.patches };
        const g = file.functions.find((f) => (f.demangled_name ?? f.name) === fn.name || f.name === fn.name);
        const counted = file.lines.filter((l) => fn.lines.includes(l.line_number));
        return {
            file: fn.file,
            name: fn.name,
            calls: g?.execution_count ?? 0,
            linesWithCode: counted.length,
            linesRun: counted.filter((l) => l.count > 0).length,
            patches: fn.patches,
        };
    });
}
/** Markdown table for the artifact and the report. */
function coverageMarkdown(cell, rows) {
    const out = [
        `# Coverage of the changed functions (${cell}, patched kernel: the scenarios, and apart the suites)`,
        '',
        '| file | function | patch | calls | changed lines run | suites: calls, lines | verdict |',
        '|---|---|---|---|---|---|---|',
    ];
    for (const r of rows) {
        const bySuites = (r.suites?.calls ?? 0) > 0;
        const verdict = r.calls === undefined
            ? 'no counters'
            : r.calls > 0
                ? 'executed'
                : bySuites
                    ? 'executed by the suites only'
                    : `not reached by any scenario${r.notReachedBecause ? `: ${r.notReachedBecause}` : ''}`;
        const suites = r.suites ? `${r.suites.calls}, ${r.suites.linesRun}/${r.linesWithCode}` : '–';
        out.push(`| ${r.file} | ${r.name} | ${r.patches.join(', ')} | ${r.calls ?? '–'} | ` +
            `${r.linesRun}/${r.linesWithCode} | ${suites} | ${verdict} |`);
    }
    return out.join('\n') + '\n';
}

// A base kernel's boot kept between runs: its console, KTAP, ciphertext hashes and suite outcomes, keyed by that
// kernel image, the guest and what the guest was asked to run. A v2 run of the same base boots only the patched kernel.
const packageLines = (packages) => packages.map((p) => `${p.name}=${p.version}\n`).join('');
async function baseBootKeyOf(ask) {
    const parts = {
        kernel: await sha256File(ask.image),
        initramfs: (await filesHash(ask.guestDir, createHash('sha256').update(packageLines(ask.packages)))).digest('hex'),
        // the disk's cached name carries its key (every package version and suite file)
        ...(ask.suites ? { suitesDisk: path.basename(ask.suites.disk) } : {}),
        accel: ask.accel,
        memoryMiB: ask.memoryMiB,
        cpus: ask.cpus,
        ...(ask.scenarios ? { scenarios: ask.scenarios } : {}),
        learn: ask.learn,
        suiteTests: ask.suites?.tests ?? [],
        suiteMode: ask.suites ? ask.suiteMode : 'none',
        suiteReruns: ask.suites?.reruns ?? 0,
        suiteTimeoutMs: ask.suiteTimeoutMs,
        bootTimeoutMs: ask.bootTimeoutMs,
        scenarioTimeoutMs: ask.scenarioTimeoutMs,
    };
    return baseBootKey(parts);
}
async function cachedBaseBoot(store, key) {
    const entry = await loadEntry(store, key);
    if (!entry.hit)
        return { use: { key, hit: false, why: entry.why } };
    return {
        use: { key, hit: true },
        boot: entry.meta.boot,
        ...(entry.meta.learned ? { learned: entry.meta.learned } : {}),
    };
}
/**
 * Keep a base boot that ran to its end. One the watchdog stopped is not kept: a hang can be the machine's (two
 * guests on two cores once stalled a base kernel in early boot), and a cached one would be blamed on every v2.
 */
async function saveBaseBoot(store, key, boot, learned) {
    if (boot.killed || !boot.report.ended)
        return 'not saved: the base boot did not run to its end';
    const kept = { ...boot };
    delete kept.resultsDir; // the base's results disk is not collected
    const saved = await saveEntry(store, key, {
        copy: [],
        meta: { boot: kept, ...(learned ? { learned } : {}) },
    });
    return saved.saved ? 'saved' : `not saved: ${saved.why}`;
}

// The scenario map: which scenario ran which function of the touched files, learned from a base boot that kept each
// scenario's gcov counters apart (kpci.learn=1), and the patched boot's scenarios narrowed by it.
/** The touched files that have base notes under gcnoDir (its layout is the O= dir's), as source paths. */
async function listGcno(gcnoDir, rel = '') {
    if (!existsSync(path.join(gcnoDir, rel)))
        return [];
    const out = [];
    for (const e of await readdir(path.join(gcnoDir, rel), { withFileTypes: true })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory())
            out.push(...(await listGcno(gcnoDir, p)));
        else if (e.name.endsWith('.gcno'))
            out.push(p.replace(/\.gcno$/, '.c'));
    }
    return out.sort();
}
/** The one .gcda for `file` under dir, wherever the guest put it (its path starts with the build's O= dir). */
async function findGcda(dir, file) {
    const suffix = `/${file.replace(/\.c$/, '.gcda')}`;
    const walk = async (d) => {
        for (const e of await readdir(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) {
                const found = await walk(p);
                if (found)
                    return found;
            }
            else if (p.endsWith(suffix))
                return p;
        }
        return undefined;
    };
    return existsSync(dir) ? walk(dir) : undefined;
}
/**
 * The map from a learning boot's results (gcov-by/SCENARIO/…) read against the base build's notes (gcnoDir, laid
 * out as the O= dir): every function of each touched file that has notes, with the scenarios that entered it.
 */
async function learnReach(resultsDir, gcnoDir, files, scenarios) {
    const reach = {};
    const byScenario = path.join(resultsDir, 'gcov-by');
    for (const scenario of scenarios) {
        for (const file of files) {
            if (!existsSync(path.join(gcnoDir, file.replace(/\.c$/, '.gcno'))))
                continue;
            const gcda = await findGcda(path.join(byScenario, scenario), file);
            // no counters dumped for a profiled file: the notes alone list its functions, none entered
            const report = gcda
                ? await readCounters(gcnoDir, gcda, file)
                : (await gcovJson(path.join(gcnoDir, path.dirname(file)), path.basename(file, '.c')));
            for (const g of report?.files.find((f) => f.file === file || f.file.endsWith(`/${file}`))?.functions ?? []) {
                const key = `${file}:${g.demangled_name ?? g.name}`;
                reach[key] ??= [];
                if (g.execution_count > 0)
                    reach[key].push(scenario);
            }
        }
    }
    return { scenarios: [...scenarios], reach };
}
/**
 * Pure: the candidates (the change's static choice, which the base learned over) cut to the smoke ones and those the
 * map says enter a changed function. A changed function the map does not know (new, or its file not profiled) or
 * that no scenario entered without a known reason (guest/not-reached.tsv) keeps every candidate: nothing is
 * skipped blindly.
 */
function narrowByReach(candidates, learned, changed, notReached) {
    const everything = (widened) => ({
        names: candidates.map((c) => c.name),
        reasons: [],
        widened,
    });
    const missing = candidates.filter((c) => !learned.scenarios.includes(c.name));
    if (missing.length)
        return everything(`the map was not learned over ${missing.map((c) => c.name).join(', ')}`);
    const why = new Map();
    for (const fn of changed) {
        const key = `${fn.file}:${fn.name}`;
        const ran = learned.reach[key];
        if (ran === undefined)
            return everything(`${fn.name}() (${fn.file}) is not in the map`);
        if (ran.length === 0 && !notReached.has(key))
            return everything(`no scenario entered ${fn.name}() on the base kernel`);
        for (const s of ran)
            why.set(s, [...(why.get(s) ?? []), `${fn.name}()`]);
    }
    for (const c of candidates)
        if (c.smoke)
            why.set(c.name, [...(why.get(c.name) ?? []), 'smoke']);
    const chosen = candidates.filter((c) => why.has(c.name));
    return { names: chosen.map((c) => c.name), reasons: chosen.map((c) => reasonLine(c.name, why.get(c.name))) };
}

// One boot cell's I/O: the cell's base and patched kernels booted with the same workload (one QEMU each, side by
// side when the machine has the cores), their consoles and KTAP kept, splats decoded, and the coverage of the
// changed functions read. What it returns is a plain record for boot/judge.ts.
const GUEST_CPUS = 2;
/**
 * Base and patched boot side by side only when each guest's CPUs get host cores of their own. The guest's two queues
 * keep both its CPUs busy, and more TCG vCPUs than cores spin on guest locks whose holder is not running: on two
 * cores the x86_64 cell took 171 s side by side and 74 s one after the other.
 */
function bootTogether(cpusPerGuest, hostCores = os.availableParallelism()) {
    return hostCores >= 2 * cpusPerGuest;
}
const EXCERPT_LINES$1 = 25;
/** A kernel that splats in a loop still gets its first reports decoded, in seconds rather than minutes. */
const MAX_DECODED = 10;
/** Each splat's excerpt with its frames decoded against the patched vmlinux (by console line), where that works. */
async function decodeSplats(treeDir, vmlinux, splats) {
    const decoded = new Map();
    for (const splat of splats.slice(0, MAX_DECODED)) {
        const lines = await decodeStacktrace({ treeDir, vmlinux, messages: splat.excerpt.slice(0, EXCERPT_LINES$1) });
        if (lines)
            decoded.set(splat.line, lines);
    }
    return decoded;
}
/** The changed functions' coverage from the patched kernel's counters (the scenarios', and the suites' beside
 *  them), with the guest's reasons for the unreached. */
async function readCoverage(input, resultsDir) {
    const { changed, kernels } = input;
    if (!resultsDir || changed.length === 0)
        return [];
    const coverage = [];
    const reasons = await readNotReached(input.settings.guestDir);
    for (const file of new Set(changed.map((c) => c.file))) {
        const own = changed.filter((c) => c.file === file);
        const read = async (run) => coverageOfChanges(await readCounters(kernels.buildDir, gcdaPath(resultsDir, kernels.buildDir, file, run), file), own);
        const suites = existsSync(path.join(resultsDir, 'gcov-suites')) ? await read('gcov-suites') : [];
        for (const fn of withSuitesCoverage(await read('gcov'), suites)) {
            const why = reasons.get(`${fn.file}:${fn.name}`);
            coverage.push(fn.calls === 0 && why ? { ...fn, notReachedBecause: why } : fn);
        }
    }
    await writeFile(path.join(kernels.dir, 'coverage.md'), coverageMarkdown(input.cell.name, coverage));
    return coverage;
}
/**
 * The suites' disk for the chosen suite tests. A disk that cannot be made (its source not downloadable) leaves the
 * boot to run without the suites: the reason becomes a finding, and the scenarios still run.
 */
async function prepareSuites(input, metrics) {
    const { settings, cell, progress } = input;
    const tests = settings.suiteTests ?? [];
    if (tests.length === 0)
        return {};
    const t = Date.now();
    try {
        // every suite on one disk per arch: one image to cache, whichever suites a series needs
        const suites = await readSuites(settings.guestDir);
        const disk = await progress.alive(`suites disk (${cell.name})`, buildSuiteDisk({ guestDir: settings.guestDir, arch: cell.arch, cacheDir: settings.cacheDir, suites }));
        metrics.suitesDiskMs = Date.now() - t;
        metrics.suitesDiskCached = disk.cached;
        const run = {
            disk: disk.file,
            tests: tests.map((x) => x.id),
            mode: settings.suites === 'full' ? 'full' : 'default',
            timeoutSeconds: Math.round(settings.suiteTimeoutMs / 1000),
            reruns: settings.suiteReruns,
        };
        return { run };
    }
    catch (error) {
        const why = oneLine(error);
        progress.info(`boot: ${cell.name}: the suites cannot run: ${why}`);
        return { unavailable: why };
    }
}
/** The base boot of an earlier run with the same kernel, guest and workload, or why there is none. */
async function lookUpBaseBoot(input, image, guest) {
    const { settings } = input;
    const store = { dir: path.join(settings.baseCacheDir, 'boot'), tool: TOOL_VERSION };
    const key = await baseBootKeyOf({
        image,
        ...guest,
        cpus: GUEST_CPUS,
        ...(settings.scenarios ? { scenarios: settings.scenarios } : {}),
        suiteMode: settings.suites,
        suiteTimeoutMs: settings.suiteTimeoutMs,
        bootTimeoutMs: settings.bootTimeoutMs,
        scenarioTimeoutMs: settings.scenarioTimeoutMs,
    });
    return { store, ...(await cachedBaseBoot(store, key)) };
}
/**
 * The patched kernel's scenarios cut by the cached base's scenario map (metrics say how), or undefined: no map, or
 * scenarios the user named.
 */
async function narrowedScenarios(input, learned, metrics) {
    const { settings } = input;
    if (!learned || !settings.scenarioMap || !settings.scenarios)
        return undefined;
    const candidates = (await readScenarios(settings.guestDir)).filter((s) => settings.scenarios.includes(s.name));
    const choice = narrowByReach(candidates, learned, input.changed, await readNotReached(settings.guestDir));
    metrics.scenarioMap = {
        ran: choice.names,
        candidates: candidates.length,
        reasons: choice.reasons,
        ...(choice.widened ? { widened: choice.widened } : {}),
    };
    return choice.names;
}
async function runBootCell(input) {
    const { cell, kernels, settings, progress } = input;
    const dir = input.scratchDir;
    await mkdir(dir, { recursive: true });
    const t = Date.now();
    const initramfs = await progress.alive(`guest userspace (${cell.name})`, buildInitramfs({
        guestDir: settings.guestDir,
        arch: cell.arch,
        cacheDir: settings.cacheDir,
        outFile: path.join(dir, 'initramfs.cpio'),
    }));
    const metrics = { accel: 'tcg', initramfsMs: Date.now() - t, initramfsCached: initramfs.cached };
    if (initramfs.warning)
        progress.info(`boot: ${initramfs.warning}`);
    const suites = await prepareSuites(input, metrics);
    const common = {
        arch: cell.arch,
        initrd: initramfs.file,
        memoryMiB: guestOf(cell.arch).memoryMiB,
        cpus: GUEST_CPUS,
        bootTimeoutMs: settings.bootTimeoutMs,
        scenarioTimeoutMs: settings.scenarioTimeoutMs,
    };
    const accel = await chooseAccel({ ...common, kernel: kernels.patched.image, dir, totalTimeoutMs: 20_000 });
    metrics.accel = accel.accel;
    progress.info(`boot: ${cell.name} under ${accel.accel.toUpperCase()} (${accel.why})`);
    const planned = settings.scenarios?.length ?? (await readScenarios(settings.guestDir)).length;
    // boot + every scenario at its limit, so the per-scenario watchdog always fires first
    const suiteMs = suites.run
        ? suites.run.tests.length * (settings.suiteReruns + 1) * (settings.suiteTimeoutMs + 5000)
        : 0;
    const totalTimeoutMs = settings.bootTimeoutMs + planned * settings.scenarioTimeoutMs + suiteMs + 30_000;
    const baseKernel = kernels.base && existsSync(kernels.base.image) ? kernels.base : undefined;
    // the map needs each profiled object's base notes, a choice made by the change to cut, and a cache to keep it in
    const gcnoDir = baseKernel?.gcnoDir;
    const mapped = settings.scenarioMap === true &&
        settings.baseCacheDir !== undefined &&
        input.changed.length > 0 &&
        gcnoDir !== undefined;
    const profiled = mapped ? await listGcno(gcnoDir) : [];
    const learn = mapped && profiled.length > 0;
    const baseCache = baseKernel && settings.baseCacheDir
        ? await lookUpBaseBoot(input, baseKernel.image, {
            packages: initramfs.packages,
            guestDir: settings.guestDir,
            accel: accel.accel,
            memoryMiB: common.memoryMiB,
            ...(suites.run ? { suites: suites.run } : {}),
            learn,
        })
        : undefined;
    if (baseCache)
        metrics.baseCache = baseCache.use;
    const patchedOnly = await narrowedScenarios(input, baseCache?.learned, metrics);
    const bootOne = (kind, kernel) => {
        const only = kind === 'patched' ? (patchedOnly ?? settings.scenarios) : settings.scenarios;
        return bootKernel({
            ...common,
            kernel,
            dir: path.join(dir, kind),
            accel: accel.accel,
            totalTimeoutMs,
            ...(only ? { only } : {}),
            collectResults: kind === 'patched' || learn,
            ...(kind === 'base' && learn ? { learn: true } : {}),
            ...(suites.run ? { suites: suites.run } : {}),
        });
    };
    const bootBase = baseKernel && !baseCache?.boot ? baseKernel : undefined;
    const together = bootBase !== undefined && bootTogether(GUEST_CPUS);
    const how = bootBase
        ? `base and patched kernels, ${together ? 'side by side' : 'one after the other'}`
        : baseCache?.boot
            ? 'patched kernel; the base boot from the base cache'
            : 'patched kernel';
    const [patched, booted] = await progress.alive(`booting ${cell.name} (${how})`, together
        ? Promise.all([bootOne('patched', kernels.patched.image), bootOne('base', bootBase.image)])
        : (async () => {
            const first = await bootOne('patched', kernels.patched.image);
            return [first, bootBase ? await bootOne('base', bootBase.image) : undefined];
        })());
    const base = booted ?? baseCache?.boot;
    const learned = learn && booted?.resultsDir && gcnoDir
        ? await learnReach(booted.resultsDir, gcnoDir, profiled, 
        // the scenarios, not the suite tests (suite:test) that ran after them with their own counters
        booted.report.scenarios.map((x) => x.name).filter((n) => !n.includes(':')))
        : undefined;
    if (learned)
        metrics.scenarioMap = { learnedFunctions: Object.keys(learned.reach).length };
    if (booted && baseCache?.store && metrics.baseCache)
        metrics.baseCache.saved = await saveBaseBoot(baseCache.store, baseCache.use.key, booted, learned);
    for (const [kind, boot] of [
        ['patched', patched],
        ['base', base],
    ]) {
        if (!boot)
            continue;
        await writeFile(path.join(kernels.dir, `console-${kind}.log`), boot.console);
        await writeFile(path.join(kernels.dir, `ktap-${kind}.txt`), ktapDocument(boot.report));
        // a cached base boot took no time in this run
        if (kind === 'base' && !booted)
            continue;
        const first = boot.toFirstScenarioMs !== undefined ? { toFirstScenarioMs: boot.toFirstScenarioMs } : {};
        metrics[kind] = { totalMs: boot.durationMs, ...first, ...(boot.suitesMs ? { suitesMs: boot.suitesMs } : {}) };
    }
    const config = parseConfig(await readFile(path.join(kernels.dir, 'config'), 'utf8').catch(() => ''));
    const highmem = config.get('HIGHMEM4G') === 'y' || config.get('HIGHMEM64G') === 'y';
    // the changed files as patched: a splat can surface in a caller of a changed function
    const sources = new Map();
    for (const file of new Set(input.changed.map((c) => c.file))) {
        sources.set(file, await readFile(path.join(input.treeDir, file), 'utf8'));
    }
    const decoded = await decodeSplats(input.treeDir, kernels.patched.vmlinux, findSplats(patched.report));
    const coverage = await readCoverage(input, patched.resultsDir);
    const record = {
        cell: cell.name,
        accel: accel.accel,
        ...(suites.unavailable ? { suitesUnavailable: suites.unavailable } : {}),
        patched,
        ...(base ? { base } : {}),
        highmem,
        changed: input.changed,
        sources,
        decoded,
        coverage,
    };
    return { record, metrics, patched, ...(base ? { base } : {}) };
}
/** The boots of a failing cell as shell lines: each kernel's disks and QEMU command line, and the scenarios run. */
function reproduceBoot(cell, run) {
    const scenarios = run.patched.report.scenarios.map((s) => s.name);
    return [
        `# ${cell.name} under QEMU; the guest's init ran the scenarios ${scenarios.join(', ') || '(none)'}` +
            ' (kpci.only= on the command line picks them)',
        '# the patched kernel',
        ...run.patched.command,
        ...(run.base
            ? [
                run.metrics.baseCache?.hit
                    ? `# the base kernel, for comparison: its boot came from the base cache (${run.metrics.baseCache.key}); ` +
                        'an earlier run booted it so'
                    : '# the base kernel, for comparison',
                ...run.base.command,
            ]
            : []),
    ];
}

const SUITE_CLASSES = ['pass', 'regression', 'fixed', 'persistent', 'flaky', 'skip'];
const isSuiteTest = (s) => s.name.includes(':');
function kernelOutcome(s) {
    if (!s || s.status === 'missing')
        return 'missing';
    if (s.status === 'skip')
        return 'skip';
    const attempts = s.attempts ?? [];
    if (attempts.includes('pass') && attempts.includes('fail'))
        return 'flaky';
    return s.status === 'pass' ? 'pass' : 'fail';
}
const failed = (o) => o === 'fail' || o === 'missing';
/** The class of one test from its outcomes on the patched and (when it booted) the base kernel. */
function classifySuiteTest(patched, base) {
    if (patched === 'skip')
        return 'skip';
    if (patched === 'flaky' || base === 'flaky')
        return 'flaky';
    if (patched === 'pass')
        return failed(base) ? 'fixed' : 'pass';
    return failed(base) ? 'persistent' : 'regression';
}
/** Every suite test of the patched kernel's run, classified against the base kernel's run of the same test. */
function classifySuites(patched, base) {
    return patched.scenarios.filter(isSuiteTest).map((s) => {
        const onBase = base ? kernelOutcome(base.scenarios.find((x) => x.name === s.name)) : undefined;
        const mine = kernelOutcome(s);
        return {
            id: s.name,
            class: classifySuiteTest(mine, onBase),
            patched: mine,
            ...(onBase ? { base: onBase } : {}),
            ...(s.reason ? { reason: s.reason } : {}),
            excerpt: s.notes.slice(-12),
        };
    });
}
const FINDING = {
    regression: { severity: 'error', type: 'SUITE_REGRESSION', new: true },
    persistent: { severity: 'warning', type: 'SUITE_FAILS_ON_BASE', new: false },
    flaky: { severity: 'warning', type: 'SUITE_FLAKY', new: false },
    fixed: { severity: 'info', type: 'SUITE_FIXED', new: true },
    skip: { severity: 'info', type: 'SUITE_SKIPPED', new: false },
};
function describe(v) {
    const base = v.base === undefined ? 'no base kernel to compare with' : `base kernel: ${v.base}`;
    const reason = v.reason ? ` (${v.reason})` : '';
    switch (v.class) {
        case 'regression':
            return v.base === undefined
                ? `${v.id} fails on the patched kernel${reason}; ${base}`
                : `${v.id} passes on the base kernel and fails on the patched one${reason}`;
        case 'persistent':
            return `${v.id} fails on the base kernel too${reason}: pre-existing, not blamed on the series`;
        case 'flaky':
            return `${v.id} is flaky: its attempts disagree (patched: ${v.patched}; ${base})${reason}; not blamed`;
        case 'fixed':
            return `${v.id} fails on the base kernel and passes on the patched one`;
        default:
            return `${v.id} skipped${v.reason ? `: ${v.reason.replace(/^SKIP\s*/, '')}` : ''}`;
    }
}
/** One finding per test that is not a plain pass; a regression carries the test's log excerpt. */
function suiteFindings(verdicts) {
    return verdicts
        .filter((v) => v.class !== 'pass')
        .map((v) => {
        const excerpt = v.class === 'regression' || v.class === 'persistent' ? v.excerpt : [];
        return {
            tool: 'suite',
            ...FINDING[v.class],
            message: `${describe(v)}${excerpt.length ? `\n${excerpt.join('\n')}` : ''}`,
        };
    });
}
/** "suites: 3 pass, 1 regression" — each class that occurred, in a fixed order. */
function suitesSummary(verdicts) {
    if (verdicts.length === 0)
        return undefined;
    const counts = SUITE_CLASSES.map((c) => [c, verdicts.filter((v) => v.class === c).length]).filter(([, n]) => n > 0);
    return `suite tests: ${counts.map(([c, n]) => `${n} ${c}`).join(', ')}`;
}

const EXCERPT_LINES = 25;
function bootFailed(record) {
    const { patched, base } = record;
    if (patched.report.initLine !== undefined)
        return [];
    const pre = base !== undefined && base.report.initLine === undefined;
    // a panic's own line says why; its stack dump can push it out of the last lines
    const last = tail(patched.report.lines);
    const panic = patched.report.lines.find((l) => /Kernel panic - not syncing/.test(l));
    const shown = panic && !last.includes(panic) ? [panic, '…', ...last] : last;
    const killed = patched.killed ? ` (${patched.killed})` : '';
    return [
        {
            tool: 'kernel',
            severity: pre ? 'warning' : 'error',
            type: 'BOOT_FAILED',
            new: !pre,
            message: `the patched ${record.cell} kernel did not reach our init${killed}` +
                `${pre ? '; the base kernel did not either' : ''}.` +
                ` Last console lines:\n${shown.join('\n')}`,
        },
    ];
}
function noHighmem(record) {
    const report = record.patched.report;
    if (!record.highmem || report.initLine === undefined || report.highTotalKb)
        return [];
    const message = `the ${record.cell} guest has no high memory (HighTotal 0): kmap_local_page() maps nothing there, ` +
        'give it more RAM';
    return [{ tool: 'workload', severity: 'warning', type: 'NO_HIGHMEM', new: false, message }];
}
/** KTAP results, patched against base: a scenario that fails on the base kernel too is not blamed. */
function scenarioFindings(record) {
    const findings = [];
    const { patched, base } = record;
    const killed = patched.killed ? ` (${patched.killed})` : '';
    for (const scenario of patched.report.scenarios) {
        if (scenario.status === 'pass' || scenario.status === 'skip' || isSuiteTest(scenario))
            continue;
        const onBase = base?.report.scenarios.find((x) => x.name === scenario.name);
        const pre = onBase
            ? onBase.status === 'fail' || onBase.status === 'missing'
            : base !== undefined && silentScenario(base.report) === scenario.n;
        const why = scenario.status === 'missing' ? `no result${killed}` : (scenario.reason ?? 'failed');
        const details = scenario.status === 'missing'
            ? tail(patched.report.lines.slice(scenario.firstLine), 10)
            : scenario.notes.slice(-8);
        const preNote = pre ? ' (pre-existing: it fails on the base kernel too)' : '';
        findings.push({
            tool: 'workload',
            severity: pre ? 'warning' : 'error',
            type: pre ? 'SCENARIO_FAILS_ON_BASE' : 'SCENARIO_FAILED',
            new: !pre,
            message: `scenario ${scenario.name}: ${why}${preNote}${details.length ? `\n${details.join('\n')}` : ''}`,
        });
    }
    const { initLine, planned, scenarios } = patched.report;
    const missing = initLine !== undefined && planned !== undefined ? planned - scenarios.length : 0;
    if (missing > 0) {
        const what = patched.report.suitesPlanned ? 'scenarios and suite tests' : 'scenarios';
        const message = `${missing} of ${planned} ${what} never started${killed}`;
        findings.push({ tool: 'workload', severity: 'error', type: 'SCENARIO_NOT_RUN', new: true, message });
    }
    return findings;
}
/** Deterministic ciphertext (the same key, IV mode and plaintext) must not change under the patched kernel. */
function ciphertextFindings(record) {
    const findings = [];
    if (!record.base)
        return findings;
    for (const scenario of record.patched.report.scenarios) {
        const onBase = record.base.report.scenarios.find((x) => x.name === scenario.name);
        for (const [label, hash] of Object.entries(scenario.hashes)) {
            const baseHash = onBase?.hashes[label];
            if (!baseHash || baseHash === hash)
                continue;
            findings.push({
                tool: 'workload',
                severity: 'error',
                type: 'CIPHERTEXT_DIFFERS',
                new: true,
                message: `scenario ${scenario.name}: the ciphertext written by ${label} under the patched kernel differs from the ` +
                    `base kernel's (sha256 ${hash.slice(0, 16)}… vs ${baseHash.slice(0, 16)}…): ` +
                    'the series changes what lands on disk',
            });
        }
    }
    return findings;
}
/** One finding per splat of the patched kernel, blamed on the changed function it passed through if any. */
function splatFinding(record, splat, pre) {
    const blame = blameChanged(splat, record.changed, record.sources);
    const fn = blame?.fn;
    const shown = record.decoded.get(splat.line) ?? splat.excerpt.slice(0, EXCERPT_LINES);
    const changedBy = fn && `${fn.name}() (${fn.file}, changed by patch ${fn.patches.join(', ')})`;
    const where = blame?.via
        ? ` in ${blame.via}(), which calls ${changedBy}`
        : fn
            ? ` in ${changedBy}`
            : splat.functions[0]
                ? ` in ${splat.functions[0]}()`
                : '';
    const preNote = pre ? ' (pre-existing: the base kernel prints it too)' : '';
    return {
        tool: 'kernel',
        severity: pre ? 'warning' : 'error',
        type: pre ? 'KERNEL_SPLAT_ON_BASE' : 'KERNEL_SPLAT',
        new: !pre,
        ...(fn ? { file: fn.file, line: fn.lines[0], patch: fn.patches.length === 1 ? fn.patches[0] : undefined } : {}),
        message: `${splat.title}${where}, during ${splat.scenario}${preNote}\n${shown.join('\n')}`,
    };
}
/**
 * The kernel log watchdog: a splat the base kernel also printed (same key: title without numbers, top functions)
 * is not the series' doing. Repeats do not count: a loop that warns more often on one boot is timing, not a change.
 */
function splatFindings(record) {
    const baseSplats = record.base ? findSplats(record.base.report) : [];
    const splats = findSplats(record.patched.report);
    const { existing } = classifyAgainstBase(baseSplats, splats, splatKey, { repeats: 'ignore' });
    return splats.map((splat) => splatFinding(record, splat, existing.includes(splat))); // in console order
}
/** The suite tests against the base, and the reason they could not run at all when they could not. */
function suiteTestFindings(record, verdicts) {
    const unavailable = record.suitesUnavailable
        ? [
            {
                tool: 'suite',
                severity: 'warning',
                type: 'SUITES_UNAVAILABLE',
                new: false,
                message: `the maintainers' suites did not run: ${record.suitesUnavailable} (the scenarios ran)`,
            },
        ]
        : [];
    return [...unavailable, ...suiteFindings(verdicts)];
}
function coverageFindings(record) {
    return record.coverage.flatMap((c) => {
        if (c.calls === undefined)
            return [];
        const line = record.changed.find((f) => f.file === c.file && f.name === c.name)?.lines[0];
        const bySuites = c.suites?.calls ?? 0;
        const suites = c.suites
            ? `; the suites: ${bySuites} times, ${c.suites.linesRun}/${c.linesWithCode} changed lines`
            : '';
        const message = c.calls > 0
            ? `${c.name}() executed ${c.calls} times; ${c.linesRun}/${c.linesWithCode} changed lines ran${suites}`
            : bySuites > 0
                ? `${c.name}() was reached only by the maintainers' suites (no scenario reached it)${suites}`
                : `${c.name}() was not reached by any scenario that ran` +
                    `${c.notReachedBecause ? `: ${c.notReachedBecause}` : ''}${c.suites ? ', nor by the suites' : ''}`;
        return [
            {
                tool: 'kernel',
                severity: 'info',
                type: c.calls > 0 || bySuites > 0 ? 'CHANGE_EXECUTED' : 'CHANGE_NOT_REACHED',
                file: c.file,
                line,
                message,
            },
        ];
    });
}
/** The boot cell's findings (each with its config), status and one-line summary. */
function judgeBoot(record, failOn) {
    const suiteVerdicts = classifySuites(record.patched.report, record.base?.report);
    const findings = [
        ...bootFailed(record),
        ...noHighmem(record),
        ...scenarioFindings(record),
        ...suiteTestFindings(record, suiteVerdicts),
        ...ciphertextFindings(record),
        ...splatFindings(record),
        ...coverageFindings(record),
    ].map((f) => ({ ...f, config: record.cell }));
    const { report } = record.patched;
    const neitherBooted = report.initLine === undefined && record.base?.report.initLine === undefined && record.base !== undefined;
    const status = neitherBooted ? 'error' : statusFromFindings(findings, failOn);
    const scenarios = report.scenarios.filter((s) => !isSuiteTest(s));
    const passed = scenarios.filter((s) => s.status === 'pass').length;
    const skipped = scenarios.filter((s) => s.status === 'skip').length;
    const reached = record.coverage.filter((c) => (c.calls ?? 0) > 0 || (c.suites?.calls ?? 0) > 0).length;
    const suites = suitesSummary(suiteVerdicts);
    const planned = report.planned === undefined ? scenarios.length : report.planned - (report.suitesPlanned ?? 0);
    const differs = findings.some((f) => f.type === 'CIPHERTEXT_DIFFERS');
    const summary = [
        `${passed}/${planned} scenarios passed${skipped ? ` (${skipped} skipped)` : ''}` +
            ` under ${record.accel.toUpperCase()}`,
        ...(suites ? [suites] : record.suitesUnavailable ? ['suites did not run'] : []),
        ...(record.base ? [`ciphertext ${differs ? 'DIFFERS from' : 'identical to'} base`] : []),
        ...(record.coverage.length ? [`${reached}/${record.coverage.length} changed functions executed`] : []),
        ...(report.highTotalKb ? [`HighTotal ${Math.round(report.highTotalKb / 1024)} MiB`] : []),
    ].join('; ');
    return { status, summary, findings };
}

// boot: every built config's base and patched kernels in QEMU with the guest scenarios the series needs.
/** --scenarios all, a list (checked against the guest's), or by default the ones the change needs. */
async function chooseWorkload(settings, patches, changed) {
    const available = await readScenarios(settings.guestDir);
    const names = available.map((s) => s.name);
    if (settings.scenarios?.includes('all'))
        return { summary: `all ${names.length} scenarios (--scenarios all)`, findings: [] };
    if (settings.scenarios) {
        const unknown = settings.scenarios.filter((n) => !names.includes(n));
        if (unknown.length)
            throw inputError(`--scenarios: no scenario ${unknown.join(', ')} in ${settings.guestDir} ` +
                `(scenarios: ${names.join(', ')}, or all)`);
        return {
            only: settings.scenarios,
            summary: `${settings.scenarios.length} of ${names.length} scenarios (--scenarios)`,
            findings: [],
        };
    }
    const files = [...new Set(patches.flatMap((p) => p.files.map((f) => f.path)))];
    const choice = chooseScenarios(available, files, changed);
    const message = [
        `${choice.names.length} of ${names.length} scenarios chosen by the change (--scenarios all runs every one):`,
        ...choice.reasons.map((r) => `  ${r}`),
        ...(choice.unreached.length
            ? [
                `no scenario says it reaches ${choice.unreached.join(', ')}: ` +
                    `only the smoke scenarios run for ${choice.unreached.length === 1 ? 'it' : 'them'}`,
            ]
            : []),
    ].join('\n');
    return {
        only: choice.names,
        byChange: true,
        summary: `${choice.names.length} of ${names.length} scenarios, chosen by the change`,
        findings: [{ tool: 'workload', severity: 'info', type: 'SCENARIOS_CHOSEN', new: true, message }],
    };
}
/** Pure: what the scenario map did in a cell, for its summary. */
function scenarioMapNote(map) {
    if (!map)
        return undefined;
    if (map.learnedFunctions !== undefined)
        return `scenario map learned (${map.learnedFunctions} functions; the base ran its scenarios one at a time)`;
    if (!map.ran)
        return undefined;
    if (map.widened)
        return `all ${map.ran.length} scenarios ran on the patched kernel: ${map.widened}`;
    return (`the patched kernel ran ${map.ran.length} of ${map.candidates} scenarios, those the base's scenario map ` +
        `says enter a changed function (${map.reasons.join('; ')})`);
}
/** One cell: its kernels booted (runner), then judged (judge), as the stage's cell result. */
async function bootOneCell(ctx, cell, kernels, settings, changed) {
    const t0 = Date.now();
    const artifacts = kernels?.dir ?? cellArtifacts(ctx.outDir, ctx.workDir, cell.name).dir;
    const patched = kernels?.patched;
    if (!kernels || !patched || !existsSync(patched.image)) {
        const summary = 'skipped: the build stage produced no patched kernel for this config';
        return { result: { config: cell.name, status: 'skip', durationMs: 0, summary, artifacts }, findings: [] };
    }
    const scratchDir = path.join(ctx.workDir, 'boot', cell.name);
    const run = await runBootCell({
        cell,
        kernels: { ...kernels, patched },
        settings,
        treeDir: ctx.tree.dir,
        scratchDir,
        changed,
        progress: ctx.progress,
    });
    const judged = judgeBoot(run.record, ctx.settings.failOn);
    const facts = { durationMs: Date.now() - t0, metrics: run.metrics, artifacts };
    const result = judgedCell(cell.name, judged, facts, () => reproduceBoot(cell, run));
    const map = scenarioMapNote(run.metrics.scenarioMap);
    if (map)
        result.summary += `; ${map}`;
    if (run.metrics.baseCache)
        result.summary += `; ${baseCacheNote(run.metrics.baseCache)}`;
    return { result, findings: judged.findings };
}
/** The maintainers' suite tests the change reaches (--suites), and why each was chosen. */
async function chooseSuites(settings, patches, changed) {
    if (settings.suites === 'none')
        return { tests: [], summary: 'no suite tests (--suites none)', findings: [] };
    const files = [...new Set(patches.flatMap((p) => p.files.map((f) => f.path)))];
    const choice = chooseSuiteTests(await readSuites(settings.guestDir), settings.suites, files, changed);
    if (choice.tests.length === 0)
        return { tests: [], findings: [] };
    const suites = [...new Set(choice.tests.map((t) => t.suite))];
    const how = settings.suites === 'full' ? 'all their tests (--suites full)' : 'chosen by the change';
    const summary = `${choice.tests.length} ${suites.join(' and ')} suite tests, ${how}`;
    const message = [
        `${summary}; each runs on the base and the patched kernel, a failure up to ${settings.suiteReruns} more ` +
            'times (--suites none runs none, --suites full all of them):',
        ...choice.reasons.map((r) => `  ${r}`),
    ].join('\n');
    return {
        tests: choice.tests,
        summary,
        findings: [{ tool: 'suite', severity: 'info', type: 'SUITES_CHOSEN', new: true, message }],
    };
}
async function bootEveryCell(ctx, input) {
    await ctx.tree.git.run(['checkout', '--quiet', '--detach', input.apply.patchedCommit]);
    const changed = await changedFunctions(ctx.tree.dir, ctx.series.patches);
    const workload = await chooseWorkload(ctx.settings.boot, ctx.series.patches, changed);
    const suites = await chooseSuites(ctx.settings.boot, ctx.series.patches, changed);
    const settings = {
        ...ctx.settings.boot,
        ...(workload.only ? { scenarios: workload.only } : { scenarios: undefined }),
        scenarioMap: workload.byChange === true,
        suiteTests: suites.tests,
    };
    if (suites.summary)
        workload.summary += `, ${suites.summary}`;
    workload.findings.push(...suites.findings);
    ctx.progress.info(`boot: ${workload.summary}`);
    const outcomes = [];
    for (const cell of ctx.settings.cells) {
        ctx.progress.info(`boot: ${cell.name} (ARCH=${cell.arch})`);
        const outcome = await bootOneCell(ctx, cell, input.build.cells[cell.name], settings, changed);
        const { status, durationMs, summary } = outcome.result;
        ctx.progress.info(`boot: ${cell.name} ${status} in ${(durationMs / 1000).toFixed(1)}s — ${summary}`);
        outcomes.push(outcome);
    }
    const cells = outcomes.map((o) => o.result);
    const status = worstStatus(cells.map((c) => c.status), 'pass');
    const booted = cells.filter((c) => c.status !== 'skip');
    const bad = cells.filter((c) => c.status === 'fail' || c.status === 'error');
    const summary = booted.length === 0
        ? 'skip: no config produced a kernel'
        : `${workload.summary}; ${(bad.length ? bad : cells).map((c) => `${c.config}: ${c.summary}`).join('; ')}`;
    const findings = [...workload.findings, ...outcomes.flatMap((o) => o.findings)];
    return {
        result: { name: 'boot', status: booted.length === 0 ? 'skip' : status, durationMs: 0, summary, cells, findings },
    };
}
const bootStage = {
    name: 'boot',
    needs: ['apply'],
    uses: ['build'],
    run: bootEveryCell,
};

// Build cells: a named config fragment (configs/<name>.config, or a user's file) and the arch it is for.
const DEFAULT_CELLS = ['x86_64-dm', 'i386-highmem'];
/** The package root (where configs/ lives), found from this module both in src/ and in the dist/ bundle. */
function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))) {
    for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
        if (existsSync(path.join(dir, 'configs')) && existsSync(path.join(dir, 'package.json')))
            return dir;
    }
    throw new Error(`cannot find the kernel-patch-ci package root above ${from}`);
}
const VALUE = /^(y|m|n|-?\d+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/;
/** Pure: a fragment's symbols and its "# arch: NAME" header; a syntax error names the file and line. */
function parseFragment(text, where) {
    const wanted = new Map();
    let arch;
    for (const [i, raw] of text.split('\n').entries()) {
        const line = raw.trim();
        const header = /^#\s*arch:\s*(\S+)\s*$/.exec(line);
        if (header)
            arch = header[1];
        const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
        if (unset)
            wanted.set(unset[1], 'n');
        if (line === '' || line.startsWith('#'))
            continue;
        const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
        if (!set || !VALUE.test(set[2]))
            throw inputError(`${where}:${i + 1}: not a config line: ${JSON.stringify(raw.slice(0, 80))}`);
        wanted.set(set[1], set[2]);
    }
    return { arch, wanted };
}
/** --configs entries: shipped names, or paths to fragments of the user's own (with an "# arch:" header). */
async function resolveCells(specs, root = packageRoot()) {
    const cells = [];
    for (const spec of specs) {
        const isPath = spec.includes('/') || spec.endsWith('.config');
        const fragmentPath = isPath ? path.resolve(spec) : path.join(root, 'configs', `${spec}.config`);
        if (!existsSync(fragmentPath)) {
            if (isPath)
                throw inputError(`config fragment ${spec} does not exist`);
            throw usageError(`unknown config ${JSON.stringify(spec)} (shipped: ${DEFAULT_CELLS.join(', ')}; or give a path to a fragment)`);
        }
        const name = path.basename(fragmentPath).replace(/\.config$/, '');
        const { arch, wanted } = parseFragment(await readFile(fragmentPath, 'utf8'), spec);
        if (cells.some((c) => c.name === name))
            throw usageError(`config ${name} is given twice`);
        // an unknown "# arch:" is the fragment's error, named with its file, not an x86 build of it
        if (arch !== undefined && !Object.hasOwn(ARCHES, arch)) {
            throw usageError(`${spec}: unknown "# arch: ${arch}" (known: ${Object.keys(ARCHES).join(', ')})`);
        }
        cells.push({ name, arch: arch ?? 'x86_64', fragmentPath, wanted, shipped: !isPath });
    }
    return cells;
}

// Which subject prefixes the maintainers of a file expect: learned from the tree's own history of the file when
// there is some, otherwise from a shipped table (lint/subject-prefixes.tsv) for dm and md.
/** Fewer commits than this touching a file is not history enough to learn a convention from. */
const MIN_HISTORY = 3;
/** Pure: "dm crypt: fix x" → "dm crypt"; a subject with no "prefix: " part has none. */
function subjectPrefix(subject) {
    const m = /^([^:]{1,40}?):\s/.exec(subject.trim());
    return m ? m[1].trim() : undefined;
}
/** Pure: the table's lines ("glob<TAB>a, b, c"), comments and blank lines skipped. */
function parsePrefixTable(text) {
    return text
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('#'))
        .map((l) => {
        const [pattern, list] = l.split('\t');
        return {
            pattern: pattern.trim(),
            prefixes: (list ?? '')
                .split(',')
                .map((p) => p.trim())
                .filter(Boolean),
        };
    });
}
function globToRegExp(glob) {
    return new RegExp(`^${glob
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/]*')}$`);
}
/** Pure: the first rule whose pattern matches the file. */
function prefixesFromTable(rules, file) {
    return rules.find((r) => globToRegExp(r.pattern).test(file))?.prefixes ?? [];
}
/** Pure: from the subjects of a file's commits, the prefixes used at least twice (or the single most used). */
function prefixesFromHistory(subjects) {
    const counts = new Map();
    for (const s of subjects) {
        const p = subjectPrefix(s.replace(/^(Revert|Reapply) "/, ''));
        if (p)
            counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const often = ranked.filter(([, n]) => n >= 2).map(([p]) => p);
    return often.length > 0 ? often : ranked.slice(0, 1).map(([p]) => p);
}
async function loadPrefixTable(file = path.join(packageRoot(), 'lint', 'subject-prefixes.tsv')) {
    return parsePrefixTable(await readFile(file, 'utf8'));
}
/** What the file's maintainers expect, from `git log <base> -- file` (never the series' own commits) or the table. */
async function expectedPrefixes(git, base, file, table) {
    const log = await git.exec(['log', '--no-merges', '--format=%s', '-n', '200', base, '--', file]);
    const subjects = log.code === 0 ? log.stdout.split('\n').filter(Boolean) : [];
    if (subjects.length >= MIN_HISTORY) {
        const learned = prefixesFromHistory(subjects);
        if (learned.length > 0)
            return { prefixes: learned, source: 'history' };
    }
    const fromTable = prefixesFromTable(table, file);
    return fromTable.length > 0 ? { prefixes: fromTable, source: 'table' } : { prefixes: [], source: 'none' };
}
/** Pure: prefixes acceptable for a patch touching several files: those every file accepts, else any file's. */
function combinePrefixes(perFile) {
    const known = perFile.filter((e) => e.prefixes.length > 0);
    if (known.length === 0)
        return { prefixes: [], source: 'none' };
    const common = known[0].prefixes.filter((p) => known.every((k) => k.prefixes.includes(p)));
    const source = known.some((k) => k.source === 'history') ? 'history' : 'table';
    return { prefixes: common.length > 0 ? common : [...new Set(known.flatMap((k) => k.prefixes))], source };
}

/** checkpatch wraps commit text at 75 columns; a summary longer than that wraps in every shortlog. */
const MAX_SUBJECT = 75;
const TRAILER = new RegExp('^(Signed-off-by|Co-developed-by|Reviewed-by|Acked-by|Tested-by|Reported-by|Suggested-by|' +
    'Cc|Fixes|Link|Closes|Message-ID|Cc-stable):', 'i');
const FIXES_LINE = /^Fixes:(.*)$/gim;
const FIXES_FORM = /^\s*([0-9a-f]{12,40})\s+\("(.+)"\)\s*$/i;
const emailOf = (trailer) => /<([^>]+)>/.exec(trailer)?.[1]?.trim().toLowerCase() ?? trailer.trim().toLowerCase();
/** Pure: every hygiene finding of one patch. */
function checkHygiene(patch, facts) {
    const findings = [];
    const add = (severity, type, message) => findings.push({ tool: 'readiness', severity, type, message, patch: patch.index, new: true });
    if (patch.signedOffBy.length === 0)
        add('error', 'MISSING_SIGN_OFF', 'no Signed-off-by: line; the author must certify the DCO ' +
            `(add "Signed-off-by: ${patch.author} <${patch.authorEmail}>")`);
    else if (!patch.signedOffBy.some((s) => emailOf(s) === patch.authorEmail.toLowerCase())) {
        add('warning', 'SIGN_OFF_MISMATCH', `no Signed-off-by: matches the author ${patch.author} <${patch.authorEmail}> ` +
            `(signed off: ${patch.signedOffBy.join('; ')})`);
    }
    const prefix = subjectPrefix(patch.subject);
    const { prefixes, source } = facts.expected;
    const from = source === 'history' ? "the files' git log" : 'the dm/md prefix table';
    if (!prefix && prefixes.length > 0)
        add('warning', 'MISSING_SUBJECT_PREFIX', `subject has no subsystem prefix; ${from} says "${prefixes[0]}: …"`);
    else if (prefix && prefixes.length > 0 && !prefixes.includes(prefix)) {
        add('warning', 'WRONG_SUBJECT_PREFIX', `subject prefix "${prefix}:" is not what the maintainers of these files use; ` +
            `${from} says ${prefixes.map((p) => `"${p}:"`).join(' or ')}`);
    }
    if (patch.subject.length > MAX_SUBJECT)
        add('warning', 'LONG_SUBJECT', `subject is ${patch.subject.length} characters after the [PATCH] tag; keep it to ${MAX_SUBJECT}`);
    const lines = patch.body.split('\n');
    if (!lines.some((l) => l.trim() !== '' && !TRAILER.test(l.trim())))
        add('warning', 'MISSING_COMMIT_DESCRIPTION', 'no commit description: say what the patch changes and why');
    for (const m of patch.body.matchAll(FIXES_LINE)) {
        const form = FIXES_FORM.exec(m[1]);
        if (!form) {
            add('warning', 'BAD_FIXES_TAG', `"Fixes:${m[1]}" is not of the form Fixes: <12+ hex digits> ("<subject of that commit>")`);
            continue;
        }
        const [, sha, quoted] = form;
        const actual = facts.commitSubjects.get(sha.toLowerCase());
        if (actual !== undefined && actual !== quoted)
            add('warning', 'FIXES_SUBJECT_MISMATCH', `Fixes: ${sha} quotes "${quoted}", but that commit's subject is "${actual}"`);
    }
    for (const [i, line] of lines.entries()) {
        if (!/^Reported-by:/i.test(line.trim()))
            continue;
        const next = lines
            .slice(i + 1)
            .find((l) => l.trim() !== '')
            ?.trim() ?? '';
        if (!/^(Closes|Link):\s*\S/i.test(next))
            add('warning', 'MISSING_CLOSES_TAG', `"${line.trim()}" should be followed by a Closes: (or Link:) line with the URL of the report`);
    }
    return findings;
}
/** The facts checkHygiene needs, from the tree: prefix conventions of the files, and the commits Fixes: names. */
async function hygieneFacts(patch, git, base, table) {
    const perFile = [];
    for (const f of patch.files)
        perFile.push(await expectedPrefixes(git, base, f.oldPath ?? f.path, table));
    const commitSubjects = new Map();
    for (const m of patch.body.matchAll(FIXES_LINE)) {
        const sha = FIXES_FORM.exec(m[1])?.[1]?.toLowerCase();
        if (!sha || commitSubjects.has(sha))
            continue;
        const log = await git.exec(['log', '-1', '--format=%s', `${sha}^{commit}`, '--']);
        commitSubjects.set(sha, log.code === 0 ? log.stdout.trim() : undefined);
    }
    return { expected: combinePrefixes(perFile), commitSubjects };
}

// The tree's own scripts/get_maintainer.pl, and pure parsers of its two outputs (addresses with roles, sections).
/** Split "a,b:c (d),e" at the commas that are not inside parentheses. */
function splitRoles(text) {
    const roles = [];
    let depth = 0;
    let current = '';
    for (const ch of text) {
        if (ch === '(')
            depth++;
        if (ch === ')')
            depth--;
        if (ch === ',' && depth === 0) {
            roles.push(current.trim());
            current = '';
        }
        else
            current += ch;
    }
    if (current.trim())
        roles.push(current.trim());
    return roles;
}
/** Pure: "Name <email> (role:SECTION,…)" and "email (role)" lines; anything else is ignored. */
function parseAddresses(output) {
    const addresses = [];
    for (const line of output
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)) {
        const m = /^(?:(.*?)\s*<([^<>\s]+@[^<>\s]+)>|([^\s()<>]+@[^\s()<>]+))(?:\s+\((.*)\))?$/.exec(line);
        if (!m)
            continue;
        const email = (m[2] ?? m[3]);
        const name = m[1]?.replace(/^"|"$/g, '') || undefined;
        addresses.push({
            address: name ? `${name} <${email}>` : email,
            email,
            ...(name ? { name } : {}),
            roles: m[4] ? splitRoles(m[4]) : [],
        });
    }
    return addresses;
}
/** Pure: the blocks `--sections` prints — a name line, then "X:\tvalue" lines, blank-line separated. */
function parseSections(output) {
    const sections = [];
    let current;
    for (const line of output.split('\n')) {
        const field = /^([A-Z]):\s+(.*)$/.exec(line);
        if (field && current) {
            (current.fields[field[1]] ??= []).push(field[2].trim());
            const git = /^git\s+(\S+)/.exec(field[2].trim());
            if (field[1] === 'T' && git)
                current.gitTrees.push(git[1]);
        }
        else if (line.trim() === '')
            current = undefined;
        else if (!current) {
            current = { name: line.trim(), fields: {}, gitTrees: [] };
            sections.push(current);
        }
    }
    return sections;
}
// Always --no-git --no-git-fallback: the answer must come from MAINTAINERS, not from how deep the checkout's
// history is.
const BASE_ARGS = ['--no-git', '--no-git-fallback'];
async function getMaintainer(args, options) {
    const script = path.join(options.treeDir, 'scripts', 'get_maintainer.pl');
    if (!existsSync(script))
        throw new RunError(`the tree has no scripts/get_maintainer.pl`, 'tool');
    // run from the tree dir: the script finds MAINTAINERS (and checks it is a kernel tree) relative to it
    const result = await execTool('perl', [script, ...BASE_ARGS, ...args], {
        cwd: options.treeDir,
        timeoutMs: options.timeoutMs,
        env: { ...process.env, LC_ALL: 'C' },
    });
    if (result.code !== 0 || result.timedOut) {
        const why = result.timedOut ? 'timed out' : result.stderr.trim().split('\n')[0] || `exit ${result.code}`;
        throw new RunError(`get_maintainer.pl failed: ${why}`, 'tool');
    }
    return result.stdout;
}
/** Who should receive these patch files (one or the whole series), with the roles MAINTAINERS gives them. */
async function maintainersOfPatches(patchFiles, options) {
    return parseAddresses(await getMaintainer([...patchFiles], options));
}
/** The MAINTAINERS sections that match one file of the tree, with their T: lines. */
async function sectionsOfFile(file, options) {
    return parseSections(await getMaintainer(['--sections', '-f', file], options));
}

const REST = 'THE REST';
/** Pure: people with a role (maintainer, supporter, reviewer…) go in To; lists and bare list addresses go in Cc. */
function splitRecipients(addresses) {
    const to = [];
    const cc = [];
    for (const a of addresses) {
        const isList = !a.name || a.roles.some((r) => /\blist\b/.test(r));
        (isList ? cc : to).push(a.address);
    }
    return { to, cc };
}
/** Pure: git://git.kernel.org/pub/scm/…/linux-dm.git and https://…/linux-dm are the same tree. */
function sameTree(a, b) {
    const norm = (u) => u
        .trim()
        .replace(/^[a-z+]+:\/\//i, '')
        .replace(/^[^@/]+@/, '')
        .replace(/:(?!\d)/, '/')
        .replace(/\/+$/, '')
        .replace(/\.git$/, '')
        .toLowerCase();
    return norm(a) === norm(b);
}
function fileHome(file, sections) {
    return {
        file,
        sections: sections.map((s) => s.name).filter((n) => n !== REST),
        trees: sections.flatMap((s) => s.gitTrees),
    };
}
const shortName = (url) => url
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .at(-1) ?? url;
const isMainline = (url) => /torvalds\/linux(\.git)?$/.test(url.replace(/\/+$/, ''));
/** Pure: the trees the files' own MAINTAINERS sections name (THE REST's mainline only when nothing else does). */
function ownTrees(h) {
    const own = h.trees.filter((t) => !isMainline(t));
    return own.length ? own : h.trees;
}
/** Pure: the trees every file of the series belongs to: where the series is to be based and sent. */
function destinationTrees(homes) {
    const withTrees = homes.filter((h) => h.trees.length > 0);
    if (withTrees.length === 0)
        return [];
    const first = ownTrees(withTrees[0]);
    return first.filter((t) => withTrees.every((h) => ownTrees(h).some((u) => sameTree(t, u))));
}
/**
 * Pure: files whose sections do not name the tree under test (when it is known: a git URL, or a checkout's
 * origin), and a series no one MAINTAINERS section covers whole.
 */
function treeFindings(homes, target, patches) {
    const findings = [];
    const patchOf = (file) => patches.find((p) => p.files.some((f) => f.path === file))?.index;
    for (const h of homes) {
        // a file belongs to the tree under test when one of its matched sections' T: lines names that tree
        if (target === undefined || h.trees.length === 0 || h.trees.some((t) => sameTree(t, target)))
            continue;
        findings.push({
            tool: 'readiness',
            severity: 'warning',
            type: 'NOT_FOR_THIS_TREE',
            file: h.file,
            patch: patchOf(h.file),
            new: true,
            message: `${h.file} is maintained in ${ownTrees(h).map(shortName).join(', ')} (${h.sections.join('; ') || REST}), ` +
                `not in ${shortName(target)}, the tree under test: ` +
                `base the series on ${ownTrees(h).join(' or ')} and send it there`,
        });
    }
    const specific = homes.filter((h) => h.sections.length > 0);
    const common = specific.length
        ? specific[0].sections.filter((s) => specific.every((h) => h.sections.includes(s)))
        : [];
    if (specific.length > 1 && common.length === 0) {
        const areas = [...new Set(specific.flatMap((h) => h.sections))];
        findings.push({
            tool: 'readiness',
            severity: 'warning',
            type: 'SPANS_MAINTAINERS',
            new: true,
            message: `the series spans maintainers' areas (${areas.join('; ')}): ` +
                'split it per area, or say in the cover letter which tree should take it',
        });
    }
    return findings;
}
/** Pure: "md (git://…/song/md.git)" for the summary and the finding. */
function describeDestination(trees) {
    return trees.map((t) => `${shortName(t)} (${t})`).join(' or ');
}
const describeRecipients = (r) => `To: ${r.to.join(', ') || '(nobody)'}; Cc: ${r.cc.join(', ') || '(nobody)'}`;
/** `upstream`: the git URL of the tree under test, when known; a tarball or a directory does not say. */
async function findMaintainers(patches, upstream, options) {
    const perPatch = [];
    for (const p of patches)
        perPatch.push(splitRecipients(await maintainersOfPatches([p.file], options)));
    const series = splitRecipients(await maintainersOfPatches(patches.map((p) => p.file), options));
    const files = [...new Set(patches.flatMap((p) => p.files.filter((f) => f.status !== 'deleted').map((f) => f.path)))];
    const homes = [];
    for (const f of files)
        homes.push(fileHome(f, await sectionsOfFile(f, options)));
    const destination = destinationTrees(homes);
    const findings = [
        ...patches.map((p, i) => ({
            tool: 'readiness',
            severity: 'info',
            type: 'RECIPIENTS',
            patch: p.index,
            new: true,
            message: `patch ${p.index}: ${describeRecipients(perPatch[i])}`,
        })),
        {
            tool: 'readiness',
            severity: 'info',
            type: 'RECIPIENTS',
            new: true,
            message: `series: ${describeRecipients(series)}`,
        },
        ...(destination.length
            ? [
                {
                    tool: 'readiness',
                    severity: 'info',
                    type: 'SEND_TO_TREE',
                    new: true,
                    message: `base the series on ${describeDestination(destination)} and send it there: ` +
                        `the tree MAINTAINERS names for ${homes
                            .filter((h) => h.sections.length)
                            .map((h) => h.sections.join('; '))
                            .filter((v, i, a) => a.indexOf(v) === i)
                            .join(' and ') || REST}`,
                },
            ]
            : []),
        ...treeFindings(homes, upstream, patches),
    ];
    return { series, destination, perPatch, homes, findings };
}

/** Documentation/process/submitting-patches.rst: "no more than 15 or so patches at once". */
const MAX_PATCHES = 15;
/** Pure: what the bracketed tags of a raw subject say ("[RFC PATCH v3 2/5]"). */
function parseSubjectTag(rawSubject) {
    const tags = [...rawSubject.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]).join(' ');
    const version = /(?:^|\s)v(\d+)(?:\s|$)/i.exec(tags);
    const nn = /(?:^|\s)(\d+)\/(\d+)(?:\s|$)/.exec(tags);
    return { version: version ? Number(version[1]) : 1, ...(nn ? { number: Number(nn[1]), total: Number(nn[2]) } : {}) };
}
/** Pure: the shape findings of a series, and the version its mails should carry. */
function checkShape(series, coverLetterRawSubject) {
    const findings = [];
    const add = (severity, type, message, patch) => findings.push({ tool: 'readiness', severity, type, message, new: true, ...(patch ? { patch } : {}) });
    const n = series.patches.length;
    if (n > MAX_PATCHES)
        add('warning', 'TOO_MANY_PATCHES', `${n} patches in one series; send at most ${MAX_PATCHES} at a time`);
    const tags = series.patches.map((p) => parseSubjectTag(p.rawSubject));
    const cover = coverLetterRawSubject !== undefined ? parseSubjectTag(coverLetterRawSubject) : undefined;
    const versions = [...new Set([...tags.map((t) => t.version), ...(cover ? [cover.version] : [])])];
    if (versions.length > 1)
        add('warning', 'INCONSISTENT_VERSION', `the mails carry different versions (${versions.map((v) => `v${v}`).join(', ')}): ` +
            'every mail of a series has the same [PATCH vN] tag');
    for (const [i, t] of tags.entries()) {
        const p = series.patches[i];
        if (n > 1 && t.number === undefined)
            add('warning', 'MISSING_PATCH_NUMBER', `patch ${p.index} has no n/${n} in its tag ("${p.rawSubject}")`, p.index);
        else if (t.number !== undefined && (t.number !== p.index || t.total !== n)) {
            add('warning', 'BAD_PATCH_NUMBER', `patch ${p.index} is tagged ${t.number}/${t.total}, but it is patch ${p.index} of ${n}`, p.index);
        }
    }
    return { version: Math.max(...versions), needsCoverLetter: n >= 2 && !series.coverLetter, findings };
}

// Coccinelle's spatch, run with one semantic patch on one C file; the rules print "TYPE|file|line|function".
/** Pure: the lines our rules' python scripts print; spatch's own chatter is ignored. */
function parseSpatchMatches(output) {
    const matches = [];
    for (const line of output.split('\n')) {
        const m = /^([A-Z][A-Z0-9_]+)\|(.+)\|(\d+)\|(\S+)$/.exec(line.trim());
        if (m)
            matches.push({ type: m[1], file: m[2], line: Number(m[3]), function: m[4] });
    }
    return matches;
}
/** One semantic patch over several files in one spatch: parsing the C files is most of the cost. */
async function runSpatch(rule, files, options) {
    if (files.length === 0)
        return [];
    // --no-includes: the rules match call shapes inside one file, and parsing every header would cost minutes
    const result = await execTool('spatch', ['--very-quiet', '--no-includes', '--no-show-diff', '--sp-file', rule, ...files], {
        cwd: options.cwd,
        timeoutMs: options.timeoutMs,
        env: { ...process.env, LC_ALL: 'C' },
    });
    if (result.code !== 0 || result.timedOut) {
        const why = result.timedOut
            ? 'timed out'
            : (result.stderr
                .trim()
                .split('\n')
                .find((l) => l.trim()) ?? `exit ${result.code}`);
        throw new RunError(`spatch ${rule.split('/').at(-1)} on ${files.length === 1 ? files[0] : `${files.length} files`} failed: ${why}`, 'tool');
    }
    return parseSpatchMatches(result.stdout);
}

// kmap_local lint: the Coccinelle rules in lint/kmap-local/ on the patched versions of the touched .c files, kept
// to the functions the series changed; and the deprecated-API count of those files before and after.
const RULES_DIR = path.join(packageRoot(), 'lint', 'kmap-local');
/** What each rule's match means, in a reviewer's words (DOMAIN.md's rules 1–3 and 5). */
const MEANING = {
    KMAP_LOCAL_WRONG_UNMAP: 'a kmap_local_page() mapping is released with kunmap_atomic() or kunmap(); use kunmap_local(addr)',
    KMAP_LOCAL_UNMAP_PAGE: 'kunmap_local() is given a struct page *; it takes the address kmap_local_page() returned',
    KMAP_LOCAL_LIFO: 'nested local mappings are released out of order; unmap the inner (later) mapping first',
    KMAP_LOCAL_ESCAPES: "a local mapping's address leaves the task that made it (handed to a scatterlist, a new thread or another CPU, " +
        'or stored where a work item, completion or wakeup it starts can find it); ' +
        'a scatterlist takes virt_to_page() of it, which is not the mapped page on HIGHMEM',
    KMAP_LOCAL_PERCPU: 'per-CPU state or smp_processor_id() is used under a local mapping, which (unlike kmap_atomic) ' +
        'leaves preemption enabled; disable preemption explicitly',
};
/** Pure: calls of the deprecated mapping API in C source, comments and strings left out. */
function countDeprecated(source) {
    const code = source
        .replace(/\/\*[\s\S]*?\*\//g, ' ')
        .replace(/\/\/[^\n]*/g, ' ')
        .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
    return [...code.matchAll(/\b(kmap|kmap_atomic|kunmap|kunmap_atomic)\s*\(/g)].length;
}
/** Pure: keep matches inside a function the series changed (or on a changed line), tied to the patch that did it. */
function keepChanged(matches, file, changed) {
    const seen = new Set();
    const findings = [];
    for (const m of matches) {
        const fn = changed.find((c) => c.file === file && (c.name === m.function || c.lines.includes(m.line)));
        const key = `${m.type}:${m.line}`;
        if (!fn || seen.has(key))
            continue;
        seen.add(key);
        findings.push({
            tool: 'readiness',
            severity: 'error',
            type: m.type,
            file,
            line: m.line,
            new: true,
            ...(fn.patches.length === 1 ? { patch: fn.patches[0] } : {}),
            message: `${MEANING[m.type] ?? m.type} (in ${fn.name}())`,
        });
    }
    return findings;
}
/**
 * Every rule of lint/kmap-local/ over these files, in one spatch run: the rules are concatenated into one semantic
 * patch (their rule names are distinct), so each C file is parsed once rather than once per rule.
 */
async function runKmapRules(files, options, rulesDir = RULES_DIR) {
    const names = (await readdir(rulesDir)).filter((n) => n.endsWith('.cocci')).sort();
    const texts = await Promise.all(names.map((n) => readFile(path.join(rulesDir, n), 'utf8')));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kpci-cocci-'));
    try {
        const combined = path.join(dir, 'kmap-local.cocci');
        await writeFile(combined, texts.join('\n'));
        return await runSpatch(combined, files, options);
    }
    finally {
        await rm(dir, { recursive: true, force: true });
    }
}
async function lintKmapLocal(treeDir, git, base, patches, timeoutMs) {
    const files = touchedCFiles(patches);
    const changed = await changedFunctions(treeDir, patches);
    const report = { findings: [], deprecated: { before: 0, after: 0 }, filesLinted: 0 };
    for (const file of files) {
        const before = await git.exec(['show', `${base}:${file}`]);
        if (before.code === 0)
            report.deprecated.before += countDeprecated(before.stdout);
        report.deprecated.after += countDeprecated(await readFile(path.join(treeDir, file), 'utf8'));
    }
    // only files with a changed function can have a finding we keep
    const linted = files.filter((f) => changed.some((c) => c.file === f));
    try {
        const matches = await runKmapRules(linted, { cwd: treeDir, timeoutMs });
        for (const file of linted)
            report.findings.push(...keepChanged(matches.filter((m) => m.file === file), file, changed));
        report.filesLinted = linted.length;
    }
    catch (error) {
        report.notRun = error.message;
    }
    report.findings.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
    return report;
}

/** Pure: what git send-email reports per mail ("Dry-OK"/"OK" with the headers it logged). */
function parseSendEmailLog(output) {
    const mails = [];
    let current;
    for (const line of output.split('\n')) {
        if (/^(Dry-)?(OK|Sent)\b.*Log says:$/i.test(line.trim()) || /^(Dry-)?OK\. Log says:$/.test(line.trim())) {
            current = { subject: '', recipients: [] };
            mails.push(current);
        }
        else if (current && /^RCPT TO:<(.+)>$/.exec(line.trim()))
            current.recipients.push(/^RCPT TO:<(.+)>$/.exec(line.trim())[1]);
        else if (current && line.startsWith('Subject: '))
            current.subject = line.slice('Subject: '.length).trim();
        else if (line.trim() === '')
            current = undefined;
    }
    return mails;
}
async function sendEmail(git, options) {
    // --no-to/--no-cc/--no-bcc first: nothing from any configuration adds recipients behind our back
    const args = [
        'send-email',
        '--confirm=never',
        '--no-to',
        '--no-cc',
        '--no-bcc',
        '--no-format-patch',
        `--from=${options.from}`,
    ];
    if (options.dryRun)
        args.push('--dry-run');
    if (options.suppressCc)
        args.push('--suppress-cc=all');
    for (const t of options.to)
        args.push(`--to=${t}`);
    for (const c of options.cc)
        args.push(`--cc=${c}`);
    const env = {};
    const smtp = options.smtp;
    if (smtp) {
        args.push(`--smtp-server=${smtp.host}`, `--smtp-server-port=${smtp.port}`, '--smtp-domain=localhost');
        if (smtp.encryption !== 'none')
            args.push(`--smtp-encryption=${smtp.encryption}`);
        if (smtp.user)
            args.push(`--smtp-user=${smtp.user}`);
        if (smtp.password !== undefined)
            Object.assign(env, {
                GIT_CONFIG_COUNT: '1',
                GIT_CONFIG_KEY_0: 'sendemail.smtpPass',
                GIT_CONFIG_VALUE_0: smtp.password,
            });
    }
    args.push(...options.files); // absolute paths; no "--", after which send-email takes them for revisions
    const result = await git.exec(args, { timeoutMs: options.timeoutMs, env });
    if (result.code !== 0 || result.timedOut) {
        const lines = `${result.stderr}\n${result.stdout}`
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean);
        const why = result.timedOut
            ? 'timed out'
            : (lines.find((l) => /^(fatal|error|Unable|Failed|Refusing)/i.test(l)) ?? lines.at(-1) ?? `exit ${result.code}`);
        throw new RunError(`git send-email${options.dryRun ? ' --dry-run' : ''} failed: ${why}`, 'tool');
    }
    return parseSendEmailLog(result.stdout);
}

// Mail round trip: git format-patch into <out>/mail (with a filled-in cover letter), a git send-email dry run to
// the maintainers, and, when asked, a real send to the submitter's own address only.
/** Pure: the subject and the text between the headers and the shortlog of a cover letter (mbox form). */
function readCoverLetter(mail) {
    const [head = '', ...rest] = mail.replace(/\r\n/g, '\n').split('\n\n');
    const rawSubject = /^Subject: ((?:.*)(?:\n[ \t].*)*)/m
        .exec(head)?.[1]
        ?.replace(/\n[ \t]+/g, ' ')
        .trim() ?? '';
    const lines = rest.join('\n\n').split('\n');
    const end = lines.findIndex((l) => /^\S.* \(\d+\):$/.test(l) || l === '-- ' || /^ \S.*\| +\d+/.test(l));
    return {
        rawSubject,
        subject: rawSubject.replace(/^(\s*\[[^\]]*\]\s*)+/, '').trim(),
        body: lines
            .slice(0, end < 0 ? undefined : end)
            .join('\n')
            .trim(),
    };
}
/** Pure: a cover letter subject: the area the patches share, and their summary when they all say the same. */
function coverLetterSubject(patches) {
    const prefixes = patches.map((p) => subjectPrefix(p.subject) ?? '');
    // "dm crypt" and "dm log writes" share "dm"; "md/md-bitmap" and "md/raid5-cache" share "md"
    const words = prefixes.map((p) => p.split(/[\s/]+/));
    let common = 0;
    while (words.every((w) => w[common] !== undefined && w[common] === words[0][common]))
        common++;
    const shared = common
        ? prefixes[0]
            .split(/(?<=[\s/])/)
            .slice(0, common)
            .join('')
            .replace(/[\s/]+$/, '')
        : '';
    const summaries = patches.map((p, i) => (prefixes[i] ? p.subject.slice(prefixes[i].length + 1).trim() : p.subject));
    const summary = summaries.every((s) => s === summaries[0])
        ? summaries[0]
        : `${patches.length} patches: ${summaries[0]}, …`;
    return shared ? `${shared}: ${summary}` : summary;
}
/** Pure: a cover letter body listing the patches and, as the testing statement, this run's stage results. */
function coverLetterBody(patches, previous, tested) {
    const n = patches.length;
    const lines = [`This series has ${n} patches:`, '', ...patches.map((p) => `  ${p.index}/${n} ${p.subject}`), ''];
    lines.push(`Testing: ${tested.tool} on ${tested.tree} at ${tested.base.slice(0, 12)}:`, '');
    for (const s of previous.filter((r) => r.name !== 'readiness')) {
        lines.push(`  ${s.name}: ${s.status} — ${s.summary}`);
    }
    if (previous.length === 0)
        lines.push('  (no earlier stage ran)');
    return lines.join('\n');
}
/** Pure: git format-patch's template cover letter with our subject and text in place of its placeholders. */
function fillCoverLetter(template, text) {
    return template.replace('*** SUBJECT HERE ***', text.subject).replace('*** BLURB HERE ***', text.body);
}
async function mailRoundTrip(options) {
    const { git, patches } = options;
    const dir = path.join(options.outDir, 'mail');
    await mkdir(dir, { recursive: true });
    // a previous run's mails
    for (const old of await readdir(dir))
        if (old.endsWith('.patch'))
            await rm(path.join(dir, old));
    const from = `${patches[0].author} <${patches[0].authorEmail}>`;
    const args = ['format-patch', `--base=${options.base}`, `-v${options.version}`, `--from=${from}`, '-o', dir];
    if (options.coverLetter)
        args.push('--cover-letter');
    // the cover letter's From: is the committer's identity; make it the submitter's, as on their own machine
    const ident = { GIT_COMMITTER_NAME: patches[0].author, GIT_COMMITTER_EMAIL: patches[0].authorEmail };
    const files = (await git.run([...args, `${options.base}..HEAD`], { timeoutMs: options.timeoutMs, env: ident }))
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const coverLetterFile = options.coverLetter ? files.find((f) => /-0000-cover-letter\.patch$/.test(f)) : undefined;
    if (coverLetterFile)
        await writeFile(coverLetterFile, fillCoverLetter(await readFile(coverLetterFile, 'utf8'), options.coverLetter));
    const { to, cc } = options.recipients;
    const dryRun = await sendEmail(git, { files, from, to, cc, dryRun: true, timeoutMs: options.timeoutMs });
    const report = {
        dir,
        files,
        ...(coverLetterFile ? { coverLetterFile } : {}),
        dryRun,
        sendCommand: [
            'git send-email',
            ...to.map((t) => `--to=${shellQuote(t)}`),
            ...cc.map((c) => `--cc=${shellQuote(c)}`),
            ...files.map((f) => shellQuote(path.relative(process.cwd(), f) || f)),
        ].join(' '),
    };
    if (options.settings.sendToSelf && options.settings.smtp) {
        const self = patches[0].authorEmail;
        const mails = await sendEmail(git, {
            files,
            from,
            to: [self],
            cc: [],
            dryRun: false,
            suppressCc: true,
            smtp: options.settings.smtp,
            timeoutMs: options.timeoutMs,
        });
        report.sentToSelf = { to: self, mails };
    }
    return report;
}

// readiness: is the series ready to mail to the right people? Hygiene, maintainers and tree, shape, kmap_local
// lint, and a format-patch/send-email round trip. Runs last, so the cover letter can quote this run's results.
const problem = (severity, type, message) => ({
    tool: 'readiness',
    severity,
    type,
    message,
    new: true,
});
/**
 * A tool that cannot run (no get_maintainer.pl, no spatch, a failing send-email) is a finding, not the end of the
 * stage.
 */
async function attempt(findings, type, work) {
    try {
        return await work();
    }
    catch (error) {
        if (!(error instanceof RunError))
            throw error;
        findings.push(problem('error', type, oneLine(error)));
        return undefined;
    }
}
async function checkReadiness(ctx, input) {
    const { git, dir } = ctx.tree;
    const { baseCommit, patchedCommit } = input.apply;
    // get_maintainer.pl, MAINTAINERS and the lint read the tree as the series leaves it
    await git.run(['checkout', '--quiet', '--detach', patchedCommit]);
    const { patches } = ctx.series;
    const timeoutMs = ctx.settings.stepTimeoutMs;
    const findings = [];
    const table = await loadPrefixTable();
    const hygiene = [];
    for (const p of patches)
        hygiene.push(...checkHygiene(p, await hygieneFacts(p, git, baseCommit, table)));
    findings.push(...hygiene);
    ctx.progress.info('readiness: get_maintainer.pl on each patch and on the series');
    const maintainers = await attempt(findings, 'GET_MAINTAINER_FAILED', () => findMaintainers(patches, ctx.tree.upstream, { treeDir: dir, timeoutMs }));
    if (maintainers)
        findings.push(...maintainers.findings);
    const recipients = maintainers?.series ?? { to: [], cc: [] };
    const cover = ctx.series.coverLetter
        ? readCoverLetter(await readFile(ctx.series.coverLetter.file, 'utf8'))
        : undefined;
    const shape = checkShape(ctx.series, cover?.rawSubject);
    findings.push(...shape.findings);
    ctx.progress.info('readiness: kmap_local lint (spatch) on the touched files');
    const lint = await lintKmapLocal(dir, git, baseCommit, patches, timeoutMs);
    findings.push(...lint.findings);
    if (lint.notRun)
        findings.push(problem('warning', 'KMAP_LINT_NOT_RUN', `kmap_local lint did not run: ${lint.notRun}`));
    ctx.progress.info('readiness: git format-patch and git send-email --dry-run');
    const coverLetter = patches.length < 2
        ? undefined
        : (cover ?? {
            subject: coverLetterSubject(patches),
            body: coverLetterBody(patches, input.earlier, {
                tool: `kernel-patch-ci ${TOOL_VERSION}`,
                tree: ctx.tree.source,
                base: baseCommit,
            }),
        });
    const mail = await attempt(findings, 'MAIL_FAILED', () => mailRoundTrip({
        git,
        base: baseCommit,
        version: shape.version,
        patches,
        recipients,
        ...(coverLetter ? { coverLetter } : {}),
        outDir: ctx.outDir,
        settings: ctx.settings.mail ?? { sendToSelf: false },
        timeoutMs,
    }));
    if (shape.needsCoverLetter && mail?.coverLetterFile) {
        findings.push(problem('info', 'COVER_LETTER_GENERATED', `no cover letter: generated ${mail.coverLetterFile} with the patch list and this run's results; ` +
            'review its text before sending'));
    }
    if (mail)
        findings.push(problem('info', 'SEND_COMMAND', `${mail.files.length} mails in ${mail.dir}; send them with: ${mail.sendCommand}`));
    if (mail?.sentToSelf)
        findings.push(problem('info', 'SENT_TO_SELF', `sent ${mail.sentToSelf.mails.length} mails to ${mail.sentToSelf.to} only`));
    const status = statusFromFindings(findings, ctx.settings.failOn);
    const count = (list) => list.filter((f) => f.severity !== 'info').length;
    const summary = [
        `${status === 'fail' ? 'not ready' : 'ready to send'}: ` +
            `${count(hygiene)} hygiene, ${count(shape.findings)} shape, ${lint.findings.length} kmap_local findings`,
        `To: ${recipients.to.join(', ') || '?'}; Cc: ${recipients.cc.join(', ') || '?'}`,
        ...(maintainers?.destination.length ? [`tree: ${describeDestination(maintainers.destination)}`] : []),
        'deprecated kmap/kmap_atomic/kunmap/kunmap_atomic calls in the touched files ' +
            `${lint.deprecated.before} → ${lint.deprecated.after}`,
        mail
            ? `${mail.files.length} mails in ${path.relative(ctx.outDir, mail.dir) || '.'}/ ` +
                `(send-email dry run: ${mail.dryRun.length} OK)${mail.sentToSelf ? `, sent to ${mail.sentToSelf.to}` : ''}`
            : 'no mails made',
    ].join('; ');
    return { result: { name: 'readiness', status, durationMs: 0, summary, findings } };
}
const readinessStage = { name: 'readiness', needs: ['apply'], uses: [], run: checkReadiness };

// The one list of stages: each name of the results model mapped to its module, and what a run of some of them
// must run first. The order is the model's STAGE_ORDER.
const STAGES = {
    apply: applyStage,
    checkpatch: checkpatchStage,
    sparse: sparseStage,
    build: buildStage,
    boot: bootStage,
    readiness: readinessStage,
};
/**
 * The stages a run of `asked` runs, in order: each asked one and, transitively, what it needs and uses. A --continue
 * step takes what it uses from the earlier steps of the run instead (the Action builds in one step, boots in the
 * next), but what it needs (apply: the patched tree) it runs again.
 */
function stagesToRun(asked, continueRun = false) {
    const chosen = new Set(asked);
    for (let grew = true; grew;) {
        grew = false;
        for (const name of [...chosen]) {
            const stage = STAGES[name];
            for (const dep of [...stage.needs, ...(continueRun ? [] : stage.uses)]) {
                if (!chosen.has(dep))
                    grew = Boolean(chosen.add(dep));
            }
        }
    }
    return STAGE_ORDER.filter((name) => chosen.has(name));
}

// A stage's hand-on kept in the work dir, so that a --continue step (the Action's next step, a new process) gets
// what an earlier step made: the boot step boots the kernels the build step built.
const fileOf = (workDir, stage) => path.join(workDir, 'handoffs', `${stage}.json`);
async function saveHandoff(workDir, stage, baseCommit, handoff) {
    await mkdir(path.dirname(fileOf(workDir, stage)), { recursive: true });
    await writeFile(fileOf(workDir, stage), JSON.stringify({ baseCommit, handoff }, null, 2) + '\n');
}
/** An earlier step's hand-on for the same base commit; undefined when there is none, or it is of another tree. */
async function loadHandoff(workDir, stage, baseCommit) {
    const text = await readFile(fileOf(workDir, stage), 'utf8').catch(() => undefined);
    if (text === undefined)
        return undefined;
    try {
        const kept = JSON.parse(text);
        return kept.baseCommit === baseCommit ? kept.handoff : undefined;
    }
    catch {
        return undefined; // a torn write: as if that step made nothing
    }
}

/** A finding the series is blamed for (warnings and errors it introduced), as the comparison keeps it. */
function blamed(results) {
    return results.stages.flatMap((s) => s.findings
        .filter((f) => f.severity !== 'info' && f.new !== false)
        .map((f) => ({
        stage: s.name,
        severity: f.severity,
        ...(f.type ? { type: f.type } : {}),
        ...(f.file ? { file: f.file } : {}),
        ...(f.line ? { line: f.line } : {}),
        ...(f.config ? { config: f.config } : {}),
        message: f.message.split('\n')[0] ?? '',
    })));
}
/** One finding across versions: its line moves when code above it changes, and numbers in it come and go. */
const identity = (f) => [f.stage, f.type ?? '', f.file ?? '', f.config ?? '', normalizeMessage(f.message).replace(/\d+/g, '#')].join(' | ');
function versionRecord(results) {
    return { stages: results.stages.map((s) => s.name), findings: blamed(results) };
}
/**
 * Multiset difference: a second copy of a finding that stayed is still one more. A previous finding counts as fixed
 * only where this run ran its stage again (a checkpatch-only run has not fixed the build's findings).
 */
function compareVersions(previous, current) {
    const left = new Map();
    for (const f of previous.findings)
        left.set(identity(f), [...(left.get(identity(f)) ?? []), f]);
    const added = [];
    const remaining = [];
    for (const f of current.findings) {
        const same = left.get(identity(f));
        if (same?.length) {
            same.shift();
            remaining.push(f);
        }
        else
            added.push(f);
    }
    const fixed = [...left.values()].flat().filter((f) => current.stages.includes(f.stage));
    return { fixed, added, remaining };
}

// --previous DIR|RANGE|PATCHES: the series' previous version, committed on this run's base without touching the
// worktree (a scratch index), for git range-diff; and, from an earlier out dir, its findings.
/** The range-diff of a long series is long; the report keeps its head. */
const RANGE_DIFF_LINES = 400;
/** The patches an earlier out dir read (work/series/NNNN/input.mbox, in order), if it still has them. */
async function outDirInputs(dir) {
    const series = path.join(dir, 'work', 'series');
    const parts = existsSync(series) ? (await readdir(series)).filter((n) => /^\d{4}$/.test(n)).sort() : [];
    return parts.map((n) => path.join(series, n, 'input.mbox')).filter((f) => existsSync(f));
}
/**
 * Read before this run reads its own series: --previous may be this run's own --out (a rerun in place), whose
 * series and results this run is about to replace.
 */
async function readPrevious(spec, tree, workDir) {
    const scratch = path.join(workDir, 'previous');
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    const dir = path.resolve(spec);
    if (existsSync(path.join(dir, RESULTS_FILE))) {
        const results = await readResultsFile(path.join(dir, RESULTS_FILE)).catch((error) => {
            throw inputError(`--previous ${spec}: ${oneLine(error)}`);
        });
        const inputs = await outDirInputs(dir);
        const patches = inputs.length ? (await readSeries(inputs, tree, scratch)).series.patches : undefined;
        return { from: `the run in ${dir}`, ...(results ? { results } : {}), ...(patches ? { patches } : {}) };
    }
    const read = await readSeries([spec], tree, scratch).catch((error) => {
        throw inputError(`--previous ${spec}: ${oneLine(error)}`);
    });
    return { from: spec, patches: read.series.patches };
}
/** The patches as commits on base, made in a scratch index: the worktree stays at the patched commit. */
async function commitOnBase(git, base, patches, index) {
    const env = { GIT_INDEX_FILE: index };
    let parent = base;
    for (const p of patches) {
        const read = await git.exec(['read-tree', parent], { env });
        const applied = read.code === 0 ? await git.exec(['apply', '--cached', p.file], { env }) : read;
        if (applied.code !== 0) {
            const first = (applied.stderr || applied.stdout).trim().split('\n')[0] ?? '';
            return { why: `patch ${p.index} of the previous version does not apply to this base (${first})` };
        }
        const tree = (await git.exec(['write-tree'], { env })).stdout.trim();
        const author = { GIT_AUTHOR_NAME: p.author || 'unknown', GIT_AUTHOR_EMAIL: p.authorEmail || 'unknown' };
        const made = await git.exec(['commit-tree', tree, '-p', parent, '-m', `${p.subject}\n\n${p.body}`], {
            env: { ...env, ...author },
        });
        if (made.code !== 0)
            return { why: `git commit-tree failed for patch ${p.index}: ${made.stderr.trim()}` };
        parent = made.stdout.trim();
    }
    return { head: parent };
}
/** What changed since the previous version: range-diff and findings. */
async function previousVersion(input) {
    const prev = input.previous;
    const delta = prev.results
        ? compareVersions(versionRecord(prev.results), versionRecord(input.results))
        : { fixed: [], added: [], remaining: [] };
    const out = { from: prev.from, findingsKnown: prev.results !== undefined, ...delta };
    if (!prev.patches)
        out.rangeDiffWhy = 'the previous run no longer has its patches (work/series)';
    else if (!input.patchedCommit)
        out.rangeDiffWhy = 'this version did not apply';
    else {
        const index = path.join(input.workDir, 'previous', 'index');
        const made = await commitOnBase(input.git, input.baseCommit, prev.patches, index);
        if ('why' in made)
            out.rangeDiffWhy = made.why;
        else {
            const diff = await input.git.exec([
                'range-diff',
                '--no-color',
                `${input.baseCommit}..${made.head}`,
                `${input.baseCommit}..${input.patchedCommit}`,
            ]);
            if (diff.code !== 0)
                out.rangeDiffWhy = `git range-diff failed: ${diff.stderr.trim().split('\n')[0] ?? ''}`;
            else {
                const lines = diff.stdout.trimEnd().split('\n');
                out.rangeDiff =
                    lines.length > RANGE_DIFF_LINES
                        ? [...lines.slice(0, RANGE_DIFF_LINES), `… ${lines.length - RANGE_DIFF_LINES} more lines`].join('\n')
                        : lines.join('\n');
            }
        }
    }
    return out;
}

const tool = (command, pkg, why, required = true, args = ['--version']) => ({
    command,
    args,
    pkg,
    required,
    why,
});
/** Per stage, the commands it runs; the build's compiler and the boot's QEMU depend on the cells' arches. */
function stageNeeds(stage, arches) {
    switch (stage) {
        case 'apply':
            return [tool('git', 'git', 'git am, worktrees')];
        case 'checkpatch':
            return [tool('perl', 'perl', "the tree's scripts/checkpatch.pl")];
        case 'sparse':
            return [
                tool('sparse', 'sparse', 'make C=1'),
                tool('gcc', 'gcc', 'the kernel build'),
                tool('make', 'make', 'kbuild'),
            ];
        case 'build':
            return [
                tool('gcc', 'gcc', 'the kernel build'),
                tool('make', 'make', 'kbuild'),
                tool('ccache', 'ccache', 'CC=ccache gcc'),
                tool('flex', 'flex', 'Kconfig and dtc'),
                tool('bison', 'bison', 'Kconfig and dtc'),
                tool('bc', 'bc', 'kernel/time/timeconst.bc'),
            ];
        case 'boot':
            return [
                // an arch with no QEMU here is its cell's own error (the boot stage says so), not every cell's
                ...[...new Set(arches)].flatMap((a) => {
                    const guest = ARCHES[a]?.guest;
                    return guest ? [tool(guest.qemuBinary, guest.qemuPackage, `the ${a} guests`)] : [];
                }),
                tool('cpio', 'cpio', 'the initramfs'),
                tool('apt-get', 'apt', 'the guest packages'),
                tool('dpkg-deb', 'dpkg', 'the guest packages'),
                tool('gcov', 'gcc', 'coverage of the changed functions', false),
                // without them the maintainers' suites are reported unavailable and the scenarios still run
                tool('dpkg-source', 'dpkg-dev', "the maintainers' suites (Debian sources)", false),
                tool('mke2fs', 'e2fsprogs', "the maintainers' suites (their disk)", false, ['-V']),
            ];
        case 'readiness':
            return [
                tool('spatch', 'coccinelle', 'the kmap_local lint', false),
                tool('perl', 'perl', "the tree's scripts/get_maintainer.pl"),
            ];
    }
}
const versionCache = new Map();
function probe(need) {
    let p = versionCache.get(need.command);
    if (!p) {
        p = execTool(need.command, need.args, { timeoutMs: 20_000 }).then((r) => ({
            version: `${r.stdout}\n${r.stderr}`
                .split('\n')
                .map((l) => l.trim())
                .find(Boolean) ?? `exit ${r.code}`,
        }), () => ({ problem: `${need.command} is not installed (Debian package: ${need.pkg})` }));
        versionCache.set(need.command, p);
    }
    return p;
}
/** Every tool the stages need, checked (in parallel); cross compilers for the build's arches too. */
async function checkStages(stages, arches) {
    versionCache.clear(); // a run sees this moment's PATH, not an earlier one's
    const checks = stages.flatMap((stage) => stageNeeds(stage, arches).map(async (need) => ({
        stage,
        command: need.command,
        required: need.required,
        why: need.why,
        ...(await probe(need)),
    })));
    const compilers = stages.includes('build')
        ? [...new Set(arches)].map(async (arch) => {
            const t = await toolchainFor(arch);
            return {
                stage: 'build',
                command: `compiler for ARCH=${arch}`,
                required: true,
                perCell: true,
                why: `the ${arch} cells`,
                ...(t.ok ? { version: t.crossCompile ? `${t.crossCompile}gcc` : 'the host gcc' } : { problem: t.reason }),
            };
        })
        : [];
    return Promise.all([...checks, ...compilers]);
}
/** The first problem of each stage that cannot run at all, by stage (a cell's missing compiler is that cell's). */
function blockedStages(checks) {
    const blocked = new Map();
    for (const c of checks)
        if (c.required && !c.perCell && c.problem && !blocked.has(c.stage))
            blocked.set(c.stage, c.problem);
    return blocked;
}

// Where a series is applied. `git format-patch --base` writes "base-commit: <sha>" into the series (0-day and b4
// read it): apply there, as they do, unless --ref says otherwise; a tarball has no history, so it only notes it.
const BASE_COMMIT = /^base-commit: ([0-9a-f]{40})\s*$/m;
/** The base-commit the series names (the cover letter's, else the first patch's that has one). */
async function namedBaseCommit(series) {
    for (const file of [...(series.coverLetter ? [series.coverLetter.file] : []), ...series.patches.map((p) => p.file)]) {
        const m = BASE_COMMIT.exec(await readFile(file, 'utf8').catch(() => ''));
        if (m)
            return m[1];
    }
    return undefined;
}
/** Pure: --ref first, then a BASE..HEAD range's base, then the series' base-commit: where the tree has history. */
function chooseBase(opts) {
    const short = opts.named?.slice(0, 12);
    if (opts.ref !== undefined) {
        return {
            ref: opts.ref,
            why: '--ref',
            ...(opts.named && opts.named !== opts.ref
                ? { note: `the series names base-commit ${short}; --ref ${opts.ref} is used instead` }
                : {}),
        };
    }
    if (opts.rangeBase !== undefined)
        return { ref: opts.rangeBase, why: 'the base of the commit range' };
    if (opts.named && (opts.source === 'remote' || opts.source === 'git-dir'))
        return { ref: opts.named, why: "the series' base-commit:" };
    if (opts.named)
        return {
            why: opts.source === 'tarball' ? 'the tarball' : 'the directory',
            note: `the series names base-commit ${short}, but a ${opts.source === 'tarball' ? 'tarball' : 'plain directory'} ` +
                'has no history: applied to its tree',
        };
    return {
        why: opts.source === 'remote'
            ? 'the default branch for-next'
            : opts.source === 'git-dir'
                ? "the checkout's HEAD"
                : opts.source === 'tarball'
                    ? 'the tarball'
                    : 'the directory',
    };
}

// The pipeline: read the series, prepare the tree, run the chosen stages in the contract's order, write results.
const WORK_MARKER = '.kernel-patch-ci-work';
/** Our scratch space inside the out dir; refuse to reuse a "work" dir someone else made. */
async function claimWorkDir(outDir) {
    const workDir = path.join(outDir, 'work');
    if (existsSync(workDir) && !existsSync(path.join(workDir, WORK_MARKER))) {
        throw inputError(`${workDir} exists and was not made by kernel-patch-ci: choose another --out`);
    }
    await mkdir(workDir, { recursive: true });
    await writeFile(path.join(workDir, WORK_MARKER), 'scratch space of kernel-patch-ci; safe to delete\n');
    return workDir;
}
/** A bug, not a bad input: the user gets one line, the stack goes to a log file for the bug report. */
async function recordInternalError(outDir, error) {
    const log = path.join(outDir, 'logs', 'internal-error.log');
    await mkdir(path.dirname(log), { recursive: true }).catch(() => undefined);
    await appendFile(log, `${new Date().toISOString()} ${error?.stack ?? String(error)}\n`).catch(() => undefined);
    return `${oneLine(error)} (details in ${log})`;
}
/**
 * --continue: the stages an earlier step of this run already wrote to the out dir's results.json. They must be of
 * the same tree and series, or the step would mix two runs' verdicts.
 */
async function earlierStages(outDir, baseCommit, series) {
    const earlier = await readResults(outDir).catch((error) => {
        throw inputError(`--continue: ${oneLine(error)}: use a new --out`);
    });
    if (!earlier)
        return [];
    const sameSeries = JSON.stringify(earlier.series?.map((p) => p.subject)) === JSON.stringify(series.map((p) => p.subject));
    if (earlier.tree?.baseCommit !== baseCommit || !sameSeries) {
        throw inputError(`--continue: ${path.join(outDir, 'results.json')} is from another tree or series: use a new --out`);
    }
    return earlier.stages;
}
const inStageOrder = (a, b) => STAGE_ORDER.indexOf(a.name) - STAGE_ORDER.indexOf(b.name);
const skipped = (name, summary) => ({
    name,
    status: 'skip',
    durationMs: 0,
    summary,
    findings: [],
});
/** The hand-ons a stage takes, or why it cannot run: a needed stage did not pass, a used one left nothing. */
function inputFor(stage, done, handoffs) {
    for (const name of stage.needs) {
        const need = done.find((d) => d.name === name);
        if (need && need.status !== 'pass' && need.status !== 'warn')
            return `skipped: ${name} ${need.status === 'skip' ? 'was skipped' : 'did not pass'}`;
    }
    for (const name of [...stage.needs, ...stage.uses]) {
        if (handoffs[name] !== undefined)
            continue;
        const ran = done.find((d) => d.name === name);
        return ran
            ? `skipped: ${name} (${ran.status}) left nothing to use`
            : `skipped: ${name} has not run in this out dir`;
    }
    return { ...handoffs, earlier: [...done] };
}
async function runStage(stage, ctx, done, handoffs) {
    const input = inputFor(stage, done, handoffs);
    if (typeof input === 'string')
        return skipped(stage.name, input);
    ctx.progress.stageStart(stage.name);
    const t0 = Date.now();
    let result;
    try {
        const output = await stage.run(ctx, input);
        result = output.result;
        const name = stage.name;
        if (output.handoff !== undefined && handsOn(name)) {
            Object.assign(handoffs, { [name]: output.handoff }); // a handing stage's Out is Handoffs[name]
            await saveHandoff(ctx.workDir, name, ctx.tree.baseCommit, output.handoff);
        }
    }
    catch (error) {
        const summary = error instanceof RunError ? oneLine(error) : await recordInternalError(ctx.outDir, error);
        result = { name: stage.name, status: 'error', durationMs: 0, summary, findings: [] };
    }
    result.durationMs = Date.now() - t0;
    ctx.progress.stageEnd(stage.name, result.status, result.summary, result.durationMs);
    return result;
}
/** --continue: what the kept stages handed on in their step, for the stages of this one. */
async function keptHandoffs(workDir, baseCommit, kept) {
    const handoffs = {};
    for (const { name } of kept) {
        if (!handsOn(name))
            continue;
        const handoff = await loadHandoff(workDir, name, baseCommit);
        if (handoff)
            Object.assign(handoffs, { [name]: handoff });
    }
    return handoffs;
}
async function runPipeline(settings, progress) {
    const results = {
        schemaVersion: SCHEMA_VERSION,
        tool: { name: 'kernel-patch-ci', version: TOOL_VERSION },
        verdict: 'error',
        tree: { source: settings.tree, ...(settings.ref ? { ref: settings.ref } : {}) },
        series: [],
        stages: [],
    };
    try {
        const workDir = await claimWorkDir(settings.outDir);
        // boot without build (a --continue step) boots the kernels an earlier step built for the same matrix
        const cells = settings.stages.includes('build') || settings.stages.includes('boot') ? await resolveCells(settings.configs) : [];
        const source = await classifyTree(settings.tree);
        const previous = settings.previous
            ? await readPrevious(settings.previous, source, workDir).catch((error) => oneLine(error))
            : undefined;
        progress.info('reading the series');
        const { series, rangeBase } = await readSeries(settings.series, source, workDir);
        results.series = toSeriesEntries(series);
        progress.info(`series: ${series.patches.length} patch${series.patches.length === 1 ? '' : 'es'}; ` +
            `preparing the tree ${settings.tree}`);
        const t0 = Date.now();
        const named = await namedBaseCommit(series);
        const base = chooseBase({
            ...(settings.ref !== undefined ? { ref: settings.ref } : {}),
            ...(rangeBase ? { rangeBase } : {}),
            ...(named ? { named } : {}),
            source: source.kind,
        });
        if (base.note)
            progress.info(base.note);
        const tree = await progress.alive('preparing the tree', prepareTree(source, { ...settings, ref: base.ref, workDir }).catch((error) => {
            if (base.why !== "the series' base-commit:")
                throw error;
            throw inputError(`the series' base-commit ${named} is not in ${settings.tree} (${oneLine(error)}): ` +
                'fetch it there, or give --ref');
        }));
        results.tree = {
            source: tree.source,
            ...(tree.ref ? { ref: tree.ref } : {}),
            baseCommit: tree.baseCommit,
            baseFrom: base.why,
        };
        progress.info(`tree ready at ${tree.baseCommit.slice(0, 12)} in ${((Date.now() - t0) / 1000).toFixed(1)}s` +
            `${tree.how ? ` (${tree.how})` : ''}`);
        const baseCacheDir = settings.baseCache ? path.join(settings.cacheDir, 'base') : undefined;
        const boot = {
            guestDir: settings.guestDir,
            cacheDir: settings.cacheDir,
            ...(baseCacheDir ? { baseCacheDir } : {}),
            bootTimeoutMs: settings.bootTimeoutMs,
            scenarioTimeoutMs: settings.scenarioTimeoutMs,
            suites: settings.suites,
            suiteReruns: settings.suiteReruns,
            suiteTimeoutMs: settings.suiteTimeoutMs,
            ...(settings.scenarios ? { scenarios: settings.scenarios } : {}),
        };
        const ctx = {
            settings: { ...settings, cells, boot, ...(baseCacheDir ? { baseCacheDir } : {}) },
            tree,
            series,
            workDir,
            outDir: settings.outDir,
            progress,
        };
        const wanted = new Set(settings.stages);
        const kept = settings.continueRun
            ? (await earlierStages(settings.outDir, tree.baseCommit, results.series)).filter((s) => !wanted.has(s.name))
            : [];
        results.stages = [...kept];
        const handoffs = await keptHandoffs(workDir, tree.baseCommit, kept);
        // before the first long step: a stage whose tools are missing is an error now, and nothing but apply runs
        const blocked = blockedStages(await checkStages([...wanted], cells.map((c) => c.arch)));
        for (const name of STAGE_ORDER) {
            const stage = STAGES[name];
            if (!wanted.has(name))
                continue;
            if (blocked.size && (stage.name !== 'apply' || blocked.has('apply'))) {
                const problem = blocked.get(stage.name);
                const [first, why] = [...blocked][0];
                results.stages.push({
                    name: stage.name,
                    status: problem ? 'error' : 'skip',
                    durationMs: 0,
                    summary: problem ?? `not run: ${first} cannot run here (${why})`,
                    findings: [],
                });
                progress.stageEnd(stage.name, problem ? 'error' : 'skip', results.stages.at(-1).summary, 0);
                continue;
            }
            results.stages.push(await runStage(stage, ctx, results.stages, handoffs));
        }
        results.stages.sort(inStageOrder);
        results.verdict = overallVerdict(results.stages);
        const reason = verdictReason(results.stages);
        if (reason)
            results.reason = reason;
        if (settings.previous && previous !== undefined) {
            const patchedCommit = handoffs.apply?.patchedCommit;
            const failed = (why) => ({
                from: settings.previous,
                findingsKnown: false,
                rangeDiffWhy: why,
                fixed: [],
                added: [],
                remaining: [],
            });
            // what changed since the previous version is told, never judged: a comparison that fails leaves the verdict
            results.previous =
                typeof previous === 'string'
                    ? failed(previous)
                    : await previousVersion({
                        previous,
                        git: tree.git,
                        workDir,
                        baseCommit: tree.baseCommit,
                        ...(patchedCommit ? { patchedCommit } : {}),
                        results,
                    }).catch((error) => failed(oneLine(error)));
        }
    }
    catch (error) {
        results.verdict = 'error';
        results.reason = error instanceof RunError ? oneLine(error) : await recordInternalError(settings.outDir, error);
    }
    await writeResults(settings.outDir, results).catch((error) => {
        throw infraError(`cannot write results to ${settings.outDir}: ${error.code ?? error.message}`);
    });
    return results;
}

// Progress on stderr: one line per stage start/end with elapsed time, and a heartbeat while a long step runs.
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
function stderrProgress(write = (l) => process.stderr.write(l + '\n'), heartbeatMs = 30_000) {
    const started = Date.now();
    const stamp = () => `[${seconds(Date.now() - started).padStart(7)}]`;
    return {
        stageStart: (name) => write(`${stamp()} ${name}: started`),
        stageEnd: (name, status, summary, ms) => write(`${stamp()} ${name}: ${status} in ${seconds(ms)} — ${summary}`),
        info: (message) => write(`${stamp()} ${message}`),
        async alive(what, work) {
            const t0 = Date.now();
            const timer = setInterval(() => {
                write(`${stamp()}   … still ${what} (${seconds(Date.now() - t0)})`);
            }, heartbeatMs);
            try {
                return await work;
            }
            finally {
                clearInterval(timer);
            }
        },
    };
}

const RUN_OPTIONS = [
    {
        name: 'series',
        type: 'string',
        multiple: true,
        arg: 'PATCH|DIR|MBOX|BASE..HEAD',
        help: 'the series: patch files (also as plain arguments), a directory of them, an mbox, ' +
            'or a commit range of a local --tree',
    },
    {
        name: 'tree',
        type: 'string',
        arg: 'URL|DIR|TARBALL',
        help: 'the kernel tree to apply to: a git URL, a checkout (never modified) or a source tarball; ' +
            'default linux-dm.git, or the kernel checkout you are in',
    },
    {
        name: 'ref',
        type: 'string',
        arg: 'REF',
        help: 'branch, tag or commit of --tree (for a URL, default for-next); ' +
            'a series with base-commit: applies there instead',
    },
    {
        name: 'stages',
        type: 'string',
        arg: 'NAME[,NAME…]',
        help: 'apply, checkpatch, sparse, build, boot, readiness (default all; apply always runs)',
    },
    {
        name: 'configs',
        type: 'string',
        arg: 'NAME|FILE[,…]',
        help: 'build matrix: shipped cells (x86_64-dm, i386-highmem) or config fragment files',
    },
    {
        name: 'out',
        type: 'string',
        arg: 'DIR',
        help: 'where results.json, report.md and the artifacts go (default ./kernel-patch-ci-out)',
    },
    {
        name: 'format',
        type: 'string',
        arg: 'terse|md|json',
        help: 'what stdout gets: file:line: findings as gcc prints them (terse, default), report.md, or results.json',
    },
    { name: 'all-findings', type: 'boolean', help: 'with --format terse, also print what the base tree already had' },
    { name: 'jobs', short: 'j', type: 'string', arg: 'N', help: 'make -j for the builds (default: the number of CPUs)' },
    {
        name: 'fail-on',
        type: 'string',
        arg: 'error|warning|new-warning',
        help: 'which findings fail the verdict (default new-warning)',
    },
    { name: 'checkpatch-strict', type: 'boolean', help: 'run checkpatch.pl --strict' },
    {
        name: 'checkpatch-ignore',
        type: 'string',
        arg: 'TYPE[,TYPE…]',
        help: 'checkpatch types to ignore, like LONG_LINE',
    },
    {
        name: 'cache-dir',
        type: 'string',
        arg: 'DIR',
        help: 'trees, guest packages and ccache kept between runs (default $KPCI_CACHE_DIR or ~/.cache/kernel-patch-ci)',
    },
    {
        name: 'ccache-dir',
        type: 'string',
        arg: 'DIR',
        help: 'the compiler cache (default $CCACHE_DIR or <cache-dir>/ccache)',
    },
    { name: 'ccache-size', type: 'string', arg: 'SIZE', help: 'ccache -M, like 5G (default 5G)' },
    {
        name: 'step-timeout',
        type: 'string',
        arg: 'SECONDS',
        help: 'the limit of one tool run, a build included (default 3600)',
    },
    {
        name: 'scenarios',
        type: 'string',
        arg: 'NAME[,…]',
        help: 'boot: run only these guest scenarios (default: those the change reaches)',
    },
    {
        name: 'guest-dir',
        type: 'string',
        arg: 'DIR',
        help: 'boot: the guest init, scenarios and package list (default the shipped guest/)',
    },
    {
        name: 'boot-timeout',
        type: 'string',
        arg: 'SECONDS',
        help: 'boot: the limit for a guest to reach its init (default 120)',
    },
    { name: 'scenario-timeout', type: 'string', arg: 'SECONDS', help: 'boot: the limit of one scenario (default 180)' },
    {
        name: 'suites',
        type: 'string',
        arg: 'default|full|none',
        help: "boot: the maintainers' suites (cryptsetup, mdadm): the tests the change reaches, all of theirs, or none",
    },
    {
        name: 'suite-reruns',
        type: 'string',
        arg: 'N',
        help: 'boot: reruns of a failing suite test before it counts as failed (default 2)',
    },
    { name: 'suite-timeout', type: 'string', arg: 'SECONDS', help: 'boot: the limit of one suite test (default 300)' },
    {
        name: 'previous',
        type: 'string',
        arg: 'DIR|RANGE|PATCHES',
        help: "the series' previous version (an earlier --out, BASE..HEAD, or its patches): range-diff and findings",
    },
    {
        name: 'no-base-cache',
        type: 'boolean',
        help: 'build and boot the base again instead of taking what an earlier run proved of it from the cache',
    },
    {
        name: 'continue',
        type: 'boolean',
        help: 'add to the results.json already in --out (one stage per call, as the Action runs)',
    },
    {
        name: 'smtp-server',
        type: 'string',
        arg: 'HOST[:PORT]',
        help: 'readiness: the server --send-to-self mails through',
    },
    {
        name: 'smtp-user',
        type: 'string',
        arg: 'USER',
        help: 'readiness: SMTP login (the password in $KPCI_SMTP_PASSWORD)',
    },
    { name: 'smtp-encryption', type: 'string', arg: 'none|tls|ssl', help: 'readiness: SMTP encryption (default none)' },
    {
        name: 'send-to-self',
        type: 'boolean',
        help: 'readiness: mail the series to its author with git send-email, as a last check',
    },
];
/** The parseArgs options object for RUN_OPTIONS. */
function parseArgsOptions() {
    return Object.fromEntries(RUN_OPTIONS.map((o) => [
        o.name,
        { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]));
}
const EXIT_CODES = [
    ['0', 'the series passed'],
    ['1', 'the series has problems: the verdict is fail'],
    [
        '2',
        'the run could not be done: bad usage, unreadable input, a missing tool, ' +
            'an infrastructure failure (one line says which)',
    ],
];
const ENVIRONMENT = [
    ['KPCI_CACHE_DIR', 'the default of --cache-dir'],
    ['CCACHE_DIR', 'the default of --ccache-dir'],
    ['KPCI_ACCEL', 'kvm or tcg: the QEMU accelerator, instead of probing /dev/kvm'],
    ['KPCI_SMTP_PASSWORD', 'the password for --smtp-user'],
    ['KPCI_FETCH_ATTEMPTS', 'how often a git fetch of --tree is tried (default 3)'],
    ['XDG_CACHE_HOME', 'where the default cache dir lives (~/.cache)'],
];
const table = (rows, width) => rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
function runHelp() {
    const flags = RUN_OPTIONS.map((o) => [`${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.arg ? ` ${o.arg}` : ''}`, o.help]);
    const width = Math.max(...flags.map(([f]) => f.length));
    return [
        'usage: kernel-patch-ci run [OPTIONS] [PATCH…]',
        '',
        'Vet a kernel patch series as its maintainers will: apply it, run checkpatch and sparse, build the config',
        'matrix, boot every kernel in QEMU with the dm/md workloads, and check it is ready to mail.',
        '',
        'options:',
        table(flags, width),
        '',
        'exit codes:',
        table(EXIT_CODES, 1),
        '',
        'environment:',
        table(ENVIRONMENT, Math.max(...ENVIRONMENT.map(([k]) => k.length))),
    ].join('\n');
}
const COMMANDS = [
    ['run', 'vet a patch series (kernel-patch-ci run --help for its options)'],
    ['doctor', 'say which tools each stage needs, which are here, and whether QEMU can use KVM'],
    ['version', 'print the version'],
    ['help', 'print this, or `help run`'],
];
function mainHelp() {
    return [
        'usage: kernel-patch-ci <command> [OPTIONS]',
        '',
        'commands:',
        table(COMMANDS, 7),
        '',
        'exit codes:',
        table(EXIT_CODES, 1),
    ].join('\n');
}
function doctorHelp() {
    return [
        'usage: kernel-patch-ci doctor [--stages NAME[,NAME…]] [--configs NAME|FILE[,…]] [--cache-dir DIR]',
        '',
        "Per stage, the tools it needs and their versions, the compilers for the cells' arches, whether QEMU really",
        'starts a guest under KVM (else TCG), the free disk under the cache dir, and Node: one table.',
        '',
        'exit codes:',
        table([
            ['0', 'every asked stage can run here'],
            ['2', 'something a stage needs is missing (the table says what)'],
        ], 1),
    ].join('\n');
}

/** Stages this version can run; the rest of the contract's list arrives with later versions. */
const FAIL_ON = ['error', 'warning', 'new-warning'];
const SUITE_MODES = ['default', 'full', 'none'];
const FORMATS = ['terse', 'md', 'json'];
function defaultCacheDir(env = process.env) {
    if (env.KPCI_CACHE_DIR)
        return path.resolve(env.KPCI_CACHE_DIR);
    const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
    return path.join(base, 'kernel-patch-ci');
}
function positiveInt(name, value, fallback) {
    if (value === undefined)
        return fallback;
    if (!/^\d+$/.test(value) || Number(value) < 1)
        throw usageError(`${name} must be a positive whole number, not ${JSON.stringify(value)}`);
    return Number(value);
}
const ENCRYPTIONS = ['none', 'tls', 'ssl'];
/** --smtp-server host[:port] (an IPv6 address in brackets), --smtp-user with KPCI_SMTP_PASSWORD, --send-to-self. */
function parseMail(v, env) {
    const sendToSelf = v['send-to-self'] ?? false;
    const server = v['smtp-server'];
    if (server === undefined) {
        if (sendToSelf)
            throw usageError('--send-to-self needs --smtp-server HOST[:PORT]');
        if (v['smtp-user'] !== undefined || v['smtp-encryption'] !== undefined)
            throw usageError('--smtp-user and --smtp-encryption need --smtp-server HOST[:PORT]');
        return { sendToSelf };
    }
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d+))?$/.exec(server);
    if (!m)
        throw usageError(`--smtp-server takes HOST[:PORT] like smtp.example.org:587, not ${JSON.stringify(server)}`);
    const port = m[2] === undefined ? 25 : Number(m[2]);
    if (!(port >= 1 && port <= 65535))
        throw usageError(`--smtp-server port must be 1-65535, not ${m[2]}`);
    const encryption = (v['smtp-encryption'] ?? 'none');
    if (!ENCRYPTIONS.includes(encryption))
        throw usageError(`--smtp-encryption must be one of ${ENCRYPTIONS.join(', ')}, not ${JSON.stringify(v['smtp-encryption'])}`);
    const user = v['smtp-user'];
    if (user !== undefined && !/^[^\s]+$/.test(user))
        throw usageError(`--smtp-user must be one word, not ${JSON.stringify(user)}`);
    if (user !== undefined && !env.KPCI_SMTP_PASSWORD)
        throw usageError('--smtp-user needs the password in the environment variable KPCI_SMTP_PASSWORD');
    if (!sendToSelf)
        throw usageError('--smtp-server is only used with --send-to-self (the dry run needs no server)');
    const smtp = {
        host: m[1].replace(/^\[|\]$/g, ''),
        port,
        encryption,
        ...(user !== undefined ? { user, password: env.KPCI_SMTP_PASSWORD } : {}),
    };
    return { smtp, sendToSelf };
}
function list(value) {
    return (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}
function parseStages(value, continueRun = false) {
    if (value === undefined)
        return [...STAGE_ORDER];
    const asked = list(value);
    if (asked.length === 0)
        throw usageError('--stages is empty');
    for (const name of asked) {
        if (!STAGE_ORDER.includes(name))
            throw usageError(`unknown stage ${JSON.stringify(name)} (stages: ${STAGE_ORDER.join(', ')})`);
    }
    // what the asked stages need and use runs too (apply under every stage, build under boot unless an earlier
    // --continue step built); the order is the contract's, not the user's
    return stagesToRun(asked, continueRun);
}
/** The subcommand's arguments (after "run") into settings; a UsageError for anything wrong. */
function parseRunArgs(argv, env = process.env) {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            strict: true,
            allowPositionals: true,
            options: parseArgsOptions(),
        });
    }
    catch (error) {
        throw usageError(error.message.split('\n')[0].replace(/\. To specify a positional argument.*$/, ''));
    }
    const v = parsed.values;
    // `kernel-patch-ci run 00*.patch`: plain arguments are series files, as for git am
    const series = [...(v.series ?? []), ...parsed.positionals];
    if (series.length === 0)
        throw usageError('no series: give patch files, or --series PATCH|DIR|MBOX|BASE..HEAD');
    if (series.some((s) => s.trim() === ''))
        throw usageError('--series is empty');
    const format = (v.format ?? 'terse');
    if (!FORMATS.includes(format))
        throw usageError(`--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(v.format)}`);
    const stages = parseStages(v.stages, v.continue ?? false);
    const configs = v.configs === undefined ? DEFAULT_CELLS : list(v.configs);
    if (v.configs !== undefined && configs.length === 0)
        throw usageError('--configs is empty');
    // boot without build is a --continue step booting what an earlier step built: it needs the matrix too
    if (v.configs !== undefined && !stages.includes('build') && !stages.includes('boot'))
        throw usageError('--configs needs the build or boot stage (add build to --stages)');
    const ccacheSize = v['ccache-size'] ?? '5G';
    if (!/^\d+(\.\d+)?[kKMGT]?i?$/.test(ccacheSize))
        throw usageError(`--ccache-size takes a size like 5G or 500M, not ${JSON.stringify(ccacheSize)}`);
    const cacheDir = v['cache-dir'] ? path.resolve(v['cache-dir']) : defaultCacheDir(env);
    const failOn = (v['fail-on'] ?? 'new-warning');
    if (!FAIL_ON.includes(failOn))
        throw usageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, not ${JSON.stringify(v['fail-on'])}`);
    const ignore = list(v['checkpatch-ignore']);
    const badType = ignore.find((t) => !/^[A-Z0-9_]+$/i.test(t));
    if (badType)
        throw usageError(`--checkpatch-ignore takes checkpatch types like LONG_LINE, not ${JSON.stringify(badType)}`);
    if (v.tree !== undefined && v.tree.trim() === '')
        throw usageError('--tree is empty');
    const scenarios = v.scenarios === undefined ? undefined : list(v.scenarios);
    if (scenarios && scenarios.length === 0)
        throw usageError('--scenarios is empty');
    const badScenario = scenarios?.find((n) => !/^[\w.-]+$/.test(n));
    if (badScenario)
        throw usageError(`--scenarios takes scenario names like crypt-lmk, not ${JSON.stringify(badScenario)}`);
    if ((scenarios || v['guest-dir']) && !stages.includes('boot'))
        throw usageError('--scenarios and --guest-dir need the boot stage (add boot to --stages)');
    const suites = (v.suites ?? 'default');
    if (!SUITE_MODES.includes(suites))
        throw usageError(`--suites must be one of ${SUITE_MODES.join(', ')}, not ${JSON.stringify(v.suites)}`);
    const suiteReruns = v['suite-reruns'] === undefined ? 2 : Number(v['suite-reruns']);
    if (!Number.isInteger(suiteReruns) || suiteReruns < 0 || suiteReruns > 10)
        throw usageError(`--suite-reruns takes a whole number from 0 to 10, not ${JSON.stringify(v['suite-reruns'])}`);
    const previous = v.previous;
    if (previous !== undefined && previous.trim() === '')
        throw usageError('--previous is empty');
    if (previous !== undefined && !SERIES_RANGE.test(previous) && !existsSync(previous))
        throw usageError(`--previous ${previous}: no such out dir or patch file, and not a BASE..HEAD range`);
    const mail = parseMail(v, env);
    if (mail.sendToSelf && !stages.includes('readiness'))
        throw usageError('--send-to-self needs the readiness stage (add readiness to --stages)');
    return {
        tree: v.tree ?? DEFAULT_TREE_URL,
        ref: v.ref,
        series,
        stages,
        outDir: path.resolve(v.out ?? 'kernel-patch-ci-out'),
        cacheDir,
        jobs: positiveInt('--jobs', v.jobs, os.availableParallelism()),
        failOn,
        checkpatchStrict: v['checkpatch-strict'] ?? false,
        checkpatchIgnore: ignore.map((t) => t.toUpperCase()),
        stepTimeoutMs: positiveInt('--step-timeout', v['step-timeout'], 3600) * 1000,
        fetchAttempts: positiveInt('KPCI_FETCH_ATTEMPTS', env.KPCI_FETCH_ATTEMPTS, 3),
        fetchBackoffMs: env.KPCI_FETCH_BACKOFF_MS !== undefined ? Number(env.KPCI_FETCH_BACKOFF_MS) || 0 : 2000,
        configs,
        ccacheDir: v['ccache-dir'] ? path.resolve(v['ccache-dir']) : env.CCACHE_DIR || path.join(cacheDir, 'ccache'),
        ccacheSize,
        guestDir: v['guest-dir'] ? path.resolve(v['guest-dir']) : path.join(packageRoot(), 'guest'),
        ...(scenarios ? { scenarios } : {}),
        bootTimeoutMs: positiveInt('--boot-timeout', v['boot-timeout'], 120) * 1000,
        scenarioTimeoutMs: positiveInt('--scenario-timeout', v['scenario-timeout'], 180) * 1000,
        suites,
        suiteReruns,
        suiteTimeoutMs: positiveInt('--suite-timeout', v['suite-timeout'], 300) * 1000,
        ...(previous ? { previous } : {}),
        baseCache: !(v['no-base-cache'] ?? false),
        continueRun: v.continue ?? false,
        mail,
        format,
        allFindings: v['all-findings'] ?? false,
    };
}

const SEVERITY = { error: 'error', warning: 'warning', info: 'note' };
function terseFinding(f) {
    const where = f.file ? `${f.file}:${f.line ? `${f.line}:` : ''} ` : '';
    const what = f.type ? `${f.tool}/${f.type}` : f.tool;
    const context = [f.patch ? `patch ${f.patch}` : '', f.config ?? '', f.new === false ? 'already in the base' : '']
        .filter(Boolean)
        .join(', ');
    return `${where}${SEVERITY[f.severity]}: ${what}: ${f.message.split('\n')[0]}${context ? ` (${context})` : ''}`;
}
/** Every finding of the run in stage order; what the base already had only when asked for. */
function terseFindings(results, opts = {}) {
    return results.stages
        .flatMap((s) => s.findings)
        .filter((f) => opts.all || f.new !== false)
        .map(terseFinding);
}

// What the Action needs of its runner before the first long step: Linux (QEMU, KVM, apt and the kernel build all are)
// and Node 20 or later (the oldest line @actions/core and octokit support).
const MIN_NODE_MAJOR = 20;

// `kernel-patch-ci doctor`: per stage, the tools it needs and their versions, the compilers for the cells' arches,
// whether QEMU really runs a guest under KVM, the free disk and Node — one table; exit 0 when every asked stage
// can run.
/** A run needs room for a tree, two cells' build dirs and the compiler cache. */
const MIN_FREE_GIB = 20;
function doctorRows(checks, host) {
    const nodeOk = Number(host.node.split('.')[0]) >= MIN_NODE_MAJOR;
    const rows = [
        {
            stage: 'host',
            what: 'node',
            status: nodeOk ? 'ok' : 'missing',
            detail: nodeOk ? `v${host.node}` : `v${host.node}: Node ${MIN_NODE_MAJOR} or later is needed`,
        },
        host.freeGiB === undefined
            ? { stage: 'host', what: 'disk', status: 'note', detail: `cannot tell the free space under ${host.cacheDir}` }
            : {
                stage: 'host',
                what: 'disk',
                status: host.freeGiB >= MIN_FREE_GIB ? 'ok' : 'missing',
                detail: `${host.freeGiB.toFixed(0)} GiB free under ${host.cacheDir}` +
                    `${host.freeGiB >= MIN_FREE_GIB ? '' : ` (a run wants ${MIN_FREE_GIB} GiB)`}`,
            },
    ];
    for (const c of checks) {
        rows.push({
            stage: c.stage,
            what: c.command,
            status: c.problem ? (c.required ? 'missing' : 'optional-missing') : 'ok',
            detail: c.problem ? `${c.problem}${c.required ? '' : ` — ${c.why} is skipped`}` : (c.version ?? ''),
        });
    }
    for (const [arch, probe] of host.accel)
        rows.push({
            stage: 'boot',
            what: `accelerator (${arch})`,
            status: 'note',
            detail: `${probe.accel.toUpperCase()}: ${probe.why}`,
        });
    const order = ['host', ...STAGE_ORDER];
    rows.sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage)); // stable: each stage's rows keep their order
    const canRun = nodeOk &&
        (host.freeGiB === undefined || host.freeGiB >= MIN_FREE_GIB) &&
        blockedStages(checks).size === 0 &&
        !checks.some((c) => c.perCell && c.problem);
    return { rows, canRun };
}
function renderDoctor(report) {
    const mark = { ok: 'ok', missing: 'MISSING', 'optional-missing': 'missing (optional)', note: '' };
    const cells = report.rows.map((r) => [r.stage, r.what, mark[r.status], r.detail]);
    const widths = [0, 1, 2].map((i) => Math.max(...[['stage', 'tool', 'status'][i].length, ...cells.map((c) => c[i].length)]));
    const line = (c) => c
        .map((v, i) => (i < 3 ? v.padEnd(widths[i]) : v))
        .join('  ')
        .trimEnd();
    return [
        line(['stage', 'tool', 'status', 'version / detail']),
        ...cells.map(line),
        '',
        report.canRun
            ? 'every asked stage can run here'
            : 'some asked stage cannot run here: install what is MISSING (bash scripts/install-deps.sh)',
    ].join('\n');
}
async function freeGiB(dir) {
    let d = dir;
    while (!existsSync(d) && path.dirname(d) !== d)
        d = path.dirname(d);
    const s = await statfs(d).catch(() => undefined);
    return s ? (s.bavail * s.bsize) / 2 ** 30 : undefined;
}
async function doctor(argv, env) {
    let v;
    try {
        v = parseArgs({
            args: [...argv],
            strict: true,
            options: { stages: { type: 'string' }, configs: { type: 'string' }, 'cache-dir': { type: 'string' } },
        }).values;
    }
    catch (error) {
        throw usageError(error.message.split('\n')[0]);
    }
    const stages = parseStages(v.stages);
    const cells = await resolveCells(v.configs
        ? v.configs
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : DEFAULT_CELLS);
    const arches = [...new Set(cells.map((c) => c.arch))];
    const cacheDir = v['cache-dir'] ? path.resolve(v['cache-dir']) : defaultCacheDir(env);
    const checks = await checkStages(stages, arches);
    const accel = new Map();
    if (stages.includes('boot')) {
        for (const arch of arches) {
            const binary = ARCHES[arch]?.guest?.qemuBinary; // no QEMU for s390: nothing to probe
            const qemuThere = checks.some((c) => c.command === binary && !c.problem);
            if (qemuThere)
                accel.set(arch, env.KPCI_ACCEL === 'tcg' || env.KPCI_ACCEL === 'kvm'
                    ? { accel: env.KPCI_ACCEL, why: 'KPCI_ACCEL says so' }
                    : await probeKvm(arch));
        }
    }
    const report = doctorRows(checks, { node: process.versions.node, freeGiB: await freeGiB(cacheDir), cacheDir, accel });
    return { text: renderDoctor(report), code: report.canRun ? 0 : 2 };
}

// The kernel-patch-ci command: parse, run the pipeline, print the verdict, exit 0/1/2 as docs/CONTRACT.md says.
const defaultIO = {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    env: process.env,
};
/** Where --out points, read without validating anything else, so even a usage error leaves a results.json. */
function outDirOf(argv) {
    const i = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
    if (i < 0)
        return undefined;
    const value = argv[i].includes('=') ? argv[i].slice('--out='.length) : argv[i + 1];
    return value && !value.startsWith('--') ? path.resolve(value) : undefined;
}
/** The kernel checkout `dir` is in (its top: Makefile, Kconfig and .git), if any. */
function enclosingKernelCheckout(dir) {
    for (let d = path.resolve(dir);; d = path.dirname(d)) {
        if (['Makefile', 'Kconfig', '.git'].every((f) => existsSync(path.join(d, f))))
            return d;
        if (path.dirname(d) === d)
            return undefined;
    }
}
const hasOption = (argv, name) => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
async function main(argv, io = defaultIO, cwd = process.cwd()) {
    const [command, ...rest] = argv;
    if (command === '--version' || command === 'version') {
        io.out(TOOL_VERSION);
        return 0;
    }
    if (command === 'help' && rest[0] === 'run') {
        io.out(runHelp());
        return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
        (command === undefined ? io.err : io.out)(mainHelp());
        return command === undefined ? 2 : 0;
    }
    if (command === 'doctor') {
        if (rest.includes('--help') || rest.includes('-h')) {
            io.out(doctorHelp());
            return 0;
        }
        try {
            const { text, code } = await doctor(rest, io.env);
            io.out(text);
            return code;
        }
        catch (error) {
            io.err(`kernel-patch-ci: ${oneLine(error)}`);
            return 2;
        }
    }
    if (command !== 'run') {
        io.err(`kernel-patch-ci: unknown command ${JSON.stringify(command)} (commands: run, doctor, version, help)`);
        return 2;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
        io.out(runHelp());
        return 0;
    }
    let args = [...rest];
    // in a kernel checkout with no --tree, that checkout is the tree under test, as for git am or checkpatch
    const here = hasOption(args, 'tree') ? undefined : enclosingKernelCheckout(cwd);
    if (here) {
        io.err(`kernel-patch-ci: no --tree given: using the kernel checkout ${here} (it is not modified)`);
        args = ['--tree', here, ...args];
    }
    let settings;
    try {
        settings = parseRunArgs(args, io.env);
    }
    catch (error) {
        io.err(`kernel-patch-ci: ${oneLine(error)}`);
        const outDir = outDirOf(rest);
        if (outDir) {
            await writeResults(outDir, errorResults(oneLine(error))).catch(() => undefined);
        }
        return 2;
    }
    try {
        const results = await runPipeline(settings, io.progress ?? stderrProgress(io.err));
        const code = exitCodeFor(results);
        if (code === 2)
            io.err(`kernel-patch-ci: ${results.reason ?? 'the run could not be done'}`);
        if (settings.format === 'json') {
            io.out(JSON.stringify(results, null, 2));
            return code;
        }
        if (settings.format === 'md') {
            io.out(renderMarkdown(results));
            return code;
        }
        for (const line of terseFindings(results, { all: settings.allFindings }))
            io.out(line);
        io.out(`verdict: ${results.verdict}${results.reason && code !== 2 ? ` — ${results.reason}` : ''}`);
        io.out(`report: ${path.join(settings.outDir, 'report.md')}`);
        io.out(`results: ${path.join(settings.outDir, 'results.json')}`);
        return code;
    }
    catch (error) {
        // Only the out dir being unwritable gets here: the pipeline itself catches everything else.
        io.err(`kernel-patch-ci: ${error instanceof RunError ? error.message : oneLine(error)}`);
        return 2;
    }
}

process.exitCode = await main(process.argv.slice(2));
