/**
 * Where Cognito answers for a region, as the AWS SDK's endpoint rules for Cognito Identity and
 * Cognito user pools resolve it (partition data of the SDK's endpoint library).
 */

/** Endpoint variants AWS offers; both default to off, as in the SDK. */
export interface EndpointVariant {
  /** FIPS 140 endpoints (`cognito-identity-fips.…`). */
  fips?: boolean;
  /** Dual-stack (IPv4 and IPv6) endpoints. */
  dualStack?: boolean;
}

export type CognitoService = 'cognito-identity' | 'cognito-idp';

interface Partition {
  id: string;
  regionRegex: RegExp;
  dnsSuffix: string;
  dualStackDnsSuffix: string;
}

// Order as in the SDK's partition list; a region no partition claims falls back to `aws`.
const PARTITIONS: readonly Partition[] = [
  { id: 'aws', regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
  { id: 'aws-cn', regionRegex: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn', dualStackDnsSuffix: 'api.amazonwebservices.com.cn' },
  { id: 'aws-eusc', regionRegex: /^eusc-(de)-\w+-\d+$/, dnsSuffix: 'amazonaws.eu', dualStackDnsSuffix: 'api.amazonwebservices.eu' },
  { id: 'aws-iso', regionRegex: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov', dualStackDnsSuffix: 'api.aws.ic.gov' },
  { id: 'aws-iso-b', regionRegex: /^us-isob-\w+-\d+$/, dnsSuffix: 'sc2s.sgov.gov', dualStackDnsSuffix: 'api.aws.scloud' },
  { id: 'aws-iso-e', regionRegex: /^eu-isoe-\w+-\d+$/, dnsSuffix: 'cloud.adc-e.uk', dualStackDnsSuffix: 'api.cloud-aws.adc-e.uk' },
  { id: 'aws-iso-f', regionRegex: /^us-isof-\w+-\d+$/, dnsSuffix: 'csp.hci.ic.gov', dualStackDnsSuffix: 'api.aws.hci.ic.gov' },
  { id: 'aws-us-gov', regionRegex: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' },
];

// The FIPS dual-stack endpoints of these regions kept their older host names.
const FIPS_DUAL_STACK_ON_AMAZONAWS = new Set(['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2']);

function partitionOf(region: string): Partition {
  // `aws-global`, `aws-cn-global`, … name their partition.
  const named = PARTITIONS.find((p) => region === `${p.id}-global`);
  return named ?? PARTITIONS.find((p) => p.regionRegex.test(region)) ?? PARTITIONS[0]!;
}

/** The environment variables that name a service's endpoint, as the AWS SDKs read them. */
const ENDPOINT_VARIABLES: Record<CognitoService, string> = {
  'cognito-identity': 'AWS_ENDPOINT_URL_COGNITO_IDENTITY',
  'cognito-idp': 'AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER',
};

/**
 * An endpoint configured in the environment (Node and other runtimes with `process.env`):
 * `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, unless
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`; the AWS SDKs' convention.
 */
function configuredEndpoint(service: CognitoService): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (!env || env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']?.toLowerCase() === 'true') return undefined;
  return env[ENDPOINT_VARIABLES[service]] || env['AWS_ENDPOINT_URL'] || undefined;
}

/**
 * The HTTPS URL of a Cognito service in `region`. `override` (a full URL, e.g. a local
 * emulator) wins, then an endpoint configured in the environment (see
 * {@link configuredEndpoint}); with either, no variant may be asked for.
 *
 * @throws {Error} for a region that is not a host label, or a variant with an override.
 */
export function resolveEndpoint(
  service: CognitoService,
  region: string,
  override?: string,
  variant: EndpointVariant = {},
): string {
  override ??= configuredEndpoint(service);
  if (override !== undefined) {
    if (variant.fips) throw new Error('Invalid Configuration: FIPS and custom endpoint are not supported');
    if (variant.dualStack) throw new Error('Invalid Configuration: Dualstack and custom endpoint are not supported');
    return override;
  }
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(region)) {
    throw new Error('Invalid Configuration: the region is not a valid host label');
  }
  const partition = partitionOf(region);
  if (variant.fips && variant.dualStack) {
    const suffix = FIPS_DUAL_STACK_ON_AMAZONAWS.has(region) ? 'amazonaws.com' : partition.dualStackDnsSuffix;
    return `https://${service}-fips.${region}.${suffix}`;
  }
  if (variant.fips) return `https://${service}-fips.${region}.${partition.dnsSuffix}`;
  if (variant.dualStack) {
    // Cognito's dual-stack endpoints in the `aws` partition are its usual host names.
    const suffix = partition.id === 'aws' ? 'amazonaws.com' : partition.dualStackDnsSuffix;
    return `https://${service}.${region}.${suffix}`;
  }
  return `https://${service}.${region}.${partition.dnsSuffix}`;
}
