import { describe, expect, it } from 'vitest';
import { formatPlatform, parsePlatform, platformMatches } from '../../src/copy/platform.js';
import type { Platform } from '../../src/registry/manifest.js';

describe('parsePlatform', () => {
  it.each<[string, Platform]>([
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['windows/amd64', { os: 'windows', architecture: 'amd64' }],
    ['linux/ppc64le', { os: 'linux', architecture: 'ppc64le' }],
  ])('%s', (input, expected) => {
    expect(parsePlatform(input)).toEqual(expected);
    expect(formatPlatform(parsePlatform(input))).toBe(input);
  });

  it.each(['', 'linux', 'linux/', '/amd64', 'linux//v7', 'linux/arm/v7/extra', 'linux/amd 64', 'linux/amd64;rm', 'linux/$(x)'])(
    'rejects %j with USAGE',
    (input) => {
      expect(() => parsePlatform(input)).toThrowError(expect.objectContaining({ code: 'USAGE' }));
    },
  );
});

describe('platformMatches', () => {
  const p = (os: string, architecture: string, variant?: string): Platform => ({ os, architecture, ...(variant && { variant }) });
  it.each<[string, Platform, Platform | undefined, boolean]>([
    ['same os/arch', p('linux', 'amd64'), p('linux', 'amd64'), true],
    ['wanted without variant matches any variant', p('linux', 'arm'), p('linux', 'arm', 'v7'), true],
    ['same variant', p('linux', 'arm', 'v7'), p('linux', 'arm', 'v7'), true],
    ['different variant', p('linux', 'arm', 'v6'), p('linux', 'arm', 'v7'), false],
    ['variant wanted, candidate has none (arm has no default)', p('linux', 'arm', 'v7'), p('linux', 'arm'), false],
    // containerd normalises a bare arm64 to arm64/v8
    ['arm64/v8 matches arm64 without variant', p('linux', 'arm64', 'v8'), p('linux', 'arm64'), true],
    ['arm64/v8 matches arm64/v8', p('linux', 'arm64', 'v8'), p('linux', 'arm64', 'v8'), true],
    ['arm64/v9 does not match bare arm64', p('linux', 'arm64', 'v9'), p('linux', 'arm64'), false],
    ['arm64 wanted matches arm64/v8', p('linux', 'arm64'), p('linux', 'arm64', 'v8'), true],
    ['different arch', p('linux', 'amd64'), p('linux', 'arm64'), false],
    ['different os', p('linux', 'amd64'), p('windows', 'amd64'), false],
    ['candidate without platform (attestation)', p('linux', 'amd64'), undefined, false],
  ])('%s', (_name, wanted, candidate, expected) => {
    expect(platformMatches(wanted, candidate)).toBe(expected);
  });
});
