/**
 * Amazon ECR (private registries): credentials from the AWS chain, and the ECR API for what the
 * registry API does not do: untag (BatchDeleteImage), listing (DescribeRepositories) and creating
 * repositories before a push (CreateRepository). REGISTRIES.md, "Amazon ECR (private)".
 */
import { RegctlError } from '../errors.js';
import type { Provider, ProviderContext, ProviderRegistryApi } from './types.js';
import { ecrCredential } from './ecr-credentials.js';
import { parseEcrHost, type EcrHost } from './ecr-host.js';
import { awsErrorName, ecrApiError, ecrClient, isNoAwsCredentials } from './ecr-sdk.js';

/** ECR refuses chunks under 5 MiB but the last (`LayerPartTooSmallException`, REGISTRIES.md). */
export const ECR_MIN_CHUNK = 5 * 1024 * 1024;

function hostOf(api: ProviderRegistryApi): EcrHost {
  const h = parseEcrHost(api.host);
  if (!h) throw new RegctlError('INTERNAL', `${api.host} is not an ECR host`);
  return h;
}

/**
 * Removes one tag with BatchDeleteImage. ECR deletes the image when its last tag goes (AWS API
 * reference, BatchDeleteImage); another tag on the same digest keeps it. Without AWS credentials
 * (a `docker login` password only) the generic path is tried instead.
 */
async function untag(api: ProviderRegistryApi, repo: string, tag: string, ctx: ProviderContext): Promise<boolean> {
  const h = hostOf(api);
  const { BatchDeleteImageCommand } = await import('@aws-sdk/client-ecr');
  let out;
  try {
    const client = await ecrClient(h);
    out = await client.send(new BatchDeleteImageCommand({ registryId: h.account, repositoryName: repo, imageIds: [{ imageTag: tag }] }));
  } catch (e) {
    if (isNoAwsCredentials(e)) {
      ctx.logger.debug(`ecr: no AWS credentials for BatchDeleteImage; trying the registry API`);
      return false;
    }
    if (awsErrorName(e) === 'RepositoryNotFoundException') throw new RegctlError('NAME_UNKNOWN', `${api.host}/${repo}: no such repository`, { status: 404, cause: e });
    throw ecrApiError(e, `AWS ECR BatchDeleteImage ${api.host}/${repo}:${tag}`);
  }
  const failure = out.failures?.[0];
  if (failure) {
    if (failure.failureCode === 'ImageNotFound') throw new RegctlError('MANIFEST_UNKNOWN', `${api.host}/${repo}:${tag}: no such tag`, { status: 404 });
    throw new RegctlError('REGISTRY_ERROR', `AWS ECR BatchDeleteImage ${api.host}/${repo}:${tag}: ${failure.failureCode ?? 'failed'}: ${failure.failureReason ?? ''}`.trim());
  }
  return true;
}

/** Every repository of the registry (DescribeRepositories, paginated), under `namespace/` if given. */
async function listRepositories(api: ProviderRegistryApi, _ctx: ProviderContext, namespace?: string): Promise<string[]> {
  const h = hostOf(api);
  const { DescribeRepositoriesCommand } = await import('@aws-sdk/client-ecr');
  const names: string[] = [];
  let nextToken: string | undefined;
  try {
    const client = await ecrClient(h);
    do {
      const page = await client.send(new DescribeRepositoriesCommand({ registryId: h.account, ...(nextToken && { nextToken }) }));
      for (const r of page.repositories ?? []) if (r.repositoryName) names.push(r.repositoryName);
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (e) {
    throw ecrApiError(e, `AWS ECR DescribeRepositories ${api.host}`);
  }
  const prefix = namespace ? `${namespace.replace(/\/+$/, '')}/` : '';
  return names.filter((n) => n.startsWith(prefix)).sort();
}

const ensured = new Set<string>();

/**
 * ECR refuses pushes to a repository that does not exist (`NAME_UNKNOWN ... does not exist in
 * the registry`, REGISTRIES.md; RC#869): create it. DescribeRepositories comes first so that
 * pushing to an existing repository needs no ecr:CreateRepository right. Without AWS credentials,
 * or without the right to describe, the push goes ahead and the registry has the last word.
 */
async function ensureRepository(api: ProviderRegistryApi, repo: string, ctx: ProviderContext): Promise<void> {
  const key = `${api.host}/${repo}`;
  // Creating is ECR's default; the user may turn it off (ctx.createRepository === false).
  if (ctx.createRepository === false || ensured.has(key)) return;
  const h = hostOf(api);
  const [{ CreateRepositoryCommand, DescribeRepositoriesCommand }, client] = await Promise.all([import('@aws-sdk/client-ecr'), ecrClient(h)]);
  try {
    await client.send(new DescribeRepositoriesCommand({ registryId: h.account, repositoryNames: [repo] }));
    ensured.add(key);
    return;
  } catch (e) {
    const name = awsErrorName(e);
    if (name !== 'RepositoryNotFoundException') {
      ctx.logger.debug(`ecr: cannot check that ${key} exists (${name}); pushing anyway`);
      return;
    }
  }
  try {
    await client.send(new CreateRepositoryCommand({ registryId: h.account, repositoryName: repo }));
    ctx.logger.info(`created ECR repository ${key}`);
  } catch (e) {
    if (awsErrorName(e) !== 'RepositoryAlreadyExistsException') {
      const err = ecrApiError(e, `AWS ECR CreateRepository ${key}`);
      throw new RegctlError(err.code, err.message, { cause: e, hint: `create the repository (aws ecr create-repository --repository-name ${repo}) or get the ecr:CreateRepository permission` });
    }
  }
  ensured.add(key);
}

/** Private Amazon ECR registries: `<account>.dkr.ecr.<region>.amazonaws.com` and the other partitions. */
export const ecr: Provider = {
  name: 'ecr',
  matches: (host) => parseEcrHost(host) !== undefined,
  credentials: ecrCredential,
  untag,
  listRepositories,
  ensureRepository,
  // ECR's chunked upload departs from the spec (REGISTRIES.md, "Amazon ECR (private)"): chunks
  // of 5 MiB or more but the last, PATCH answering 201, a Range header that stops tracking after
  // the second PATCH, and a 500 for an empty closing PUT.
  uploadRules: { mode: 'chunked', minChunkSize: ECR_MIN_CHUNK, lastChunkInPut: true, untrustedRange: true },
};
