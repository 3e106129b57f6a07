// `tsbuild system df [-v]` and `tsbuild system prune [-a] [-f]`: disk usage of the state root and
// its cleanup. Containers and volumes report zero until their owners add them here.
import type { Command } from 'commander';
import { cacheUsage, imageRemovalGuards, pruneCache } from '../../engine-cache.js';
import { imageDetails } from '../../image/inspect.js';
import { familiarRepository, parseReference } from '../../image/reference.js';
import { pruneImages } from '../../image/remove.js';
import { shortId } from '../../image/store.js';
import { commandGroup, confirm, type CliContext } from '../context.js';
import { formatTable, humanSize, timeAgo } from '../format.js';
import { printRemovals } from './prune.js';

const percent = (part: number, whole: number): string => (whole === 0 ? '' : ` (${Math.round((part / whole) * 100)}%)`);

export function registerSystem(program: Command, context: CliContext): void {
  const system = commandGroup(program, 'system', 'Manage tsbuild');
  system
    .command('df')
    .description('Show disk usage')
    .option('-v, --verbose', 'show detailed information on space usage')
    .action(async (opts: { verbose?: boolean }) => {
      const engine = await context.engine();
      const images = await engine.images.list();
      const blobSize = new Map<string, number>();
      const details = [];
      for (const image of images) {
        const d = await imageDetails(engine.images, image);
        details.push(d);
        d.manifest.layers.forEach((layer, i) => blobSize.set(layer.digest, d.layerSizes[i] as number));
      }
      const imagesSize = [...blobSize.values()].reduce((a, b) => a + b, 0);
      const active = (await Promise.all(images.map((i) => engine.imageUsers(i.id)))).filter((u) => u.length > 0).length;
      const reclaimable = active === 0 ? imagesSize : 0;
      const cache = await cacheUsage(engine);
      if (!opts.verbose) {
        context.stdout.write(
          formatTable(
            ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
            [
              // The docker CLI's summary uses units.HumanSize: 4 significant digits ("1.986MB").
              ['Images', String(images.length), String(active), humanSize(imagesSize, 4), `${humanSize(reclaimable, 4)}${percent(reclaimable, imagesSize)}`],
              ['Containers', '0', '0', '0B', '0B'],
              ['Local Volumes', '0', '0', '0B', '0B'],
              ['Build Cache', String(cache.records.length + cache.cacheMounts.length), String(cache.active), humanSize(cache.size, 4), humanSize(cache.reclaimable, 4)], // Docker gives no percentage here
            ],
          ),
        );
        return;
      }
      const useCount = new Map<string, number>();
      for (const d of details) for (const l of d.manifest.layers) useCount.set(l.digest, (useCount.get(l.digest) ?? 0) + 1);
      const rows = details.map((d) => {
        const shared = d.manifest.layers.reduce((sum, l, i) => ((useCount.get(l.digest) ?? 0) > 1 ? sum + (d.layerSizes[i] as number) : sum), 0);
        const ref = d.image.tags[0] === undefined ? undefined : parseReference(d.image.tags[0]);
        return [ref ? familiarRepository(ref) : '<none>', ref?.tag ?? '<none>', shortId(d.image.id), timeAgo(d.config.created), humanSize(d.size), humanSize(shared), humanSize(d.size - shared), '0'];
      });
      context.stdout.write(`Images space usage:\n\n${formatTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], rows)}\n`);
      context.stdout.write('Containers space usage:\n\nCONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n\n');
      context.stdout.write('Local Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\n\n');
      // USAGE: running builds using the record; SHARED: its layer also belongs to an image (or a running build).
      // Cache mounts show their directory's last change as both times (nothing else is kept about them).
      const cacheRows = [...cache.records]
        .sort((a, b) => b.lastUsedAt - a.lastUsedAt)
        .map((r) => [r.key.slice(0, 12), 'regular', humanSize(r.size), timeAgo(new Date(r.createdAt).toISOString()), timeAgo(new Date(r.lastUsedAt).toISOString()), r.inUse ? '1' : '0', String(r.shared)]);
      const changed = (ms: number): string => timeAgo(new Date(ms).toISOString());
      cacheRows.push(...cache.cacheMounts.map((m) => [m.id.slice(0, 12), 'exec.cachemount', humanSize(m.size), changed(m.modifiedAt), changed(m.modifiedAt), '0', 'false']));
      context.stdout.write(`Build cache usage: ${humanSize(cache.size)}\n\n${formatTable(['CACHE ID', 'CACHE TYPE', 'SIZE', 'CREATED', 'LAST USED', 'USAGE', 'SHARED'], cacheRows)}`);
    });
  system
    .command('prune')
    .description('Remove unused data')
    .option('-a, --all', 'remove all unused images not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .action(async (opts: { all?: boolean; force?: boolean }) => {
      const items = ['all stopped containers', 'all networks not used by at least one container', opts.all ? 'all images without at least one container associated to them' : 'all dangling images', 'unused build cache'];
      const warning = `WARNING! This will remove:\n${items.map((i) => `  - ${i}\n`).join('')}\nAre you sure you want to continue?`;
      if (!opts.force && !(await confirm(context, warning))) return;
      const engine = await context.engine();
      await engine.content.removeStaleIngests();
      const { events, reclaimed } = await pruneImages(engine.images, { all: opts.all ?? false, ...imageRemovalGuards(engine) });
      // After the images: snapshots only they held become the cache's to free.
      const cache = await pruneCache(engine, { all: opts.all ?? false });
      printRemovals(context, events, reclaimed + cache.reclaimedBytes, cache.deleted);
    });
}
