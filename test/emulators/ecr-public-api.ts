/**
 * The ecr-public JSON API operations beyond GetAuthorizationToken that the real
 * `@aws-sdk/client-ecr-public` sends (`X-Amz-Target: SpencerFrontendService.<Op>`):
 * DescribeRepositories (paginated) and BatchDeleteImage. Shapes follow the Amazon ECR Public API
 * Reference: repository names carry no registry alias, `repositoryUri` is
 * `public.ecr.aws/<alias>/<name>`, and every call acts on the caller's own registry. The
 * repositories are those of the upstream registry under `<alias>/`.
 */
import type { RunningRegistry } from '../harness/registry.js';
import type { EmulatorCall } from './proxy.js';
import { removeUpstreamTag, upstreamRepositories, upstreamTags } from './proxy.js';

type Json = Record<string, unknown>;

/** The registry the emulated AWS credentials own. */
export interface EcrPublicRegistry {
  account: string;
  alias: string;
  upstream: RunningRegistry;
  /** DescribeRepositories page size; small, so that clients must follow `nextToken`. */
  pageSize: number;
}

const JSON_TYPE = { 'content-type': 'application/x-amz-json-1.1' };

function fail(call: EmulatorCall, type: string, message: string): void {
  call.json(400, { __type: type, message }, { ...JSON_TYPE, 'x-amzn-errortype': type });
}

async function names(r: EcrPublicRegistry): Promise<string[]> {
  const prefix = `${r.alias}/`;
  return (await upstreamRepositories(r.upstream)).filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length)).sort();
}

function repositoryJson(r: EcrPublicRegistry, name: string): Json {
  return {
    repositoryName: name,
    registryId: r.account,
    repositoryArn: `arn:aws:ecr-public::${r.account}:repository/${name}`,
    repositoryUri: `public.ecr.aws/${r.alias}/${name}`,
    createdAt: Date.now() / 1000,
  };
}

/** The operations by name; each answers the call. */
export const ecrPublicOps: Record<string, (call: EmulatorCall, r: EcrPublicRegistry, input: Json) => Promise<void>> = {
  async DescribeRepositories(call, r, input) {
    const all = await names(r);
    const wanted = input.repositoryNames as string[] | undefined;
    if (wanted) {
      const missing = wanted.find((n) => !all.includes(n));
      if (missing) return fail(call, 'RepositoryNotFoundException', `The repository with name '${missing}' does not exist in the registry with id '${r.account}'`);
      return call.json(200, { repositories: wanted.map((n) => repositoryJson(r, n)) }, JSON_TYPE);
    }
    const start = typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64').toString()) : 0;
    const page = all.slice(start, start + r.pageSize);
    const next = start + r.pageSize < all.length ? Buffer.from(String(start + r.pageSize)).toString('base64') : undefined;
    call.json(200, { repositories: page.map((n) => repositoryJson(r, n)), ...(next && { nextToken: next }) }, JSON_TYPE);
  },

  // By tag: untags, and deletes the image when that was its last tag (API reference).
  async BatchDeleteImage(call, r, input) {
    const name = String(input.repositoryName ?? '');
    if (!(await names(r)).includes(name)) return fail(call, 'RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${r.account}'`);
    const repo = `${r.alias}/${name}`;
    const done: Json[] = [];
    const failures: Json[] = [];
    for (const id of (input.imageIds as Array<{ imageTag?: string; imageDigest?: string }>) ?? []) {
      const digest = id.imageTag !== undefined ? (await upstreamTags(r.upstream, repo)).get(id.imageTag) : id.imageDigest;
      if (!digest) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        continue;
      }
      if (id.imageTag !== undefined) await removeUpstreamTag(r.upstream, repo, id.imageTag);
      const stillTagged = [...(await upstreamTags(r.upstream, repo)).values()].includes(digest);
      if (id.imageTag === undefined || !stillTagged) await fetch(`${r.upstream.url}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
      done.push({ imageDigest: digest, ...(id.imageTag !== undefined && { imageTag: id.imageTag }) });
    }
    call.json(200, { imageIds: done, failures }, JSON_TYPE);
  },
};
