// `tsbuild run [flags] IMAGE [CMD [ARG…]]` (also `container run`): a container in the foreground with Docker's
// flags and exit statuses — the container's own, 125 when tsbuild fails, 126/127 when the command cannot run.
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { TsbuildError, UserError } from '../../errors.js';
import type { NetworkMode } from '../../executor/executor.js';
import {
  StartFailedError,
  createContainer,
  discardContainer,
  signalContainer,
  recoverContainers,
  startContainer,
  type CreateOptions,
} from '../../runtime/container.js';
import { relaySignals, relayedSignals, signalExitCode } from '../../runtime/signals.js';
import { newContainerId, type ContainerConfigRecord } from '../../runtime/store.js';
import { collect, commandGroup, containerRuntime, type CliContext } from '../context.js';

interface RunFlags {
  rm?: boolean;
  interactive?: boolean;
  tty?: boolean;
  name?: string;
  env: string[];
  envFile: string[];
  workdir?: string;
  user?: string;
  groupAdd: string[];
  entrypoint?: string;
  volume: string[];
  network: string;
  hostname?: string;
  addHost: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  ipc?: string;
  shmSize?: string;
  privileged?: boolean;
  capAdd: string[];
  capDrop: string[];
  readOnly?: boolean;
  tmpfs: string[];
  memory?: string;
  pidsLimit?: number;
  init?: boolean;
  label: string[];
  labelFile: string[];
  stopSignal?: string;
}

/** Docker exits 125 for its own failures, bad flags included. */
const daemonFailure = 125;

/** Docker's daemon, not its CLI, refuses an unknown network: one "network X not found" line, status 125. */
function networkMode(value: string): NetworkMode {
  if (value === 'none' || value === 'host' || value === 'bridge') return value;
  throw new UserError(`network ${value} not found`);
}

function parsePositive(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`invalid number: ${value}`);
  return Number(value);
}

async function readFlagFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

/**
 * Docker's CLI follows an error of the container's creation (a bad flag value, no command, a name in use)
 * with a pointer to the help, unlike a missing image or an error of its start (unknown user, network).
 */
class CreateRefusedError extends UserError {}

function refusedAtCreate(err: unknown): never {
  if (err instanceof TsbuildError && (err.code === 'user' || err.code === 'conflict')) throw new CreateRefusedError(err.message, { cause: err });
  throw err;
}

async function createOptions(image: string, command: string[], network: NetworkMode, flags: RunFlags, callerEnv: NodeJS.ProcessEnv): Promise<CreateOptions> {
  return {
    image,
    command,
    entrypoint: flags.entrypoint,
    envFiles: await Promise.all(flags.envFile.map(readFlagFile)),
    env: flags.env,
    callerEnv,
    workdir: flags.workdir,
    user: flags.user,
    groupAdd: flags.groupAdd,
    tty: flags.tty ?? false,
    init: flags.init ?? false,
    name: flags.name,
    autoRemove: flags.rm ?? false,
    hostname: flags.hostname,
    network,
    addHosts: flags.addHost,
    dns: { servers: flags.dns, search: flags.dnsSearch, options: flags.dnsOption },
    ipc: flags.ipc,
    shmSize: flags.shmSize,
    privileged: flags.privileged ?? false,
    capAdd: flags.capAdd,
    capDrop: flags.capDrop,
    readOnly: flags.readOnly ?? false,
    volumes: flags.volume,
    tmpfs: flags.tmpfs,
    memory: flags.memory,
    pidsLimit: flags.pidsLimit,
    labels: flags.label,
    labelFiles: await Promise.all(flags.labelFile.map(readFlagFile)),
    stopSignal: flags.stopSignal,
  };
}

/**
 * Runs the container on this process's stdio. Signals are caught from the start: before the container
 * runs they stop `run` (exit 128+n), afterwards they go to its main process, which decides how it ends.
 */
async function runForeground(context: CliContext, image: string, command: string[], flags: RunFlags): Promise<number> {
  const abort = new AbortController();
  let relay: ((signal: NodeJS.Signals) => void) | undefined;
  let early: NodeJS.Signals | undefined;
  const stopRelay = relaySignals(relayedSignals, (signal) => {
    if (relay) relay(signal);
    else early ??= signal;
  });
  try {
    const runtime = await containerRuntime(context);
    await recoverContainers(runtime);
    const network = networkMode(flags.network);
    const options = await createOptions(image, command, network, flags, context.callerEnv).catch(refusedAtCreate);
    // The sandbox's network namespace is made while the container's record and rootfs are.
    const id = newContainerId();
    const headStart = runtime.executor.prepare?.(id, options.network);
    let container: ContainerConfigRecord;
    try {
      container = await createContainer(runtime, options, id);
    } catch (err) {
      await headStart?.abandon();
      refusedAtCreate(err);
    }
    if (early !== undefined) {
      await headStart?.abandon();
      if (container.autoRemove) await discardContainer(runtime, container);
      return signalExitCode(early);
    }
    // A signal that cannot be delivered must still not leave the container running.
    relay = (signal) => void signalContainer(runtime, container, signal).catch(() => abort.abort(new Error(`tsbuild run received ${signal}`)));
    // With -t on a terminal, the runtime gets our terminal itself, so the container's pty takes its size and resizes.
    const onTerminal = flags.tty === true && process.stdout.isTTY === true && (!flags.interactive || process.stdin.isTTY === true);
    const io = {
      ...(flags.interactive ? { stdin: process.stdin } : {}),
      stdout: process.stdout,
      stderr: process.stderr,
      signal: abort.signal,
      ...(onTerminal ? { terminal: { ...(flags.interactive ? { stdin: 0 } : {}), stdout: 1, stderr: 2 } } : {}),
    };
    const result = await startContainer(runtime, container, io, headStart);
    return result.signal === undefined ? result.exitCode : signalExitCode(result.signal);
  } finally {
    stopRelay();
  }
}

export function registerRun(program: Command, context: CliContext): void {
  const action = async (image: string, command: string[], flags: RunFlags, self: Command): Promise<void> => {
    const helpPath = [self.parent?.parent, self.parent, self].flatMap((c) => (c ? [c.name()] : [])).join(' ');
    // Docker's CLI check: a terminal for the container's input needs one on ours.
    if (flags.interactive && flags.tty && !context.stdin.isTTY) {
      context.stderr.write('the input device is not a TTY\n');
      context.exitCode = 1;
      return;
    }
    try {
      context.exitCode = await runForeground(context, image, command, flags);
    } catch (err) {
      if (err instanceof CreateRefusedError) {
        context.stderr.write(`tsbuild: ${err.message}\nSee '${helpPath} --help'.\n`);
        context.exitCode = daemonFailure;
      } else if (err instanceof StartFailedError) {
        context.stderr.write(`tsbuild: ${err.message}\n`);
        context.exitCode = err.exitStatus;
      } else if (err instanceof TsbuildError && err.code !== 'internal') {
        context.stderr.write(`tsbuild: ${err.message}\n`);
        context.exitCode = daemonFailure;
      } else {
        throw err;
      }
    }
  };
  for (const [parent, name] of [
    [program, 'run'],
    [commandGroup(program, 'container', 'Manage containers'), 'run'],
  ] as const) {
    const command = new Command(name).copyInheritedSettings(parent);
    parent.addCommand(command);
    command
      .helpOption('--help', 'display help for command') // -h is --hostname, as in Docker
      .description('Create and run a new container from an image')
      .argument('<image>', 'image to run')
      .argument('[command...]', 'command and arguments (replace the image CMD)')
      .passThroughOptions()
      .option('--rm', 'automatically remove the container when it exits')
      .option('-i, --interactive', 'keep STDIN open')
      .option('-t, --tty', 'allocate a pseudo-TTY')
      .option('--name <name>', 'assign a name to the container')
      .option('-l, --label <K[=V]>', 'set metadata on a container', collect, [])
      .option('--label-file <file>', 'read in a line delimited file of labels', collect, [])
      .option('--stop-signal <signal>', 'signal to stop the container')
      .option('-e, --env <K[=V]>', 'set environment variables', collect, [])
      .option('--env-file <file>', 'read in a file of environment variables', collect, [])
      .option('-w, --workdir <dir>', 'working directory inside the container')
      .option('-u, --user <user[:group]>', 'username or UID (format: <name|uid>[:<group|gid>])')
      .option('--group-add <group>', 'add additional groups to join', collect, [])
      .option('--entrypoint <cmd>', 'overwrite the default ENTRYPOINT of the image')
      .option('-v, --volume <hostdir:dir[:ro]>', 'bind mount a host directory', collect, [])
      .option('--network <mode>', 'connect a container to a network (none, host, bridge)', 'bridge')
      .option('-h, --hostname <name>', 'container host name')
      .option('--add-host <host:ip>', 'add a custom host-to-IP mapping', collect, [])
      .option('--dns <ip>', 'set custom DNS servers', collect, [])
      .option('--dns-search <domain>', 'set custom DNS search domains', collect, [])
      .option('--dns-option <option>', 'set DNS options', collect, [])
      .option('--ipc <mode>', 'IPC mode to use (private, shareable, host, none)')
      .option('--shm-size <bytes>', 'size of /dev/shm')
      .option('--privileged', 'give extended privileges to this container')
      .option('--cap-add <cap>', 'add Linux capabilities', collect, [])
      .option('--cap-drop <cap>', 'drop Linux capabilities', collect, [])
      .option('--read-only', "mount the container's root filesystem as read only")
      .option('--tmpfs <dir[:opts]>', 'mount a tmpfs directory', collect, [])
      .option('-m, --memory <bytes>', 'memory limit')
      .option('--pids-limit <n>', 'tune container pids limit', parsePositive)
      .option('--init', 'run an init inside the container that forwards signals and reaps processes')
      .action(action);
  }
}
