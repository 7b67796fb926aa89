import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { responseError } from '../../src/registry/response-error.js';
import type { HttpResponse, ResponseBody } from '../../src/transport/types.js';

function fakeResponse(status: number, body: string | Readable, headers: Record<string, string> = {}): HttpResponse {
  const stream = typeof body === 'string' ? Readable.from([Buffer.from(body)]) : body;
  return { status, headers, url: 'http://127.0.0.1:1/v2/x', body: stream as unknown as ResponseBody };
}

const errors = (...list: Array<{ code: string; message?: string }>) => JSON.stringify({ errors: list });

describe('responseError code mapping', () => {
  it.each<[string, number, string, Record<string, string>, string]>([
    ['404 MANIFEST_UNKNOWN', 404, errors({ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }), {}, 'MANIFEST_UNKNOWN'],
    ['404 BLOB_UNKNOWN', 404, errors({ code: 'BLOB_UNKNOWN' }), {}, 'BLOB_UNKNOWN'],
    ['404 NAME_UNKNOWN', 404, errors({ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }), {}, 'NAME_UNKNOWN'],
    ['404 empty body', 404, '', {}, 'NOT_FOUND'],
    ['401 UNAUTHORIZED body', 401, errors({ code: 'UNAUTHORIZED', message: 'authentication required' }), {}, 'UNAUTHORIZED'],
    ['401 no body', 401, '', {}, 'UNAUTHORIZED'],
    ['403 DENIED', 403, errors({ code: 'DENIED', message: 'requested access to the resource is denied' }), {}, 'DENIED'],
    ['403 HTML page', 403, '<html>Forbidden</html>', {}, 'DENIED'],
    ['405 no body (delete disabled)', 405, '', {}, 'UNSUPPORTED'],
    ['405 UNSUPPORTED body', 405, errors({ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }), {}, 'UNSUPPORTED'],
    ['400 UNSUPPORTED (Harbor tag delete)', 400, errors({ code: 'UNSUPPORTED' }), {}, 'UNSUPPORTED'],
    ['400 DIGEST_INVALID', 400, errors({ code: 'DIGEST_INVALID' }), {}, 'DIGEST_MISMATCH'],
    ['400 MANIFEST_INVALID', 400, errors({ code: 'MANIFEST_INVALID' }), {}, 'INVALID_INPUT'],
    ['400 MANIFEST_BLOB_UNKNOWN', 400, errors({ code: 'MANIFEST_BLOB_UNKNOWN' }), {}, 'BLOB_UNKNOWN'],
    ['400 TAG_INVALID (ECR immutable tag)', 400, errors({ code: 'TAG_INVALID', message: 'cannot be overwritten because the tag is immutable' }), {}, 'INVALID_INPUT'],
    ['lower-case registry code', 404, errors({ code: 'manifest_unknown' }), {}, 'MANIFEST_UNKNOWN'],
    ['unknown code falls back to status', 404, errors({ code: 'SOMETHING_ELSE' }), {}, 'NOT_FOUND'],
    ['first known code wins', 400, errors({ code: 'WHATEVER' }, { code: 'NAME_INVALID' }), {}, 'INVALID_REFERENCE'],
    ['429 no body', 429, '', { 'retry-after': '30' }, 'RATE_LIMITED'],
    ['429 TOOMANYREQUESTS (Docker Hub)', 429, errors({ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }), {}, 'RATE_LIMITED'],
    ['500 non-JSON body', 500, 'upstream connect error or disconnect/reset before headers', {}, 'REGISTRY_ERROR'],
    ['502 HTML', 502, '<html><body>Bad Gateway</body></html>', {}, 'REGISTRY_ERROR'],
    ['400 without body', 400, '', {}, 'REGISTRY_ERROR'],
  ])('%s -> %s', async (_name, status, body, headers, code) => {
    const err = await responseError(fakeResponse(status, body, headers), 'GET manifest 127.0.0.1:5000/app:1');
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.message.startsWith('GET manifest 127.0.0.1:5000/app:1: ')).toBe(true);
  });

  it('puts the registry codes and messages into the message and registryErrors', async () => {
    const err = await responseError(fakeResponse(404, errors({ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }, { code: 'X' })), 'GET m');
    expect(err.message).toBe('GET m: MANIFEST_UNKNOWN: manifest unknown; X');
    expect(err.registryErrors).toEqual([{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }, { code: 'X' }]);
  });

  it('says HTTP <status> for a non-JSON body, without quoting the body', async () => {
    const err = await responseError(fakeResponse(500, 'panic: runtime error: secret stack'), 'PUT blob');
    expect(err.message).toBe('PUT blob: HTTP 500');
    expect(err.registryErrors).toEqual([]);
  });

  it('turns Retry-After of a 429 into a hint, and only for 429', async () => {
    const limited = await responseError(fakeResponse(429, '', { 'retry-after': '120' }), 'GET m');
    expect(limited.hint).toMatch(/retry after 120/);
    const plain = await responseError(fakeResponse(429, ''), 'GET m');
    expect(plain.hint).toBeUndefined();
    const other = await responseError(fakeResponse(503, '', { 'retry-after': '5' }), 'GET m');
    expect(other.hint).toBeUndefined();
  });

  it('redacts a secret the registry echoes back in its error body', async () => {
    const err = await responseError(fakeResponse(401, errors({ code: 'UNAUTHORIZED', message: 'bad token=abcdef123456 for Bearer eyJhbGciOi.eyJzdWIiOiJ4.sig' })), 'GET m');
    expect(err.message).not.toContain('abcdef123456');
    expect(err.message).not.toContain('eyJzdWIiOiJ4');
    expect(JSON.stringify(err.registryErrors)).not.toContain('abcdef123456');
  });

  it('reads a huge error body only up to its bound and stops the stream', async () => {
    let produced = 0;
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const endless = new Readable({
      read() {
        produced += chunk.length;
        // 1 GiB if nobody stops reading
        this.push(produced > 1024 ** 3 ? null : chunk);
      },
    });
    const started = performance.now();
    const err = await responseError(fakeResponse(500, endless), 'GET m');
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toBe('GET m: HTTP 500');
    expect(produced).toBeLessThan(1024 * 1024);
    expect(endless.destroyed).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('does not read the body of a 204', async () => {
    const body = Readable.from([Buffer.from('ignored')]);
    const err = await responseError(fakeResponse(204, body), 'DELETE m');
    expect(err.code).toBe('REGISTRY_ERROR');
    expect(err.message).toBe('DELETE m: HTTP 204');
  });

  it('survives a body stream that fails mid-read', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    const err = await responseError(fakeResponse(502, failing), 'GET m');
    expect(err).toMatchObject({ code: 'REGISTRY_ERROR', status: 502, message: 'GET m: HTTP 502' });
  });
});

describe('responseError with odd error documents', () => {
  it.each<[string, string, unknown]>([
    ['detail kept', JSON.stringify({ errors: [{ code: 'X', detail: { a: 1 } }] }), [{ code: 'X', detail: { a: 1 } }]],
    ['entries without a string code dropped', JSON.stringify({ errors: [{ code: 5 }, null, 'x', { message: 'm' }, { code: 'OK' }] }), [{ code: 'OK' }]],
    ['errors not an array', JSON.stringify({ errors: { code: 'X' } }), []],
    ['JSON null', 'null', []],
  ])('%s', async (_name, text, expected) => {
    expect((await responseError(fakeResponse(400, text), 'x')).registryErrors).toEqual(expected);
  });
});
