/**
 * The configuration reference: every variable of the schema with its default,
 * whether it is required or secret, and what it means. docs/configuration.md
 * is generated from it (`npm run docs:config`), and the Kubernetes manifests are
 * checked against it. A new schema variable without a description here fails
 * the typecheck, so the reference cannot fall behind the schema.
 */
import type { Command } from 'commander';
import type { z } from 'zod';
import { SECRET_VARIABLES } from './env-sources';
import { envSchema } from './index';

type Name = keyof z.input<typeof envSchema>;
/** A description, or a description and the default as a reader should see it. */
type Entry = string | { text: string; default: string };

const DESCRIPTIONS: Record<Name, Entry> = {
  ORDERSYNC_TEMPORAL_ADDRESS: 'Temporal frontend, `host:port`.',
  ORDERSYNC_TEMPORAL_NAMESPACE: 'Temporal namespace.',
  ORDERSYNC_TASK_QUEUE:
    'Task queue of the workers, the order workflows and the Schedule; the poll workflow uses `<queue>-poll`.',
  ORDERSYNC_TEMPORAL_UI_URL: 'Temporal UI base URL, for the links the CLI prints.',
  ORDERSYNC_TEMPORAL_API_KEY:
    'API key for Temporal Cloud or an authenticating proxy; turns TLS on.',
  ORDERSYNC_TEMPORAL_TLS: 'TLS to Temporal without a client certificate.',
  ORDERSYNC_TEMPORAL_TLS_CERT_FILE: 'mTLS client certificate (PEM); set with the key file.',
  ORDERSYNC_TEMPORAL_TLS_KEY_FILE: 'mTLS client key (PEM); set with the certificate file.',
  ORDERSYNC_TEMPORAL_TLS_CA_FILE: 'CA bundle that signed the Temporal server certificate.',
  ORDERSYNC_TEMPORAL_TLS_SERVER_NAME: 'Server name (SNI) to verify instead of the address host.',
  ORDERSYNC_KAFKA_BROKERS: 'Comma-separated `host:port` list of bootstrap brokers.',
  ORDERSYNC_KAFKA_CLIENT_ID: 'Kafka client id prefix; each role appends its own suffix.',
  ORDERSYNC_KAFKA_SSL: 'TLS to the brokers.',
  ORDERSYNC_KAFKA_SSL_CA_FILE: 'CA bundle for the brokers; setting it also turns TLS on.',
  ORDERSYNC_KAFKA_SASL_MECHANISM: 'SASL mechanism; needs the username and password.',
  ORDERSYNC_KAFKA_SASL_USERNAME: 'SASL username.',
  ORDERSYNC_KAFKA_SASL_PASSWORD: 'SASL password.',
  ORDERSYNC_TOPIC_ONLINE: 'Topic of the `online` channel.',
  ORDERSYNC_TOPIC_STORE: 'Topic of the `store` channel.',
  ORDERSYNC_TOPIC_INTERNATIONAL: 'Topic of the `international` channel.',
  ORDERSYNC_TOPIC_DLQ: 'Dead-letter topic: refused messages with their reason.',
  ORDERSYNC_TOPIC_PARTITIONS:
    'Partitions of the topics ordersync creates at start-up (the dead-letter topic gets at most 3).',
  ORDERSYNC_CONSUMER_GROUP: 'Kafka consumer group id of `ordersync consumer`.',
  ORDERSYNC_SIGNAL_CONCURRENCY: 'Orders one consumer hands to Temporal at once.',
  ORDERSYNC_MAX_MESSAGE_BYTES: 'Messages larger than this are dead-lettered.',
  ORDERSYNC_MYSQL_URL: '`mysql://` URL of the target database, with the app account (DML only).',
  ORDERSYNC_MYSQL_MIGRATE_URL: {
    text: 'Account for `ordersync migrate`, which needs DDL rights.',
    default: 'the app URL',
  },
  ORDERSYNC_MYSQL_POOL_SIZE: "Connections in the worker's apply pool.",
  ORDERSYNC_ERP_SOURCE:
    "`outbox`: read the `order_events` table (docs/erp-outbox.md). `query`: read the ERP's own tables through the SQL files of `ORDERSYNC_ERP_MAPPING` (docs/erp-query-source.md).",
  ORDERSYNC_ERP_URL: {
    text: '`mysql://` (MySQL, MariaDB) or `postgres://` URL of the ERP database, with a read-only account.',
    default: 'ORDERSYNC_ERP_MYSQL_URL',
  },
  ORDERSYNC_ERP_MAPPING: {
    text: 'Mapping directory (`manifest.json` and its SQL files) the query source runs, e.g. `mappings/erpnext` or `mappings/odoo`; required with `ORDERSYNC_ERP_SOURCE=query`.',
    default: 'none',
  },
  ORDERSYNC_ERP_LOOKBACK:
    'How far behind its watermark the query source re-reads on every poll, so a change committed late under an older timestamp is still seen.',
  ORDERSYNC_ERP_MYSQL_URL: {
    text: 'Older name of `ORDERSYNC_ERP_URL` (`mysql://` only), read when that is unset.',
    default: 'none',
  },
  ORDERSYNC_ERP_WRITER_URL:
    'ERP account with write rights; only `erp init`, `erp simulate` and the demo use it.',
  ORDERSYNC_TARGET:
    "Where the apply writes the business rows: `builtin`, ordersync's own `orders` and `invoices` tables; `sql`, the retailer's own tables through the mapping in `ORDERSYNC_TARGET_MAPPING` (docs/target-mapping.md).",
  ORDERSYNC_TARGET_MAPPING:
    'Directory of the `sql` target: `upsert_order.sql`, `delete_lines.sql`, `replace_lines.sql`, `insert_invoice.sql`, `read_order.sql`, with named parameters that name contract fields. Required with `ORDERSYNC_TARGET=sql`.',
  ORDERSYNC_TOTAL_RULE:
    "`strict`: an order whose total breaks the total rule (lines, tax, shipping, discounts, rounding, in the currency's minor units) is blocked with both figures. `off`: the total is stored as sent, for an ERP whose rounding cannot be reproduced.",
  ORDERSYNC_RECONCILE_SCHEDULE_ID:
    'Id of the reconcile Schedule that `ordersync schedule` manages.',
  ORDERSYNC_RECONCILE_EVERY: { text: 'How often the reconcile Schedule runs.', default: '10m' },
  ORDERSYNC_RECONCILE_RECENT: {
    text: 'The recent sweep compares every order whose ERP change marker is this recent (0: no recent sweep).',
    default: '2d',
  },
  ORDERSYNC_RECONCILE_FULL_EVERY: {
    text: 'The full sweep compares a page of all orders per run, paced to cover every order once per this period.',
    default: '7d',
  },
  ORDERSYNC_RECONCILE_PAGE_SIZE: 'Orders compared by hash in one page.',
  ORDERSYNC_RECONCILE_MAX_PER_RUN: "The most orders one run's full sweep reads from each side.",
  ORDERSYNC_RECONCILE_RECHECK_DELAY: {
    text: 'How long a run waits before reading again what looked drifted, so orders in flight clear instead of being reported.',
    default: '30s',
  },
  ORDERSYNC_RECONCILE_REPAIR:
    '`replay`: orders found `missing`, `behind` or `missing_invoice` are replayed from the ERP; `off`: drift is only reported. `differs` and `orphan` are never repaired.',
  ORDERSYNC_RECONCILE_REPAIR_RATE: 'Replays per second a repair starts at most.',
  ORDERSYNC_RECONCILE_DUTY_CYCLE:
    "The share of its time a scheduled reconcile run works, above 0 and at most 1: after each page it sleeps for the rest (0.1: a run that reads for 1 s spans 10 s), so a run beside a burst takes little of its CPU. Pacing stops once a run has spanned a quarter of its activity's 30-minute timeout, so it adds at most 7.5 minutes to a run. `ordersync reconcile` is never paced.",
  ORDERSYNC_INVOICE_WAIT: {
    text: "How long an invoice may wait for its order's creation before the order is blocked. Read by the starters (consumer, `replay`), not the worker.",
    default: '1h',
  },
  ORDERSYNC_IDLE_CLOSE: {
    text: "An order's workflow that is neither blocked nor invoiced closes after this idle time (an invoiced one closes at once). Read by the starters.",
    default: '24h',
  },
  ORDERSYNC_LOCAL_APPLY:
    'Apply through a local activity (`false`: a regular activity). Read by the starters.',
  ORDERSYNC_SCHEDULE_ID: 'Id of the ERP poll Schedule.',
  ORDERSYNC_CURSOR_NAME: 'Row of `poll_cursor` the poller keeps its position in.',
  ORDERSYNC_POLL_PAGE_SIZE: 'Change-log rows read per page.',
  ORDERSYNC_POLL_BUDGET: {
    text: 'How long one poll run keeps reading (at most `90s`, inside the activity’s 2-minute timeout).',
    default: '20s',
  },
  ORDERSYNC_POLL_REREAD: {
    text: 'Once caught up, a poll run reads the change log again this often for the rest of its budget; `0` turns watching off.',
    default: "the Schedule's interval",
  },
  ORDERSYNC_ENCRYPTION: '`off` writes new Temporal payloads in plaintext (warned at every start).',
  ORDERSYNC_ENCRYPTION_KEYS: {
    text: '`keyId:base64-32-bytes` entries separated by commas or whitespace; the first encrypts, all decrypt. Required while encryption is on.',
    default: '–',
  },
  ORDERSYNC_CODEC_LISTEN: 'Address `ordersync codec-server` listens on.',
  ORDERSYNC_CODEC_CORS_ORIGINS: 'Comma-separated UI origins allowed to call the codec server.',
  ORDERSYNC_CODEC_TOKEN: 'Bearer token the codec server requires (16 characters or more).',
  ORDERSYNC_CODEC_MAX_BODY_BYTES: 'Larger codec requests are answered 413.',
  ORDERSYNC_LOG_LEVEL: 'Log level.',
  ORDERSYNC_LOG_FORMAT: {
    text: 'Log format.',
    default: '`json`, or `pretty` when stdout is a terminal',
  },
  ORDERSYNC_METRICS_ADDRESS:
    '`/metrics`, `/livez` and `/readyz` of the worker and consumer; port `0` picks a free one (logged), `off` turns them off. In a container: `0.0.0.0:9464`.',
};

/** Variables read outside the schema: where the configuration itself comes from. */
export const SOURCE_VARIABLES = {
  ORDERSYNC_ENV_FILE:
    'An env file (`KEY=value` lines, `#` comments) read for every variable still unset; it must exist. Default: `secrets.env` in the data directory, if present.',
  ORDERSYNC_DATA_DIR:
    'The data directory: the local `secrets.env`, and the demo’s logs. Default: `.ordersync` in the package directory.',
} as const;

export interface VariableRow {
  name: string;
  default: string | undefined;
  required: boolean;
  secret: boolean;
  values: readonly string[] | undefined;
  description: string;
}

interface Def {
  type: string;
  innerType?: { _zod: { def: Def } };
  in?: { _zod: { def: Def } };
  defaultValue?: unknown;
  entries?: Record<string, string>;
}

function show(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Walks zod's wrappers (default, optional, pipe) for what a reader needs. */
function describeSchema(def: Def): Pick<VariableRow, 'default' | 'required' | 'values'> {
  let required = true;
  let dflt: string | undefined;
  let values: string[] | undefined;
  for (let d: Def | undefined = def; d; d = (d.innerType ?? d.in)?._zod.def) {
    if (d.type === 'default') {
      required = false;
      dflt ??= show(d.defaultValue);
    }
    if (d.type === 'optional') required = false;
    // Booleans are an enum of spellings, which the doc explains once.
    if (d.type === 'enum' && d.entries && !('true' in d.entries)) values = Object.values(d.entries);
  }
  return { default: dflt, required, values };
}

/** One row per schema variable, in the schema's order. */
export function configReference(): VariableRow[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    const entry = DESCRIPTIONS[name as Name];
    const shape = describeSchema((schema as unknown as { _zod: { def: Def } })._zod.def);
    return {
      name,
      ...shape,
      default: typeof entry === 'string' ? shape.default : entry.default,
      secret: (SECRET_VARIABLES as readonly string[]).includes(name),
      description: typeof entry === 'string' ? entry : entry.text,
    };
  });
}

/** Variables that set a command's flag (commander's `Option.env`), by command. */
export function cliOptionVariables(
  program: Command,
): { command: string; flag: string; name: string; description: string }[] {
  const rows: { command: string; flag: string; name: string; description: string }[] = [];
  const walk = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands) {
      const path = `${prefix}${sub.name()}`;
      for (const o of sub.options) {
        if (o.envVar)
          rows.push({
            command: path,
            flag: o.long ?? o.flags,
            name: o.envVar,
            description: o.description,
          });
      }
      walk(sub, `${path} `);
    }
  };
  walk(program, '');
  return rows;
}

/** Every variable ordersync reads: the schema's, the `_FILE` forms of the secrets, the sources, the flags'. */
export function knownVariables(program: Command): Set<string> {
  return new Set([
    ...Object.keys(envSchema.shape),
    ...SECRET_VARIABLES.map((v) => `${v}_FILE`),
    ...Object.keys(SOURCE_VARIABLES),
    ...cliOptionVariables(program).map((r) => r.name),
  ]);
}
