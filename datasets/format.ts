/** "a, b, c, d, e and 7 more": names a few items of a possibly long list, for one-line messages. */
export function fewOf(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
