/**
 * Quoting for user-supplied text inside error messages. JSON.stringify escapes C0 controls, but
 * leaves DEL, C1 controls (0x9b is CSI on some terminals), bidi overrides, zero-width and line
 * separator characters as they are; those could rewrite or hide what a terminal shows. They are
 * escaped here as `\uXXXX`, so the result is still a valid JSON string literal.
 */
export function quote(s: string): string {
  return JSON.stringify(s).replace(
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

/** True when `s` holds whitespace, control or invisible formatting characters. */
export function hasWhitespaceOrControl(s: string): boolean {
  return /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s);
}
