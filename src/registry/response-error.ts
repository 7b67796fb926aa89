import { formatRegistryErrors, parseRegistryErrors } from '../auth/registry-errors.js';
import { RegctlError, codeForStatus, type ErrorCode, type RegistryErrorDetail } from '../errors.js';
import { readTextQuietly } from '../transport/read-body.js';
import type { HttpResponse } from '../transport/types.js';
import { header } from '../transport/types.js';

/** How much of an error body is read: enough for any real `errors` array, bounded for hostile ones. */
const MAX_ERROR_BODY = 64 * 1024;

const CODE_BY_REGISTRY_CODE: Record<string, ErrorCode> = {
  MANIFEST_UNKNOWN: 'MANIFEST_UNKNOWN',
  BLOB_UNKNOWN: 'BLOB_UNKNOWN',
  NAME_UNKNOWN: 'NAME_UNKNOWN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  DENIED: 'DENIED',
  UNSUPPORTED: 'UNSUPPORTED',
  TOOMANYREQUESTS: 'RATE_LIMITED',
  DIGEST_INVALID: 'DIGEST_MISMATCH',
  NAME_INVALID: 'INVALID_REFERENCE',
  TAG_INVALID: 'INVALID_INPUT',
  MANIFEST_INVALID: 'INVALID_INPUT',
  MANIFEST_BLOB_UNKNOWN: 'BLOB_UNKNOWN',
  SIZE_INVALID: 'INVALID_INPUT',
};

function codeFor(status: number, details: RegistryErrorDetail[]): ErrorCode {
  for (const d of details) {
    const mapped = CODE_BY_REGISTRY_CODE[d.code.toUpperCase()];
    if (mapped) return mapped;
  }
  return codeForStatus(status);
}

/**
 * Turns an unexpected registry reply into a {@link RegctlError}, consuming its body. `what`
 * names the operation and object, e.g. `GET manifest localhost:5000/app:1`.
 */
export async function responseError(res: HttpResponse, what: string): Promise<RegctlError> {
  const text = res.status === 204 ? '' : (await readTextQuietly(res.body, MAX_ERROR_BODY)) ?? '';
  const details = parseRegistryErrors(text) ?? [];
  const code = codeFor(res.status, details);
  const reason = details.length > 0 ? formatRegistryErrors(details) : `HTTP ${res.status}`;
  const retryAfter = res.status === 429 ? header(res, 'retry-after') : undefined;
  return new RegctlError(code, `${what}: ${reason}`, {
    status: res.status,
    registryErrors: details,
    ...(retryAfter && { hint: `the registry asks to retry after ${retryAfter}` }),
  });
}
