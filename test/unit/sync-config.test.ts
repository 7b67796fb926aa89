import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RegctlError } from '../../src/errors.js';
import { loadSyncConfig, parseSyncConfig } from '../../src/sync/config.js';

const parse = (text: string) => parseSyncConfig(text, 'sync.yaml');

/** The CONFIG error a config raises, as its message. */
function problem(text: string): string {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(RegctlError);
    expect((e as RegctlError).code).toBe('CONFIG');
    return (e as RegctlError).message;
  }
  throw new Error('the config was accepted');
}

describe('sync config', () => {
  it('reads every kind of source, with defaults and per-source overrides', () => {
    const c = parse(`
sources:
  - repository: alpine
    tags:
      include: '^3\\.'
      exclude: [rc, beta]
      semver: '>=3.18 <4'
      newest: 2
      pin:
        3.10: sha256:${'a'.repeat(64)}
  - namespace: ghcr.io/org
    repositories: { include: [app], exclude: [legacy] }
    destinations: ['backup.example.com/{namespace}/{name}']
    referrers: false
  - registry: localhost:5000
    platforms: linux/arm64
destinations:
  - myacr.azurecr.io/mirror/{repo}
options:
  platforms: [linux/amd64, linux/arm64/v8]
  referrers: true
  concurrency: { images: 6, blobs: 3 }
`);
    expect(c.concurrency).toEqual({ images: 6, blobs: 3 });
    const [a, b, r] = c.sources;
    expect(a).toMatchObject({ kind: 'repository', registry: 'docker.io', path: 'library/alpine', label: 'docker.io/library/alpine', where: 'sync.yaml:3:5', referrers: true });
    // The failsafe schema keeps "3.10" a string: YAML's core schema would make it the number 3.1.
    expect([...a!.tags.pin.keys()]).toEqual(['3.10']);
    expect(a!.tags).toMatchObject({ semver: '>=3.18 <4', newest: 2, prerelease: false });
    expect(a!.tags.include.map(String)).toEqual(['/^3\\./']);
    expect(a!.tags.exclude.map(String)).toEqual(['/rc/', '/beta/']);
    expect(a!.destinations.map((d) => d.text)).toEqual(['myacr.azurecr.io/mirror/{repo}']);
    expect(a!.platforms).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }]);
    expect(b).toMatchObject({ kind: 'namespace', registry: 'ghcr.io', path: 'org', label: 'ghcr.io/org/', referrers: false });
    expect(b!.destinations.map((d) => d.text)).toEqual(['backup.example.com/{namespace}/{name}']);
    expect(b!.repositories.include.map(String)).toEqual(['/app/']);
    expect(r).toMatchObject({ kind: 'registry', registry: 'localhost:5000', label: 'localhost:5000', platforms: [{ os: 'linux', architecture: 'arm64' }] });
  });

  it('reads JSON too, and a Docker Hub namespace written without the host', () => {
    const c = parse(JSON.stringify({ sources: [{ namespace: 'bitnami', tags: { newest: 3, prerelease: true } }], destinations: ['reg.example/{repo}'] }));
    expect(c.sources[0]).toMatchObject({ kind: 'namespace', registry: 'docker.io', path: 'bitnami', tags: { newest: 3, prerelease: true } });
  });

  it.each([
    ['unknown top-level key, with a suggestion', 'sources: []\ndestination: ["x/{repo}"]\n', 'sync.yaml:2:1: destination: unknown key; did you mean "destinations"?'],
    ['no sources', 'destinations: ["x/{repo}"]\n', 'no "sources"'],
    ['empty sources', 'sources: []\n', 'sync.yaml:1:10: sources: is empty'],
    ['two kinds in one source', 'sources:\n  - repository: a\n    registry: ghcr.io\n', 'sync.yaml:2:5: sources[0]: has both "repository" and "registry"'],
    ['no kind', 'sources:\n  - tags: {}\n', 'needs one of "repository", "namespace" or "registry"'],
    ['bad regex', 'sources:\n  - repository: a\n    tags: { include: ["(x"] }\ndestinations: ["x/{repo}"]\n', 'sync.yaml:3:23: sources[0].tags.include[0]: invalid regular expression'],
    ['bad semver range', 'sources:\n  - repository: a\n    tags:\n      semver: ">= 1.2.3 || ~"\ndestinations: ["x/{repo}"]\n', 'sync.yaml:4:15: sources[0].tags.semver: ">= 1.2.3 || ~" is not a semver range'],
    ['newest zero', 'sources:\n  - repository: a\n    tags: { newest: 0 }\ndestinations: ["x/{repo}"]\n', 'sources[0].tags.newest: must be a whole number from 1 up ("0" given)'],
    ['pin with a bad digest', 'sources:\n  - repository: a\n    tags:\n      pin: { "1.0": sha256:abc }\ndestinations: ["x/{repo}"]\n', 'sync.yaml:4:21: sources[0].tags.pin["1.0"]: sha256 digest must be 64 hex characters, got 3'],
    ['no destinations anywhere', 'sources:\n  - repository: a\n', 'sync.yaml:2:5: sources[0]: has no destinations'],
    ['unknown placeholder', 'sources:\n  - repository: a\ndestinations: ["x.io/{image}"]\n', 'sync.yaml:3:16: destinations[0]: unknown placeholder {image} (known: {repo}, {name}, {namespace}, {registry})'],
    ['unbalanced brace', 'sources:\n  - repository: a\ndestinations: ["x.io/{repo"]\n', 'unbalanced "{"'],
    ['a tag in a template', 'sources:\n  - repository: a\ndestinations: ["x.io/{repo}:latest"]\n', 'must name a repository, without a tag or digest'],
    ['uppercase in a template', 'sources:\n  - repository: a\ndestinations: ["x.io/Mirror/{repo}"]\n', 'repository name must be lowercase'],
    ['a repository with a tag', 'sources:\n  - repository: alpine:3.20\ndestinations: ["x/{repo}"]\n', 'sync.yaml:2:17: sources[0].repository: invalid repository "alpine:3.20": must not include a tag'],
    ['a registry written as a namespace', 'sources:\n  - namespace: ghcr.io\ndestinations: ["x/{repo}"]\n', 'this is a whole registry; write it as "registry:"'],
    ['repositories filter on one repository', 'sources:\n  - repository: a\n    repositories: { include: [x] }\ndestinations: ["x/{repo}"]\n', 'sync.yaml:3:5: sources[0].repositories: filters the repositories'],
    ['bad platform', 'sources:\n  - repository: a\noptions: { platforms: [linux] }\ndestinations: ["x/{repo}"]\n', 'sync.yaml:3:24: options.platforms[0]: invalid platform "linux"'],
    ['bad boolean', 'sources:\n  - repository: a\n    referrers: yes\ndestinations: ["x/{repo}"]\n', 'sources[0].referrers: must be true or false ("yes" given)'],
    ['concurrency out of range', 'sources:\n  - repository: a\noptions: { concurrency: { images: 1000 } }\ndestinations: ["x/{repo}"]\n', 'options.concurrency.images: must be a whole number from 1 to 256'],
    ['wrong version', 'version: 2\nsources:\n  - repository: a\ndestinations: ["x/{repo}"]\n', 'sync.yaml:1:10: version: only version 1 exists'],
    ['duplicate key', 'sources:\n  - repository: a\nsources: []\n', 'sync.yaml:3:1: not valid YAML or JSON: Map keys must be unique'],
    ['not YAML', 'sources: [\n', 'sync.yaml:2:1: not valid YAML or JSON'],
    ['a list at the top', '- a\n', 'sync.yaml:1:1: (top level): must be a mapping (a list given)'],
  ])('refuses %s', (_name, text, expected) => {
    expect(problem(text)).toContain(expected);
  });

  it('loads a file and names it in errors; a missing file is a CONFIG error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regctl-sync-config-'));
    try {
      const file = join(dir, 'mirror.json');
      await writeFile(file, '{"sources": [{"repository": "alpine"}], "destinations": ["x.io/{repo}"], "options": {"concurrency": {"images": 2}}}');
      expect((await loadSyncConfig(file)).concurrency.images).toBe(2);
      await writeFile(file, '{"sources": [{"repository": "alpine", "tags": {"semver": "latest"}}], "destinations": ["x.io/{repo}"]}');
      await expect(loadSyncConfig(file)).rejects.toThrow(`${file}:1:58: sources[0].tags.semver: "latest" is not a semver range`);
      await expect(loadSyncConfig(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('ENOENT') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
