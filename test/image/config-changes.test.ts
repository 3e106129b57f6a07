import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { applyConfigChanges } from '../../src/image/config-changes.js';

describe('applyConfigChanges (import -c)', () => {
  it('applies each instruction Docker accepts', () => {
    const config = applyConfigChanges({ Env: ['PATH=/bin'] }, [
      'CMD ["sh", "-c", "echo hi"]',
      'ENTRYPOINT /init --flag',
      'ENV PATH=/usr/bin:/bin A="one two" B=3',
      'ENV LEGACY some value',
      'EXPOSE 80 53/udp',
      'LABEL org.example="x y" b=2',
      'VOLUME ["/data", "/logs"]',
      'WORKDIR /app',
      'USER app:staff',
      'STOPSIGNAL SIGINT',
      'ONBUILD RUN make',
    ]);
    expect(config).toEqual({
      Env: ['PATH=/usr/bin:/bin', 'A=one two', 'B=3', 'LEGACY=some value'],
      Cmd: ['sh', '-c', 'echo hi'],
      Entrypoint: ['/bin/sh', '-c', '/init --flag'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { 'org.example': 'x y', b: '2' },
      Volumes: { '/data': {}, '/logs': {} },
      WorkingDir: '/app',
      User: 'app:staff',
      StopSignal: 'SIGINT',
      OnBuild: ['RUN make'],
    });
  });

  it('refuses instructions that are not config changes', () => {
    expect(() => applyConfigChanges({}, ['RUN echo'])).toThrow(UserError);
    expect(() => applyConfigChanges({}, ['RUN echo'])).toThrow('RUN is not a valid change command');
  });
});
