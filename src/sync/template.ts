import { RegctlError } from '../errors.js';
import { parseRepository, type RepositoryName } from '../ref/reference.js';

/**
 * The placeholders of a destination template, for a source repository such as
 * `docker.io/library/alpine`:
 * - `{repo}`: the repository path in its registry, `library/alpine`;
 * - `{name}`: its last component, `alpine`;
 * - `{namespace}`: the path before that, `library` (empty for a one-component path);
 * - `{registry}`: the source registry, `docker.io`, with characters a path cannot hold turned
 *   into `-` (`localhost:5000` gives `localhost-5000`).
 */
export const TEMPLATE_FIELDS = ['repo', 'name', 'namespace', 'registry'] as const;

/** A placeholder name. */
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** A destination repository written with placeholders: `myacr.azurecr.io/mirror/{repo}`. */
export interface DestinationTemplate {
  /** As written in the file. */
  readonly text: string;
  /** Literal text and placeholders, in order. */
  readonly parts: ReadonlyArray<{ literal: string } | { field: TemplateField }>;
}

/** Parses a template; throws a plain Error saying what is wrong (the config reader adds where). */
export function parseTemplate(text: string): DestinationTemplate {
  const parts: Array<{ literal: string } | { field: TemplateField }> = [];
  const re = /\{([^{}]*)\}|([{}])|([^{}]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2]) throw new Error(`unbalanced "${m[2]}" in ${JSON.stringify(text)}`);
    if (m[3] !== undefined) {
      parts.push({ literal: m[3] });
      continue;
    }
    const field = m[1]!.trim() as TemplateField;
    if (!TEMPLATE_FIELDS.includes(field)) throw new Error(`unknown placeholder {${m[1]}} (known: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')})`);
    parts.push({ field });
  }
  const template = { text, parts };
  // A trial expansion catches what would be wrong for every repository: a tag, a bad host.
  const trial = expandText(template, { registry: 'registry.example', repository: 'trial/image' });
  if (/[@]|:[^/]*$/.test(trial.replace(/^[^/]*\//, ''))) throw new Error(`${JSON.stringify(text)} must name a repository, without a tag or digest (the source tag is kept)`);
  try {
    parseRepository(trial);
  } catch (e) {
    throw new Error(`${JSON.stringify(text)} does not make a valid repository (${(e as Error).message})`);
  }
  return template;
}

/** The placeholder values for one source repository. */
export function templateValues(source: RepositoryName): Record<TemplateField, string> {
  const slash = source.repository.lastIndexOf('/');
  return {
    repo: source.repository,
    name: source.repository.slice(slash + 1),
    namespace: slash < 0 ? '' : source.repository.slice(0, slash),
    registry: source.registry.replace(/[^a-z0-9.-]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase(),
  };
}

function expandText(t: DestinationTemplate, source: RepositoryName): string {
  const values = templateValues(source);
  return t.parts.map((p) => ('literal' in p ? p.literal : values[p.field])).join('');
}

/**
 * The destination repository for `source`. A result that is not a valid repository (say
 * `{namespace}` of a one-component path left `mirror//x`) is a CONFIG error naming both.
 */
export function expandTemplate(t: DestinationTemplate, source: RepositoryName): RepositoryName {
  const text = expandText(t, source);
  try {
    return parseRepository(text);
  } catch (e) {
    throw new RegctlError('CONFIG', `destination ${JSON.stringify(t.text)} for ${source.registry}/${source.repository} gives ${JSON.stringify(text)}, which is not a repository: ${(e as Error).message}`);
  }
}
