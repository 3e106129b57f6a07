// The kernel's boot id: facts about the host that hold until the next reboot (overlay works, the bridge
// and its NAT rules exist) are stamped with it, so a process can trust them without probing again.
import { readFile } from 'node:fs/promises';

let current: Promise<string> | undefined;

export function bootId(): Promise<string> {
  current ??= readFile('/proc/sys/kernel/random/boot_id', 'utf8').then((text) => text.trim());
  return current;
}
