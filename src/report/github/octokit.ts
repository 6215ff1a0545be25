// The one Octokit factory: token auth, the API base URL (GHES too), and retries for GitHub's transient 5xx.
import { Octokit } from 'octokit';

export interface OctokitOptions {
  /** default: $GITHUB_API_URL, else https://api.github.com */
  baseUrl?: string;
  /**
   * retries after a 5xx / network failure (octokit's retry plugin; never for 400, 401, 403, 404, 410, 422, 451).
   * Default 3.
   */
  retries?: number;
  /** base delay: retry n waits n² × this. Default 1000 ms. */
  retryAfterMs?: number;
  /** octokit's throttling (spacing of writes, one retry on a rate limit). Default true; tests turn it off for speed. */
  throttle?: boolean;
}

export function createOctokit(token: string, opts: OctokitOptions = {}): Octokit {
  return new Octokit({
    ...(token ? { auth: token } : {}),
    baseUrl: (opts.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'kernel-patch-ci',
    retry: { retries: opts.retries ?? 3, retryAfterBaseValue: opts.retryAfterMs ?? 1000 },
    ...(opts.throttle === false ? { throttle: { enabled: false } } : {}),
  });
}
