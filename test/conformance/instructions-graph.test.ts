// BuildKit instruction vectors that belong to the graph (instructions/instruction-vectors.json, README §5):
// stage-graph errors of real Dockerfiles, EXPOSE port specs, Env merge, proxy args, HEALTHCHECK history text, SOURCE_DATE_EPOCH values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  healthcheckHistory,
  parsePortSpec,
  parseSourceDateEpoch,
  proxyEnvFrom,
  setEnv,
} from '../../src/graph/index.js';
import { parseDockerfile, parseGoDuration } from '../../grammar/index.js';
import { requireSharedDir } from '../helpers/paths.js';

interface Vectors {
  convert_errors: { dockerfile: string; target?: string; error?: string; error_any?: boolean; ok?: boolean }[];
  expose_port_specs: {
    errors: { spec: string; error: string }[];
    single: { spec: string; ports: string[] }[];
    lists: { specs: string[]; ports?: string[]; error_any?: boolean }[];
  };
  env_merge: { cases: { env: string[]; set: [string, string]; result: string[] }[] };
  proxy_args: { build_args: Record<string, string>; result: Record<string, string>; no_proxy_args_result: null };
  healthcheck_history: {
    healthcheck: { test: string[]; interval: string; timeout: string; startPeriod: string; startInterval: string; retries: number };
    history_created_by: string;
  };
  source_date_epoch_value: { value: string; result?: string | null; error_contains?: string }[];
}

const vectors = JSON.parse(readFileSync(join(requireSharedDir(), 'instructions', 'instruction-vectors.json'), 'utf8')) as Vectors;

describe('expose_port_specs', () => {
  const { errors, single, lists } = vectors.expose_port_specs;
  errors.forEach((v, i) => {
    it(`expose_port_specs error ${i} ${JSON.stringify(v.spec)}`, () => {
      expect(() => parsePortSpec(v.spec)).toThrow(v.error);
    });
  });
  single.forEach((v, i) => {
    it(`expose_port_specs single ${i} ${v.spec}`, () => {
      expect(parsePortSpec(v.spec)).toEqual(v.ports);
    });
  });
  lists.forEach((v, i) => {
    it(`expose_port_specs list ${i} ${v.specs.join(' ')}`, () => {
      if (v.error_any) expect(() => v.specs.flatMap(parsePortSpec)).toThrow();
      else expect(v.specs.flatMap(parsePortSpec)).toEqual(v.ports);
    });
  });
});

describe('env_merge', () => {
  vectors.env_merge.cases.forEach((v, i) => {
    it(`env_merge ${i} set ${v.set[0]}`, () => {
      expect(setEnv(v.env, ...v.set)).toEqual(v.result);
    });
  });
});

describe('proxy_args', () => {
  it('proxy_args lower case wins, none given → none', () => {
    const v = vectors.proxy_args;
    expect(proxyEnvFrom(v.build_args)).toEqual(v.result);
    expect(proxyEnvFrom({}) ?? null).toBe(v.no_proxy_args_result);
  });
});

describe('healthcheck_history', () => {
  it('healthcheck_history created_by text', () => {
    const { healthcheck: h, history_created_by } = vectors.healthcheck_history;
    const text = healthcheckHistory({
      Test: h.test,
      Interval: parseGoDuration(h.interval),
      Timeout: parseGoDuration(h.timeout),
      StartPeriod: parseGoDuration(h.startPeriod),
      StartInterval: parseGoDuration(h.startInterval),
      Retries: h.retries,
    });
    expect(text).toBe(history_created_by);
  });
});

describe('source_date_epoch_value', () => {
  vectors.source_date_epoch_value.forEach((v) => {
    it(`source_date_epoch_value ${v.value}`, () => {
      if (v.error_contains !== undefined) {
        expect(() => parseSourceDateEpoch(v.value)).toThrow(v.error_contains);
        return;
      }
      const epoch = parseSourceDateEpoch(v.value);
      // A numeric value is the epoch; `context` is resolved later from the build context (deferred).
      if (v.result === null) expect(epoch).toEqual({ kind: 'deferred', from: v.value });
      else expect(epoch).toEqual({ kind: 'seconds', seconds: Number(v.result) });
    });
  });
});

describe('convert_errors', () => {
  vectors.convert_errors.forEach((v, i) => {
    it(`convert_errors ${i} ${v.error ?? (v.ok ? 'ok' : 'error')}${v.target === undefined ? '' : ` target=${v.target}`}`, () => {
      const build = (): unknown => {
        const { ast, diagnostics } = parseDockerfile(v.dockerfile, { file: 'Dockerfile' });
        const error = diagnostics.find((d) => d.severity === 'error');
        if (error !== undefined) throw new Error(error.message);
        return buildGraph(ast, { target: v.target, baseImages: new Map() });
      };
      if (v.ok) expect(build).not.toThrow();
      else if (v.error !== undefined) expect(build).toThrow(v.error);
      else expect(build).toThrow();
    });
  });
});
