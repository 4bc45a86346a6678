/**
 * @module api/registry-routes
 * The model registry over HTTP, shaped like MLflow's Model Registry REST API 2.0 under
 * `/api/2.0/mlflow/…`, so that an MLflow client's reads work against Homeostat:
 * `registered-models/get`, `registered-models/search`, `registered-models/get-latest-versions`,
 * `model-versions/get`, `model-versions/search`, and the aliases (`registered-models/alias`:
 * GET by alias, POST to set, DELETE to remove). Field names are MLflow's (`registered_model`,
 * `model_version`, `latest_versions`, `creation_timestamp`, `last_updated_timestamp`,
 * `current_stage`, `version` as a string, errors as `{ error_code, message }`); Homeostat's extras
 * (kind, config, lineage, offline and live metrics with calibration, serving history) are in a
 * `homeostat` field of each object.
 *
 * Stages: `champion` is MLflow's `Production`, `challenger` `Staging`, `archived` `Archived`,
 * `none` `None`. Writes need scope `operate`: setting alias `champion` promotes (the previous
 * champion is archived), setting `challenger` makes a challenger; deleting `champion` ROLLS BACK
 * to the version that served before (Homeostat never leaves a model without a served version),
 * deleting `challenger` removes it. `GET /api/v1/models/:name/card` answers the model card as
 * Markdown.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { describe, type ErrorCode, HomeostatError, invalid } from '../errors.js';
import type { ModelVersion } from '../records/types.js';
import { type RetrainingPlan, modelCard } from '../registry/model-card.js';
import {
  aliasStints,
  DEFAULT_LIVE_WINDOW_MS,
  effectiveStage,
  type ModelDetail,
  ModelRegistry,
  parseAlias,
  versionUpdatedAt,
} from '../registry/registry.js';
import type { Store } from '../store/store.js';
import { formatValidationError, HTTP_STATUS } from './errors.js';
import type { RouteGuard } from './route-guard.js';

/** Prefix of the MLflow-shaped routes. */
export const MLFLOW_PREFIX = '/api/2.0/mlflow';

export type { RouteGuard } from './route-guard.js';

/** Options of {@link registerRegistryRoutes}. */
export interface RegistryRoutesOptions {
  readonly store: Store;
  /** The time live metrics are computed at (the engine's: simulated under the simulator). */
  readonly clock: Clock;
  /** Guard of the reads (the server's `read`). */
  readonly read: RouteGuard;
  /** Guard of the alias writes (the server's `operate`). */
  readonly operate: RouteGuard;
  /** Retraining schedule and triggers per model name, shown on the model cards. */
  readonly retraining?: Readonly<Record<string, RetrainingPlan>>;
  /** Window of the "recent" live metrics (default one day). */
  readonly liveWindowMs?: number;
}

/** MLflow's error codes for Homeostat's. */
const MLFLOW_ERROR: Readonly<Record<ErrorCode, string>> = {
  invalid_argument: 'INVALID_PARAMETER_VALUE',
  not_found: 'RESOURCE_DOES_NOT_EXIST',
  conflict: 'INVALID_STATE',
  unauthenticated: 'UNAUTHENTICATED',
  permission_denied: 'PERMISSION_DENIED',
  unavailable: 'TEMPORARILY_UNAVAILABLE',
  internal: 'INTERNAL_ERROR',
};

/** MLflow stage of a Homeostat stage. */
const MLFLOW_STAGE: Readonly<Record<ModelVersion['stage'], string>> = {
  champion: 'Production',
  challenger: 'Staging',
  archived: 'Archived',
  none: 'None',
};
const STAGE_ORDER = ['None', 'Staging', 'Production', 'Archived'];

const Name = Type.String({ minLength: 1, maxLength: 256, description: 'registered model name' });
const VersionText = Type.String({ pattern: '^[0-9]+$', description: 'model version number' });
const AliasName = Type.String({ minLength: 1, maxLength: 256, description: 'champion or challenger' });

const NameQuery = Type.Object({ name: Name }, { additionalProperties: false });
const VersionQuery = Type.Object({ name: Name, version: VersionText }, { additionalProperties: false });
const AliasQuery = Type.Object({ name: Name, alias: AliasName }, { additionalProperties: false });
const AliasDeleteQuery = Type.Object({ name: Type.Optional(Name), alias: Type.Optional(AliasName) }, { additionalProperties: false });
const AliasDeleteBody = Type.Union([Type.Object({ name: Name, alias: AliasName }, { additionalProperties: false }), Type.Null()]);
const SetAliasBody = Type.Object(
  {
    name: Name,
    alias: AliasName,
    version: Type.Union([VersionText, Type.Integer({ minimum: 1 })]),
    reason: Type.Optional(
      Type.String({ minLength: 1, maxLength: 2000, description: 'Homeostat extra: why (kept in the serving history)' }),
    ),
  },
  { additionalProperties: false },
);
const SearchQuery = Type.Object(
  {
    filter: Type.Optional(Type.String({ maxLength: 1000, description: "name = 'x', name LIKE 'x%' or name ILIKE '%x%'" })),
    max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 200_000 })),
    order_by: Type.Optional(Type.Array(Type.String({ maxLength: 100 }))),
    page_token: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const LatestQuery = Type.Object(
  { name: Name, stages: Type.Optional(Type.Array(Type.String({ maxLength: 32 }))) },
  { additionalProperties: false },
);
const CardParams = Type.Object({ name: Name }, { additionalProperties: false });
const CardQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

const MlflowError = Type.Object({ error_code: Type.String(), message: Type.String() });
const ModelVersionBody = Type.Object({
  name: Type.String(),
  version: Type.String(),
  creation_timestamp: Type.Integer(),
  last_updated_timestamp: Type.Integer(),
  user_id: Type.String(),
  current_stage: Type.String(),
  description: Type.String(),
  source: Type.String(),
  run_id: Type.String(),
  status: Type.String(),
  status_message: Type.String(),
  tags: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
  run_link: Type.String(),
  aliases: Type.Array(Type.String()),
  homeostat: Type.Unknown({ description: 'kind, config, lineage, offline metrics, live metrics with calibration, serving history' }),
});
const RegisteredModelBody = Type.Object({
  name: Type.String(),
  creation_timestamp: Type.Integer(),
  last_updated_timestamp: Type.Integer(),
  description: Type.String(),
  latest_versions: Type.Array(ModelVersionBody),
  tags: Type.Array(Type.Object({ key: Type.String(), value: Type.String() })),
  aliases: Type.Array(Type.Object({ alias: Type.String(), version: Type.String() })),
  homeostat: Type.Unknown({ description: 'kind, the version served, serving history' }),
});
const mlflowErrors = { 400: MlflowError, 401: MlflowError, 403: MlflowError, 404: MlflowError, 409: MlflowError };

type ModelVersionBody = Static<typeof ModelVersionBody>;
type RegisteredModelBody = Static<typeof RegisteredModelBody>;

/**
 * Registers the MLflow-shaped registry routes (in their own Fastify scope, with MLflow's error
 * shape) and `GET /api/v1/models/:name/card` on `app`.
 * Fails with `invalid_argument` on a non-positive `liveWindowMs`.
 * @example await registerRegistryRoutes(app, { store, clock: { now: () => engine.status().now }, read, operate });
 */
export async function registerRegistryRoutes(app: FastifyInstance, options: RegistryRoutesOptions): Promise<void> {
  const windowMs = options.liveWindowMs ?? DEFAULT_LIVE_WINDOW_MS;
  if (!(typeof windowMs === 'number' && Number.isFinite(windowMs) && windowMs > 0)) {
    throw invalid(`liveWindowMs must be a positive number of milliseconds (got ${describe(windowMs)})`);
  }
  const registry = new ModelRegistry(options.store, options.clock);
  const read = options.read;
  const operate = options.operate;
  const tagged = (summary: string, guard: RouteGuard) => ({
    tags: ['registry'],
    summary,
    ...(guard.security ? { security: guard.security } : {}),
  });

  const versionBody = async (detail: ModelDetail, v: ModelVersion): Promise<ModelVersionBody> => {
    const live = await registry.liveMetrics(detail.model.name, v.version, { windowMs });
    const aliases = Object.entries(detail.aliases)
      .filter(([, n]) => n === v.version)
      .map(([a]) => a);
    return {
      name: v.name,
      version: String(v.version),
      creation_timestamp: v.createdAt,
      last_updated_timestamp: versionUpdatedAt(v, detail.history),
      user_id: v.lineage?.trainedBy ?? 'engine',
      current_stage: MLFLOW_STAGE[effectiveStage(v, detail.aliases)],
      description: v.description ?? '',
      source: `homeostat:/models/${encodeURIComponent(v.name)}/versions/${v.version}`,
      run_id: '',
      status: 'READY',
      status_message: '',
      tags: [{ key: 'homeostat.kind', value: v.kind }],
      run_link: '',
      aliases,
      homeostat: {
        kind: v.kind,
        spec_version: v.specVersion,
        stage: effectiveStage(v, detail.aliases),
        serving: detail.serving === v.version,
        config: v.config,
        lineage: v.lineage ?? null,
        metrics: v.metrics,
        live,
        serving_history: aliasStints(detail.history).filter((s) => s.version === v.version),
      },
    };
  };

  const latestPerStage = (detail: ModelDetail, stages?: readonly string[]): ModelVersion[] => {
    const wanted = stages === undefined || stages.length === 0 ? STAGE_ORDER : stages.map(parseStage);
    const out: ModelVersion[] = [];
    for (const stage of STAGE_ORDER) {
      if (!wanted.includes(stage)) continue;
      const latest = detail.versions.filter((v) => MLFLOW_STAGE[effectiveStage(v, detail.aliases)] === stage).at(-1);
      if (latest !== undefined) out.push(latest);
    }
    return out;
  };

  const modelBody = async (detail: ModelDetail): Promise<RegisteredModelBody> => {
    const latest: ModelVersionBody[] = [];
    for (const v of latestPerStage(detail)) latest.push(await versionBody(detail, v));
    return {
      name: detail.model.name,
      creation_timestamp: detail.model.createdAt,
      last_updated_timestamp: detail.updatedAt,
      description: detail.model.description,
      latest_versions: latest,
      tags: [{ key: 'homeostat.kind', value: detail.model.kind }],
      aliases: Object.entries(detail.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
      homeostat: {
        kind: detail.model.kind,
        serving: detail.serving ?? null,
        champion: detail.aliases.champion ?? null,
        challenger: detail.aliases.challenger ?? null,
        serving_history: aliasStints(detail.history),
      },
    };
  };

  await app.register(async (scope) => {
    scope.setErrorHandler((err: FastifyError | HomeostatError | Error, request, reply) => {
      if (err instanceof HomeostatError) {
        if (err.code === 'unauthenticated') reply.header('WWW-Authenticate', 'Bearer');
        return reply.status(HTTP_STATUS[err.code]).send({ error_code: MLFLOW_ERROR[err.code], message: err.message });
      }
      const fe = err as FastifyError;
      if (fe.validation) {
        const message = fe.validation.map((v) => formatValidationError(fe.validationContext ?? 'request', v)).join('; ');
        return reply.status(400).send({ error_code: 'INVALID_PARAMETER_VALUE', message });
      }
      if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
        return reply.status(fe.statusCode).send({ error_code: 'BAD_REQUEST', message: fe.message });
      }
      request.log.error({ err }, 'registry route failed');
      return reply.status(500).send({ error_code: 'INTERNAL_ERROR', message: `internal error: ${err.message}` });
    });

    scope.get<{ Querystring: Static<typeof NameQuery> }>(
      `${MLFLOW_PREFIX}/registered-models/get`,
      {
        onRequest: read.onRequest,
        schema: {
          ...tagged('Get a registered model (MLflow GetRegisteredModel)', read),
          querystring: NameQuery,
          response: { 200: Type.Object({ registered_model: RegisteredModelBody }), ...mlflowErrors },
        },
      },
      async (request) => ({ registered_model: await modelBody(await registry.show(request.query.name)) }),
    );

    scope.get<{ Querystring: Static<typeof SearchQuery> }>(
      `${MLFLOW_PREFIX}/registered-models/search`,
      {
        onRequest: read.onRequest,
        schema: {
          ...tagged('Search registered models by name (MLflow SearchRegisteredModels)', read),
          querystring: SearchQuery,
          response: {
            200: Type.Object({ registered_models: Type.Array(RegisteredModelBody), next_page_token: Type.Optional(Type.String()) }),
            ...mlflowErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const match = parseNameFilter(q.filter);
        const details: ModelDetail[] = [];
        for (const m of await registry.list()) if (match(m.model.name)) details.push(await registry.show(m.model.name));
        const order = parseOrder(q.order_by, ['name', 'last_updated_timestamp']);
        details.sort((a, b) => {
          for (const { key, desc } of order) {
            const c = key === 'name' ? compare(a.model.name, b.model.name) : a.updatedAt - b.updatedAt;
            if (c !== 0) return desc ? -c : c;
          }
          return compare(a.model.name, b.model.name);
        });
        const { items, next } = page(details, q.max_results ?? 100, 1000, q.page_token);
        const registered_models: RegisteredModelBody[] = [];
        for (const d of items) registered_models.push(await modelBody(d));
        return { registered_models, ...(next === undefined ? {} : { next_page_token: next }) };
      },
    );

    const latestVersions = async (name: string, stages?: readonly string[]) => {
      const detail = await registry.show(name);
      const model_versions: ModelVersionBody[] = [];
      for (const v of latestPerStage(detail, stages)) model_versions.push(await versionBody(detail, v));
      return { model_versions };
    };
    const latestSchema = (method: string) => ({
      ...tagged(`Latest version per stage (MLflow GetLatestVersions, ${method})`, read),
      response: { 200: Type.Object({ model_versions: Type.Array(ModelVersionBody) }), ...mlflowErrors },
    });
    scope.get<{ Querystring: Static<typeof LatestQuery> }>(
      `${MLFLOW_PREFIX}/registered-models/get-latest-versions`,
      { onRequest: read.onRequest, schema: { ...latestSchema('GET'), querystring: LatestQuery } },
      async (request) => latestVersions(request.query.name, request.query.stages),
    );
    scope.post<{ Body: Static<typeof LatestQuery> }>(
      `${MLFLOW_PREFIX}/registered-models/get-latest-versions`,
      { onRequest: read.onRequest, schema: { ...latestSchema('POST'), body: LatestQuery } },
      async (request) => latestVersions(request.body.name, request.body.stages),
    );

    scope.get<{ Querystring: Static<typeof VersionQuery> }>(
      `${MLFLOW_PREFIX}/model-versions/get`,
      {
        onRequest: read.onRequest,
        schema: {
          ...tagged('Get a model version (MLflow GetModelVersion)', read),
          querystring: VersionQuery,
          response: { 200: Type.Object({ model_version: ModelVersionBody }), ...mlflowErrors },
        },
      },
      async (request) => {
        const detail = await registry.show(request.query.name);
        const v = await registry.version(request.query.name, Number(request.query.version));
        return { model_version: await versionBody(detail, v) };
      },
    );

    scope.get<{ Querystring: Static<typeof SearchQuery> }>(
      `${MLFLOW_PREFIX}/model-versions/search`,
      {
        onRequest: read.onRequest,
        schema: {
          ...tagged('Search model versions by model name (MLflow SearchModelVersions)', read),
          querystring: SearchQuery,
          response: {
            200: Type.Object({ model_versions: Type.Array(ModelVersionBody), next_page_token: Type.Optional(Type.String()) }),
            ...mlflowErrors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const match = parseNameFilter(q.filter);
        const rows: { detail: ModelDetail; version: ModelVersion; updatedAt: number }[] = [];
        for (const m of await registry.list()) {
          if (!match(m.model.name)) continue;
          const detail = await registry.show(m.model.name);
          for (const v of detail.versions) rows.push({ detail, version: v, updatedAt: versionUpdatedAt(v, detail.history) });
        }
        const order = parseOrder(q.order_by, ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp']);
        rows.sort((a, b) => {
          for (const { key, desc } of order) {
            const c =
              key === 'name'
                ? compare(a.version.name, b.version.name)
                : key === 'version_number'
                  ? a.version.version - b.version.version
                  : key === 'creation_timestamp'
                    ? a.version.createdAt - b.version.createdAt
                    : a.updatedAt - b.updatedAt;
            if (c !== 0) return desc ? -c : c;
          }
          return compare(a.version.name, b.version.name) || b.version.version - a.version.version;
        });
        const { items, next } = page(rows, q.max_results ?? 10_000, 200_000, q.page_token);
        const model_versions: ModelVersionBody[] = [];
        for (const r of items) model_versions.push(await versionBody(r.detail, r.version));
        return { model_versions, ...(next === undefined ? {} : { next_page_token: next }) };
      },
    );

    scope.get<{ Querystring: Static<typeof AliasQuery> }>(
      `${MLFLOW_PREFIX}/registered-models/alias`,
      {
        onRequest: read.onRequest,
        schema: {
          ...tagged('Get the model version an alias points to (MLflow GetModelVersionByAlias)', read),
          querystring: AliasQuery,
          response: { 200: Type.Object({ model_version: ModelVersionBody }), ...mlflowErrors },
        },
      },
      async (request) => {
        const v = await registry.byAlias(request.query.name, request.query.alias);
        return { model_version: await versionBody(await registry.show(request.query.name), v) };
      },
    );

    scope.post<{ Body: Static<typeof SetAliasBody> }>(
      `${MLFLOW_PREFIX}/registered-models/alias`,
      {
        onRequest: operate.onRequest,
        schema: {
          ...tagged(
            'Set an alias: champion promotes the version, challenger makes it the challenger (MLflow SetRegisteredModelAlias)',
            operate,
          ),
          body: SetAliasBody,
          response: { 200: Type.Object({}), ...mlflowErrors },
        },
      },
      async (request) => {
        const { name, version } = request.body;
        const alias = parseAlias(request.body.alias);
        const n = typeof version === 'number' ? version : Number(version);
        const reason = request.body.reason ?? `${alias} set through the API`;
        if (alias === 'champion') await registry.promote(name, n, { by: 'api', reason });
        else await registry.setChallenger(name, n, { by: 'api', reason });
        return {};
      },
    );

    scope.delete<{ Querystring: Static<typeof AliasDeleteQuery>; Body: Static<typeof AliasDeleteBody> }>(
      `${MLFLOW_PREFIX}/registered-models/alias`,
      {
        onRequest: operate.onRequest,
        schema: {
          ...tagged(
            'Delete an alias: champion rolls back to the version that served before, challenger is removed (MLflow DeleteRegisteredModelAlias; name and alias in the query or the JSON body)',
            operate,
          ),
          querystring: AliasDeleteQuery,
          body: AliasDeleteBody,
          response: { 200: Type.Object({}), ...mlflowErrors },
        },
      },
      async (request) => {
        const name = request.body?.name ?? request.query.name;
        const given = request.body?.alias ?? request.query.alias;
        if (name === undefined || given === undefined) {
          throw invalid(
            `name and alias are required, in the query or the JSON body (got name ${describe(name)}, alias ${describe(given)})`,
          );
        }
        const alias = parseAlias(given);
        if (alias === 'champion') await registry.rollback(name, { by: 'api', reason: 'champion alias deleted through the API: rollback' });
        else await registry.clearChallenger(name, { by: 'api', reason: 'challenger alias deleted through the API' });
        return {};
      },
    );
  });

  app.get<{ Params: Static<typeof CardParams>; Querystring: Static<typeof CardQuery> }>(
    '/api/v1/models/:name/card',
    {
      onRequest: read.onRequest,
      schema: {
        tags: ['models'],
        summary: 'Model card of a version (default the one served) as Markdown, generated from the registry',
        ...(read.security ? { security: read.security } : {}),
        params: CardParams,
        querystring: CardQuery,
      },
    },
    async (request, reply) => {
      const input = await registry.cardInput(request.params.name, request.query.version, {
        windowMs,
        ...(options.retraining?.[request.params.name] ? { retraining: options.retraining[request.params.name] } : {}),
      });
      return reply.type('text/markdown; charset=utf-8').send(modelCard(input));
    },
  );
}

/** Reads an MLflow stage name, any case. */
function parseStage(stage: string): string {
  const found = STAGE_ORDER.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (found === undefined) throw invalid(`stages must be among ${STAGE_ORDER.join(', ')} (got ${describe(stage)})`);
  return found;
}

/**
 * The name predicate of an MLflow search filter: empty, `name = 'x'`, `name LIKE 'pattern'` or
 * `name ILIKE 'pattern'` (`%` any run, `_` one character).
 */
export function parseNameFilter(filter: string | undefined): (name: string) => boolean {
  if (filter === undefined || filter.trim() === '') return () => true;
  const m = /^\s*name\s*(=|!=|LIKE|ILIKE)\s*(['"])(.*)\2\s*$/i.exec(filter);
  if (m === null) {
    throw invalid(`filter must be name = 'x', name != 'x', name LIKE 'pattern' or name ILIKE 'pattern' (got ${describe(filter)})`);
  }
  const op = (m[1] as string).toUpperCase();
  const value = m[3] as string;
  if (op === '=') return (name) => name === value;
  if (op === '!=') return (name) => name !== value;
  const source = [...value].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${source}$`, op === 'ILIKE' ? 'i' : '');
  return (name) => re.test(name);
}

function parseOrder(orderBy: readonly string[] | undefined, keys: readonly string[]): { key: string; desc: boolean }[] {
  return (orderBy ?? []).map((clause) => {
    const m = /^\s*([a-z_]+)(?:\s+(ASC|DESC))?\s*$/i.exec(clause);
    const key = m?.[1]?.toLowerCase();
    if (m === null || key === undefined || !keys.includes(key)) {
      throw invalid(`order_by must be one of ${keys.join(', ')}, optionally followed by ASC or DESC (got ${describe(clause)})`);
    }
    return { key, desc: (m[2] ?? 'ASC').toUpperCase() === 'DESC' };
  });
}

function page<T>(items: readonly T[], max: number, limit: number, token: string | undefined): { items: T[]; next?: string } {
  if (max > limit) throw invalid(`max_results must be at most ${limit} (got ${max})`);
  let offset = 0;
  if (token !== undefined && token !== '') {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) throw invalid(`page_token is not one this server issued (got ${describe(token)})`);
    offset = decoded;
  }
  const slice = items.slice(offset, offset + max);
  const end = offset + slice.length;
  return end < items.length ? { items: slice, next: Buffer.from(String(end), 'utf8').toString('base64url') } : { items: slice };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
