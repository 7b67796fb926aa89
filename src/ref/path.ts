/**
 * Repository paths (the part after the registry), as the distribution spec and docker's
 * reference grammar define them:
 *
 *     path            ::= path-component ("/" path-component)*
 *     path-component  ::= alpha-numeric (separator alpha-numeric)*
 *     alpha-numeric   ::= [a-z0-9]+
 *     separator       ::= "." | "_" | "__" | "-"+
 */
import { quote } from './quote.js';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** Says what is wrong with one path component, or undefined when it is valid. */
function componentProblem(c: string): string | undefined {
  if (COMPONENT.test(c)) return undefined;
  const bad = /[^a-z0-9._-]/u.exec(c);
  if (bad) return `repository path component ${quote(c)} contains invalid character ${quote(bad[0])}`;
  if (!/^[a-z0-9]/.test(c)) return `repository path component ${quote(c)} must start with a lowercase letter or digit`;
  if (!/[a-z0-9]$/.test(c)) return `repository path component ${quote(c)} must end with a lowercase letter or digit`;
  return `repository path component ${quote(c)} has an invalid separator (allowed between letters and digits: ".", "_", "__" or a run of "-")`;
}

/**
 * Says what is wrong with a repository path (`library/alpine`), or undefined when it is valid.
 * Uppercase is reported on its own because it is the most common mistake (`Alpine`).
 */
export function repositoryPathProblem(path: string): string | undefined {
  if (path === '') return 'repository path is empty';
  if (/[A-Z]/.test(path)) return 'repository name must be lowercase';
  if (path.startsWith('/')) return 'repository path starts with "/"';
  if (path.endsWith('/')) return 'repository path ends with "/"';
  const components = path.split('/');
  if (components.includes('')) return 'repository path has an empty component ("//")';
  for (const c of components) {
    const problem = componentProblem(c);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
