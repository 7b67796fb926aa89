import { pipeline } from 'node:stream/promises';
import { VerifyStream } from '../registry/verify-stream.js';
import type { Descriptor } from '../registry/manifest.js';
import type { ImageRepository } from '../transports/types.js';
import type { CopyListener } from './events.js';

// Layers marked non-distributable (Windows base layers) live outside registries and are not
// copied, as docker and containerd do (OCI image-spec, "Non-distributable layers").
const NON_DISTRIBUTABLE = /nondistributable|\.foreign\./;

/** What happened to one blob. */
export type BlobAction = 'skip' | 'mount' | 'copy';

/**
 * Copies one blob with the cheapest strategy that works: skip when the destination has it,
 * mount when both sides are repositories of one registry, else stream source to destination
 * through a verifier, with no disk in between. A wrong size or digest aborts the upload, so the
 * registry never commits bad content.
 */
export async function copyBlob(src: ImageRepository, dst: ImageRepository, desc: Descriptor, emit: CopyListener): Promise<BlobAction> {
  const base = { digest: desc.digest, size: desc.size, destination: dst.name };
  if (NON_DISTRIBUTABLE.test(desc.mediaType) || (desc.urls?.length ?? 0) > 0) {
    emit({ type: 'blob-skip', ...base });
    return 'skip';
  }
  if (await dst.hasBlob(desc.digest)) {
    emit({ type: 'blob-skip', ...base });
    return 'skip';
  }
  if (dst.mountBlob && (await dst.mountBlob(desc.digest, src))) {
    emit({ type: 'blob-mount', ...base, from: src.name });
    return 'mount';
  }
  emit({ type: 'blob-start', ...base });
  const reader = await src.getBlob(desc.digest);
  let lastReport = 0;
  const verify = new VerifyStream(desc.digest, desc.size, `blob ${desc.digest} from ${src.name}`, (bytes) => {
    // At most one event per MiB keeps listeners cheap on multi-GB layers.
    if (bytes - lastReport >= 1 << 20 || bytes === desc.size) {
      lastReport = bytes;
      emit({ type: 'blob-progress', ...base, bytes });
    }
  });
  const reading = pipeline(reader.stream, verify);
  try {
    await Promise.all([reading, dst.putBlob(desc, () => verify, false)]);
  } catch (e) {
    reader.stream.destroy();
    verify.destroy();
    await reading.catch(() => undefined);
    throw e;
  }
  emit({ type: 'blob-done', ...base });
  return 'copy';
}
