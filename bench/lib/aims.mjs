// The performance aims of issues 4, 6 and 14, checked against one run's medians. Every ratio is
// ws6455's median over ws + addons' (the reference), except "within 10% of a bare net.Socket",
// which compares ws6455 with the bare TCP server of the same scenario.

const ECHO_SMALL = ['echo-16B-x1', 'echo-16B-x50', 'echo-1KiB-x1', 'echo-1KiB-x50'];
const ECHO_LARGE = ['echo-64KiB-x1', 'echo-64KiB-x50', 'echo-1MiB-x1', 'echo-1MiB-x50'];
const DEFLATE_ECHO = ['deflate-1KiB-x1', 'deflate-1KiB-x50', 'deflate-64KiB-x1', 'deflate-64KiB-x50'];

/** One aim: which scenarios, which metric, the bound, and against whom. */
const AIMS = [
  { issue: 6, text: 'echo 16 B / 1 KiB, 1 and 50 conns: msgs/s ≥ 2× ws + addons', ids: ECHO_SMALL, metric: 'messagesPerSec', atLeast: 2 },
  { issue: 6, text: 'echo 16 B / 1 KiB, 1 and 50 conns: server CPU/msg ≤ 0.5× ws + addons', ids: ECHO_SMALL, metric: 'serverCpuPerMessage', atMost: 0.5 },
  { issue: 6, text: 'echo 64 KiB / 1 MiB, 1 and 50 conns: msgs/s ≥ 1.1× ws + addons', ids: ECHO_LARGE, metric: 'messagesPerSec', atLeast: 1.1 },
  { issue: 6, text: 'broadcast to 1,000: server CPU/delivery ≤ 0.5× ws + addons', ids: ['broadcast-x1000'], metric: 'serverCpuPerDelivery', atMost: 0.5 },
  { issue: 6, text: 'idle connection: RSS/conn ≤ ws + addons', ids: ['idle-x10000', 'idle-x1000'], metric: 'rssPerConnection', atMost: 1, firstFound: true },
  { issue: 6, text: 'idle connection: RSS/conn within 10% of a bare net.Socket', ids: ['idle-x10000', 'idle-x1000'], metric: 'rssPerConnection', atMost: 1.1, against: 'tcp', firstFound: true },
  { issue: 6, text: 'handshakes: server CPU/handshake ≤ 0.8× ws + addons', ids: ['idle-x10000', 'idle-x1000'], metric: 'serverCpuPerHandshake', atMost: 0.8, firstFound: true },
  { issue: 4, text: 'compressed echo 1 KiB / 64 KiB, 1 and 50 conns: msgs/s ≥ ws + addons', ids: DEFLATE_ECHO, metric: 'messagesPerSec', atLeast: 1 },
  { issue: 4, text: 'memory/conn with deflate (after one message each way): RSS ≤ 0.7× ws + addons', ids: ['deflate-memory-x1000'], metric: 'rssPerConnection', atMost: 0.7 },
  { issue: 4, text: 'memory/conn with deflate (idle): RSS ≤ 0.7× ws + addons', ids: ['deflate-memory-x1000-idle'], metric: 'rssPerConnection', atMost: 0.7 },
  {
    issue: 4,
    text: 'memory/conn with deflate, same zlib settings (15-bit window both): RSS ≤ 0.7× ws + addons',
    ids: ['deflate-memory-x1000-w15'],
    metric: 'rssPerConnection',
    atMost: 0.7,
  },
  // Issue 14: as efficient as uWebSockets.js (the uWS column; not measured where it cannot load).
  { issue: 14, text: 'echo 1 KiB, 1 and 50 conns: server CPU/msg ≤ uWS.js', ids: ['echo-1KiB-x1', 'echo-1KiB-x50'], metric: 'serverCpuPerMessage', atMost: 1, against: 'uws' },
  { issue: 14, text: 'echo 64 KiB / 1 MiB, 1 and 50 conns: server CPU/msg ≤ 1.25× uWS.js', ids: ECHO_LARGE, metric: 'serverCpuPerMessage', atMost: 1.25, against: 'uws' },
  { issue: 14, text: 'handshakes: server CPU/handshake ≤ 2.2× uWS.js', ids: ['idle-x10000', 'idle-x1000'], metric: 'serverCpuPerHandshake', atMost: 2.2, against: 'uws', firstFound: true },
  { issue: 14, text: 'client echo, every size: client CPU/msg ≤ 1/1.5 of ws + addons', ids: ['client-16B-x1', 'client-16B-x50', 'client-64KiB-x1', 'client-64KiB-x50'], metric: 'clientCpuPerMessage', atMost: 1 / 1.5 },
  { issue: 14, text: 'compressed echo: server CPU/msg ≤ 0.5× ws + addons', ids: DEFLATE_ECHO, metric: 'serverCpuPerMessage', atMost: 0.5 },
];

/** ws6455's median over `against`'s (the reference unless the aim names another). */
function ratioIn(scenario, metric, against) {
  const ours = scenario.implementations.ws6455?.summary[metric]?.median;
  if (ours === undefined) return null;
  if (!against) return scenario.implementations.ws6455.ratios[metric] ?? null;
  const theirs = scenario.implementations[against]?.summary[metric]?.median;
  return theirs ? ours / theirs : null;
}

/**
 * Check every aim against `results` (a run's JSON). Returns rows of
 * { issue, text, measured: [{ title, ratio }], met: true | false | null (not measured) }.
 */
export function checkAims(results) {
  const byId = new Map(results.scenarios.map((scenario) => [scenario.id, scenario]));
  return AIMS.map((aim) => {
    let ids = aim.ids.filter((id) => byId.has(id));
    if (aim.firstFound) ids = ids.slice(0, 1);
    const measured = ids.map((id) => ({ title: byId.get(id).title, ratio: ratioIn(byId.get(id), aim.metric, aim.against) }));
    const ratios = measured.map((m) => m.ratio).filter((ratio) => typeof ratio === 'number');
    const met =
      ratios.length === 0 ? null : ratios.every((ratio) => (aim.atLeast !== undefined ? ratio >= aim.atLeast : ratio <= aim.atMost));
    return { issue: aim.issue, text: aim.text, against: aim.against, measured, met };
  });
}
