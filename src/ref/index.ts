/** Image references, registry hosts, tags and digests: pure parsing, no I/O. */
export * from './reference.js';
export * from './host.js';
export * from './digest.js';
export { tagProblem, MAX_TAG_LENGTH } from './tag.js';
export { repositoryPathProblem } from './path.js';
export { quote } from './quote.js';
