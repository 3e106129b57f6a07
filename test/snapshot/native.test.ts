// Runs the snapshotter conformance suite against the copy-based native snapshotter.
import { describe } from 'vitest';
import { NativeSnapshotter } from '../../src/snapshot/native.js';
import { describeIf, isRoot } from '../helpers/capabilities.js';
import { snapshotterConformance } from './snapshotter.suite.js';

describeIf('native snapshotter', isRoot() ? [] : ['root'], () => {
  describe('conformance', () => {
    snapshotterConformance((dir) => new NativeSnapshotter(dir), { opaqueDirs: false });
  });
});
