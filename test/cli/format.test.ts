import { describe, expect, it } from 'vitest';
import { formatTable, humanDuration, humanSize } from '../../src/cli/format.js';
import { renderTemplate } from '../../src/cli/template.js';

describe('go-units formats', () => {
  it.each([
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [1234, '1.23kB'],
    [7_360_000, '7.36MB'],
    [123_456_789, '123MB'],
    [2_140_160, '2.14MB'],
    [5_000_000_000, '5GB'],
  ])('humanSize(%d) = %s', (bytes, text) => expect(humanSize(bytes)).toBe(text));

  it.each([
    [500, 'Less than a second'],
    [1000, '1 second'],
    [45_000, '45 seconds'],
    [60_000, 'About a minute'],
    [30 * 60_000, '30 minutes'],
    [3_600_000, 'About an hour'],
    [2 * 3_600_000, '2 hours'],
    [3 * 24 * 3_600_000, '3 days'],
    [3 * 7 * 24 * 3_600_000, '3 weeks'],
    [90 * 24 * 3_600_000, '3 months'],
    [3 * 365 * 24 * 3_600_000, '3 years'],
  ])('humanDuration(%d) = %s', (ms, text) => expect(humanDuration(ms)).toBe(text));

  it('pads table columns to the widest cell plus three spaces', () => {
    expect(formatTable(['REPOSITORY', 'TAG'], [['busybox', 'latest']])).toBe('REPOSITORY   TAG\nbusybox      latest\n');
  });

  // Observed from docker 20.10 (`docker images`, `docker ps -a`): narrow columns still take 10 characters.
  it('keeps every padded column at least 10 characters wide, as the docker CLI does', () => {
    expect(formatTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], [['busybox', 'latest', '9a99ed737f4c', '1 second ago', '1.99MB']])).toBe(
      'REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n' + 'busybox      latest    9a99ed737f4c   1 second ago   1.99MB\n',
    );
    expect(formatTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], [])).toBe('REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n');
    expect(formatTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], [])).toBe(
      'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n',
    );
  });
});

describe('--format templates', () => {
  const data = { Id: 'sha256:abc', RepoTags: ['a:1', 'b:2'], Config: { Cmd: ['sh', '-c', 'x'], Env: null, Labels: { k: 'v' } } };
  it.each([
    ['{{.Id}}', 'sha256:abc'],
    ['{{json .Config.Cmd}}', '["sh","-c","x"]'],
    ['{{.Config.Cmd}}', '[sh -c x]'],
    ['{{.Config.Labels}}', 'map[k:v]'],
    ['{{.Config.Env}}', '<nil>'],
    ['{{index .RepoTags 1}}', 'b:2'],
    ['{{join .RepoTags ","}}', 'a:1,b:2'],
    ['id={{ .Id }} n={{len .RepoTags}}', 'id=sha256:abc n=2'],
  ])('%s', (template, out) => expect(renderTemplate(template, data)).toBe(out));

  // docker 20.10 on an image without Env, Entrypoint or Labels: nil slices and maps, nil pointers.
  it('prints the null fields named as slices or maps the way Go prints nil ones', () => {
    const view = { Config: { Env: null, Entrypoint: null, Labels: null, Healthcheck: null } };
    const nilAs = { Env: '[]', Entrypoint: '[]', Labels: 'map[]' };
    expect(renderTemplate('{{.Config.Env}} {{.Config.Entrypoint}} {{.Config.Labels}} {{.Config.Healthcheck}}', view, { nilAs })).toBe('[] [] map[] <nil>');
    expect(renderTemplate('{{json .Config.Env}} {{len .Config.Env}}', view, { nilAs })).toBe('null 0');
  });
});
