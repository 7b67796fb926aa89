/**
 * Google registry host names: Container Registry (`gcr.io` and its regional hosts) and Artifact
 * Registry (`<location>-docker.pkg.dev`, regional `docker.<region>.rep.pkg.dev`). Pure.
 * REGISTRIES.md, "Google Artifact Registry / gcr.io".
 */

/** A Google registry host and the Artifact Registry location that serves it. */
export interface GoogleHost {
  /** `gcr`: Container Registry names, served by Artifact Registry "gcr.io repositories". */
  kind: 'gcr' | 'ar';
  /** The Artifact Registry location (`us`, `europe-west1`, ...). */
  location: string;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const GCR = new RegExp(`^(?:(${LABEL})\\.)?gcr\\.io$`);
// Locations are multi-regions (us, europe, asia) or regions (us-central1, europe-west1).
const AR = /^([a-z]+(?:-[a-z]+[0-9]*)?)-docker\.pkg\.dev$/;
const AR_REGIONAL = /^docker\.([a-z]+-[a-z]+[0-9]+)\.rep\.pkg\.dev$/;

// Artifact Registry hosts the gcr.io names in these multi-regions (Google's "Set up gcr.io
// repositories in Artifact Registry" transition guide): gcr.io and us.gcr.io -> us, eu.gcr.io ->
// europe, asia.gcr.io -> asia.
const GCR_LOCATION: Record<string, string> = { '': 'us', us: 'us', eu: 'europe', asia: 'asia' };

/** Parses a Google registry host, or returns undefined for anything else (look-alikes included). */
export function parseGoogleHost(host: string): GoogleHost | undefined {
  const gcr = GCR.exec(host);
  if (gcr) return { kind: 'gcr', location: GCR_LOCATION[gcr[1] ?? ''] ?? 'us' };
  const ar = AR.exec(host) ?? AR_REGIONAL.exec(host);
  if (ar) return { kind: 'ar', location: ar[1]! };
  return undefined;
}
