// Summaries of repeated runs: the median is the figure, min and max show the spread.

/** { median, min, max, runs } of a list of numbers (ignores failed runs, given as null). */
export function summarize(values) {
  const sorted = values.filter((value) => typeof value === 'number' && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** Ratio of an implementation's median to the reference's (null when either is missing). */
export function ratioToReference(summary, referenceSummary) {
  if (!summary || !referenceSummary || referenceSummary.median === 0) return null;
  return summary.median / referenceSummary.median;
}
