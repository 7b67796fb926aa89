/** What the ECR emulator knows, shared by its registry, API and S3 parts. */
import type { RunningRegistry } from '../harness/registry.js';

/** One blob upload session, to enforce ECR's chunk rules. */
export interface UploadSession {
  /** Sizes of the PATCH bodies so far. */
  chunks: number[];
  /** The `Range` ECR keeps answering after the second PATCH. */
  frozenRange?: string;
}

/** The emulator's state. */
export interface EcrState {
  account: string;
  region: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com` */
  host: string;
  /** The "S3" host blob downloads are redirected to. */
  s3Host: string;
  upstream: RunningRegistry;
  /** ECR repositories (they must exist before a push), and whether their tags are immutable. */
  repositories: Map<string, { immutable: boolean }>;
  /** Registry passwords issued by GetAuthorizationToken, and when each expires (epoch ms). */
  passwords: Map<string, number>;
  /** AWS access key id -> secret key the SDK must sign with. */
  secrets: Map<string, string>;
  tokenTtlSeconds: number;
  describePageSize: number;
  /** Delay before answering each upload PATCH/PUT, to make a copy outlast a token. */
  uploadDelayMs: number;
  uploads: Map<string, UploadSession>;
  /** Presigned S3 signatures -> the blob they grant. */
  presigned: Map<string, { repo: string; digest: string }>;
  calls: Record<string, number>;
  /** Every ECR API operation called, in order. */
  apiCalls: string[];
  /** Repositories created through CreateRepository. */
  created: string[];
  /** Breaches of ECR's upload rules, each answered with the error ECR gives. */
  violations: string[];
  /** Registry passwords seen on requests, to prove a refresh happened. */
  passwordsUsed: Set<string>;
  /** Requests refused because their password had expired. */
  expiredRefused: number;
}
