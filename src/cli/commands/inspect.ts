import type { Command } from 'commander';
import { parsePlatform, formatPlatform } from '../../copy/platform.js';
import { fetchConfig, fetchConfigFrom, inspectImage, inspectImageIn, type ImageSummary } from '../../ops/inspect.js';
import { resolveManifest, resolveManifestIn } from '../../ops/resolve.js';
import { isLocalReference, withLocalSource } from '../../transports/open.js';
import { parseReference } from '../../ref/reference.js';
import { describeRateLimit } from '../../registry/rate-limit.js';
import { action } from '../context.js';
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

/** `regctl inspect <ref>`: a summary, the raw manifest, or the image config. */
export function registerInspect(program: Command): void {
  program
    .command('inspect <ref>')
    .description('show an image or index: a summary, --raw manifest bytes, or --config; <ref> may also be oci:<dir>[:tag], oci-archive:<file>[:tag] or docker-archive:<file>[:name:tag]')
    .option('--platform <os/arch[/variant]>', 'inspect this platform\'s image of an index')
    .option('--raw', 'print the manifest exactly as the registry stores it')
    .option('--config', 'print the image config blob')
    .action(action(async (ctx, refArg: string, opts: { platform?: string; raw?: boolean; config?: boolean }) => {
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      // oci:, oci-archive: and docker-archive: references are read from disk (src/transports/open.ts).
      if (isLocalReference(refArg)) {
        return withLocalSource(refArg, async ({ repository, reference }) => {
          if (opts.raw || opts.config) {
            const manifest = await resolveManifestIn(repository, reference, platform);
            return ctx.out.raw(opts.config ? await fetchConfigFrom(repository, manifest) : manifest.bytes);
          }
          const { summary } = await inspectImageIn(repository, reference, refArg, platform);
          if (ctx.out.opts.json) ctx.out.json(summary);
          else for (const l of describe(summary)) ctx.out.line(l);
        });
      }
      const ref = parseReference(refArg);
      const registry = ctx.client().registry(ref.registry);
      if (opts.raw || opts.config) {
        const manifest = await resolveManifest(registry, ref, platform);
        ctx.out.raw(opts.config ? await fetchConfig(registry, ref.repository, manifest) : manifest.bytes);
        const rl = registry.connection.rateLimit;
        if (ctx.globals.verbose && rl) ctx.out.info(`RateLimit:  ${describeRateLimit(rl)}`);
        return;
      }
      const { summary } = await inspectImage(registry, ref, platform);
      // --verbose adds the pull quota the registry reported (Docker Hub's ratelimit-* headers).
      const rateLimit = ctx.globals.verbose ? registry.connection.rateLimit : undefined;
      if (ctx.out.opts.json) ctx.out.json(rateLimit ? { ...summary, rateLimit } : summary);
      else for (const l of [...describe(summary), ...(rateLimit ? [`RateLimit:  ${describeRateLimit(rateLimit)}`] : [])]) ctx.out.line(l);
    }));
}
