import { describe, expect, it } from 'vitest';
import { findChallenge, parseChallenges, type Challenge } from '../../src/auth/challenge.js';

const bearer = (params: Record<string, string>): Challenge => ({ scheme: 'bearer', params });
const basic = (params: Record<string, string>): Challenge => ({ scheme: 'basic', params });

const vectors: Array<[string, string[], Challenge[]]> = [
  [
    'Docker Hub (no scope)',
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io"'],
    [bearer({ realm: 'https://auth.docker.io/token', service: 'registry.docker.io' })],
  ],
  [
    'Docker Hub with scope',
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"'],
    [bearer({ realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull' })],
  ],
  [
    'ECR Basic',
    ['Basic realm="https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/",service="ecr.amazonaws.com"'],
    [basic({ realm: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/', service: 'ecr.amazonaws.com' })],
  ],
  [
    'Artifact Registry (no service)',
    ['Bearer realm="https://us-docker.pkg.dev/v2/token"'],
    [bearer({ realm: 'https://us-docker.pkg.dev/v2/token' })],
  ],
  [
    'gcr.io',
    ['Bearer realm="https://gcr.io/v2/token",service="gcr.io"'],
    [bearer({ realm: 'https://gcr.io/v2/token', service: 'gcr.io' })],
  ],
  [
    'ACR',
    ['Bearer realm="https://myreg.azurecr.io/oauth2/token",service="myreg.azurecr.io"'],
    [bearer({ realm: 'https://myreg.azurecr.io/oauth2/token', service: 'myreg.azurecr.io' })],
  ],
  [
    'Harbor, several scopes space-joined',
    ['Bearer realm="https://harbor.example/service/token",service="harbor-registry",scope="repository:p/a:pull repository:p/b:pull,push"'],
    [bearer({ realm: 'https://harbor.example/service/token', service: 'harbor-registry', scope: 'repository:p/a:pull repository:p/b:pull,push' })],
  ],
  ['Harbor basic', ['Basic realm="harbor"'], [basic({ realm: 'harbor' })]],
  [
    'insufficient_scope error',
    ['Bearer realm="https://r/token",service="r",scope="repository:a/b:pull,push",error="insufficient_scope"'],
    [bearer({ realm: 'https://r/token', service: 'r', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' })],
  ],
  [
    'two challenges in one header',
    ['Basic realm="x", Bearer realm="https://r/token",service="s"'],
    [basic({ realm: 'x' }), bearer({ realm: 'https://r/token', service: 's' })],
  ],
  [
    'two headers',
    ['Bearer realm="https://r/token"', 'Basic realm="r"'],
    [bearer({ realm: 'https://r/token' }), basic({ realm: 'r' })],
  ],
  [
    'quoted comma and escaped quote',
    ['Bearer realm="https://r/token",error_description="a, \\"b\\" c",service="s"'],
    [bearer({ realm: 'https://r/token', error_description: 'a, "b" c', service: 's' })],
  ],
  [
    'case-insensitive scheme and names',
    ['BEARER Realm="https://r/token", SERVICE="s"'],
    [bearer({ realm: 'https://r/token', service: 's' })],
  ],
  [
    'whitespace around = and commas',
    ['  Bearer   realm = "https://r/token" ,  service= s  ,scope ="a:b:c"  '],
    [bearer({ realm: 'https://r/token', service: 's', scope: 'a:b:c' })],
  ],
  ['unquoted values', ['Bearer realm=https://r/token,service=r.io'], [bearer({ realm: 'https://r/token', service: 'r.io' })]],
  [
    'token68',
    ['Negotiate YIIB4gYGKwYBBQUCoIIB1j==, Basic realm="r"'],
    [{ scheme: 'negotiate', params: {}, token68: 'YIIB4gYGKwYBBQUCoIIB1j==' }, basic({ realm: 'r' })],
  ],
  ['bare schemes', ['Basic, Bearer'], [basic({}), bearer({})]],
  ['empty header', [''], []],
  ['no headers', [], []],
  ['unterminated quote keeps the rest', ['Bearer realm="https://r/tok'], [bearer({ realm: 'https://r/tok' })]],
  ['garbage is skipped', ['=,;"" Basic realm="r"'], [basic({ realm: 'r' })]],
  ['first duplicate param wins', ['Bearer realm="a",realm="b"'], [bearer({ realm: 'a' })]],
  ['empty quoted value', ['Bearer realm="",service="s"'], [bearer({ realm: '', service: 's' })]],
  ['garbage between params', ['Bearer realm="a", @@@, service="s"'], [bearer({ realm: 'a', service: 's' })]],
];

describe('parseChallenges', () => {
  it.each(vectors)('%s', (_name, headers, expected) => {
    expect(parseChallenges(headers)).toEqual(expected);
  });

  it('never throws on random input', () => {
    const alphabet = 'aB =,"\\\t;@(),realmBearer';
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const s = Array.from({ length: Math.floor(rnd() * 40) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      expect(() => parseChallenges([s])).not.toThrow();
    }
  });

  it('findChallenge picks by lower-case scheme', () => {
    const cs = parseChallenges(['Basic realm="x", Bearer realm="y"']);
    expect(findChallenge(cs, 'bearer')?.params.realm).toBe('y');
    expect(findChallenge(cs, 'digest')).toBeUndefined();
  });
});
