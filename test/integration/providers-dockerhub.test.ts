/**
 * The library against the Docker Hub emulator, in process: token expiry on a clock the test moves
 * (the client's token cache and the emulator share it, as a real client and Hub share real
 * time), and the rate limit as the library exposes it.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenCache } from '../../src/auth/token-cache.js';
import { StaticCredentials } from '../../src/credentials/static.js';
import { parseHubRateLimit } from '../../src/providers/dockerhub-ratelimit.js';
import { RegistryConnection } from '../../src/registry/connection.js';
import { Registry } from '../../src/registry/registry.js';
import { isLow } from '../../src/registry/rate-limit.js';
import { HttpClient } from '../../src/transport/http.js';
import { startDockerHub, type DockerHubEmulator } from '../emulators/dockerhub.js';
import { sha256Digest } from '../harness/fixture-bytes.js';
import { pushImage, targetFor, type BuiltImage } from '../harness/images.js';

const USER = 'libuser';
const PAT = 'dckr_pat_integration-0123456789';
const FIVE_MINUTES = 5 * 60_000;

describe('Docker Hub emulator through the library', () => {
  let hub: DockerHubEmulator;
  let http: HttpClient;
  let image: BuiltImage;
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m) };
  const credentials = new StaticCredentials({ 'docker.io': { username: USER, password: PAT } });
  /** A registry whose token cache runs on `now`. */
  const hubRegistry = (now: () => number) =>
    new Registry(new RegistryConnection('docker.io', { http, credentials, logger, tokenCache: new TokenCache({ now }) }));
  /** A one-shot upload: a 401 on its PUT could not be answered by a replay. */
  const upload = async (reg: Registry) => {
    const blob = randomBytes(4096);
    await reg.uploadBlob(`${USER}/lib`, { digest: sha256Digest(blob), size: blob.length }, () => Readable.from([blob]), { replayable: false });
  };

  beforeAll(async () => {
    hub = await startDockerHub({ users: { [USER]: PAT } });
    http = new HttpClient({ ca: await readFile(hub.caFile), connectTo: hub.connectTo, retry: { max: 0 } });
    image = await pushImage(targetFor(hub.upstream, `${USER}/lib`), `${USER}/lib`, '1');
  });
  afterAll(async () => {
    await http?.close();
    await hub?.close();
  });

  it('refreshes a token before it expires when the clocks agree: no expired token is ever sent', async () => {
    const reg = hubRegistry(() => hub.tokens.clock.now());
    await reg.headManifest(`${USER}/lib`, '1');
    const fetched = hub.tokenRequests.length;
    for (let i = 0; i < 3; i++) {
      hub.tokens.clock.advance(FIVE_MINUTES);
      await upload(reg);
    }
    expect(hub.tokens.expiredSeen).toBe(0);
    expect(hub.tokenRequests.length).toBeGreaterThanOrEqual(fetched + 3);
  });

  it('recovers when the registry expires a token early: the replayable request before a one-shot PUT refreshes it', async () => {
    const reg = hubRegistry(Date.now);
    await upload(reg);
    const expired = hub.tokens.expiredSeen;
    hub.tokens.clock.advance(FIVE_MINUTES + 1000);
    await upload(reg);
    expect(hub.tokens.expiredSeen).toBeGreaterThan(expired);
    expect(await reg.headManifest(`${USER}/lib`, '1')).toMatchObject({ digest: image.digest });
  });

  it('exposes the pull quota: a HEAD leaves it, a GET counts, low quota warns once', async () => {
    const reg = hubRegistry(Date.now);
    hub.remaining = 50;
    await reg.headManifest(`${USER}/lib`, '1');
    expect(reg.connection.rateLimit).toEqual({ remaining: 50, limit: 100, windowSeconds: 21600, source: '192.0.2.10' });
    await reg.getManifest(`${USER}/lib`, '1');
    expect(reg.connection.rateLimit?.remaining).toBe(49);
    expect(warnings).toEqual([]);
    hub.remaining = 9;
    await reg.getManifest(`${USER}/lib`, '1');
    await reg.getManifest(`${USER}/lib`, '1');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/docker\.io: 8 of 100 pulls left per 6 h/);
    hub.remaining = 100;
  });
});

describe('parseHubRateLimit', () => {
  const res = (headers: Record<string, string>) => ({ headers });
  it.each([
    [{ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }, { remaining: 76, limit: 100, windowSeconds: 21600 }],
    [{ 'ratelimit-remaining': '3' }, { remaining: 3 }],
    [{ 'ratelimit-remaining': '200;w=3600', 'docker-ratelimit-source': 'a1b2' }, { remaining: 200, windowSeconds: 3600, source: 'a1b2' }],
    [{}, undefined],
    [{ 'ratelimit-remaining': 'lots' }, undefined],
  ])('%j', (headers, expected) => {
    expect(parseHubRateLimit(res(headers))).toEqual(expected);
  });

  it('calls a quota low under 10 %, or at 10 or fewer when the quota is unknown', () => {
    expect(isLow({ remaining: 9, limit: 100 })).toBe(true);
    expect(isLow({ remaining: 10, limit: 100 })).toBe(false);
    expect(isLow({ remaining: 10 })).toBe(true);
    expect(isLow({ remaining: 11 })).toBe(false);
  });
});
