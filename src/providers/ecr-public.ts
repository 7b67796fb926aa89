/**
 * Amazon ECR Public (`public.ecr.aws`): anonymous pulls, and an ecr-public GetAuthorizationToken
 * (us-east-1) login from the AWS chain for pushes, sent as Basic to the registry's token service
 * (`Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws"`). REGISTRIES.md,
 * "ECR Public".
 */
import type { Provider } from './types.js';
import { ecrPublicCredential } from './ecr-credentials.js';
import { ECR_PUBLIC_HOST } from './ecr-host.js';

/** ECR Public. Listing and untagging through the ecr-public API are not implemented. */
export const ecrPublic: Provider = {
  name: 'ecr-public',
  matches: (host) => host === ECR_PUBLIC_HOST,
  credentials: ecrPublicCredential,
};
