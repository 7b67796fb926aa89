/**
 * Calling a provider's own REST API (Docker Hub's hub.docker.com, Harbor's /api/v2.0): JSON in
 * and out through the plain HTTP client, bounded reads, and one mapping of failure statuses to
 * regctl error codes, so every provider reports API failures the same way.
 */
import { parseRegistryErrors, formatRegistryErrors } from '../auth/registry-errors.js';
import type { Credential } from '../credentials/types.js';
import { RegctlError, codeForStatus, registerSecret } from '../errors.js';
import { readText, readTextQuietly } from '../transport/read-body.js';
import type { HttpRequest, HttpResponse, HttpSender } from '../transport/types.js';

/** Listings are paged; one page of JSON is far below this. */
const MAX_API_BODY = 8 * 1024 * 1024;

/** The reason an API gave, from Harbor's `errors` array or Hub's `message`/`detail`. */
function reasonOf(text: string | undefined): string | undefined {
  const errors = parseRegistryErrors(text);
  if (errors) return formatRegistryErrors(errors);
  try {
    const doc = JSON.parse(text ?? '') as { message?: unknown; detail?: unknown };
    const r = typeof doc.message === 'string' && doc.message ? doc.message : doc.detail;
    return typeof r === 'string' && r ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The error for a failed API reply (consumes its body). */
export async function apiError(res: HttpResponse, what: string, hint?: string): Promise<RegctlError> {
  const reason = reasonOf(await readTextQuietly(res.body));
  return new RegctlError(codeForStatus(res.status), `${what}: HTTP ${res.status}${reason ? ` (${reason})` : ''}`, {
    status: res.status,
    ...(hint && { hint }),
  });
}

/** Sends an API request; resolves with a 2xx response, throws {@link apiError} otherwise. */
export async function apiSend(http: HttpSender, req: HttpRequest, what: string, hint?: string): Promise<HttpResponse> {
  const res = await http.send({ ...req, headers: { accept: 'application/json', ...req.headers } });
  if (res.status < 200 || res.status > 299) throw await apiError(res, what, hint);
  return res;
}

/** Sends an API request and parses its JSON reply. */
export async function apiJson(http: HttpSender, req: HttpRequest, what: string, hint?: string): Promise<{ body: unknown; res: HttpResponse }> {
  const res = await apiSend(http, req, what, hint);
  const text = await readText(res.body, MAX_API_BODY);
  try {
    return { body: JSON.parse(text) as unknown, res };
  } catch {
    throw new RegctlError('INVALID_INPUT', `${what}: the reply is not JSON`);
  }
}

/** A JSON request body. */
export function jsonBody(value: unknown): Pick<HttpRequest, 'body' | 'headers'> {
  const text = JSON.stringify(value);
  return { body: () => text, headers: { 'content-type': 'application/json' } };
}

/** `Basic base64(user:password)` for a user name + password credential, else undefined. */
export function basicAuthorization(cred: Credential | undefined): string | undefined {
  if (!cred?.username || !cred.password) return undefined;
  registerSecret(cred.password);
  return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
}
