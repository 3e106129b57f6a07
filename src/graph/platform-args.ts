// BuildKit's automatic build args describing the target and build platforms, and TARGETSTAGE.
import type { Platform } from '../image/oci.js';

export const defaultPlatform: Platform = { os: 'linux', architecture: 'amd64' };

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p !== undefined && p !== '').join('/');
}

/** `linux/arm64/v8` → Platform; undefined when it is not os/arch[/variant]. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/i.test(p))) return undefined;
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant === undefined ? { os: os.toLowerCase(), architecture } : { os: os.toLowerCase(), architecture, variant };
}

/** TARGET* and BUILD* args (the build platform is the target platform: no cross builds here), TARGETSTAGE. */
export function platformArgs(platform: Platform, targetStage: string): Map<string, string> {
  const args = new Map<string, string>();
  for (const prefix of ['TARGET', 'BUILD']) {
    args.set(`${prefix}PLATFORM`, formatPlatform(platform));
    args.set(`${prefix}OS`, platform.os);
    // Windows-only; set (empty) all the same, as BuildKit does.
    args.set(`${prefix}OSVERSION`, '');
    args.set(`${prefix}ARCH`, platform.architecture);
    args.set(`${prefix}VARIANT`, platform.variant ?? '');
  }
  args.set('TARGETSTAGE', targetStage);
  return args;
}
