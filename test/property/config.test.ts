/**
 * Property tests for configuration parsing: docker's config.json (any file content gives a
 * config or a CONFIG error naming the file, never the content; `auths` entries give a credential,
 * nothing, or a CONFIG error; what regctl writes for a login reads back the same) and regctl's
 * own config (src/config: any value validates or fails with CONFIG).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { authEntryFor, credentialFromAuthEntry } from '../../src/credentials/auth-entry.js';
import { readDockerConfig } from '../../src/credentials/docker-config.js';
import { RegctlError } from '../../src/errors.js';
import { anyString, params, syntaxString, typedOnly } from './support.js';

const SECRET = 'Pr0perty-secret-value';

/** Plausible config.json documents, sometimes wrong in type, sometimes not JSON at all. */
const configText = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record({
    auths: fc.oneof(fc.dictionary(fc.string({ maxLength: 30 }), fc.oneof(
      fc.record({ auth: fc.oneof(fc.base64String(), anyString(20), fc.constant(Buffer.from(`user:${SECRET}`).toString('base64'))), identitytoken: fc.string(), registrytoken: fc.string() }, { requiredKeys: [] }),
      fc.jsonValue(),
    ), { maxKeys: 3 }), fc.jsonValue()),
    credsStore: fc.oneof(fc.string({ maxLength: 10 }), fc.jsonValue()),
    credHelpers: fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }), fc.jsonValue()),
  }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.oneof(anyString(60), syntaxString('{}[]":,auths auth 0', 60)),
  fc.constant(`{"auths":{"x":{"auth":"${Buffer.from(`user:${SECRET}`).toString('base64')}"}}`),
);

describe('docker config.json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regctl-prop-cfg-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads any file as a config or fails with CONFIG, never quoting the content', async () => {
    const file = join(dir, 'config.json');
    await fc.assert(fc.asyncProperty(configText, async (text) => {
      await writeFile(file, text);
      try {
        const cfg = await readDockerConfig(file);
        expect(typeof cfg).toBe('object');
        for (const [key, entry] of Object.entries(cfg.auths ?? {})) typedOnly(() => credentialFromAuthEntry(entry, `${file} (${key})`), 'CONFIG');
      } catch (e) {
        expect(e).toBeInstanceOf(RegctlError);
        expect((e as RegctlError).code).toBe('CONFIG');
        expect((e as RegctlError).message).toContain(file);
        expect((e as RegctlError).message).not.toContain(SECRET);
      }
    }), params);
  });

  it('turns any auths entry into a credential, nothing, or a CONFIG error', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.record({ auth: anyString(30), username: fc.jsonValue(), password: fc.jsonValue(), identitytoken: fc.jsonValue() }, { requiredKeys: [] })), (entry) => {
      const c = typedOnly(() => credentialFromAuthEntry(entry as never, 'config.json'), 'CONFIG');
      if (c) expect(c.password !== undefined || c.identityToken !== undefined || c.registryToken !== undefined).toBe(true);
    }), params);
  });

  it('reads back what it writes for a login', () => {
    const user = fc.string({ minLength: 1, maxLength: 20 }).filter((u) => !u.includes(':'));
    fc.assert(fc.property(user, fc.string({ minLength: 1, maxLength: 40 }), (username, password) => {
      expect(credentialFromAuthEntry(authEntryFor({ username, password }), 'config.json')).toEqual({ username, password });
    }), params);
  });
});

describe("regctl's own config", () => {
  it('validates any value or fails with CONFIG naming the file', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.record({
        concurrency: fc.jsonValue(), retries: fc.jsonValue(), timeouts: fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom('connect', 'headers', 'body', 'x'), fc.oneof(fc.string({ maxLength: 6 }), fc.double()))),
        hosts: fc.oneof(fc.jsonValue(), fc.dictionary(fc.oneof(fc.constantFrom('ghcr.io', 'localhost:5000', 'docker.io'), anyString(15)), fc.jsonValue(), { maxKeys: 3 })),
      }, { requiredKeys: [] }),
    );
    fc.assert(fc.property(value, (v) => {
      try {
        validateConfig(v, '/etc/regctl/config.json', '/home/u');
      } catch (e) {
        expect(e).toBeInstanceOf(RegctlError);
        expect((e as RegctlError).code).toBe('CONFIG');
        expect((e as RegctlError).message).toContain('/etc/regctl/config.json');
      }
    }), params);
  });
});
