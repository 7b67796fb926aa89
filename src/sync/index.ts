/**
 * `regctl sync` as a library: read a sync file, plan it (listing, filters, templates, sharding),
 * run it through one client, report per image.
 *
 * ```ts
 * const config = await loadSyncConfig('sync.yaml');
 * const client = new RegistryClient();
 * const plan = await planSync(client, config, { shard: parseShard('0/4') });
 * const report = await runSync(client, plan, { keepGoing: true, ratelimitMin: 20 });
 * ```
 */
export { loadSyncConfig, parseSyncConfig, type SourceKind, type SourceSpec, type SyncConfig } from './config.js';
export { BudgetExhausted } from './budget.js';
export { planSync, sourceName, type PlanOptions, type SourceFailure, type SyncImage, type SyncPlan } from './plan.js';
export { countImages, syncOutcome, type DestinationResult, type ImageResult, type ImageStatus, type SyncReport } from './report.js';
export { DEFAULT_IMAGE_CONCURRENCY, runSync, type SyncOptions } from './run.js';
export { inShard, parseShard, shardFromJobIndex, shardOf, type Shard } from './shard.js';
export { selectTags, tagVersion, type TagFilter } from './tags.js';
export { expandTemplate, parseTemplate, TEMPLATE_FIELDS, type DestinationTemplate } from './template.js';
