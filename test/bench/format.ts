/**
 * A terminal table: figures right-aligned; the first column, and any in `textColumns`, left-aligned.
 */
export function table(header: string[], rows: string[][], textColumns: readonly number[] = []): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const left = new Set([0, ...textColumns]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

export const heading = (title: string) =>
  console.log(`\n== ${title} ${"=".repeat(Math.max(0, 76 - title.length))}\n`);

/** A number with thousands separators and at most `digits` decimals. */
export const num = (value: number, digits = 0) =>
  value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });

export const usd = (value: number) => `$${value.toFixed(value < 0.1 && value > 0 ? 4 : 2)}`;

/** The value at quantile q (0..1) of already sorted numbers. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
