// A dependency-free SVG bar chart of a run, for the README: every bar is a median relative to
// the reference implementation, so scenarios with different units share one axis.
// Left panel: throughput (higher is better). Right panel: costs, CPU and memory (lower is better).
import { IMPLEMENTATIONS, REFERENCE, UWS } from '../implementations.mjs';

const COLORS = { ws6455: '#2563eb', 'ws6455-base': '#93c5fd', ws: '#a3a3a3', 'ws+addons': '#525252', uws: '#d97706', tcp: '#16a34a' };
const PANEL_WIDTH = 470;
const LABEL_WIDTH = 150;
const BAR_HEIGHT = 11;
const BAR_GAP = 2;
const GROUP_GAP = 12;
const TOP = 58;
/** Bars longer than this ratio are clipped (and labelled) so one outlier keeps the rest legible. */
const MAX_AXIS_RATIO = 3;

function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Groups of bars for one panel: one group per scenario metric of that kind. */
function panelGroups(results, kind) {
  const groups = [];
  for (const scenario of results.scenarios) {
    for (const metric of scenario.metrics.filter((m) => m.kind === kind)) {
      const bars = Object.entries(scenario.implementations)
        .map(([name, entry]) => ({ name, label: entry.label, ratio: entry.ratios[metric.key], toUws: name === UWS ? null : entry.ratiosToUws?.[metric.key] }))
        .filter((bar) => typeof bar.ratio === 'number');
      if (bars.length > 0) groups.push({ title: `${scenario.title}: ${metric.label}`, bars });
    }
  }
  return groups;
}

function groupHeight(group) {
  return 14 + group.bars.length * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP;
}

function renderPanel(groups, x, title) {
  const barArea = PANEL_WIDTH - LABEL_WIDTH - 40;
  const axisMax = Math.min(MAX_AXIS_RATIO, Math.max(1.25, ...groups.flatMap((g) => g.bars.map((b) => b.ratio))));
  const scale = barArea / axisMax;
  const parts = [`<text x="${x}" y="${TOP - 20}" class="panel">${escapeXml(title)}</text>`];
  let y = TOP;
  for (const group of groups) {
    parts.push(`<text x="${x}" y="${y + 9}" class="group">${escapeXml(group.title)}</text>`);
    let barY = y + 14;
    for (const bar of group.bars) {
      const width = Math.max(1, Math.min(bar.ratio, axisMax) * scale);
      const clipped = bar.ratio > axisMax ? ' ▸' : '';
      // The ratio to uWS.js rides after the bar's own value (bars stay relative to the reference).
      const toUws = typeof bar.toUws === 'number' ? ` (${bar.toUws.toFixed(2)}× uWS)` : '';
      parts.push(
        `<text x="${x + LABEL_WIDTH - 6}" y="${barY + 9}" class="label" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${x + LABEL_WIDTH}" y="${barY}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${COLORS[bar.name] ?? '#888'}"/>`,
        `<text x="${(x + LABEL_WIDTH + width + 4).toFixed(1)}" y="${barY + 9}" class="value">${bar.ratio.toFixed(2)}×${clipped}${toUws}</text>`,
      );
      barY += BAR_HEIGHT + BAR_GAP;
    }
    y += groupHeight(group);
  }
  // Drawn first so that bars and labels stay on top of the dashed 1× line.
  const referenceX = x + LABEL_WIDTH + scale;
  parts.splice(1, 0, `<line x1="${referenceX}" y1="${TOP - 6}" x2="${referenceX}" y2="${y - GROUP_GAP}" class="reference"/>`);
  return { svg: parts.join('\n'), bottom: y };
}

/** The whole chart as an SVG document. */
export function renderChart(results) {
  const left = renderPanel(panelGroups(results, 'throughput'), 10, 'Throughput vs ws + addons (higher is better)');
  const right = renderPanel(panelGroups(results, 'cost'), PANEL_WIDTH + 30, 'CPU and memory vs ws + addons (lower is better)');
  const height = Math.max(left.bottom, right.bottom) + 24;
  const width = 2 * PANEL_WIDTH + 60;
  const machine = results.machine;
  const caption = `${results.mode} run ${results.date.slice(0, 10)}, ${machine.cores} cores ${machine.cpuModel}, Node ${machine.node}; bars are medians relative to ${IMPLEMENTATIONS[REFERENCE].label} (dashed line = 1×), in parentheses relative to uWS.js`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">
<style>
  .panel { font-size: 14px; font-weight: 600; fill: #111; }
  .group { font-size: 11px; font-weight: 600; fill: #333; }
  .label, .value { font-size: 10px; fill: #333; }
  .value { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
  .caption { font-size: 10px; fill: #666; }
  .reference { stroke: #111; stroke-dasharray: 3 3; stroke-width: 1; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="16" class="caption">${escapeXml(caption)}</text>
${left.svg}
${right.svg}
</svg>
`;
}
