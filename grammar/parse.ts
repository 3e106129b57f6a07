// Entry point of the parser: Dockerfile text → AST + diagnostics (never throws on bad input).
// Reads physical lines the way BuildKit does (directives, comments, continuations, heredoc bodies), turns each
// logical line into an InstructionNode (nodes.ts) and then into a typed instruction (instructions.ts).
import type { Directive, Dockerfile, Heredoc, Instruction, InstructionNode, Range } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { checkEscapeToken, DirectiveError, DirectiveScanner } from './directives.js';
import { heredocsInLine, HeredocSyntaxError } from './heredoc.js';
import { toInstruction } from './instructions.js';
import { buildNode, LineSyntaxError, type LineContext } from './nodes.js';
import { LogicalLine, physicalLines, SourceText, type PhysicalLine } from './source.js';

export interface ParseOptions {
  /** File name used in ranges and messages (default `Dockerfile`). */
  file?: string;
}

export interface ParseResult {
  /** Always present; instructions that failed to parse are left out. */
  ast: Dockerfile;
  /** Errors make the file unusable; warnings (e.g. empty continuation lines) do not. */
  diagnostics: Diagnostic[];
  /** The syntax-level nodes, one per instruction line that could be read (also those that failed validation). */
  nodes: InstructionNode[];
}

/** Go's bufio.Scanner limit, which BuildKit inherits: a longer line fails the whole parse. */
const maxLineBytes = 65535;

const heredocKeywords = new Set(['run', 'copy', 'add']);

const isComment = (line: string): boolean => line.trimStart().startsWith('#');

function continuationPattern(escape: string): RegExp {
  const e = escape === '\\' ? '\\\\' : escape;
  return new RegExp(`(^|[^${e}])${e}[ \\t]*$`);
}

/** The node whose line may carry heredocs: RUN/COPY/ADD in shell form, also as an ONBUILD trigger. */
function heredocCarrier(node: InstructionNode): InstructionNode | undefined {
  const target = node.keywordText.toLowerCase() === 'onbuild' ? node.trigger : node;
  if (!target || target.json || !heredocKeywords.has(target.keywordText.toLowerCase())) return undefined;
  return target;
}

/** File ranges and text for offsets of one logical line. */
class LogicalLineContext implements LineContext {
  constructor(
    private readonly source: SourceText,
    private readonly line: LogicalLine,
    readonly escape: '\\' | '`',
  ) {}

  range(start: number, end: number): Range {
    return this.line.rawRange(this.source, start, end);
  }

  sourceText(start: number, end: number): string {
    const rawStart = this.line.rawOffset(start);
    return this.source.text.slice(rawStart, end > start ? this.line.rawOffset(end - 1) + 1 : rawStart);
  }
}

class Reader {
  readonly diagnostics: Diagnostic[] = [];
  readonly nodes: InstructionNode[] = [];
  readonly instructions: Instruction[] = [];
  readonly directives: Directive[] = [];
  escape: '\\' | '`' = '\\';
  private continuation = continuationPattern('\\');
  private readonly scanner = new DirectiveScanner();
  private next = 0;

  constructor(
    private readonly source: SourceText,
    private readonly lines: PhysicalLine[],
  ) {}

  private syntaxError(message: string, start: number, end: number, code = 'syntax'): void {
    this.diagnostics.push({ severity: 'error', code, message, range: this.source.range(start, end), phase: 'syntax' });
  }

  /** Directive handling of BuildKit's processLine: whether the line is a directive, or 'error' when it is a fatal one. */
  private feedDirective(line: PhysicalLine, text: string): boolean | 'error' {
    const offset = line.offset + (line.text.length - text.length);
    try {
      const directive = this.scanner.feed(text);
      if (!directive) return false;
      const range = this.source.range(offset, line.offset + line.text.length);
      if (directive.name === 'escape') {
        this.escape = checkEscapeToken(directive.value);
        this.continuation = continuationPattern(this.escape);
      }
      this.directives.push({ name: directive.name, value: directive.value, range });
      return true;
    } catch (error) {
      if (!(error instanceof DirectiveError)) throw error;
      this.syntaxError(error.message, offset, line.offset + line.text.length, 'directive');
      return 'error';
    }
  }

  private trimContinuation(text: string): { text: string; continues: boolean } {
    const match = this.continuation.exec(text);
    if (!match) return { text, continues: false };
    return { text: text.slice(0, match.index) + (match[1] as string), continues: true };
  }

  /** Reads everything; stops at the first syntax error, as BuildKit does. */
  read(): void {
    let comments: string[] = [];
    while (this.next < this.lines.length) {
      const first = this.lines[this.next++] as PhysicalLine;
      const trimmed = first.text.trimStart();
      if (isComment(first.text)) {
        const comment = trimmed.slice(1).trim();
        comments = comment === '' ? [] : [...comments, comment];
      }
      const directive = this.feedDirective(first, trimmed);
      if (directive === 'error') return;
      // A directive line is no comment of the first instruction (it would show up as a stage description, and
      // its `check=` would read as a per-instruction skip).
      if (directive) comments = comments.slice(0, -1);
      const content = isComment(first.text) ? '' : trimmed;
      const head = this.trimContinuation(content);
      if (!head.continues && head.text === '') continue;
      const logical = new LogicalLine();
      logical.append(head.text, first.offset + (first.text.length - trimmed.length));
      let continues = head.continues;
      let emptyContinuation = false;
      let last = first;
      while (continues && this.next < this.lines.length) {
        const line = this.lines[this.next++] as PhysicalLine;
        last = line;
        if (this.feedDirective(line, line.text) === 'error') return;
        if (isComment(line.text)) continue;
        if (line.text.trim() === '') {
          emptyContinuation = true;
          continue;
        }
        const piece = this.trimContinuation(line.text);
        logical.append(piece.text, line.offset);
        continues = piece.continues;
      }
      if (!this.instruction(logical, comments, emptyContinuation, first, last)) return;
      comments = [];
    }
  }

  /** One logical line → node (+ heredoc bodies) → typed instruction; false on a syntax error. */
  private instruction(logical: LogicalLine, comments: string[], emptyContinuation: boolean, first: PhysicalLine, last: PhysicalLine): boolean {
    const ctx = new LogicalLineContext(this.source, logical, this.escape);
    let node: InstructionNode;
    try {
      node = buildNode(logical.text, 0, ctx, comments);
    } catch (error) {
      if (!(error instanceof LineSyntaxError)) throw error;
      const start = logical.rawOffset(error.start);
      this.syntaxError(error.message, start, Math.max(start, logical.rawOffset(Math.max(error.end - 1, error.start)) + 1));
      return false;
    }
    if (emptyContinuation) {
      this.diagnostics.push({
        severity: 'warning',
        code: 'empty-continuation',
        message: `Empty continuation line found in: ${logical.text}`,
        hint: 'Empty continuation lines will become errors in a future release',
        // BuildKit places it on the instruction's last line.
        range: this.source.range(last.offset, last.offset + last.text.length),
        phase: 'syntax',
      });
    }
    const carrier = heredocCarrier(node);
    if (carrier && logical.text.includes('<<')) {
      const heredocs = this.heredocs(logical, ctx, first, last);
      if (!heredocs) return false;
      carrier.heredocs = heredocs;
    }
    this.nodes.push(node);
    const instruction = toInstruction(node, this.diagnostics);
    if (instruction) this.instructions.push(instruction);
    return true;
  }

  /** Reads the bodies of the line's heredocs from the following lines; undefined on a syntax error. */
  private heredocs(logical: LogicalLine, ctx: LineContext, first: PhysicalLine, last: PhysicalLine): Heredoc[] | undefined {
    let markers;
    try {
      markers = heredocsInLine(logical.text);
    } catch (error) {
      if (!(error instanceof HeredocSyntaxError)) throw error;
      this.syntaxError(error.message, first.offset, last.offset + last.text.length, 'heredoc');
      return undefined;
    }
    const heredocs: Heredoc[] = [];
    for (const marker of markers) {
      let content = '';
      const bodyStart = this.lines[this.next]?.offset ?? this.source.text.length;
      let bodyEnd = bodyStart;
      let terminated = false;
      while (this.next < this.lines.length) {
        const line = this.lines[this.next++] as PhysicalLine;
        let candidate = line.text.replace(/[\r\n]+$/, '');
        if (marker.chomp) candidate = candidate.replace(/^\t+/, '');
        if (candidate === marker.name) {
          terminated = true;
          break;
        }
        content += `${line.text}\n`;
        bodyEnd = line.offset + line.text.length;
      }
      if (!terminated) {
        const marked = ctx.range(marker.start, marker.end);
        this.syntaxError('unterminated heredoc', marked.start.offset, marked.end.offset, 'unterminated-heredoc');
        return undefined;
      }
      heredocs.push({
        name: marker.name,
        content,
        expand: marker.expand,
        chomp: marker.chomp,
        fileDescriptor: marker.fileDescriptor,
        range: ctx.range(marker.start, marker.end),
        bodyRange: this.source.range(bodyStart, bodyEnd),
      });
    }
    return heredocs;
  }
}

function tooLongLine(lines: PhysicalLine[]): PhysicalLine | undefined {
  // Only lines that could exceed the limit in UTF-8 are measured.
  return lines.find((l) => l.text.length * 3 > maxLineBytes && Buffer.byteLength(l.text) > maxLineBytes);
}

export function parseDockerfile(text: string, options: ParseOptions = {}): ParseResult {
  const source = new SourceText(text);
  const lines = physicalLines(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  const reader = new Reader(source, lines);
  const long = tooLongLine(lines);
  if (long) {
    reader.diagnostics.push({
      severity: 'error',
      code: 'line-too-long',
      message: `dockerfile line greater than max allowed size of ${maxLineBytes}`,
      range: source.range(long.offset, long.offset + long.text.length),
      phase: 'syntax',
    });
  } else {
    reader.read();
    if (reader.nodes.length === 0 && !reader.diagnostics.some((d) => d.severity === 'error')) {
      reader.diagnostics.push({
        severity: 'error',
        code: 'no-instructions',
        message: 'file with no instructions',
        range: source.range(0, 0),
        phase: 'syntax',
      });
    }
  }
  const ast: Dockerfile = {
    file: options.file ?? 'Dockerfile',
    directives: reader.directives,
    escape: reader.escape,
    instructions: reader.instructions,
  };
  return { ast, diagnostics: reader.diagnostics, nodes: reader.nodes };
}
