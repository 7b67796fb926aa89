/**
 * Harbor's v2 REST API (`/api/v2.0`, REGISTRIES.md "Harbor") on the registry's own host:
 * projects, repository listings and tag removal. It takes the same Basic credentials as the
 * registry (users, OIDC CLI secrets, robot accounts `robot$<project>+<name>`).
 */
import { RegctlError, isRegctlError } from '../errors.js';
import type { HttpSender } from '../transport/types.js';
import { apiJson, apiSend, jsonBody } from './generic-api.js';

/** Harbor's largest page. */
const PAGE_SIZE = 100;
const MAX_PAGES = 10_000;

/** Where and as whom to call the API. */
export interface HarborApi {
  http: HttpSender;
  /** `https://harbor.example.com`, no trailing slash. */
  base: string;
  /** `Basic ...`, when a login is known. */
  authorization?: string;
}

function headers(api: HarborApi): Record<string, string> {
  return api.authorization ? { authorization: api.authorization } : {};
}

/**
 * `project/a/b` -> project `project`, repository `a%252Fb`: Harbor wants a repository name with
 * '/' double-encoded in API paths (REGISTRIES.md, "Harbor").
 */
export function splitHarborRepo(repo: string): { project: string; repository: string } {
  const slash = repo.indexOf('/');
  if (slash <= 0) throw new RegctlError('INVALID_REFERENCE', `Harbor repositories live in a project: <project>/<name>, not ${JSON.stringify(repo)}`);
  return { project: repo.slice(0, slash), repository: encodeURIComponent(encodeURIComponent(repo.slice(slash + 1))) };
}

/** True when the project exists (`HEAD /projects?project_name=`: 200 or 404). */
export async function harborProjectExists(api: HarborApi, project: string): Promise<boolean> {
  const res = await api.http.send({ method: 'HEAD', url: `${api.base}/api/v2.0/projects?project_name=${encodeURIComponent(project)}`, headers: headers(api) });
  await res.body.dump().catch(() => undefined);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new RegctlError(res.status === 401 ? 'UNAUTHORIZED' : res.status === 403 ? 'DENIED' : 'REGISTRY_ERROR', `Harbor: checking project ${project}: HTTP ${res.status}`, { status: res.status });
}

/** Creates a private project; one that appeared meanwhile (409) is fine. */
export async function harborCreateProject(api: HarborApi, project: string): Promise<void> {
  try {
    const res = await apiSend(api.http, {
      method: 'POST', url: `${api.base}/api/v2.0/projects`,
      ...jsonBody({ project_name: project, metadata: { public: 'false' } }),
      headers: { 'content-type': 'application/json', ...headers(api) },
    }, `Harbor: create project ${project}`, 'creating a project needs a Harbor user allowed to create projects (robot accounts usually are not)');
    await res.body.dump().catch(() => undefined);
  } catch (e) {
    if (isRegctlError(e) && e.status === 409) return;
    throw e;
  }
}

/** Removes one tag: `DELETE /projects/{p}/repositories/{r}/artifacts/{tag}/tags/{tag}`. */
export async function harborDeleteTag(api: HarborApi, repo: string, tag: string): Promise<void> {
  const { project, repository } = splitHarborRepo(repo);
  const t = encodeURIComponent(tag);
  try {
    const res = await apiSend(api.http, {
      method: 'DELETE', url: `${api.base}/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${repository}/artifacts/${t}/tags/${t}`,
      headers: headers(api),
    }, `Harbor: untag ${repo}:${tag}`);
    await res.body.dump().catch(() => undefined);
  } catch (e) {
    if (isRegctlError(e, 'NOT_FOUND')) throw new RegctlError('MANIFEST_UNKNOWN', `${repo}:${tag}: no such tag`, { status: 404 });
    throw e;
  }
}

/** Reads every page of a Harbor list endpoint, collecting `name` fields. */
async function allNames(api: HarborApi, path: string, what: string): Promise<string[]> {
  const out: string[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const { body } = await apiJson(api.http, { method: 'GET', url: `${api.base}${path}${sep}page=${page}&page_size=${PAGE_SIZE}`, headers: headers(api) }, what);
    if (!Array.isArray(body)) throw new RegctlError('INVALID_INPUT', `${what}: the reply is not a list`);
    for (const item of body as Array<{ name?: unknown }>) if (typeof item?.name === 'string') out.push(item.name);
    if (body.length < PAGE_SIZE) return out;
  }
  throw new RegctlError('INVALID_INPUT', `${what}: more than ${MAX_PAGES} pages`);
}

/** The repositories of one project (full names, `project/name`). */
export function harborProjectRepositories(api: HarborApi, project: string): Promise<string[]> {
  return allNames(api, `/api/v2.0/projects/${encodeURIComponent(project)}/repositories`, `Harbor: list repositories of project ${project}`);
}

/** The projects the caller can see. */
export function harborProjects(api: HarborApi): Promise<string[]> {
  return allNames(api, '/api/v2.0/projects', 'Harbor: list projects');
}
