/**
 * Tags, as the OCI distribution spec defines them: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
 * Unlike repository names, tags may contain uppercase letters.
 */
import { RegctlError } from '../errors.js';
import { quote } from './quote.js';

/** Longest tag the distribution spec allows. */
export const MAX_TAG_LENGTH = 128;

/**
 * Says what is wrong with a tag, or returns undefined when it is valid. The text reads as a
 * continuation of `tag "<tag>" is invalid: ...`.
 */
export function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'tag is empty';
  const bad = /[^A-Za-z0-9_.-]/u.exec(tag);
  if (bad) return `tag ${quote(tag)} is invalid: character ${quote(bad[0])} is not allowed (letters, digits, "_", "." and "-")`;
  if (!/^[A-Za-z0-9_]/.test(tag)) return `tag ${quote(tag)} is invalid: must start with a letter, digit or "_"`;
  if (tag.length > MAX_TAG_LENGTH) return `tag ${quote(tag)} is invalid: longer than ${MAX_TAG_LENGTH} characters (${tag.length})`;
  return undefined;
}

/** True when `tag` is a valid tag. */
export function isValidTag(tag: string): boolean {
  return tagProblem(tag) === undefined;
}

/** Throws `INVALID_REFERENCE` unless `tag` is valid (used by `regctl tag <ref> <new-tag>`). */
export function assertValidTag(tag: string): void {
  const problem = tagProblem(tag);
  if (problem !== undefined) throw new RegctlError('INVALID_REFERENCE', problem);
}
