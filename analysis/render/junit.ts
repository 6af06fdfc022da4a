// JUnit XML: one test case per route, failing when a gate rule is exceeded for that route.
// Rules without a route apply to every route here; with no rules, any mismatch fails.
import { evaluate, parseRule, type GateRule } from '../gate';
import type { Report } from '../report';
import { percent } from './format';

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(report: Report, rules: readonly GateRule[]): string {
  const perRoute = rules.length > 0 ? rules : [parseRule('mismatch_rate>0')];
  const cases = report.routes.map((route) => {
    const applicable = perRoute.filter((r) => !r.route || r.route === route.name).map((r) => ({ ...r, route: route.name }));
    const { failures } = evaluate(report, applicable);
    const summary = `${route.events} events, mismatch ${percent(route.mismatchRate)}, errors ${percent(route.errorRate)}, timeouts ${percent(route.timeoutRate)}`;
    const failure = failures.length
      ? `<failure message="${xml(failures.map((f) => `${f.rule}: ${f.actual} > ${f.threshold}`).join('; '))}">${xml(route.paths.map((p) => `${p.path} ${p.kind} ${p.count}`).join('\n'))}</failure>`
      : '';
    return { xml: `    <testcase classname="shadowdiff.routes" name="${xml(route.name)}">${failure}<system-out>${xml(summary)}</system-out></testcase>`, failed: failures.length > 0 };
  });
  const failed = cases.filter((c) => c.failed).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="shadowdiff" tests="${cases.length}" failures="${failed}">`,
    `  <testsuite name="shadowdiff" tests="${cases.length}" failures="${failed}" timestamp="${report.generatedAt}">`,
    ...cases.map((c) => c.xml),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
