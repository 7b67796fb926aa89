import type { Provider } from './types.js';

/**
 * Docker Hub. References name it `docker.io` (the reference parser folds `index.docker.io` and
 * `registry-1.docker.io` into that), but the registry API is served by `registry-1.docker.io`
 * (REGISTRIES.md, "Docker Hub").
 */
export const dockerHub: Provider = {
  name: 'dockerhub',
  matches: (host) => host === 'docker.io',
  endpointHost: () => 'registry-1.docker.io',
};
