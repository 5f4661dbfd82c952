// The CLI's wiring: one register call per command file. A new command goes in
// its own file under src/cli/ and gets one line here.
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../config';
import { TargetMappingError } from '../target/target-errors';
import { registerCodecServerCommand } from './codec-server';
import { registerCursorCommands } from './cursor';
import { registerDemoCommand } from './demo';
import { registerDlqCommands } from './dlq';
import { registerErpCommands } from './erp';
import { registerHistoryCommand } from './history';
import { registerMigrateCommand } from './migrate';
import { registerOrderCommands } from './orders';
import { registerReconcileCommand } from './reconcile';
import { registerRunCommands } from './run';
import { registerScheduleCommands } from './schedule';
import { registerTargetCommands } from './target';
import { registerSourceCommands } from './source';

export function buildProgram(): Command {
  const program = new Command('ordersync')
    .description(
      'Sync ERP order events into the commerce database through Kafka and per-order Temporal workflows.',
    )
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  const cfg = () => loadConfig();

  registerRunCommands(program, cfg);
  registerScheduleCommands(program, cfg);
  registerErpCommands(program, cfg);
  registerSourceCommands(program, cfg);
  registerCursorCommands(program, cfg);
  registerMigrateCommand(program, cfg);
  registerTargetCommands(program, cfg);
  registerOrderCommands(program, cfg);
  registerDlqCommands(program, cfg);
  registerReconcileCommand(program, cfg);
  registerDemoCommand(program);
  registerHistoryCommand(program, cfg);
  registerCodecServerCommand(program, cfg);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // EX_CONFIG: a supervisor should not restart into the same bad configuration or mapping.
    if (err instanceof ConfigError || err instanceof TargetMappingError) {
      console.error(err.message);
      process.exitCode = 78;
      return;
    }
    console.error(`ordersync: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main(process.argv);
