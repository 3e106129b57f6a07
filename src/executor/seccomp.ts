// Our seccomp profile with the effect of Docker's default one for the syscalls that matter: the
// kernel interfaces Docker documents as blocked (https://docs.docker.com/engine/security/seccomp/)
// fail with EPERM unless the sandbox holds the capability that gates them (as Docker's profile
// re-allows them with that capability); clone() with namespace flags is denied, clone3() answers
// ENOSYS so libcs fall back to clone(). Written as a deny list over an allow default: unknown future
// syscalls are allowed, where Docker's allow list would refuse them.
import { seccompArchitectures, type LinuxSeccomp, type LinuxSyscall } from './oci-types.js';

const EPERM = 1;
const ENOSYS = 38;

/** Blocked syscalls, each group re-allowed when the sandbox has the named capability. */
const blockedSyscalls: { names: string[]; unlessCapability?: string }[] = [
  {
    unlessCapability: 'CAP_SYS_ADMIN',
    names: [
      'mount', 'umount', 'umount2', 'unshare', 'setns', 'pivot_root', 'keyctl', 'add_key', 'request_key',
      'lookup_dcookie', 'quotactl', 'quotactl_fd', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'move_mount',
      'open_tree', 'mount_setattr', 'name_to_handle_at', 'nfsservctl', 'sysfs', '_sysctl', 'swapon', 'swapoff',
      'vm86', 'vm86old', 'uselib', 'ustat', 'userfaultfd', 'fanotify_init',
    ],
  },
  { unlessCapability: 'CAP_SYS_MODULE', names: ['init_module', 'finit_module', 'delete_module', 'create_module', 'get_kernel_syms', 'query_module'] },
  { unlessCapability: 'CAP_SYS_BOOT', names: ['reboot', 'kexec_load', 'kexec_file_load'] },
  { unlessCapability: 'CAP_SYS_PTRACE', names: ['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp'] },
  { unlessCapability: 'CAP_SYS_TIME', names: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'adjtimex', 'clock_adjtime', 'clock_adjtime64'] },
  { unlessCapability: 'CAP_SYS_PACCT', names: ['acct'] },
  { unlessCapability: 'CAP_SYS_RAWIO', names: ['iopl', 'ioperm'] },
  { unlessCapability: 'CAP_SYS_NICE', names: ['get_mempolicy', 'set_mempolicy', 'mbind', 'move_pages'] },
  { unlessCapability: 'CAP_DAC_READ_SEARCH', names: ['open_by_handle_at'] },
  { unlessCapability: 'CAP_SYSLOG', names: ['syslog'] },
  { unlessCapability: 'CAP_BPF', names: ['bpf'] },
  { unlessCapability: 'CAP_PERFMON', names: ['perf_event_open'] },
];

/** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (linux/sched.h). */
const namespaceCloneFlags = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

export function defaultSeccompProfile(capabilities: string[]): LinuxSeccomp {
  const held = new Set(capabilities);
  const denied = blockedSyscalls
    .filter((group) => group.unlessCapability === undefined || !held.has(group.unlessCapability))
    .flatMap((group) => group.names);
  const syscalls: LinuxSyscall[] = [{ names: denied, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }];
  if (!held.has('CAP_SYS_ADMIN')) {
    // One rule per flag: seccomp compares a masked argument for equality, so "any of these bits" is seven rules.
    for (const flag of namespaceCloneFlags) {
      syscalls.push({
        names: ['clone'],
        action: 'SCMP_ACT_ERRNO',
        errnoRet: EPERM,
        args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' }],
      });
    }
    // clone3 passes its flags in memory that seccomp cannot read.
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: [...seccompArchitectures], syscalls };
}
