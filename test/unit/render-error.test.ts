import { describe, expect, it } from 'vitest';
import { ExitCode, errorJson, errorText, exitCodeFor } from '../../src/cli/render-error.js';
import { RegctlError, type ErrorCode } from '../../src/errors.js';

describe('exitCodeFor', () => {
  // The command-line contract (DESIGN.md): 0 ok, 1 failure, 2 usage/input, 3 auth, 4 not found.
  it.each<[ErrorCode, number]>([
    ['USAGE', 2],
    ['INVALID_REFERENCE', 2],
    ['INVALID_INPUT', 2],
    ['CONFIG', 2],
    ['UNAUTHORIZED', 3],
    ['DENIED', 3],
    ['NOT_FOUND', 4],
    ['MANIFEST_UNKNOWN', 4],
    ['BLOB_UNKNOWN', 4],
    ['NAME_UNKNOWN', 4],
    ['DIGEST_MISMATCH', 1],
    ['TOO_LARGE', 1],
    ['UNSUPPORTED', 1],
    ['RATE_LIMITED', 1],
    ['REGISTRY_ERROR', 1],
    ['NETWORK', 1],
    ['TIMEOUT', 1],
    ['CREDENTIALS', 1],
    ['INSECURE', 1],
    ['INTERNAL', 1],
  ])('%s -> %i', (code, exit) => {
    expect(exitCodeFor(new RegctlError(code, 'x'))).toBe(exit);
  });

  it.each([new Error('plain'), new TypeError('bug'), 'a string', undefined, { code: 'USAGE' }])('%s (not a RegctlError) -> 1', (err) => {
    expect(exitCodeFor(err)).toBe(ExitCode.Failure);
  });
});

describe('errorText', () => {
  it.each<[string, RegctlError, string]>([
    ['no hint for a plain failure', new RegctlError('REGISTRY_ERROR', 'PUT blob r/a: HTTP 500'), 'error: PUT blob r/a: HTTP 500'],
    ['default hint for UNAUTHORIZED', new RegctlError('UNAUTHORIZED', 'GET r/a: UNAUTHORIZED'), 'error: GET r/a: UNAUTHORIZED\nhint: check the credentials with `regctl login <registry>`'],
    ['default hint for DENIED', new RegctlError('DENIED', 'denied'), 'error: denied\nhint: the account lacks permission for this repository or operation'],
    ['default hint for TIMEOUT', new RegctlError('TIMEOUT', 'slow'), 'error: slow\nhint: the registry did not answer in time; check the network or raise the timeouts'],
    ['default hint for RATE_LIMITED', new RegctlError('RATE_LIMITED', 'limited'), 'error: limited\nhint: the registry is rate limiting; wait, or log in to raise the limit'],
    ['own hint beats the default', new RegctlError('RATE_LIMITED', 'limited', { hint: 'the registry asks to retry after 30' }), 'error: limited\nhint: the registry asks to retry after 30'],
    ['own hint on a code without default', new RegctlError('NAME_UNKNOWN', 'no repo', { hint: 'create it first' }), 'error: no repo\nhint: create it first'],
  ])('%s', (_name, err, expected) => {
    expect(errorText(err)).toBe(expected);
  });

  it('puts the hint on its own line, exactly one line after the message', () => {
    const lines = errorText(new RegctlError('UNAUTHORIZED', 'refused')).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^hint: /);
  });

  it('redacts unexpected errors too', () => {
    const text = errorText(new Error('fetch https://alice:topsecret1@r.example/v2/ with Authorization: Basic YWxpY2U6dG9wc2VjcmV0MQ=='));
    expect(text).toBe('error: fetch https://alice:***@r.example/v2/ with Authorization: ***');
    expect(errorText('password=hunter2hunter2')).toBe('error: password=***');
  });
});

describe('errorJson', () => {
  it('gives code, message, status, registry errors and hint of a RegctlError', () => {
    const err = new RegctlError('MANIFEST_UNKNOWN', 'GET m: MANIFEST_UNKNOWN', { status: 404, registryErrors: [{ code: 'MANIFEST_UNKNOWN' }], hint: 'h' });
    expect(errorJson(err)).toEqual({ code: 'MANIFEST_UNKNOWN', message: 'GET m: MANIFEST_UNKNOWN', status: 404, registryErrors: [{ code: 'MANIFEST_UNKNOWN' }], hint: 'h' });
  });

  it('reports anything else as INTERNAL, redacted', () => {
    expect(errorJson(new Error('token=abcdef1234567'))).toEqual({ code: 'INTERNAL', message: 'token=***' });
  });
});
