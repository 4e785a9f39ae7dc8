// Command-line options of the bench scripts: `--name value`, the default when the option is absent or has no value.
export function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}
