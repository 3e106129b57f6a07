// Hand-built ASTs for graph unit tests (the graph consumes ASTs; these fake only the parser's output):
// each helper makes one instruction on the line it is given, with ranges covering its text.
import type {
  ArgDeclaration,
  CommandForm,
  Dockerfile,
  Flag,
  Heredoc,
  Instruction,
  KeyValue,
  Keyword,
  Range,
  Word,
} from '../../grammar/index.js';

type Build = (line: number) => Instruction;
type FlagSpec = [name: string, value?: string];

function range(line: number, start: number, end: number): Range {
  return { start: { line, column: start, offset: 0 }, end: { line, column: end, offset: 0 } };
}

function word(value: string, line: number, column = 1): Word {
  return { value, range: range(line, column, column + value.length) };
}

/** Flags written one after another from `column` on, as `--name=value `. */
function flags(specs: FlagSpec[], line: number, column: number): Flag[] {
  return specs.map(([name, value]) => {
    const start = column;
    const valueStart = start + 3 + name.length;
    column = valueStart + (value?.length ?? -1) + 1;
    return {
      name,
      value,
      range: range(line, start, column - 1),
      nameRange: range(line, start + 2, start + 2 + name.length),
      valueRange: value === undefined ? undefined : range(line, valueStart, valueStart + value.length),
    };
  });
}

function base<K extends Keyword>(keyword: K, text: string, line: number, flagSpecs: FlagSpec[] = []) {
  return {
    keyword,
    keywordText: keyword,
    keywordRange: range(line, 1, 1 + keyword.length),
    range: range(line, 1, 1 + text.length),
    text,
    original: text,
    flags: flags(flagSpecs, line, keyword.length + 2),
    comments: [],
  };
}

function command(cmd: string | string[], line: number): CommandForm {
  if (typeof cmd === 'string') return { kind: 'shell', command: word(cmd, line), range: range(line, 1, 1 + cmd.length) };
  return { kind: 'exec', args: cmd.map((a) => word(a, line)), range: range(line, 1, 2) };
}

function flagText(specs: FlagSpec[]): string {
  return specs.map(([n, v]) => (v === undefined ? `--${n} ` : `--${n}=${v} `)).join('');
}

export function dockerfile(...builds: Build[]): Dockerfile {
  return { file: 'Dockerfile', directives: [], escape: '\\', instructions: builds.map((b, i) => b(i + 1)) };
}

export const FROM =
  (image: string, opts: { as?: string; flags?: FlagSpec[] } = {}): Build =>
  (line) => ({
    ...base('FROM', `FROM ${flagText(opts.flags ?? [])}${image}${opts.as ? ` AS ${opts.as}` : ''}`, line, opts.flags),
    image: word(image, line, 6 + flagText(opts.flags ?? []).length),
    asKeyword: opts.as === undefined ? undefined : word('AS', line, 7 + image.length + flagText(opts.flags ?? []).length),
    stageName: opts.as === undefined ? undefined : word(opts.as, line, 10 + image.length + flagText(opts.flags ?? []).length),
  });

export const RUN =
  (cmd: string | string[], opts: { flags?: FlagSpec[]; heredocs?: Partial<Heredoc>[] } = {}): Build =>
  (line) => ({
    ...base('RUN', `RUN ${flagText(opts.flags ?? [])}${typeof cmd === 'string' ? cmd : JSON.stringify(cmd)}`, line, opts.flags),
    command: command(cmd, line),
    heredocs: (opts.heredocs ?? []).map((h) => heredoc(h, line)),
  });

function heredoc(h: Partial<Heredoc>, line: number): Heredoc {
  return {
    name: h.name ?? 'EOF',
    content: h.content ?? '',
    expand: h.expand ?? true,
    chomp: h.chomp ?? false,
    fileDescriptor: undefined,
    range: range(line, 5, 10),
    bodyRange: range(line + 1, 1, 1),
  };
}

function copyLike<K extends 'COPY' | 'ADD'>(keyword: K) {
  return (sources: string[], dest: string, opts: { flags?: FlagSpec[]; heredocs?: Partial<Heredoc>[] } = {}): Build =>
    (line) =>
      ({
        ...base(keyword, `${keyword} ${flagText(opts.flags ?? [])}${[...sources, dest].join(' ')}`, line, opts.flags),
        sources: sources.map((s) => word(s, line)),
        destination: word(dest, line),
        heredocs: (opts.heredocs ?? []).map((h) => heredoc(h, line)),
        json: false,
      }) as Instruction;
}
export const COPY = copyLike('COPY');
export const ADD = copyLike('ADD');

function pairs(list: [string, string][], line: number): KeyValue[] {
  return list.map(([k, v]) => ({ key: word(k, line), value: word(v, line), legacy: false, range: range(line, 5, 6 + k.length + v.length) }));
}

export const ENV = (...list: [string, string][]): Build => (line) => ({
  ...base('ENV', `ENV ${list.map(([k, v]) => `${k}=${v}`).join(' ')}`, line),
  pairs: pairs(list, line),
});
export const LABEL = (...list: [string, string][]): Build => (line) => ({
  ...base('LABEL', `LABEL ${list.map(([k, v]) => `${k}=${v}`).join(' ')}`, line),
  pairs: pairs(list, line),
});
export const ARG = (...decls: [string, string?][]): Build => (line) => ({
  ...base('ARG', `ARG ${decls.map(([n, d]) => (d === undefined ? n : `${n}=${d}`)).join(' ')}`, line),
  args: decls.map(
    ([n, d]): ArgDeclaration => ({ name: word(n, line, 5), defaultValue: d === undefined ? undefined : word(d, line, 6 + n.length), range: range(line, 5, 6 + n.length) }),
  ),
});
export const WORKDIR = (path: string): Build => (line) => ({ ...base('WORKDIR', `WORKDIR ${path}`, line), path: word(path, line, 9) });
export const USER = (user: string): Build => (line) => ({ ...base('USER', `USER ${user}`, line), user: word(user, line, 6) });
export const EXPOSE = (...ports: string[]): Build => (line) => ({
  ...base('EXPOSE', `EXPOSE ${ports.join(' ')}`, line),
  ports: ports.map((p) => word(p, line, 8)),
});
export const VOLUME = (...paths: string[]): Build => (line) => ({
  ...base('VOLUME', `VOLUME ${paths.join(' ')}`, line),
  paths: paths.map((p) => word(p, line, 8)),
  json: false,
});
export const STOPSIGNAL = (signal: string): Build => (line) => ({ ...base('STOPSIGNAL', `STOPSIGNAL ${signal}`, line), signal: word(signal, line, 12) });
export const SHELL = (...args: string[]): Build => (line) => ({ ...base('SHELL', `SHELL ${JSON.stringify(args)}`, line), args: args.map((a) => word(a, line)) });
export const CMD = (cmd: string | string[]): Build => (line) => ({ ...base('CMD', `CMD ${typeof cmd === 'string' ? cmd : JSON.stringify(cmd)}`, line), command: command(cmd, line) });
export const ENTRYPOINT = (cmd: string | string[]): Build => (line) => ({
  ...base('ENTRYPOINT', `ENTRYPOINT ${typeof cmd === 'string' ? cmd : JSON.stringify(cmd)}`, line),
  command: command(cmd, line),
});
export const HEALTHCHECK = (cmd: string | string[] | 'NONE', flagSpecs: FlagSpec[] = []): Build => (line) => ({
  ...base('HEALTHCHECK', `HEALTHCHECK ${flagText(flagSpecs)}${cmd === 'NONE' ? 'NONE' : `CMD ${typeof cmd === 'string' ? cmd : JSON.stringify(cmd)}`}`, line, flagSpecs),
  check: cmd === 'NONE' ? { kind: 'none' } : { kind: 'cmd', command: command(cmd, line) },
});
export const MAINTAINER = (name: string): Build => (line) => ({ ...base('MAINTAINER', `MAINTAINER ${name}`, line), name: word(name, line, 12) });
export const ONBUILD = (triggerText: string, trigger: Build): Build => (line) => ({
  ...base('ONBUILD', `ONBUILD ${triggerText}`, line),
  trigger: trigger(line),
  triggerText,
});
