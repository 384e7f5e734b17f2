import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { resolveEndpoint, type CognitoService } from '../../../src/services/http/endpoints.js';

const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-central-2', 'ap-southeast-4', 'sa-east-1',
  'ca-west-1', 'me-central-1', 'af-south-1', 'il-central-1', 'mx-central-1',
  'cn-north-1', 'cn-northwest-1',
  'us-gov-west-1', 'us-gov-east-1',
  'us-iso-east-1', 'us-iso-west-1', 'us-isob-east-1', 'us-isof-south-1', 'eu-isoe-west-1', 'eusc-de-east-1',
  'aws-global', 'aws-cn-global', 'aws-us-gov-global', 'aws-iso-global', 'aws-iso-b-global',
  'xx-unknown-1', 'local',
];
const VARIANTS = [
  { fips: false, dualStack: false },
  { fips: true, dualStack: false },
  { fips: false, dualStack: true },
  { fips: true, dualStack: true },
];

async function sdkEndpoint(service: CognitoService, region: string, fips: boolean, dualStack: boolean): Promise<string> {
  const client =
    service === 'cognito-identity'
      ? new CognitoIdentityClient({ region, useFipsEndpoint: fips, useDualstackEndpoint: dualStack })
      : new CognitoIdentityProviderClient({ region, useFipsEndpoint: fips, useDualstackEndpoint: dualStack });
  try {
    const endpoint = client.config.endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualStack });
    return endpoint.url.href.replace(/\/$/, '');
  } finally {
    client.destroy();
  }
}

describe('resolveEndpoint', () => {
  for (const service of ['cognito-identity', 'cognito-idp'] as const) {
    it(`resolves ${service} as the AWS SDK's endpoint rules do, in every partition and variant`, async () => {
      for (const region of REGIONS) {
        for (const { fips, dualStack } of VARIANTS) {
          const expected = await sdkEndpoint(service, region, fips, dualStack);
          expect(`${region} fips=${fips} dualStack=${dualStack}: ${resolveEndpoint(service, region, undefined, { fips, dualStack })}`).toBe(
            `${region} fips=${fips} dualStack=${dualStack}: ${expected}`,
          );
        }
      }
    });
  }

  it('names the partitions the brief lists', () => {
    expect(resolveEndpoint('cognito-identity', 'us-east-1')).toBe('https://cognito-identity.us-east-1.amazonaws.com');
    expect(resolveEndpoint('cognito-idp', 'cn-north-1')).toBe('https://cognito-idp.cn-north-1.amazonaws.com.cn');
    expect(resolveEndpoint('cognito-idp', 'us-gov-west-1')).toBe('https://cognito-idp.us-gov-west-1.amazonaws.com');
    expect(resolveEndpoint('cognito-identity', 'us-iso-east-1')).toBe('https://cognito-identity.us-iso-east-1.c2s.ic.gov');
    expect(resolveEndpoint('cognito-identity', 'us-isob-east-1')).toBe('https://cognito-identity.us-isob-east-1.sc2s.sgov.gov');
  });

  it('takes a full URL override as given, and refuses a variant with it as the SDK does', () => {
    expect(resolveEndpoint('cognito-idp', 'us-east-1', 'http://127.0.0.1:9229')).toBe('http://127.0.0.1:9229');
    expect(() => resolveEndpoint('cognito-idp', 'us-east-1', 'http://127.0.0.1:9229', { fips: true })).toThrow(/FIPS/);
    expect(() => resolveEndpoint('cognito-idp', 'us-east-1', 'http://127.0.0.1:9229', { dualStack: true })).toThrow(/Dualstack/);
  });

  it('refuses a region that is not a host label, so nothing is sent to a host it names', () => {
    for (const region of ['', 'us-east-1.evil.example', 'us east', 'a/b', 'US-EAST-1']) {
      expect(() => resolveEndpoint('cognito-identity', region)).toThrow(/region/);
    }
  });
});

describe('endpoints configured in the environment', () => {
  const names = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_COGNITO_IDENTITY', 'AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'];
  function withEnv(values: Record<string, string>, run: () => void): void {
    const saved = names.map((n) => [n, process.env[n]] as const);
    for (const n of names) delete process.env[n];
    Object.assign(process.env, values);
    try {
      run();
    } finally {
      for (const [n, v] of saved) if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  }

  it('takes the service variable, then AWS_ENDPOINT_URL, as the AWS SDKs do; an explicit endpoint still wins', () => {
    withEnv({ AWS_ENDPOINT_URL_COGNITO_IDENTITY: 'http://127.0.0.1:1/', AWS_ENDPOINT_URL: 'http://127.0.0.1:2/' }, () => {
      expect(resolveEndpoint('cognito-identity', 'us-east-1')).toBe('http://127.0.0.1:1/');
      expect(resolveEndpoint('cognito-idp', 'us-east-1')).toBe('http://127.0.0.1:2/');
      expect(resolveEndpoint('cognito-identity', 'us-east-1', 'http://127.0.0.1:3/')).toBe('http://127.0.0.1:3/');
    });
  });

  it('ignores them when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true', () => {
    withEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:2/', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, () => {
      expect(resolveEndpoint('cognito-identity', 'us-east-1')).toBe('https://cognito-identity.us-east-1.amazonaws.com');
    });
  });
});
