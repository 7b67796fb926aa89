/**
 * The distribution spec's error document, `{"errors":[{"code","message","detail"}]}`, read
 * leniently: auth failures quote it in their message so the user sees the registry's reason.
 */
import type { RegistryErrorDetail } from '../errors.js';

/** Parses an error body; undefined when it is not such a document. Never throws. */
export function parseRegistryErrors(text: string | undefined): RegistryErrorDetail[] | undefined {
  if (!text) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const errors = doc && typeof doc === 'object' ? (doc as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(errors)) return undefined;
  const out: RegistryErrorDetail[] = [];
  for (const e of errors) {
    if (!e || typeof e !== 'object' || typeof (e as { code?: unknown }).code !== 'string') continue;
    const { code, message, detail } = e as { code: string; message?: unknown; detail?: unknown };
    out.push({ code, ...(typeof message === 'string' && { message }), ...(detail !== undefined && { detail }) });
  }
  return out.length > 0 ? out : undefined;
}

/** `CODE: message; CODE2: message2`, for error messages. */
export function formatRegistryErrors(errors: RegistryErrorDetail[]): string {
  return errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ');
}
