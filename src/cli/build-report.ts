// The lines that end a successful build, for a build that ran and for one replayed (build-replay.ts) alike:
// the image ID alone on stdout with -q, else BuildKit's "writing image … done" / "naming to … done" on
// stderr, then what the build checks found (nothing in quiet progress).

export interface BuiltImageReport {
  imageId: string;
  /** The -t references as people read them (formatReference). */
  tags: string[];
  /** -q: the ID alone on stdout. */
  quiet: boolean;
  /** --progress=quiet (-q included): no check warnings. */
  quietProgress: boolean;
  /** formatCheckWarnings of what the checks found ('' for nothing). */
  warnings: string;
}

export function reportBuiltImage(report: BuiltImageReport, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
  if (report.quiet) stdout.write(`${report.imageId}\n`);
  else {
    stderr.write(`writing image ${report.imageId} done\n`);
    for (const tag of report.tags) stderr.write(`naming to ${tag} done\n`);
  }
  if (!report.quietProgress) stderr.write(report.warnings);
}
