// ContainerStore: containers/<id>/config.json (what the container is, written once) and state.json (how it
// is doing, replaced atomically), so `ps` and `rm` work after the creating process exited or crashed.
// Creation and removal take one cross-process lock, which keeps names unique. The files are small and
// `run` touches them on its critical path: sync calls, as a thread-pool round trip costs more than each.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../../cache/index.js';
import { ConflictError, NotFoundError, UserError } from '../errors.js';
import type { SandboxSpec } from '../executor/executor.js';
import { lockState } from '../snapshot/state-lock.js';
import { checkName, randomName } from './names.js';

export interface ContainerConfigRecord {
  /** 64 hex digits; the hostname defaults to its first 12. */
  id: string;
  name: string;
  /** The image as the user named it (the IMAGE column of `ps`). */
  image: string;
  imageId: string;
  created: string; // ISO 8601
  /** Active snapshot holding the container's rootfs. */
  snapshotKey: string;
  /** --rm: removed however it ends. */
  autoRemove: boolean;
  /** The command as the user sees it (Entrypoint + Cmd, without --init's tini). */
  command: string[];
  /** The image's labels with --label's over them (absent in records made before labels were kept). */
  labels?: Record<string, string>;
  /** --stop-signal, else the image's STOPSIGNAL, else SIGTERM. */
  stopSignal?: string;
  /** The sandbox to run, all but the rootfs mounts (which come from the snapshot at start). */
  sandbox: Omit<SandboxSpec, 'rootfs'>;
}

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface ContainerState {
  status: ContainerStatus;
  /** The `tsbuild run` process holding the container, with its start time (pids get reused). */
  supervisor?: { pid: number; startTime: string };
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Why it ended without an exit status of its own (start failure, supervisor lost). */
  error?: string;
}

export interface Container {
  config: ContainerConfigRecord;
  state: ContainerState;
}

/** A fresh container ID: 64 hex digits, as Docker's. */
export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export class ContainerStore {
  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<ContainerStore> {
    mkdirSync(dir, { recursive: true });
    return new ContainerStore(dir);
  }

  /** Records a new container (ID from newContainerId()); a taken name is a ConflictError, an absent one is made up. */
  async create(
    fields: Omit<ContainerConfigRecord, 'name' | 'created'> & { name?: string | undefined },
    state: ContainerState = { status: 'created' },
  ): Promise<ContainerConfigRecord> {
    const wanted = fields.name === undefined ? undefined : checkName(fields.name);
    return this.locked(async () => {
      const existing = await this.list();
      const taken = new Map(existing.map((c) => [c.config.name, c.config.id]));
      if (wanted !== undefined && taken.has(wanted)) {
        throw new ConflictError(
          `Conflict. The container name "/${wanted}" is already in use by container "${taken.get(wanted)}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
      let name = wanted;
      for (let retry = 0; name === undefined || taken.has(name); retry++) name = randomName(retry);
      const config: ContainerConfigRecord = { ...fields, name, created: new Date().toISOString() };
      mkdirSync(join(this.dir, config.id));
      this.writeJson(config.id, 'config.json', config);
      this.writeJson(config.id, 'state.json', state);
      return config;
    });
  }

  async setState(id: string, state: ContainerState): Promise<void> {
    this.writeJson(id, 'state.json', state);
  }

  async get(id: string): Promise<Container | undefined> {
    try {
      return { config: this.readJson<ContainerConfigRecord>(id, 'config.json'), state: this.readJson<ContainerState>(id, 'state.json') };
    } catch (err) {
      // A half-created or half-removed directory is not a container.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /** Every container, oldest first. */
  async list(): Promise<Container[]> {
    const ids = readdirSync(this.dir).filter((name) => /^[a-f0-9]{64}$/.test(name));
    const containers = (await Promise.all(ids.map((id) => this.get(id)))).filter((c): c is Container => c !== undefined);
    return containers.sort((a, b) => a.config.created.localeCompare(b.config.created));
  }

  /** Finds a container as Docker does: full ID, exact name, then a unique ID prefix. */
  async resolve(nameOrId: string): Promise<Container> {
    const all = await this.list();
    const bare = nameOrId.startsWith('/') ? nameOrId.slice(1) : nameOrId;
    const exact = all.find((c) => c.config.id === bare) ?? all.find((c) => c.config.name === bare);
    if (exact) return exact;
    const byPrefix = /^[a-f0-9]+$/.test(bare) ? all.filter((c) => c.config.id.startsWith(bare)) : [];
    if (byPrefix.length > 1) throw new UserError(`multiple IDs found with provided prefix: ${bare}`);
    if (byPrefix[0]) return byPrefix[0];
    throw new NotFoundError(`No such container: ${nameOrId}`);
  }

  /** Drops the record; the rootfs snapshot and sandbox are the caller's to remove first. */
  async remove(id: string): Promise<void> {
    await this.locked(async () => rmSync(join(this.dir, id), { recursive: true, force: true }));
  }

  private async locked<T>(body: () => Promise<T>): Promise<T> {
    const release = await lockState(join(this.dir, 'containers.lock'), { retries: 200, minTimeout: 5, maxTimeout: 100 });
    try {
      return await body();
    } finally {
      await release();
    }
  }

  private readJson<T>(id: string, file: string): T {
    return JSON.parse(readFileSync(join(this.dir, id, file), 'utf8')) as T;
  }

  private writeJson(id: string, file: string, value: unknown): void {
    writeFileAtomically(join(this.dir, id, file), JSON.stringify(value, null, 1));
  }
}
