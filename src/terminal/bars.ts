// Bars drawn with block characters: plain text, so they read the same without colour, in a log
// file and at 60 columns.

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar `value / max` of `width` characters long, to an eighth of a character; never empty for a value above 0. */
export function bar(value: number, max: number, width: number): string {
  if (!(value > 0) || !(max > 0) || width <= 0) return '';
  const eighths = Math.max(1, Math.round(Math.min(value / max, 1) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/**
 * `[██████░░░░]`: `value` of `max` (more is shown full) in a frame of `width` characters, rounded
 * down as a percentage beside it is: full only once `max` is reached, and never empty above 0.
 * Whole numbers (cents) give whole cells exactly.
 */
export function gauge(value: number, max: number, width: number): string {
  const filled = value >= max ? width : Math.max(value > 0 ? 1 : 0, Math.min(width - 1, Math.floor((value * width) / max)));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** An amount in dollars to the cent, as `money` shows it: whole cents. */
export function cents(value: number): number {
  return Math.round(value * 100);
}

/** An amount of money as people read it: `$12.34` (other currencies: `12.34 EUR`). */
export function money(value: number, currency = 'usd'): string {
  const shown = cents(value);
  const text = (Math.abs(shown) / 100).toFixed(2);
  const sign = shown < 0 ? '-' : '';
  return currency.toLowerCase() === 'usd' ? `${sign}$${text}` : `${sign}${text} ${currency.toUpperCase()}`;
}
