import type { Command } from 'commander';
import { formatPlatform, parsePlatform } from '../../copy/platform.js';
import type { ImageSummary } from '../../ops/inspect.js';
import type { RateLimit } from '../../providers/types.js';
import { describeRateLimit } from '../../registry/rate-limit.js';
import { action, type CommandContext } from '../context.js';
import type { Block } from '../format/result.js';
import { formatBytes } from '../format.js';

function describe(s: ImageSummary): string[] {
  const lines = [`Name:       ${s.reference}`, `Digest:     ${s.digest}`, `MediaType:  ${s.mediaType}`];
  if (s.manifests) {
    lines.push(`Manifests:  ${s.manifests.length}`);
    for (const m of s.manifests) {
      lines.push(`  ${(m.platform ? formatPlatform(m.platform) : m.artifactType ?? 'unknown').padEnd(18)} ${m.digest}  ${formatBytes(m.size)}`);
    }
  } else {
    if (s.platform) lines.push(`Platform:   ${formatPlatform(s.platform)}`);
    if (s.created) lines.push(`Created:    ${s.created}`);
    if (s.config) lines.push(`Config:     ${s.config.digest}`);
    lines.push(`Layers:     ${s.layers?.length ?? 0} (${formatBytes(s.totalLayerSize ?? 0)})`);
    for (const l of s.layers ?? []) lines.push(`  ${l.digest}  ${formatBytes(l.size)}`);
  }
  return lines;
}

/** On a terminal: the same header lines, then the images of an index or the layers of an image as a table. */
function tables(s: ImageSummary, rateLimit: RateLimit | undefined): Block[] {
  const head = [`Name:       ${s.reference}`, `Digest:     ${s.digest}`, `MediaType:  ${s.mediaType}`];
  const tail = rateLimit ? [`RateLimit:  ${describeRateLimit(rateLimit)}`] : [];
  if (s.manifests) {
    const rows = s.manifests.map((m) => [m.platform ? formatPlatform(m.platform) : m.artifactType ?? 'unknown', m.digest, formatBytes(m.size), m.mediaType]);
    return [...head, ...tail, '', { table: { headers: ['PLATFORM', 'DIGEST', 'SIZE', 'MEDIA TYPE'], rows } }];
  }
  const facts = [
    ...(s.platform ? [`Platform:   ${formatPlatform(s.platform)}`] : []),
    ...(s.created ? [`Created:    ${s.created}`] : []),
    ...(s.config ? [`Config:     ${s.config.digest}`] : []),
    `Layers:     ${s.layers?.length ?? 0} (${formatBytes(s.totalLayerSize ?? 0)})`,
  ];
  const rows = (s.layers ?? []).map((l, i) => [String(i + 1), l.digest, formatBytes(l.size), l.mediaType]);
  return [...head, ...facts, ...tail, ...(rows.length ? ['', { table: { headers: ['#', 'DIGEST', 'SIZE', 'MEDIA TYPE'], rows } }] : [])];
}

function show(ctx: CommandContext, summary: ImageSummary, rateLimit?: RateLimit): void {
  ctx.out.result(rateLimit ? { ...summary, rateLimit } : summary, {
    lines: () => [...describe(summary), ...(rateLimit ? [`RateLimit:  ${describeRateLimit(rateLimit)}`] : [])],
    tty: () => tables(summary, rateLimit),
  });
}

/** `regctl inspect <ref>`: a summary, the raw manifest, or the image config. */
export function registerInspect(program: Command): void {
  program
    .command('inspect <ref>')
    .summary('show an image or index, its manifest or its config')
    .description('show an image or index: a summary (a table on a terminal), --raw manifest bytes, or --config; <ref> may also be oci:<dir>[:tag], oci-archive:<file>[:tag] or docker-archive:<file>[:name:tag]')
    .option('--platform <os/arch[/variant]>', 'inspect this platform\'s image of an index')
    .option('--raw', 'print the manifest exactly as the registry stores it')
    .option('--config', 'print the image config blob')
    .action(action(async (ctx, refArg: string, opts: { platform?: string; raw?: boolean; config?: boolean }) => {
      const [{ fetchConfig, fetchConfigFrom, inspectImage, inspectImageIn }, { resolveManifest, resolveManifestIn }, { isLocalReference, withLocalSource }, { parseReference }] = await Promise.all([
        import('../../ops/inspect.js'), import('../../ops/resolve.js'), import('../../transports/open.js'), import('../../ref/reference.js'),
      ]);
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      // oci:, oci-archive: and docker-archive: references are read from disk (src/transports/open.ts).
      if (isLocalReference(refArg)) {
        return withLocalSource(refArg, async ({ repository, reference }) => {
          if (opts.raw || opts.config) {
            const manifest = await resolveManifestIn(repository, reference, platform);
            return ctx.out.raw(opts.config ? await fetchConfigFrom(repository, manifest) : manifest.bytes);
          }
          const { summary } = await inspectImageIn(repository, reference, refArg, platform);
          show(ctx, summary);
        });
      }
      const ref = parseReference(refArg);
      // Reads go through the registry's configured mirrors first (config `mirrors`).
      const registry = ctx.client().registry(ref.registry, { mirrors: true });
      if (opts.raw || opts.config) {
        const manifest = await resolveManifest(registry, ref, platform);
        ctx.out.raw(opts.config ? await fetchConfig(registry, ref.repository, manifest) : manifest.bytes);
        const rl = registry.connection.rateLimit;
        if (ctx.globals.verbose && rl) ctx.out.info(`RateLimit:  ${describeRateLimit(rl)}`);
        return;
      }
      const { summary } = await inspectImage(registry, ref, platform);
      // --verbose adds the pull quota the registry reported (Docker Hub's ratelimit-* headers).
      show(ctx, summary, ctx.globals.verbose ? registry.connection.rateLimit : undefined);
    }));
}
