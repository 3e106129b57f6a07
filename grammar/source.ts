// Offsets ↔ positions for one Dockerfile text, and logical lines (continuations joined) that remember
// where each of their characters came from, so every range points into the original text.
import type { Position, Range } from './ast.js';

export class SourceText {
  /** Offset of the first character of each physical line. */
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] as number) + 1, offset };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }
}

/** One physical line: its text without the line break (and without one trailing `\r`). */
export interface PhysicalLine {
  text: string;
  /** Offset of the line's first character in the file. */
  offset: number;
  /** 1-based. */
  number: number;
}

export function physicalLines(text: string, firstOffset: number): PhysicalLine[] {
  const lines: PhysicalLine[] = [];
  let start = firstOffset;
  let number = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    const last = end === -1;
    if (last) end = text.length;
    if (last && start === end) break;
    const lineText = text.slice(start, end);
    lines.push({ text: lineText.endsWith('\r') ? lineText.slice(0, -1) : lineText, offset: start, number });
    number++;
    start = end + 1;
  }
  return lines;
}

/** A logical line: pieces of physical lines joined; `segments` maps logical offsets back to file offsets. */
export class LogicalLine {
  text = '';
  private readonly segments: { logical: number; raw: number }[] = [];

  append(piece: string, rawOffset: number): void {
    if (piece === '') return;
    this.segments.push({ logical: this.text.length, raw: rawOffset });
    this.text += piece;
  }

  /** File offset of the character at logical offset `at` (at = text.length maps just past the last one). */
  rawOffset(at: number): number {
    if (this.segments.length === 0) return 0;
    if (at >= this.text.length) return this.rawOffset(this.text.length - 1) + 1;
    let seg = this.segments[0] as { logical: number; raw: number };
    for (const s of this.segments) {
      if (s.logical > at) break;
      seg = s;
    }
    return seg.raw + (at - seg.logical);
  }

  /** File range of logical [start, end): the end is placed right after the last included character. */
  rawRange(source: SourceText, start: number, end: number): Range {
    const rawStart = this.rawOffset(start);
    return source.range(rawStart, end > start ? this.rawOffset(end - 1) + 1 : rawStart);
  }
}
