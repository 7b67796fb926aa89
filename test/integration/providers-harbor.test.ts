/**
 * The library against the Harbor emulator, in process: recognition by challenge, and an
 * anonymous pull from a public project across a token expiry, where Harbor answers the refused
 * Bearer token with `Basic realm="harbor"` (REGISTRIES.md, "Harbor").
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticCredentials } from '../../src/credentials/static.js';
import { RegistryConnection } from '../../src/registry/connection.js';
import { Registry } from '../../src/registry/registry.js';
import { HttpClient } from '../../src/transport/http.js';
import { startHarbor, type HarborEmulator } from '../emulators/harbor.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';

describe('Harbor emulator through the library', () => {
  let harbor: HarborEmulator;
  let http: HttpClient;
  let image: BuiltImage;

  beforeAll(async () => {
    harbor = await startHarbor({ projects: ['library', 'public'], publicProjects: ['public'] });
    http = new HttpClient({ ca: await readFile(harbor.caFile), connectTo: harbor.connectTo, retry: { max: 0 } });
    image = await pushImage(targetFor(harbor.upstream, 'public/base'), 'public/base', '1');
  });
  afterAll(async () => {
    await http?.close();
    await harbor?.close();
  });

  it('is recognised by its challenge, whatever its name', async () => {
    const reg = new Registry(new RegistryConnection(harbor.host, { http, credentials: new StaticCredentials({}) }));
    expect((await reg.connection.provider()).name).toBe('harbor');
  });

  it('pulls anonymously from a public project across a token expiry', async () => {
    const reg = new Registry(new RegistryConnection(harbor.host, { http, credentials: new StaticCredentials({}) }));
    expect((await reg.getManifest('public/base', '1')).digest).toBe(image.digest);
    const expired = harbor.tokens.expiredSeen;
    harbor.tokens.clock.advance(31 * 60_000);
    const blob = await reg.getBlob('public/base', image.config.digest);
    blob.stream.resume();
    await new Promise((resolve) => blob.stream.on('end', resolve));
    expect(harbor.tokens.expiredSeen).toBeGreaterThan(expired);
    // The refused token was answered with Basic; the Bearer flow stayed in use.
    const last = harbor.requests.filter((q) => q.path.startsWith('/v2/public/base/blobs/'));
    expect(last.map((q) => [q.auth, q.status])).toEqual([['bearer', 401], ['bearer', 200]]);
  });

  it('refuses anonymous pulls from a private project with UNAUTHORIZED', async () => {
    await pushImage(targetFor(harbor.upstream, 'library/secret'), 'library/secret', '1');
    const reg = new Registry(new RegistryConnection(harbor.host, { http, credentials: new StaticCredentials({}) }));
    await expect(reg.getManifest('library/secret', '1')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
