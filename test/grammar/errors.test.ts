// Broken Dockerfiles: each must produce exactly one error diagnostic with this message, code and start position.
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../grammar/index.js';

interface BrokenCase {
  name: string;
  text: string;
  code: string;
  message: string;
  /** line:column of the range start */
  at: string;
  hint?: string;
}

const cases: BrokenCase[] = [
  { name: 'unknown instruction', text: 'FROM busybox\nCOPPY a b\n', code: 'unknown-instruction', message: 'unknown instruction: COPPY', at: '2:1', hint: 'did you mean COPY?' },
  { name: 'unknown instruction, no suggestion', text: 'FROM busybox\nFROBNICATE x\n', code: 'unknown-instruction', message: 'unknown instruction: FROBNICATE', at: '2:1' },
  { name: 'misspelt flag', text: 'FROM busybox\nCOPY --chwon=1 a b\n', code: 'unknown-flag', message: 'unknown flag: --chwon', at: '2:6', hint: 'did you mean --chown?' },
  { name: 'flag on the wrong instruction', text: 'FROM busybox\nRUN --from=x echo\n', code: 'unknown-flag', message: 'unknown flag: --from', at: '2:5' },
  { name: 'flag on an instruction without flags', text: 'MAINTAINER --boo joe@example.com\n', code: 'unknown-flag', message: 'unknown flag: --boo', at: '1:12' },
  { name: 'flag value missing', text: 'FROM busybox\nCOPY --from a b\n', code: 'invalid-flag', message: 'missing a value on flag: --from', at: '2:6' },
  { name: 'repeated flag', text: 'FROM busybox\nCOPY --chown=1 --chown=2 a b\n', code: 'invalid-flag', message: 'duplicate flag specified: --chown', at: '2:16' },
  { name: 'bad boolean flag', text: 'FROM busybox\nCOPY --link=maybe a b\n', code: 'invalid-flag', message: 'expecting boolean value for flag --link, not: maybe', at: '2:13' },
  { name: 'boolean flag with an empty value', text: 'FROM busybox\nCOPY --parents= a b\n', code: 'invalid-flag', message: 'missing a value on flag: --parents', at: '2:6' },
  { name: 'flag value not allowed', text: 'FROM busybox\nRUN --network=bridge echo\n', code: 'invalid-flag', message: "unsupported value for flag --network: 'bridge' (allowed: default, none, host)", at: '2:15' },
  { name: 'unterminated heredoc', text: 'FROM busybox\nRUN <<EOF\necho hi\n', code: 'unterminated-heredoc', message: 'unterminated heredoc', at: '2:5' },
  { name: 'unterminated quote in heredoc delimiter', text: "FROM busybox\nRUN <<'EOF\necho\n", code: 'heredoc', message: 'unterminated quote in heredoc delimiter', at: '2:1' },
  { name: 'empty file', text: '', code: 'no-instructions', message: 'file with no instructions', at: '1:1' },
  { name: 'only comments', text: '# a comment\n\n   # another\n', code: 'no-instructions', message: 'file with no instructions', at: '1:1' },
  { name: 'ARG with a blank name', text: 'ARG =2\nFROM busybox\n', code: 'blank-name', message: 'ARG names can not be blank', at: '1:5' },
  { name: 'LABEL with a blank name', text: 'FROM busybox\nLABEL a=b =c\n', code: 'blank-name', message: 'LABEL names can not be blank', at: '2:11' },
  { name: 'invalid escape directive', text: '# escape=x\nFROM busybox\n', code: 'directive', message: "invalid escape token 'x' does not match ` or \\", at: '1:1' },
  { name: 'duplicate directive', text: '# escape=`\n# Escape=\\\nFROM busybox\n', code: 'directive', message: 'only one escape parser directive can be used', at: '2:1' },
  { name: 'JSON array with non-strings', text: 'FROM busybox\nCMD ["a", 1]\n', code: 'syntax', message: 'when using JSON array syntax, arrays must be comprised of strings only', at: '2:5' },
  { name: 'HEALTHCHECK duration without unit', text: 'FROM busybox\nHEALTHCHECK --interval=10 CMD true\n', code: 'invalid-flag', message: 'time: invalid duration "10"', at: '2:24' },
  { name: 'HEALTHCHECK duration too short', text: 'FROM busybox\nHEALTHCHECK --timeout=50ns CMD true\n', code: 'invalid-flag', message: 'Interval "timeout" cannot be less than 1ms', at: '2:23' },
  { name: 'HEALTHCHECK negative retries', text: 'FROM busybox\nHEALTHCHECK --retries=-1 CMD true\n', code: 'invalid-flag', message: '--retries cannot be negative (-1)', at: '2:23' },
  { name: 'HEALTHCHECK unknown type', text: 'FROM busybox\nHEALTHCHECK CONNECT x\n', code: 'healthcheck-type', message: 'Unknown type "CONNECT" in HEALTHCHECK (try CMD)', at: '2:13' },
  { name: 'ONBUILD ONBUILD', text: 'FROM busybox\nONBUILD ONBUILD RUN x\n', code: 'onbuild-trigger', message: 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', at: '2:9' },
  { name: 'ONBUILD FROM', text: 'FROM busybox\nONBUILD from scratch\n', code: 'onbuild-trigger', message: "FROM isn't allowed as an ONBUILD trigger", at: '2:9' },
  { name: 'unknown ONBUILD trigger', text: 'FROM busybox\nONBUILD COPPY a b\n', code: 'unknown-instruction', message: 'unknown instruction: COPPY', at: '2:9', hint: 'did you mean COPY?' },
  { name: 'SHELL not JSON', text: 'FROM busybox\nSHELL /bin/sh -c\n', code: 'shell-not-json', message: 'SHELL requires the arguments to be in JSON form', at: '2:7' },
  { name: 'cache mount without target', text: 'FROM busybox\nRUN --mount=type=cache echo\n', code: 'invalid-mount', message: 'mount type cache requires a target', at: '2:13' },
  { name: 'unknown mount type', text: 'FROM busybox\nRUN --mount=type=foo,target=/x echo\n', code: 'invalid-mount', message: 'unsupported mount type "foo"', at: '2:13' },
  { name: 'unknown mount option', text: 'FROM busybox\nRUN --mount=target=/x,foo=bar echo\n', code: 'invalid-mount', message: "unexpected key 'foo' in 'target=/x,foo=bar' (did you mean from?)", at: '2:13' },
  { name: 'far-off mount option', text: 'FROM busybox\nRUN --mount=target=/x,colour=red echo\n', code: 'invalid-mount', message: "unexpected key 'colour' in 'target=/x,colour=red'", at: '2:13' },
  { name: 'ENV with one word', text: 'FROM busybox\nENV A\n', code: 'syntax', message: 'ENV must have two arguments', at: '2:5' },
  { name: 'ENV word without =', text: 'FROM busybox\nENV A=1 B\n', code: 'syntax', message: 'Syntax error - can\'t find = in "B". Must be of the form: name=value', at: '2:9' },
  { name: 'USER without argument (indented)', text: 'FROM busybox\n  USER\n', code: 'argument-count', message: 'USER requires exactly one argument', at: '2:3' },
  { name: 'stage name starting with a digit', text: 'FROM busybox AS 1stage\n', code: 'invalid-stage-name', message: 'invalid name for build stage: "1stage", name can\'t start with a number or contain symbols', at: '1:17' },
  { name: 'FROM with two words', text: 'FROM busybox stage\n', code: 'argument-count', message: 'FROM requires either one or three arguments', at: '1:1' },
  { name: 'heredoc as COPY destination', text: 'FROM busybox\nCOPY a <<EOF\nx\nEOF\n', code: 'heredoc-destination', message: 'COPY cannot accept a heredoc as a destination', at: '2:8' },
  { name: 'error after a continued instruction', text: 'FROM busybox\nRUN echo \\\n  a \\\n  --x\nEXPOSE\n', code: 'argument-count', message: 'EXPOSE requires at least one argument', at: '5:1' },
  { name: 'COPY with one argument', text: 'FROM busybox\nCOPY --chown=1 a\n', code: 'argument-count', message: 'COPY requires at least two arguments, but only one was provided. Destination could not be determined', at: '2:1' },
  { name: 'empty VOLUME path', text: 'FROM busybox\nVOLUME ["/a", ""]\n', code: 'empty-volume', message: 'VOLUME specified can not be an empty string', at: '2:15' },
  { name: 'line too long', text: `FROM busybox\nLABEL a=${'x'.repeat(70000)}\n`, code: 'line-too-long', message: 'dockerfile line greater than max allowed size of 65535', at: '2:1' },
];

describe('grammar errors', () => {
  for (const c of cases) {
    it(c.name, () => {
      const errors = parseDockerfile(c.text).diagnostics.filter((d) => d.severity === 'error');
      expect(errors).toHaveLength(1);
      const [error] = errors;
      expect(error?.code).toBe(c.code);
      expect(error?.message).toBe(c.message);
      expect(`${error?.range.start.line}:${error?.range.start.column}`).toBe(c.at);
      expect(error?.hint).toBe(c.hint);
    });
  }

  it('backtick escape directive changes the continuation character', () => {
    const { ast, diagnostics } = parseDockerfile('# escape=`\nFROM busybox\nRUN echo a `\n  b\nCOPPY x y\n');
    expect(ast.escape).toBe('`');
    expect(diagnostics.map((d) => `${d.message}@${d.range.start.line}:${d.range.start.column}`)).toEqual(['unknown instruction: COPPY@5:1']);
  });

  it('ranges of a continued instruction span its physical lines', () => {
    const { ast } = parseDockerfile('FROM busybox\nRUN echo a \\\n  # comment\n  b\n');
    const run = ast.instructions[1];
    expect(run?.range.start).toEqual({ line: 2, column: 1, offset: 13 });
    expect(run?.range.end).toEqual({ line: 4, column: 4, offset: 41 });
    expect(run?.keyword === 'RUN' && run.command.kind === 'shell' ? run.command.command.value : '').toBe('echo a   b');
  });
});
