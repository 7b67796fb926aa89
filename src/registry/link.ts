/**
 * Extracts the `rel="next"` target from an RFC 8288 `Link` header, as registries use it for
 * tag and catalog pagination. Returns undefined when there is no next page.
 */
export function nextLink(linkHeader: string | undefined): string | undefined {
  if (!linkHeader) return undefined;
  // Split on commas that start a new link-value (`, <`), not those inside a URL's query.
  for (const part of linkHeader.split(/,\s*(?=<)/)) {
    const m = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (!m) continue;
    const params = m[2] ?? '';
    if (/(?:^|;)\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(params)) return m[1];
  }
  return undefined;
}
