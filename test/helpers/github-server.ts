// A fake GitHub REST API on 127.0.0.1 for tests that drive a real Octokit: it records every request, serves issue and
// commit comments from memory (with Link-header pagination), and plays scripted replies (failures) before routes.
//
//   const gh = await FakeGitHub.start({ token: 't0k' });
//   gh.script('POST', '/repos/:owner/:repo/issues/:n/comments', { status: 502 });   // the next matching call fails
//   ...createOctokit('t0k', { baseUrl: gh.url })...
//   expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([...]);
//   await gh.close();
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** path without the query string */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** the JSON body, parsed (undefined when there was none) */
  body: any;
  /** route parameters (`:name` in the pattern) */
  params: Record<string, string>;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}
export type Handler = (req: RecordedRequest, gh: FakeGitHub) => Reply | Promise<Reply>;

export interface StoredComment {
  id: number;
  owner: string;
  repo: string;
  /** a PR/issue comment … */
  issue?: number;
  /** … or a commit comment */
  sha?: string;
  body: string;
  login: string;
}

export interface FakeGitHubOptions {
  /** when set, a request without `authorization: token <token>` gets 401 Bad credentials */
  token?: string;
  /** who the token acts as: the author of the comments it creates (default github-actions[bot]) */
  actor?: string;
  /** comments per page at most, whatever per_page asks (default 100): small values force pagination */
  pageSize?: number;
}

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

function compile(pattern: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly comments: StoredComment[] = [];
  readonly options: Required<Omit<FakeGitHubOptions, 'token'>> & { token?: string };
  private readonly routes: Route[] = [];
  private readonly scripted: Array<{ method: string; pattern: RegExp; names: string[]; reply: Reply | Handler }> = [];
  private nextId = 1000;
  private constructor(
    private readonly server: Server,
    readonly url: string,
    options: FakeGitHubOptions,
  ) {
    this.options = { actor: 'github-actions[bot]', pageSize: 100, ...options };
    this.installDefaults();
  }

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    // eslint-disable-next-line prefer-const -- the handler refers to it before the server has a port to make it
    let gh: FakeGitHub | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void gh!
          .handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'))
          .then((reply) => {
            const status = reply.status ?? 200;
            const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
            res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
            res.end(status === 204 ? undefined : payload);
          });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    gh = new FakeGitHub(server, `http://127.0.0.1:${port}`, options);
    return gh;
  }

  /**
   * Serve `method pattern` (e.g. `GET /repos/:owner/:repo/pulls/:n`); later routes win over earlier
   * and default ones.
   */
  route(method: string, pattern: string, handler: Handler | Reply): this {
    this.routes.unshift({
      method,
      ...compile(pattern),
      handler: typeof handler === 'function' ? handler : () => handler,
    });
    return this;
  }

  /** The next matching requests get these replies, one each, in order (then the routes answer again). */
  script(method: string, pattern: string, ...replies: Array<Reply | Handler>): this {
    for (const reply of replies) this.scripted.push({ method, ...compile(pattern), reply });
    return this;
  }

  /** Put a comment in place, as if someone (login) had written it. */
  seed(comment: Omit<StoredComment, 'id'> & { id?: number }): StoredComment {
    const stored = { ...comment, id: comment.id ?? this.nextId++ };
    this.comments.push(stored);
    return stored;
  }

  /** `METHOD /path` of each request so far, for compact assertions. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((e) => (e ? reject(e) : resolve())));
  }

  private async handle(method: string, rawUrl: string, headers: IncomingHttpHeaders, text: string): Promise<Reply> {
    const url = new URL(rawUrl, this.url);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const req: RecordedRequest = { method, path: url.pathname, query: url.searchParams, headers, body, params: {} };
    this.requests.push(req);
    const match = (m: string, p: RegExp, names: string[]) => {
      if (m !== method) return false;
      const hit = p.exec(url.pathname);
      if (!hit) return false;
      req.params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(hit[i + 1]!)]));
      return true;
    };
    const s = this.scripted.findIndex((x) => match(x.method, x.pattern, x.names));
    if (s >= 0) {
      const { reply } = this.scripted.splice(s, 1)[0]!;
      return typeof reply === 'function' ? reply(req, this) : reply;
    }
    if (this.options.token !== undefined && headers.authorization !== `token ${this.options.token}`) {
      return {
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
      };
    }
    const route = this.routes.find((r) => match(r.method, r.pattern, r.names));
    if (route) return route.handler(req, this);
    return {
      status: 404,
      body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' },
    };
  }

  private json(c: StoredComment) {
    const where =
      c.issue !== undefined ? `issues/${c.issue}#issuecomment-${c.id}` : `commit/${c.sha}#commitcomment-${c.id}`;
    return {
      id: c.id,
      node_id: `C_${c.id}`,
      body: c.body,
      user: { login: c.login, type: c.login.endsWith('[bot]') ? 'Bot' : 'User' },
      html_url: `https://github.com/${c.owner}/${c.repo}/${where}`,
      url: `${this.url}/repos/${c.owner}/${c.repo}/${c.issue !== undefined ? 'issues/comments' : 'comments'}/${c.id}`,
    };
  }

  private page(req: RecordedRequest, all: StoredComment[]): Reply {
    const size = Math.min(Number(req.query.get('per_page') ?? 30), this.options.pageSize);
    const page = Math.max(1, Number(req.query.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(all.length / size));
    const link = (n: number, rel: string) => {
      const q = new URLSearchParams(req.query);
      q.set('page', String(n));
      return `<${this.url}${req.path}?${q.toString()}>; rel="${rel}"`;
    };
    const links = [
      ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
      ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
    ];
    return {
      body: all.slice((page - 1) * size, page * size).map((c) => this.json(c)),
      headers: links.length ? { link: links.join(', ') } : {},
    };
  }

  private installDefaults(): void {
    const text = (req: RecordedRequest) => String((req.body as { body?: unknown } | undefined)?.body ?? '');
    const create = (req: RecordedRequest, where: Partial<StoredComment>): Reply => {
      const { owner, repo } = req.params as { owner: string; repo: string };
      return {
        status: 201,
        body: this.json(this.seed({ owner, repo, ...where, body: text(req), login: this.options.actor })),
      };
    };
    const update = (req: RecordedRequest, kind: 'issue' | 'commit'): Reply => {
      const c = this.comments.find(
        (x) => x.id === Number(req.params.id) && (kind === 'issue' ? x.issue !== undefined : x.sha !== undefined),
      );
      if (!c) return { status: 404, body: { message: 'Not Found' } };
      if (c.login !== this.options.actor)
        return { status: 403, body: { message: 'Resource not accessible by integration' } };
      c.body = text(req);
      return { body: this.json(c) };
    };
    const on = (c: StoredComment, req: RecordedRequest) => c.owner === req.params.owner && c.repo === req.params.repo;
    // GraphQL's viewer answers for every kind of token (a PAT, a GitHub App's, the workflow's): the token's own login
    this.route('POST', '/graphql', (req) =>
      /\bviewer\s*\{\s*login\s*\}/.test(String((req.body as { query?: unknown } | undefined)?.query ?? ''))
        ? { body: { data: { viewer: { login: this.options.actor } } } }
        : { body: { errors: [{ message: 'this fake serves only viewer { login }' }] } },
    );
    this.route('GET', '/repos/:owner/:repo/issues/:n/comments', (req) =>
      this.page(
        req,
        this.comments.filter((c) => on(c, req) && c.issue === Number(req.params.n)),
      ),
    );
    this.route('POST', '/repos/:owner/:repo/issues/:n/comments', (req) => create(req, { issue: Number(req.params.n) }));
    this.route('PATCH', '/repos/:owner/:repo/issues/comments/:id', (req) => update(req, 'issue'));
    this.route('GET', '/repos/:owner/:repo/commits/:sha/comments', (req) =>
      this.page(
        req,
        this.comments.filter((c) => on(c, req) && c.sha === req.params.sha),
      ),
    );
    this.route('POST', '/repos/:owner/:repo/commits/:sha/comments', (req) => create(req, { sha: req.params.sha }));
    this.route('PATCH', '/repos/:owner/:repo/comments/:id', (req) => update(req, 'commit'));
  }
}
