// The kernel's boot id: facts about the host that hold until the next reboot (overlay works, the bridge
// and its NAT rules exist) are stamped with it, so a process can trust them without probing again.
import { readFileSync } from 'node:fs';

let current: Promise<string> | undefined;

/** Read once per process, synchronously (a thread-pool round trip costs more than reading this small file). */
export function bootId(): Promise<string> {
  current ??= new Promise((resolve) => resolve(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()));
  return current;
}
