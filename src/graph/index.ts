// Public surface of src/graph: Dockerfile AST → instruction graph, in two pure phases.
export { planStages, type PlanOptions } from './stages.js';
export { planWithBaseImages, type PlannedImages } from './plan-images.js';
export { buildGraph } from './build-graph.js';
export { parsePortSpec, PortSpecError } from './ports.js';
export { setEnv, getEnv } from './env-list.js';
export { healthcheckHistory } from './healthcheck.js';
export { formatGoDuration } from './durations.js';
export { proxyEnvFrom, type ProxyEnv } from './proxy.js';
export { parseSourceDateEpoch, type SourceDateEpoch } from './source-date-epoch.js';
export { formatPlatform, parsePlatform } from './platform-args.js';
export type * from './types.js';
export { runChecks, type CheckResult, type CheckWarning, type DispatchedGraph } from './checks/index.js';
