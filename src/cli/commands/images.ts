// `tsbuild images [-a] [-q] [--digests] [--no-trunc] [-f FILTER] [--format T] [REPOSITORY[:TAG]]` (also `image ls`).
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { imageDetails } from '../../image/inspect.js';
import { familiarRepository, isNameOnly, parseReference, type ImageReference } from '../../image/reference.js';
import { shortId } from '../../image/store.js';
import { commandGroup, type CliContext } from '../context.js';
import { createdAt, formatTable, humanSize, timeAgo } from '../format.js';
import { renderRows } from '../list-format.js';

interface ImagesOptions {
  all?: boolean;
  quiet?: boolean;
  digests?: boolean;
  trunc: boolean;
  filter: string[];
  format?: string;
}

interface Row {
  repository: string;
  tag: string;
  id: string;
  digest: string;
  created: string | undefined;
  size: number;
  ref: ImageReference | undefined;
}

/** Shell-style glob for `reference=` filters (* within a path component, ? one char). */
function globMatches(pattern: string, text: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${regex}$`).test(text);
}

function rowFilter(filters: string[], positional: string | undefined): (row: Row) => boolean {
  const checks: ((row: Row) => boolean)[] = [];
  for (const filter of filters) {
    const eq = filter.indexOf('=');
    const key = filter.slice(0, eq);
    const value = filter.slice(eq + 1);
    if (eq === -1) throw new UserError(`bad format of filter (expected name=value)`);
    if (key === 'dangling') {
      if (value !== 'true' && value !== 'false') throw new UserError(`invalid filter 'dangling=${value}'`);
      checks.push((row) => (row.ref === undefined) === (value === 'true'));
    } else if (key === 'reference') {
      checks.push((row) => {
        if (!row.ref) return false;
        const name = familiarRepository(row.ref);
        return globMatches(value, name) || globMatches(value, `${name}:${row.tag}`);
      });
    } else {
      throw new UserError(`Invalid filter '${key}'`);
    }
  }
  if (positional !== undefined) {
    const wanted = parseReference(positional);
    const withTag = !isNameOnly(positional);
    checks.push((row) => row.ref !== undefined && familiarRepository(row.ref) === familiarRepository(wanted) && (!withTag || row.tag === wanted.tag));
  }
  return (row) => checks.every((check) => check(row));
}

/** The fields `--format` sees, as the Docker CLI names them (alphabetical, as its `{{json .}}` prints them). */
function formatFields(row: Row, id: string): Record<string, string> {
  return {
    Containers: 'N/A',
    CreatedAt: createdAt(row.created),
    CreatedSince: timeAgo(row.created),
    Digest: row.digest,
    ID: id,
    Repository: row.repository,
    SharedSize: 'N/A',
    Size: humanSize(row.size),
    Tag: row.tag,
    UniqueSize: 'N/A',
    VirtualSize: humanSize(row.size, 4), // the docker CLI's units.HumanSize: 4 significant digits ("1.986MB")
  };
}

const columnTitles = { ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'SIZE', Containers: 'CONTAINERS' };

export function registerImages(program: Command, context: CliContext): void {
  const action = async (repository: string | undefined, opts: ImagesOptions): Promise<void> => {
    const engine = await context.engine();
    const rows: Row[] = [];
    for (const image of await engine.images.list()) {
      const details = await imageDetails(engine.images, image).catch((err: unknown) => {
        // A damaged record (blob removed behind our back) must not hide the other images.
        context.stderr.write(`WARNING: skipping image ${shortId(image.id)}: ${(err as Error).message}\n`);
        return undefined;
      });
      if (!details) continue;
      const base = { id: image.id, digest: image.manifestDigest, created: details.config.created, size: details.size };
      if (image.tags.length === 0) rows.push({ ...base, repository: '<none>', tag: '<none>', ref: undefined });
      for (const tag of image.tags) {
        const ref = parseReference(tag);
        rows.push({ ...base, repository: familiarRepository(ref), tag: ref.tag ?? '<none>', ref });
      }
    }
    const shown = rows.filter(rowFilter(opts.filter, repository));
    shown.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.repository.localeCompare(b.repository) || a.tag.localeCompare(b.tag));
    const id = (row: Row): string => (opts.trunc ? shortId(row.id) : row.id);
    if (opts.format !== undefined && !opts.quiet) {
      context.stdout.write(renderRows(opts.format, shown.map((row) => formatFields(row, id(row))), columnTitles));
      return;
    }
    if (opts.quiet) {
      for (const row of shown) context.stdout.write(`${id(row)}\n`);
      return;
    }
    const header = ['REPOSITORY', 'TAG', ...(opts.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
    const cells = shown.map((row) => [row.repository, row.tag, ...(opts.digests ? [row.digest] : []), id(row), timeAgo(row.created), humanSize(row.size)]);
    context.stdout.write(formatTable(header, cells));
  };
  const configure = (command: Command): Command =>
    command
      .argument('[repository]', 'REPOSITORY[:TAG]')
      .option('-a, --all', 'show all images (default hides intermediate images)')
      .option('-q, --quiet', 'only show image IDs')
      .option('--digests', 'show digests')
      .option('--no-trunc', "don't truncate output")
      .option('-f, --filter <filter>', 'filter output based on conditions provided', (v: string, all: string[]) => [...all, v], [])
      .option('--format <template>', "format output with a Go template ('table …' for a table)")
      .action(action);
  configure(program.command('images').description('List images'));
  configure(commandGroup(program, 'image', 'Manage images').command('ls').alias('list').description('List images'));
}
