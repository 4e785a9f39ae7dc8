/**
 * Models whose built counts match neither published figure, each with the reason. Keep this list honest: the
 * count test fails if a listed model starts matching or an unlisted one stops matching.
 */
export const COUNT_EXCEPTIONS: Readonly<Record<string, string>> = {};
