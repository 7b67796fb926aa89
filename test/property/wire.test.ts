/**
 * Property tests for the other parsers that read what a server or a user sends: manifests (any
 * bytes give a manifest or a typed error: no stack overflow, no TypeError), `Retry-After`,
 * platforms and `--connect-to` rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlatform } from '../../src/copy/platform.js';
import { parseManifest } from '../../src/registry/manifest.js';
import { parseConnectTo } from '../../src/transport/connect-to.js';
import { parseRetryAfter } from '../../src/transport/retry.js';
import { anyString, params, syntaxString, typedOnly } from './support.js';

const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`);
const descriptor = fc.record({ mediaType: fc.oneof(fc.string({ maxLength: 10 }), fc.constant('application/vnd.oci.image.layer.v1.tar+gzip')), digest: fc.oneof(digest, fc.string()), size: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] });
const manifestDoc = fc.record({
  schemaVersion: fc.oneof(fc.constant(2), fc.constant(1), fc.jsonValue()),
  mediaType: fc.oneof(fc.constantFrom('application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'), fc.string({ maxLength: 12 })),
  config: fc.oneof(descriptor, fc.jsonValue()),
  layers: fc.oneof(fc.array(descriptor, { maxLength: 3 }), fc.jsonValue()),
  manifests: fc.oneof(fc.array(descriptor, { maxLength: 3 }), fc.jsonValue()),
  subject: descriptor,
}, { requiredKeys: [] });
const nested = fc.tuple(fc.nat({ max: 200 }), fc.constantFrom('[', '{"a":')).map(([n, open]) => `{"schemaVersion":2,"annotations":${open.repeat(n)}1${(open === '[' ? ']' : '}').repeat(n)}}`);

describe('manifest parsing', () => {
  it('gives a manifest or a typed error for any bytes', () => {
    const input = fc.oneof(
      manifestDoc.map((d) => Buffer.from(JSON.stringify(d))),
      nested.map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      syntaxString('{}[]":,schemaVersion2 ', 80).map((s) => Buffer.from(s)),
    );
    fc.assert(fc.property(input, fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), (bytes, contentType) => {
      const m = typedOnly(() => parseManifest(bytes, contentType), 'INVALID_INPUT', 'UNSUPPORTED', 'TOO_LARGE');
      if (m) {
        expect(typeof m.mediaType).toBe('string');
        expect(m.parsed.schemaVersion).toBe(2);
      }
    }), params);
  });
});

describe('header and flag parsing', () => {
  it('reads any Retry-After as a wait of at least zero, or nothing', () => {
    fc.assert(fc.property(fc.oneof(anyString(30), fc.nat().map(String), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), (v) => {
      const ms = parseRetryAfter(v, 1_700_000_000_000);
      if (ms !== undefined) expect(ms).toBeGreaterThanOrEqual(0);
    }), params);
  });

  it('parses any --platform or fails with a typed error', () => {
    fc.assert(fc.property(fc.oneof(anyString(30), syntaxString('linux/amd64/v8 arm64,', 30)), (s) => {
      typedOnly(() => parsePlatform(s));
    }), params);
  });

  it('parses any --connect-to rule or fails with a typed error', () => {
    fc.assert(fc.property(fc.oneof(anyString(40), syntaxString('registry.example.com:443:10.0.0.5:8443[]::1', 40)), (s) => {
      typedOnly(() => parseConnectTo(s));
    }), params);
  });
});
