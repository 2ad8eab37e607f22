import type { Command } from 'commander';
import {
  checkCatalogModels,
  type DeprecatedRoute,
  type InstanceCheck,
  type ModelsCheckOptions,
  type ModelsCheckReport,
} from './check-catalog-models.js';
import { CliExitError } from './cli-exit-error.js';
import { formatTable } from './format-table.js';
import type { RemoteCliIo } from './remote-cli-io.js';

/** What cron alerts on: a catalog route points at a model the upstream no longer serves, or it could not be asked. */
export const EXIT_MODELS_MISSING = 1;

interface CheckFlags {
  json?: boolean;
  provider?: string;
}

/** `imagerouter models check [--json] [--provider <instance>]`, a subcommand of `models`. */
export function registerModelsCheckCommand(
  models: Command,
  io: RemoteCliIo,
  checkOptions: Omit<ModelsCheckOptions, 'provider'> = {},
): void {
  models
    .command('check')
    .description("ask each configured provider which catalog models it still serves (reads the config and catalog, like 'doctor')")
    .option('--json', 'print JSON for scripts')
    .option('--provider <instance>', 'only this provider instance, e.g. openai or azure-eu')
    .action(async (flags: CheckFlags) => {
      const report = await checkCatalogModels(io.env, { ...checkOptions, provider: flags.provider });
      io.stdout.write(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      const missing = report.instances.reduce((sum, instance) => sum + instance.missing.length, 0);
      const failed = report.instances.filter((instance) => instance.status === 'failed').map((instance) => instance.instance);
      if (missing > 0 || failed.length > 0) {
        const reasons = [
          ...(missing > 0 ? [`${missing} catalog route${missing === 1 ? '' : 's'} point at models the provider no longer serves`] : []),
          ...(failed.length > 0 ? [`could not check ${failed.join(', ')}`] : []),
        ];
        throw new CliExitError(EXIT_MODELS_MISSING, reasons.join('; '));
      }
    });
}

export function formatReport(report: ModelsCheckReport): string {
  const rows = report.instances.flatMap(instanceRows);
  return `${formatTable(['INSTANCE', 'FINDING', 'MODEL', 'UPSTREAM MODEL', 'DETAIL'], rows)}`;
}

function instanceRows(check: InstanceCheck): string[][] {
  const row = (finding: string, model: string, upstream: string, detail: string) => [check.instance, finding, model, upstream, detail];
  const rows: string[][] = [];
  if (check.status !== 'checked') {
    const routes = check.unknown.length;
    rows.push(
      row(
        check.status === 'failed' ? 'failed' : 'unknown',
        '-',
        '-',
        `${check.detail} (${routes} catalog route${routes === 1 ? '' : 's'})`,
      ),
    );
  }
  for (const ref of check.missing) rows.push(row('missing', ref.model, ref.upstream_model, `not served (${check.detail})`));
  if (check.status === 'checked')
    for (const ref of check.unknown) rows.push(row('unknown', ref.model, ref.upstream_model, 'this id cannot be looked up'));
  for (const ref of check.retired) rows.push(row('retired', ref.model, ref.upstream_model, lifecycleText('retired', ref)));
  for (const ref of check.deprecated) rows.push(row('deprecated', ref.model, ref.upstream_model, lifecycleText('deprecated', ref)));
  for (const id of check.added) rows.push(row('added', '-', id, 'served upstream, in no catalog route'));
  if (rows.length === 0) rows.push(row('ok', '-', '-', check.detail));
  return rows;
}

function lifecycleText(state: 'retired' | 'deprecated', ref: DeprecatedRoute): string {
  const parts =
    state === 'retired'
      ? [ref.retires_on === null ? 'retired' : `retired on ${ref.retires_on}`]
      : [
          ref.deprecated_on === null ? 'deprecated' : `deprecated since ${ref.deprecated_on}`,
          ...(ref.retires_on === null ? [] : [`retires on ${ref.retires_on}`]),
        ];
  if (ref.successor !== null) parts.push(`use ${ref.successor}`);
  return parts.join(', ');
}
