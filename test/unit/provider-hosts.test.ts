import { describe, expect, it } from 'vitest';
import { parseAcrHost } from '../../src/providers/acr-host.js';
import { parseEcrHost } from '../../src/providers/ecr-host.js';
import { parseGoogleHost } from '../../src/providers/gar-host.js';
import { providerFor } from '../../src/providers/index.js';

describe('ECR hosts', () => {
  const ok: Array<[string, { account: string; region: string; fips: boolean; suffix: string }]> = [
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com', { account: '123456789012', region: 'us-east-1', fips: false, suffix: 'amazonaws.com' }],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', { account: '123456789012', region: 'us-gov-west-1', fips: true, suffix: 'amazonaws.com' }],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', { account: '123456789012', region: 'cn-north-1', fips: false, suffix: 'amazonaws.com.cn' }],
    ['123456789012.dkr-ecr.eu-west-1.on.aws', { account: '123456789012', region: 'eu-west-1', fips: false, suffix: 'on.aws' }],
    ['123456789012.dkr-ecr-fips.us-east-2.on.aws', { account: '123456789012', region: 'us-east-2', fips: true, suffix: 'on.aws' }],
    ['123456789012.dkr-ecr.cn-northwest-1.on.amazonwebservices.com.cn', { account: '123456789012', region: 'cn-northwest-1', fips: false, suffix: 'on.amazonwebservices.com.cn' }],
    ['123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu', { account: '123456789012', region: 'eusc-de-east-1', fips: false, suffix: 'amazonaws.eu' }],
    ['123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov', { account: '123456789012', region: 'us-iso-east-1', fips: false, suffix: 'c2s.ic.gov' }],
    ['123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov', { account: '123456789012', region: 'us-isob-east-1', fips: false, suffix: 'sc2s.sgov.gov' }],
    ['123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk', { account: '123456789012', region: 'eu-isoe-west-1', fips: false, suffix: 'cloud.adc-e.uk' }],
    ['123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov', { account: '123456789012', region: 'us-isof-south-1', fips: false, suffix: 'csp.hci.ic.gov' }],
  ];
  it.each(ok)('parses %s', (host, want) => {
    expect(parseEcrHost(host)).toEqual(want);
    expect(providerFor(host).name).toBe('ecr');
  });

  const lookAlikes = [
    '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example', // suffix continues
    'evil.123456789012.dkr.ecr.us-east-1.amazonaws.com', // prefix before the account
    '12345678901.dkr.ecr.us-east-1.amazonaws.com', // 11 digits
    '1234567890123.dkr.ecr.us-east-1.amazonaws.com', // 13 digits
    'abcdefghijkl.dkr.ecr.us-east-1.amazonaws.com', // account not digits
    '123456789012.dkr.ecr.us-east-1.amazonaws.co', // wrong TLD
    '123456789012.dkr.ecr.us-east-1.amazonaws.com:443', // a port: not how ECR is written
    '123456789012.dkr.ecr..amazonaws.com', // no region
    '123456789012.dkr.ecr.useast1.amazonaws.com', // not a region name
    '123456789012.dkrXecr.us-east-1.amazonaws.com', // only . or - between dkr and ecr
    '123456789012.dkr.ecr.us-east-1.notamazonaws.com',
    '123456789012.dkr.ecr.us-east-1.on.aws.evil',
    'public.ecr.aws',
    'ecr.us-east-1.amazonaws.com', // the API endpoint, not a registry
  ];
  it.each(lookAlikes)('rejects %s', (host) => {
    expect(parseEcrHost(host)).toBeUndefined();
    expect(providerFor(host).name).not.toBe('ecr');
  });

  it('matches ECR Public only on public.ecr.aws', () => {
    expect(providerFor('public.ecr.aws').name).toBe('ecr-public');
    expect(providerFor('public.ecr.aws.evil.example').name).toBe('oci');
    expect(providerFor('notpublic.ecr.aws').name).toBe('oci');
  });
});

describe('Google hosts', () => {
  const ok: Array<[string, { kind: 'gcr' | 'ar'; location: string }]> = [
    ['gcr.io', { kind: 'gcr', location: 'us' }],
    ['us.gcr.io', { kind: 'gcr', location: 'us' }],
    ['eu.gcr.io', { kind: 'gcr', location: 'europe' }],
    ['asia.gcr.io', { kind: 'gcr', location: 'asia' }],
    ['marketplace.gcr.io', { kind: 'gcr', location: 'us' }],
    ['us-docker.pkg.dev', { kind: 'ar', location: 'us' }],
    ['europe-docker.pkg.dev', { kind: 'ar', location: 'europe' }],
    ['us-central1-docker.pkg.dev', { kind: 'ar', location: 'us-central1' }],
    ['europe-west1-docker.pkg.dev', { kind: 'ar', location: 'europe-west1' }],
    ['northamerica-northeast1-docker.pkg.dev', { kind: 'ar', location: 'northamerica-northeast1' }],
    ['docker.us-central1.rep.pkg.dev', { kind: 'ar', location: 'us-central1' }],
  ];
  it.each(ok)('parses %s', (host, want) => {
    expect(parseGoogleHost(host)).toEqual(want);
    expect(providerFor(host).name).toBe('gar');
  });

  const others = [
    'gcr.io.evil.example',
    'evilgcr.io',
    'a.b.gcr.io', // gcr.io hosts are one label deep
    'us-docker.pkg.dev.evil.example',
    'docker.pkg.dev',
    'us-maven.pkg.dev', // not a Docker repository host
    'us-docker.pkg.devx',
    'docker.us-central1.rep.pkg.dev.evil',
    'gcr.io:5000',
  ];
  it.each(others)('rejects %s', (host) => {
    expect(parseGoogleHost(host)).toBeUndefined();
    expect(providerFor(host).name).not.toBe('gar');
  });
});

describe('ACR hosts', () => {
  const ok: Array<[string, string, string]> = [
    ['myreg.azurecr.io', 'myreg', 'https://management.azure.com/.default'],
    ['my-reg-abc123.azurecr.io', 'my-reg-abc123', 'https://management.azure.com/.default'],
    ['myreg.azurecr.cn', 'myreg', 'https://management.chinacloudapi.cn/.default'],
    ['myreg.azurecr.us', 'myreg', 'https://management.usgovcloudapi.net/.default'],
  ];
  it.each(ok)('parses %s', (host, name, armScope) => {
    const parsed = parseAcrHost(host);
    expect(parsed?.name).toBe(name);
    expect(parsed?.cloud.armScope).toBe(armScope);
    expect(providerFor(host).name).toBe('acr');
  });

  it('knows the sovereign clouds\' authorities', () => {
    expect(parseAcrHost('r.azurecr.cn')?.cloud.authorityHost).toBe('https://login.chinacloudapi.cn');
    expect(parseAcrHost('r.azurecr.us')?.cloud.authorityHost).toBe('https://login.microsoftonline.us');
    expect(parseAcrHost('r.azurecr.io')?.cloud.authorityHost).toBe('https://login.microsoftonline.com');
  });

  const others = [
    'azurecr.io',
    'myreg.azurecr.io.evil.example',
    'myreg.eastus.data.azurecr.io', // a data endpoint, not a registry
    'myreg.azurecr.com',
    'myreg.azurecr.de', // the retired German cloud
    '-myreg.azurecr.io',
  ];
  it.each(others)('rejects %s', (host) => {
    expect(parseAcrHost(host)).toBeUndefined();
    expect(providerFor(host).name).not.toBe('acr');
  });
});
