import { RegctlError } from '../errors.js';
import { hubDeleteTag, hubJwt, hubListRepositories } from './dockerhub-api.js';
import { parseHubRateLimit } from './dockerhub-ratelimit.js';
import type { Provider } from './types.js';

/**
 * Docker Hub (REGISTRIES.md, "Docker Hub"). References name it `docker.io` (the reference parser
 * folds `index.docker.io` and `registry-1.docker.io` into that), but the registry API is served
 * by `registry-1.docker.io`. Its token service (auth.docker.io) needs nothing special: anonymous
 * or Basic with a personal access token, through the generic auth layer. What is special:
 * - rate-limit headers on manifest GETs, read and reported;
 * - DELETE by tag is refused and a digest delete is refused while tags point at it, so the
 *   generic placeholder untag cannot work: untag goes through the Hub API with a login JWT;
 * - no `/v2/_catalog`: repositories are listed per namespace through the Hub API.
 */
export const dockerHub: Provider = {
  name: 'dockerhub',
  matches: (host) => host === 'docker.io',
  endpointHost: () => 'registry-1.docker.io',

  observeResponse(res) {
    const rateLimit = parseHubRateLimit(res);
    return rateLimit && { rateLimit };
  },

  async untag(_api, repo, tag, ctx) {
    if (!ctx.credential) {
      throw new RegctlError('UNAUTHORIZED', `removing a tag on Docker Hub needs a login: docker.io/${repo}:${tag}`, { hint: 'regctl login docker.io -u <user> (with a personal access token)' });
    }
    await hubDeleteTag(ctx.http, await hubJwt(ctx.http, ctx.credential), repo, tag);
    return true;
  },

  async listRepositories(_api, ctx, namespace) {
    // Without a namespace, the logged-in user's own is the useful answer.
    const ns = namespace ?? ctx.credential?.username;
    if (!ns) {
      throw new RegctlError('USAGE', 'Docker Hub has no catalog; name a namespace, e.g. `regctl list docker.io/library/`', { hint: 'or log in to list your own repositories' });
    }
    const jwt = ctx.credential?.username && ctx.credential.password ? await hubJwt(ctx.http, ctx.credential) : undefined;
    return hubListRepositories(ctx.http, ns, jwt);
  },
};
