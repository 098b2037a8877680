import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../../support/memcached.js';
import { bin, normalizeBinaryTranscript, OP, u32 } from './binary.js';
import { normalizeTranscript, visible } from './normalize.js';
import { hashString } from './rng.js';
import type { ConformanceScript, SendMode } from './script.js';
import {
  DEFAULT_SETTINGS,
  startMemcachedTarget,
  startMemkitTarget,
  type Target,
  type TargetSettings,
} from './targets.js';
import { request, runScript } from './wire.js';

const SCRIPT_SHOWN = 1500;

async function resetState(t: Target, settings: TargetSettings): Promise<void> {
  // With flush_all disabled (-F) scripts must not depend on earlier state: they use their own keys.
  // With -Y or -S a connection must authenticate first: such scripts use their own keys too.
  if (
    settings.flushEnabled === false ||
    settings.authFile !== undefined ||
    settings.sasl !== undefined
  )
    return;
  if (settings.protocol === 'binary') {
    // A FLUSH answered by a NOOP: the text flush_all would close a binary-only connection.
    const flush = bin(OP.FLUSH, { extras: u32(0), opaque: 1 }) + bin(OP.NOOP, { opaque: 2 });
    await request(t.port, flush, `${u32(0)}${u32(2)}`);
    return;
  }
  await request(t.port, 'flush_all\r\n', 'OK\r\n');
}

/** Runs one script on both servers and returns the normalized transcripts. */
export async function compareOnce(
  real: Target,
  ours: Target,
  s: ConformanceScript,
  mode: SendMode,
): Promise<{ expected: string; received: string }> {
  const seed = hashString(`${s.name}/${mode}`);
  const [a, b] = await Promise.all([
    runScript(real.port, s, mode, seed),
    runScript(ours.port, s, mode, seed),
  ]);
  const normalize = s.binary ? normalizeBinaryTranscript : normalizeTranscript;
  return { expected: normalize(a), received: normalize(b) };
}

function describeScript(s: ConformanceScript): string {
  const text = visible(s.steps.join(' ⟨sync⟩ '));
  return text.length > SCRIPT_SHOWN
    ? `${text.slice(0, SCRIPT_SHOWN)}… (${text.length} chars)`
    : text;
}

/**
 * Declares one vitest test per script and send mode: the script goes to a real memcached and
 * to the in-process server, and the normalized replies must be equal byte for byte.
 */
export function conformanceSuite(
  title: string,
  scripts: readonly ConformanceScript[],
  settings: TargetSettings = DEFAULT_SETTINGS,
): void {
  const names = new Set<string>();
  for (const s of scripts) {
    if (names.has(s.name)) throw new Error(`duplicate conformance script name: ${s.name}`);
    names.add(s.name);
  }
  describe.skipIf(!requireBinary('memcached'))(title, () => {
    let real: Target | undefined;
    let ours: Target | undefined;
    beforeAll(async () => {
      real = await startMemcachedTarget(settings);
      ours = await startMemkitTarget(settings);
    });
    afterAll(async () => {
      await Promise.all([real?.stop(), ours?.stop()]);
    });
    for (const s of scripts) {
      const modes: SendMode[] =
        s.modes ?? (s.bytewise ? ['whole', 'split', 'bytewise'] : ['whole', 'split']);
      for (const mode of modes) {
        it(`${s.name} [${mode}]`, async () => {
          let a = real;
          let b = ours;
          if (s.fresh) {
            a = await startMemcachedTarget(settings);
            b = await startMemkitTarget(settings).catch(async (e: unknown) => {
              await a?.stop();
              throw e;
            });
          }
          if (!a || !b) throw new Error('servers did not start');
          try {
            if (!s.fresh) await Promise.all([resetState(a, settings), resetState(b, settings)]);
            const { expected, received } = await compareOnce(a, b, s, mode);
            expect(
              received,
              `script "${s.name}" sent ${mode}: ${b.name} (received) differs from ${a.name} (expected)\nscript: ${describeScript(s)}\n`,
            ).toBe(expected);
          } finally {
            if (s.fresh) await Promise.all([a.stop(), b.stop()]);
          }
        });
      }
    }
  });
}
