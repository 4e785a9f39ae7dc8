/**
 * Natural order for names ("ResNet18" before "ResNet101"), case-insensitive where asked. One collator each for the
 * whole app: `localeCompare(b, 'en', options)` builds a new collator on every call, which made sorting 117 model
 * names the largest cost of rendering the compare page.
 */
export const naturalCompare = new Intl.Collator('en', { numeric: true }).compare;
export const naturalCompareIgnoringCase = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;
