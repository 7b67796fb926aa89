import { parseChallenges } from '../auth/challenge.js';
import { RegctlError } from '../errors.js';
import { basicAuthorization } from './generic-api.js';
import {
  harborCreateProject, harborDeleteTag, harborProjectExists, harborProjectRepositories, harborProjects, splitHarborRepo,
  type HarborApi,
} from './harbor-api.js';
import type { Provider, ProviderContext, ProviderRegistryApi } from './types.js';

/** Harbor's token service name in its challenge (REGISTRIES.md, "Harbor"). */
const HARBOR_SERVICE = 'harbor-registry';

async function apiFor(reg: ProviderRegistryApi, ctx: ProviderContext): Promise<HarborApi> {
  const authorization = basicAuthorization(ctx.credential);
  return { http: ctx.http, base: await reg.baseUrl(), ...(authorization && { authorization }) };
}

/**
 * Harbor (REGISTRIES.md, "Harbor"). Self-hosted under any name, so it is recognised by its `/v2/`
 * challenge, `Bearer realm="<base>/service/token",service="harbor-registry"`. The token service
 * is GET only (POST -> 405, handled by the generic token fetch), robot accounts are ordinary
 * Basic logins, and a request that already carried Authorization is answered with
 * `Basic realm="harbor"` (handled by the auth layer). What needs Harbor's API:
 * - `/v2` DELETE by tag is UNSUPPORTED: untag goes through the API;
 * - `/v2/_catalog` needs system rights: list through projects;
 * - the project (first path component) must exist before a push: checked, and created when
 *   the user asks (`--create-repo`).
 */
export const harbor: Provider = {
  name: 'harbor',
  matches: () => false,
  recognizes: (challenges) => parseChallenges(challenges).some((c) =>
    c.scheme === 'bearer' && (c.params.service === HARBOR_SERVICE || /\/service\/token\/?$/.test(c.params.realm ?? ''))),

  async untag(reg, repo, tag, ctx) {
    // The API needs a user login; without one the generic path (which Harbor supports through
    // its delete by digest) is all there is.
    if (!basicAuthorization(ctx.credential)) return false;
    await harborDeleteTag(await apiFor(reg, ctx), repo, tag);
    return true;
  },

  async listRepositories(reg, ctx, namespace) {
    const api = await apiFor(reg, ctx);
    if (namespace !== undefined) return harborProjectRepositories(api, namespace);
    const out: string[] = [];
    for (const p of await harborProjects(api)) out.push(...(await harborProjectRepositories(api, p)));
    return out;
  },

  async ensureRepository(reg, repo, ctx) {
    const { project } = splitHarborRepo(repo);
    const api = await apiFor(reg, ctx);
    if (await harborProjectExists(api, project)) return;
    if (ctx.createRepository !== true) {
      throw new RegctlError('NAME_UNKNOWN', `Harbor project "${project}" does not exist on ${reg.host}`, {
        status: 404,
        hint: 'create the project in Harbor, or pass --create-repo to have regctl create it',
      });
    }
    ctx.logger.info(`creating Harbor project ${project} on ${reg.host}`);
    await harborCreateProject(api, project);
  },
};
