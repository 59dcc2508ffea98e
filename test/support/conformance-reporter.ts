import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one line after a run that included conformance tests (test/local-tenant/conformance-*),
 * so CI output shows the local tenant's fidelity at a glance:
 *   conformance: 120 behaviours checked, 120 matched
 * Each test case is one behaviour written from Microsoft's documentation; matched = it passed
 * against the target (the local tenant, or a real tenant with CONFORMANCE_TARGET=real).
 */
export default class ConformanceReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let checked = 0;
    let matched = 0;
    for (const module of testModules) {
      if (!/[\\/]conformance-[^\\/]+\.test\.ts$/.test(module.moduleId)) continue;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'skipped' || state === 'pending') continue;
        checked += 1;
        if (state === 'passed') matched += 1;
      }
    }
    if (checked === 0) return;
    const target = process.env['CONFORMANCE_TARGET'] === 'real' ? 'a real tenant' : 'the local tenant';
    process.stdout.write(`\nconformance: ${checked} behaviours checked, ${matched} matched (against ${target})\n`);
  }
}
