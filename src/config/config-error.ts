/** Thrown at boot when an environment variable is missing or malformed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly variables: readonly string[],
  ) {
    super(message);
  }
}
