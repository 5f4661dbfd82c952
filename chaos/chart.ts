/**
 * The chaos results as one hand-built SVG: a panel per scenario, and in each a
 * group of bars per oracle count with one bar per system. Scenarios that do
 * not apply to a system leave its bars out and say so under the panel.
 */
import type { ScenarioResult, SystemName } from './harness';

export const METRICS = [
  ['violations', 'violations'],
  ['staleAtEnd', 'stale at end'],
  ['lost', 'lost'],
  ['appliedTwice', 'applied twice'],
  ['missingInvoices', 'missing invoices'],
] as const;

const COLOURS: Record<SystemName, string> = {
  ordersync: '#2b8a3e',
  seed: '#1864ab',
  old: '#c92a2a',
};

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function chartSvg(results: ScenarioResult[]): string {
  const scenarios = [...new Set(results.map((r) => r.scenario))].filter((s) =>
    results.some((r) => r.scenario === s && r.applicable),
  );
  const systems = [...new Set(results.map((r) => r.system))];
  const cols = 2;
  const panelW = 460;
  const panelH = 220;
  const plotH = 130;
  const barW = 12;
  const groupW = panelW / METRICS.length;
  const rowsN = Math.ceil(scenarios.length / cols);
  const width = cols * panelW + 40;
  const height = rowsN * panelH + 80;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="bold">The same faults, the same oracle: counts per scenario and system</text>`,
  ];
  systems.forEach((s, i) => {
    const x = 20 + i * 110;
    out.push(
      `<rect x="${x}" y="36" width="12" height="12" fill="${COLOURS[s]}"/>`,
      `<text x="${x + 16}" y="46">${esc(s)}</text>`,
    );
  });
  scenarios.forEach((scenario, k) => {
    const ox = 20 + (k % cols) * panelW;
    const oy = 70 + Math.floor(k / cols) * panelH;
    const rows = results.filter((r) => r.scenario === scenario);
    const values = rows.flatMap((r) => METRICS.map(([m]) => r[m] ?? 0));
    const max = Math.max(1, ...values);
    const base = oy + 20 + plotH;
    out.push(
      `<text x="${ox}" y="${oy + 10}" font-weight="bold">${esc(scenario)}</text>`,
      `<line x1="${ox}" y1="${base}" x2="${ox + panelW - 20}" y2="${base}" stroke="#888"/>`,
      `<text x="${ox + panelW - 20}" y="${oy + 10}" text-anchor="end" fill="#666">max ${max}</text>`,
    );
    METRICS.forEach(([metric, label], g) => {
      const gx = ox + g * groupW + 6;
      const present = systems.filter((s) => rows.some((r) => r.system === s && r.applicable));
      present.forEach((s, i) => {
        const v = rows.find((r) => r.system === s)?.[metric] ?? 0;
        const h = (v / max) * plotH;
        const x = gx + i * (barW + 2);
        out.push(
          `<rect x="${x}" y="${base - h}" width="${barW}" height="${Math.max(h, 0.5)}" fill="${COLOURS[s]}"><title>${esc(`${s} ${scenario} ${label}: ${v}`)}</title></rect>`,
          `<text x="${x + barW / 2}" y="${base - h - 3}" text-anchor="middle" font-size="9">${v}</text>`,
        );
      });
      out.push(`<text x="${gx}" y="${base + 14}" font-size="10">${esc(label)}</text>`);
    });
    const na = rows.filter((r) => !r.applicable).map((r) => r.system);
    if (na.length > 0)
      out.push(
        `<text x="${ox}" y="${base + 30}" fill="#666" font-size="10">does not apply to: ${esc(na.join(', '))}</text>`,
      );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
