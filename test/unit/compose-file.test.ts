import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli';
import { knownVariables } from '../../src/config/reference';

// docker-compose.yml's ordersync services, checked against the code without a
// Docker engine: their variables, their commands, and a Kafka listener they reach.
interface Service {
  profiles?: string[];
  command?: string[];
  environment?: Record<string, string>;
}
const compose = parse(
  readFileSync(path.join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'),
  {
    merge: true,
  },
) as { services: Record<string, Service> };
const app = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('app'));

describe('docker-compose.yml', () => {
  it('runs migrate, schedule, worker and consumer from the image', () => {
    expect(app.map(([name]) => name).sort()).toEqual(['consumer', 'migrate', 'schedule', 'worker']);
  });

  it('sets only variables ordersync reads, and runs commands the CLI has', () => {
    const program = buildProgram();
    const known = knownVariables(program);
    for (const [name, s] of app) {
      expect(
        Object.keys(s.environment ?? {}).filter((v) => !known.has(v)),
        name,
      ).toEqual([]);
      const words = s.command ?? [];
      let cmd = program;
      for (const w of words) {
        const sub = cmd.commands.find((c) => c.name() === w);
        expect(sub, `${name}: ordersync ${words.join(' ')}`).toBeDefined();
        cmd = sub!;
      }
    }
  });

  it('advertises a Kafka listener at the address the containers use', () => {
    const kafka = compose.services.kafka!.environment!;
    const advertised = kafka.KAFKA_ADVERTISED_LISTENERS!.split(',').map((l) => l.split('://')[1]);
    for (const [name, s] of app) {
      const brokers = s.environment?.ORDERSYNC_KAFKA_BROKERS;
      if (brokers) expect(advertised, name).toContain(brokers);
    }
  });
});
