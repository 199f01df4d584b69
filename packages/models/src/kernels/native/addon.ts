/**
 * The C++ addon (@course/native), loaded on first use. It is optional: where it
 * was not built at install, `nativeAddon()` says why and the native backend is
 * reported unavailable.
 */
import { createRequire } from 'node:module';
import type { NativeAddon } from '@course/native';

export type { NativeAddon };

interface Loaded {
  addon: NativeAddon | null;
  reason: string;
  coretype: string | null;
}

const require = createRequire(import.meta.url);
let loaded: Loaded | undefined;

export function loadNativeAddon(): Loaded {
  if (loaded === undefined) {
    try {
      loaded = require('@course/native') as Loaded;
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
      loaded = { addon: null, reason: `@course/native failed to load: ${message}`, coretype: null };
    }
  }
  return loaded;
}

/** The addon; throws where it is not there (callers check availability first). */
export function nativeAddon(): NativeAddon {
  const { addon, reason } = loadNativeAddon();
  if (addon === null) throw new Error(`the native addon is not available: ${reason}`);
  return addon;
}
