import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../src/cli/format/template.js';
import { RegctlError } from '../../src/errors.js';

const image = {
  reference: 'ghcr.io/org/app:1.2',
  digest: 'sha256:' + 'ab'.repeat(32),
  size: 1536,
  manifests: [
    { digest: 'sha256:' + '11'.repeat(32), platform: { os: 'linux', architecture: 'amd64' }, size: 500 },
    { digest: 'sha256:' + '22'.repeat(32), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, size: 1048576 },
  ],
  tags: ['1.0', '1.1'],
  annotations: {},
};

const render = (t: string, v: unknown = image) => compileTemplate(t).render(v);

describe('--format templates', () => {
  it.each([
    ['{{.digest}}', image.digest],
    ['{{.Digest}}', image.digest],
    ['{{ .reference }} {{.size}}', 'ghcr.io/org/app:1.2 1536'],
    ['{{.manifests.1.platform.architecture}}', 'arm64'],
    ['{{.manifests.9.digest}}', ''],
    ['{{json .tags}}', '["1.0","1.1"]'],
    ['{{.tags}}', '["1.0","1.1"]'],
    ['{{join .tags ","}}', '1.0,1.1'],
    ['{{.tags | join ", "}}', '1.0, 1.1'],
    ['{{len .manifests}}', '2'],
    ['{{.size | bytes}}', '1.5 KiB'],
    ['{{short .digest}}', 'sha256:abababababab'],
    ['{{.reference | upper}}', 'GHCR.IO/ORG/APP:1.2'],
    ['{{range .tags}}{{.}}\\n{{end}}', '1.0\n1.1\n'],
    ['{{range .manifests}}{{.platform.os}}/{{.platform.architecture}}{{if .platform.variant}}/{{.platform.variant}}{{end}}\\t{{.size | bytes}}\\n{{end}}', 'linux/amd64\t500 B\nlinux/arm64/v8\t1.0 MiB\n'],
    ['{{range .annotations}}x{{else}}none{{end}}', 'none'],
    ['{{if .missing}}yes{{else}}no{{end}}', 'no'],
    ['{{"{{literal}}"}} \\\\n', '{{literal}} \\n'],
    ['{{.}}', JSON.stringify(image)],
    ['plain text', 'plain text'],
  ])('%s', (t, out) => {
    expect(render(t)).toBe(out);
  });

  it('renders a string value as itself', () => {
    expect(render('<{{.}}>', 'sha256:x')).toBe('<sha256:x>');
  });

  it.each([
    ['{{.digest', /unclosed "\{\{" at character 1/],
    ['{{range .tags}}{{.}}', /\{\{range\}\} without \{\{end\}\}/],
    ['{{end}}', /\{\{end\}\} without \{\{range\}\} or \{\{if\}\}/],
    ['{{if .a}}{{else}}{{else}}{{end}}', /a second \{\{else\}\}/],
    ['{{nope .a}}', /"nope" is not a function/],
    ['{{nope}}', /unknown function "nope"/],
    ['{{join .tags}}', /join takes 2 arguments, not 1/],
    ['{{.a | .b}}', /only a function can follow "\|"/],
    ['{{}}', /empty action/],
    ['{{.a..b}}', /bad field/],
  ])('%s is a USAGE error', (t, why) => {
    let err: unknown;
    try {
      compileTemplate(t);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegctlError);
    expect((err as RegctlError).code).toBe('USAGE');
    expect((err as RegctlError).message).toMatch(why);
  });

  it('reports fields that were never found, with what was there', () => {
    const t = compileTemplate('{{.digst}} {{.platform}}');
    t.render({ digest: 'a', platform: 'linux' });
    t.render({ digest: 'b' });
    expect(t.unknownFields()).toEqual([{ field: 'digst', available: ['digest', 'platform'] }]);
  });
});
