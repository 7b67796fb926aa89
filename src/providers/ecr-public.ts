/**
 * Amazon ECR Public (`public.ecr.aws`): anonymous pulls, and an ecr-public GetAuthorizationToken
 * (us-east-1) login from the AWS chain for pushes, sent as Basic to the registry's token service
 * (`Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws"`). Untag and listing go
 * through the ecr-public API (BatchDeleteImage, DescribeRepositories). REGISTRIES.md, "ECR Public".
 *
 * Image paths are `<registry alias>/<repository>`, but the API names a repository without the
 * alias and always acts on the caller's own registry. Its `repositoryUri`
 * (`public.ecr.aws/<alias>/<repository>`, ECR Public API reference, Repository) is what ties the
 * two together.
 */
import { RegctlError } from '../errors.js';
import type { Provider, ProviderContext, ProviderRegistryApi } from './types.js';
import { ecrPublicCredential } from './ecr-credentials.js';
import { ECR_PUBLIC_HOST } from './ecr-host.js';
import { awsErrorName, ecrApiError, ecrPublicClient, isNoAwsCredentials } from './ecr-sdk.js';

/** `<alias>/<name>` split at the first slash; undefined when there is no alias. */
function splitAlias(repo: string): { alias: string; name: string } | undefined {
  const slash = repo.indexOf('/');
  return slash > 0 ? { alias: repo.slice(0, slash), name: repo.slice(slash + 1) } : undefined;
}

/**
 * Removes one tag with BatchDeleteImage. The API would act on the caller's registry whatever
 * alias the reference names, so DescribeRepositories first checks that `<alias>/<name>` is the
 * caller's own repository: `delete public.ecr.aws/someone-else/app:v1` must never untag the
 * caller's `app:v1`. Without AWS credentials the generic path is tried (and the registry refuses).
 */
async function untag(api: ProviderRegistryApi, repo: string, tag: string, ctx: ProviderContext): Promise<boolean> {
  const parts = splitAlias(repo);
  if (!parts) return false;
  const { BatchDeleteImageCommand, DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr-public');
  const ref = `${api.host}/${repo}:${tag}`;
  let out;
  try {
    const client = await ecrPublicClient();
    const found = (await client.send(new DescribeRepositoriesCommand({ repositoryNames: [parts.name] }))).repositories?.[0];
    if (found?.repositoryUri !== `${ECR_PUBLIC_HOST}/${repo}`) {
      throw new RegctlError('DENIED', `${api.host}/${repo} is not in your ECR Public registry (your repository ${parts.name} is ${found?.repositoryUri ?? 'unknown'})`, {
        hint: 'ECR Public untags only in the registry of the AWS credentials in use',
      });
    }
    out = await client.send(new BatchDeleteImageCommand({ registryId: found.registryId, repositoryName: parts.name, imageIds: [{ imageTag: tag }] }));
  } catch (e) {
    if (isNoAwsCredentials(e)) {
      ctx.logger.debug(`ecr-public: no AWS credentials for BatchDeleteImage; trying the registry API`);
      return false;
    }
    if (awsErrorName(e) === 'RepositoryNotFoundException') throw new RegctlError('NAME_UNKNOWN', `${api.host}/${repo}: no such repository`, { status: 404, cause: e });
    throw ecrApiError(e, `AWS ECR Public BatchDeleteImage ${ref}`);
  }
  const failure = out.failures?.[0];
  if (failure) {
    if (failure.failureCode === 'ImageNotFound') throw new RegctlError('MANIFEST_UNKNOWN', `${ref}: no such tag`, { status: 404 });
    throw new RegctlError('REGISTRY_ERROR', `AWS ECR Public BatchDeleteImage ${ref}: ${failure.failureCode ?? 'failed'}: ${failure.failureReason ?? ''}`.trim());
  }
  return true;
}

/**
 * The caller's repositories as `<alias>/<name>` (DescribeRepositories, paginated), under
 * `namespace/` if given: `list public.ecr.aws/<alias>/`.
 */
async function listRepositories(api: ProviderRegistryApi, _ctx: ProviderContext, namespace?: string): Promise<string[]> {
  const { DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr-public');
  const uriPrefix = `${ECR_PUBLIC_HOST}/`;
  const names: string[] = [];
  let nextToken: string | undefined;
  try {
    const client = await ecrPublicClient();
    do {
      const page = await client.send(new DescribeRepositoriesCommand({ ...(nextToken && { nextToken }) }));
      for (const r of page.repositories ?? []) if (r.repositoryUri?.startsWith(uriPrefix)) names.push(r.repositoryUri.slice(uriPrefix.length));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    throw ecrApiError(e, `AWS ECR Public DescribeRepositories ${api.host}`);
  }
  const prefix = namespace ? `${namespace.replace(/\/+$/, '')}/` : '';
  return names.filter((n) => n.startsWith(prefix)).sort();
}

/** ECR Public. */
export const ecrPublic: Provider = {
  name: 'ecr-public',
  matches: (host) => host === ECR_PUBLIC_HOST,
  credentials: ecrPublicCredential,
  untag,
  listRepositories,
};
