// Text reports of a finished run: a console table (median, min–max, ratio to the reference)
// and Markdown tables for the README (median and ratio).
import { REFERENCE, UWS } from '../implementations.mjs';

/** Compact number: 3 significant digits, k/M suffixes past ten thousand. */
export function formatNumber(value) {
  if (value === null || value === undefined) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e7) return `${(value / 1e6).toFixed(1)}M`;
  if (magnitude >= 1e4) return `${(value / 1e3).toFixed(magnitude >= 1e5 ? 0 : 1)}k`;
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  // Ratios such as wire/message bytes with deflate can be far below 0.01.
  if (magnitude > 0 && magnitude < 0.1) return value.toPrecision(2);
  return value.toFixed(2);
}

function formatRatio(ratio) {
  return ratio === null || ratio === undefined ? '' : `${ratio.toFixed(2)}×`;
}

/** "0.34×" to the reference, then "2.59× uWS" where uWS ran (not on uWS's own row). */
function formatRatios(entry, key, name) {
  const toReference = formatRatio(entry.ratios[key]);
  const toUws = name === UWS ? '' : formatRatio(entry.ratiosToUws?.[key]);
  return [toReference, toUws && `${toUws} uWS`].filter(Boolean).join(' · ');
}

function padTable(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
}

/** The console report: one block per scenario. */
export function consoleReport(results) {
  const lines = [];
  for (const scenario of results.scenarios) {
    lines.push('', `${scenario.title}`);
    const header = ['  implementation', ...scenario.metrics.map((m) => m.label)];
    const rows = [header];
    for (const [name, entry] of Object.entries(scenario.implementations)) {
      const cells = scenario.metrics.map((m) => {
        const summary = entry.summary[m.key];
        if (!summary) return entry.errors.length ? 'failed' : '–';
        const spread = summary.runs > 1 ? ` (${formatNumber(summary.min)}–${formatNumber(summary.max)})` : '';
        return `${formatNumber(summary.median)}${spread} ${formatRatios(entry, m.key, name)}`.trimEnd();
      });
      rows.push([`  ${entry.label}`, ...cells]);
      for (const error of entry.errors.slice(0, 1)) rows.push([`    ! ${name}: ${error}`, ...cells.map(() => '')]);
    }
    lines.push(...padTable(rows));
  }
  lines.push('', `Ratios are medians relative to ${REFERENCE}, then to uWS.js where it ran; min–max over the repeats in parentheses.`);
  return lines.join('\n');
}

/** Markdown tables, one per kind of scenario (they share columns), for README-figures.md. */
export function markdownReport(results) {
  const byKind = new Map();
  for (const scenario of results.scenarios) {
    if (!byKind.has(scenario.kind)) byKind.set(scenario.kind, []);
    byKind.get(scenario.kind).push(scenario);
  }
  const sections = [];
  for (const scenarios of byKind.values()) {
    const metrics = scenarios[0].metrics;
    const lines = [
      `| scenario | implementation | ${metrics.map((m) => m.label).join(' | ')} |`,
      `|---|---|${metrics.map(() => '---:').join('|')}|`,
    ];
    for (const scenario of scenarios) {
      for (const [name, entry] of Object.entries(scenario.implementations)) {
        const cells = metrics.map((m) => {
          const summary = entry.summary[m.key];
          if (!summary) return entry.errors.length ? 'failed' : '–';
          const ratio = formatRatios(entry, m.key, name);
          return ratio ? `${formatNumber(summary.median)} (${ratio})` : formatNumber(summary.median);
        });
        lines.push(`| ${scenario.title} | ${entry.label} | ${cells.join(' | ')} |`);
      }
    }
    sections.push(lines.join('\n'));
  }
  return sections.join('\n\n');
}
