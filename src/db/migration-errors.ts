/** Thrown by `migrate` when a migration would take over a table that ordersync did not create. */
export class MigrationRefusedError extends Error {
  override readonly name = 'MigrationRefusedError';
  constructor(
    readonly migration: string,
    readonly table: string,
  ) {
    super(
      `migration ${migration} refused: table \`${table}\` already exists and was not created by ordersync; ` +
        'point ORDERSYNC_MYSQL_URL at a database without it, or rename that table',
    );
  }
}
