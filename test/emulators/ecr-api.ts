/**
 * The ECR JSON API (`awsJson1_1`, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Op>`)
 * that the real `@aws-sdk/client-ecr` talks to when `AWS_ENDPOINT_URL_ECR` points here. Every
 * request must carry a valid SigV4 signature for the test's access key, region and service `ecr`.
 * Shapes follow the Amazon ECR API Reference (GetAuthorizationToken, DescribeRepositories,
 * CreateRepository, BatchDeleteImage); errors are `{"__type": "<Exception>", "message"}`.
 */
import { randomBytes } from 'node:crypto';
import { verifySigV4 } from './aws-sigv4.js';
import type { EmulatorCall } from './proxy.js';
import { removeUpstreamTag, upstreamTags } from './proxy.js';
import type { EcrState } from './ecr-state.js';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

type Json = Record<string, unknown>;

function fail(call: EmulatorCall, status: number, type: string, message: string): void {
  call.json(status, { __type: type, message }, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
}

function repoNotFound(call: EmulatorCall, s: EcrState, name: string): void {
  fail(call, 400, 'RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${s.account}'`);
}

function repositoryJson(s: EcrState, name: string): Json {
  return {
    repositoryName: name,
    registryId: s.account,
    repositoryArn: `arn:aws:ecr:${s.region}:${s.account}:repository/${name}`,
    repositoryUri: `${s.host}/${name}`,
    imageTagMutability: s.repositories.get(name)?.immutable ? 'IMMUTABLE' : 'MUTABLE',
    createdAt: Date.now() / 1000,
  };
}

const ops: Record<string, (call: EmulatorCall, s: EcrState, input: Json) => Promise<void> | void> = {
  // Valid 12 hours unless the test shortens it; base64("AWS:<password>") (API reference).
  GetAuthorizationToken(call, s) {
    const password = randomBytes(24).toString('base64url');
    const expiresAt = Date.now() + s.tokenTtlSeconds * 1000;
    s.passwords.set(password, expiresAt);
    s.calls.GetAuthorizationToken = (s.calls.GetAuthorizationToken ?? 0) + 1;
    call.json(200, {
      authorizationData: [{
        authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
        expiresAt: expiresAt / 1000,
        proxyEndpoint: `https://${s.host}`,
      }],
    }, { 'content-type': 'application/x-amz-json-1.1' });
  },

  DescribeRepositories(call, s, input) {
    const names = input.repositoryNames as string[] | undefined;
    if (names) {
      const missing = names.find((n) => !s.repositories.has(n));
      if (missing) return repoNotFound(call, s, missing);
      return call.json(200, { repositories: names.map((n) => repositoryJson(s, n)) });
    }
    // Paginated like the real API (maxResults, nextToken); a small page makes tests page.
    const all = [...s.repositories.keys()].sort();
    const start = typeof input.nextToken === 'string' ? Number(Buffer.from(input.nextToken, 'base64').toString()) : 0;
    const size = Math.min(Number(input.maxResults ?? s.describePageSize), s.describePageSize);
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
    call.json(200, { repositories: page.map((n) => repositoryJson(s, n)), ...(next && { nextToken: next }) });
  },

  CreateRepository(call, s, input) {
    const name = String(input.repositoryName ?? '');
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(name)) {
      return fail(call, 400, 'InvalidParameterException', `Invalid parameter at 'repositoryName' failed to satisfy constraint`);
    }
    if (s.repositories.has(name)) {
      return fail(call, 400, 'RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${s.account}'`);
    }
    s.repositories.set(name, { immutable: input.imageTagMutability === 'IMMUTABLE' });
    s.created.push(name);
    call.json(200, { repository: repositoryJson(s, name) });
  },

  // By tag: untags, and deletes the image when that was its last tag; by digest: deletes the
  // image and all its tags (API reference, BatchDeleteImage; REGISTRIES.md).
  async BatchDeleteImage(call, s, input) {
    const repo = String(input.repositoryName ?? '');
    if (!s.repositories.has(repo)) return repoNotFound(call, s, repo);
    const done: Json[] = [];
    const failures: Json[] = [];
    for (const id of (input.imageIds as Array<{ imageTag?: string; imageDigest?: string }>) ?? []) {
      const tags = await upstreamTags(s.upstream, repo);
      const digest = id.imageTag !== undefined ? tags.get(id.imageTag) : id.imageDigest;
      if (!digest || (id.imageDigest === undefined && id.imageTag === undefined)) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        continue;
      }
      if (id.imageTag !== undefined) {
        await removeUpstreamTag(s.upstream, repo, id.imageTag);
        const stillTagged = [...(await upstreamTags(s.upstream, repo)).values()].includes(digest);
        if (!stillTagged) await fetch(`${s.upstream.url}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
      } else {
        const res = await fetch(`${s.upstream.url}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
        if (res.status === 404) {
          failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
          continue;
        }
      }
      done.push({ imageDigest: digest, ...(id.imageTag !== undefined && { imageTag: id.imageTag }) });
    }
    s.calls.BatchDeleteImage = (s.calls.BatchDeleteImage ?? 0) + 1;
    call.json(200, { imageIds: done, failures });
  },
};

/** Answers one ECR API call (the SDK's POST to `/`). */
export async function handleEcrApi(call: EmulatorCall, s: EcrState): Promise<void> {
  const body = await call.body();
  const identity = verifySigV4({ method: call.method, path: call.url.pathname + call.url.search, headers: call.req.headers, body }, s.secrets);
  if (typeof identity === 'string') return fail(call, 403, 'InvalidSignatureException', identity);
  if (identity.service !== 'ecr' || identity.region !== s.region) {
    return fail(call, 403, 'InvalidSignatureException', `credential scope ${identity.region}/${identity.service} is not ${s.region}/ecr`);
  }
  const target = String(call.req.headers['x-amz-target'] ?? '');
  const op = target.startsWith(TARGET_PREFIX) ? ops[target.slice(TARGET_PREFIX.length)] : undefined;
  if (call.method !== 'POST' || !op) return fail(call, 400, 'UnknownOperationException', `unknown operation ${target}`);
  s.apiCalls.push(target.slice(TARGET_PREFIX.length));
  let input: Json;
  try {
    input = JSON.parse(body.toString('utf8') || '{}') as Json;
  } catch {
    return fail(call, 400, 'SerializationException', 'body is not JSON');
  }
  if (input.registryId !== undefined && input.registryId !== s.account) {
    return fail(call, 400, 'RegistryNotFoundException', `registry ${String(input.registryId)} not found`);
  }
  await op(call, s, input);
}
