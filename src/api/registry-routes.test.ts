import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_NOW_MS, DemoEngine, seedDemoStore } from '../../test/fixtures/demo-fixture.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import type { ApiToken } from './auth.js';
import { parseNameFilter } from './registry-routes.js';
import { createApi } from './server.js';

const TOKENS: ApiToken[] = [
  { token: 'reader-token-123', scopes: ['read'], name: 'reader' },
  { token: 'operate-token-123', scopes: ['operate'], name: 'oncall' },
];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const OPERATE = bearer('operate-token-123');
const HOUR = 3_600_000;
const MLFLOW = '/api/2.0/mlflow';

let store: Store;
let app: FastifyInstance;

beforeEach(async () => {
  store = await openSqliteStore(':memory:');
  await seedDemoStore(store);
  await store.upsertModel({
    name: 'anomaly-detector',
    kind: 'detector/robust-z',
    description: 'per-series detector',
    createdAt: DEMO_NOW_MS - 10 * HOUR,
  });
  for (const v of [1, 2, 3]) {
    await store.putModelVersion({
      name: 'anomaly-detector',
      version: v,
      kind: 'detector/robust-z',
      specVersion: 1,
      config: { alpha: v / 100 },
      state: { big: 'not sent' },
      metrics: v === 2 ? { precision: 0.9 } : {},
      stage: 'none',
      createdAt: DEMO_NOW_MS - (10 - v) * HOUR,
      ...(v === 2
        ? { lineage: { trainedBy: 'cli:train', trainedAt: DEMO_NOW_MS - 8 * HOUR, codeVersion: '0.1.0', featureSet: ['cpu_utilization'] } }
        : {}),
    });
  }
  app = await createApi({
    store,
    engine: new DemoEngine(),
    tokens: TOKENS,
    registry: { retraining: { 'anomaly-detector': { schedule: 'every 24 h', triggers: ['input drift'] } } },
  });
});
afterEach(async () => {
  await app.close();
  await store.close();
});

const setAlias = (payload: object, headers = OPERATE) =>
  app.inject({ method: 'POST', url: `${MLFLOW}/registered-models/alias`, payload, headers });

describe('registered models', () => {
  it('get: MLflow fields, latest version per stage, Homeostat extras', async () => {
    const res = await app.inject({ url: `${MLFLOW}/registered-models/get?name=anomaly-detector` });
    expect(res.statusCode).toBe(200);
    const m = res.json().registered_model;
    expect(m).toMatchObject({
      name: 'anomaly-detector',
      creation_timestamp: DEMO_NOW_MS - 10 * HOUR,
      last_updated_timestamp: DEMO_NOW_MS - 7 * HOUR,
      description: 'per-series detector',
      aliases: [],
      homeostat: { kind: 'detector/robust-z', serving: 3, champion: null, challenger: null, serving_history: [] },
    });
    expect(m.latest_versions.map((v: { version: string; current_stage: string }) => [v.version, v.current_stage])).toEqual([['3', 'None']]);
    expect(m.latest_versions[0].homeostat.config).toEqual({ alpha: 0.03 });
    expect(JSON.stringify(m)).not.toContain('not sent');
  });

  it('an unknown model is 404 in MLflow error shape', async () => {
    const res = await app.inject({ url: `${MLFLOW}/registered-models/get?name=nope` });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'model "nope" not found (registered: anomaly-detector, payments-memory)',
    });
    const missing = await app.inject({ url: `${MLFLOW}/registered-models/get` });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('search: filter, order and pages', async () => {
    const all = await app.inject({ url: `${MLFLOW}/registered-models/search` });
    expect(all.json().registered_models.map((m: { name: string }) => m.name)).toEqual(['anomaly-detector', 'payments-memory']);
    const like = await app.inject({ url: `${MLFLOW}/registered-models/search?filter=${encodeURIComponent("name LIKE 'pay%'")}` });
    expect(like.json().registered_models.map((m: { name: string }) => m.name)).toEqual(['payments-memory']);
    const desc = await app.inject({ url: `${MLFLOW}/registered-models/search?order_by=name%20DESC&max_results=1` });
    const first = desc.json();
    expect(first.registered_models.map((m: { name: string }) => m.name)).toEqual(['payments-memory']);
    expect(typeof first.next_page_token).toBe('string');
    const second = await app.inject({
      url: `${MLFLOW}/registered-models/search?order_by=name%20DESC&max_results=1&page_token=${first.next_page_token}`,
    });
    expect(second.json().registered_models.map((m: { name: string }) => m.name)).toEqual(['anomaly-detector']);
    expect(second.json().next_page_token).toBeUndefined();
    const bad = await app.inject({ url: `${MLFLOW}/registered-models/search?filter=${encodeURIComponent('tags.x = 1')}` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe(
      `filter must be name = 'x', name != 'x', name LIKE 'pattern' or name ILIKE 'pattern' (got "tags.x = 1")`,
    );
  });
});

describe('aliases (promote, challenger, rollback)', () => {
  it('writes need operate scope, answered in MLflow error shape', async () => {
    const none = await app.inject({
      method: 'POST',
      url: `${MLFLOW}/registered-models/alias`,
      payload: { name: 'anomaly-detector', alias: 'champion', version: '2' },
    });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json().error_code).toBe('UNAUTHENTICATED');
    const reader = await setAlias({ name: 'anomaly-detector', alias: 'champion', version: '2' }, bearer('reader-token-123'));
    expect(reader.statusCode).toBe(403);
    expect(reader.json()).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: 'token "reader" lacks scope "operate" needed here (it has: read)',
    });
    expect(await store.getModelAliases('anomaly-detector')).toEqual({});
  });

  it('set champion promotes; get by alias, latest versions and version get reflect it, with live metrics', async () => {
    expect((await setAlias({ name: 'anomaly-detector', alias: 'champion', version: '1' })).statusCode).toBe(200);
    const res = await setAlias({ name: 'anomaly-detector', alias: 'champion', version: '2', reason: 'better precision' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    expect((await setAlias({ name: 'anomaly-detector', alias: 'challenger', version: 3 })).statusCode).toBe(200);
    await store.insertModelOutcomes([
      { id: 'o1', name: 'anomaly-detector', version: 2, at: DEMO_NOW_MS - HOUR, kind: 'classification', correct: true, confidence: 0.9 },
      { id: 'o2', name: 'anomaly-detector', version: 2, at: DEMO_NOW_MS - HOUR, kind: 'classification', correct: false, confidence: 0.9 },
    ]);

    const byAlias = await app.inject({ url: `${MLFLOW}/registered-models/alias?name=anomaly-detector&alias=champion` });
    const mv = byAlias.json().model_version;
    expect(mv).toMatchObject({
      name: 'anomaly-detector',
      version: '2',
      current_stage: 'Production',
      aliases: ['champion'],
      user_id: 'cli:train',
      status: 'READY',
      source: 'homeostat:/models/anomaly-detector/versions/2',
    });
    expect(mv.homeostat.metrics).toEqual({ precision: 0.9 });
    expect(mv.homeostat.lineage.featureSet).toEqual(['cpu_utilization']);
    expect(mv.homeostat.live.overall.classification).toMatchObject({ n: 2, accuracy: 0.5, meanConfidence: 0.9 });
    expect(mv.homeostat.live.at).toBe(DEMO_NOW_MS);
    expect(mv.homeostat.serving_history).toEqual([
      { alias: 'champion', version: 2, fromMs: DEMO_NOW_MS, by: 'api', reason: 'better precision' },
    ]);

    const latest = await app.inject({
      method: 'POST',
      url: `${MLFLOW}/registered-models/get-latest-versions`,
      payload: { name: 'anomaly-detector', stages: ['production', 'Staging'] },
    });
    expect(latest.json().model_versions.map((v: { version: string; current_stage: string }) => [v.version, v.current_stage])).toEqual([
      ['3', 'Staging'],
      ['2', 'Production'],
    ]);
    const archived = await app.inject({ url: `${MLFLOW}/registered-models/get-latest-versions?name=anomaly-detector&stages=Archived` });
    expect(archived.json().model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
    const badStage = await app.inject({ url: `${MLFLOW}/registered-models/get-latest-versions?name=anomaly-detector&stages=Prod` });
    expect(badStage.json().message).toBe('stages must be among None, Staging, Production, Archived (got "Prod")');

    const model = (await app.inject({ url: `${MLFLOW}/registered-models/get?name=anomaly-detector` })).json().registered_model;
    expect(model.aliases).toEqual([
      { alias: 'challenger', version: '3' },
      { alias: 'champion', version: '2' },
    ]);
    expect(model.homeostat).toMatchObject({ serving: 2, champion: 2, challenger: 3 });
  });

  it('delete champion rolls back; delete challenger (query form) removes it; errors name the problem', async () => {
    const first = await app.inject({
      method: 'DELETE',
      url: `${MLFLOW}/registered-models/alias`,
      payload: { name: 'anomaly-detector', alias: 'champion' },
      headers: OPERATE,
    });
    expect(first.statusCode).toBe(409);
    expect(first.json()).toEqual({
      error_code: 'INVALID_STATE',
      message: 'model "anomaly-detector" has no champion to roll back (promote a version first)',
    });
    await setAlias({ name: 'anomaly-detector', alias: 'champion', version: '1' });
    await setAlias({ name: 'anomaly-detector', alias: 'champion', version: '2' });
    await setAlias({ name: 'anomaly-detector', alias: 'challenger', version: '3' });
    const rollback = await app.inject({
      method: 'DELETE',
      url: `${MLFLOW}/registered-models/alias`,
      payload: { name: 'anomaly-detector', alias: 'champion' },
      headers: OPERATE,
    });
    expect(rollback.statusCode).toBe(200);
    expect(await store.getModelAliases('anomaly-detector')).toEqual({ champion: 1, challenger: 3 });
    const clear = await app.inject({
      method: 'DELETE',
      url: `${MLFLOW}/registered-models/alias?name=anomaly-detector&alias=challenger`,
      headers: OPERATE,
    });
    expect(clear.statusCode).toBe(200);
    expect(await store.getModelAliases('anomaly-detector')).toEqual({ champion: 1 });
    expect((await store.listModelVersions('anomaly-detector')).map((v) => v.stage)).toEqual(['champion', 'archived', 'archived']);
    const unknownAlias = await setAlias({ name: 'anomaly-detector', alias: 'prod', version: '1' });
    expect(unknownAlias.json()).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'alias must be one of champion, challenger (got "prod")',
    });
    const unknownVersion = await setAlias({ name: 'anomaly-detector', alias: 'champion', version: '9' });
    expect(unknownVersion.statusCode).toBe(404);
    expect(unknownVersion.json().message).toBe('model "anomaly-detector" has no version 9 (versions: 1, 2, 3)');
    const noName = await app.inject({ method: 'DELETE', url: `${MLFLOW}/registered-models/alias?alias=champion`, headers: OPERATE });
    expect(noName.statusCode).toBe(400);
  });
});

describe('model versions', () => {
  it('get one, search with filter and order', async () => {
    const one = await app.inject({ url: `${MLFLOW}/model-versions/get?name=anomaly-detector&version=1` });
    expect(one.json().model_version).toMatchObject({ version: '1', current_stage: 'None', user_id: 'engine', aliases: [] });
    expect(one.json().model_version.homeostat.live.overall).toEqual({ n: 0 });
    const missing = await app.inject({ url: `${MLFLOW}/model-versions/get?name=anomaly-detector&version=7` });
    expect(missing.statusCode).toBe(404);
    const filter = encodeURIComponent("name='anomaly-detector'");
    const search = await app.inject({ url: `${MLFLOW}/model-versions/search?filter=${filter}` });
    expect(search.json().model_versions.map((v: { version: string }) => v.version)).toEqual(['3', '2', '1']);
    const asc = await app.inject({ url: `${MLFLOW}/model-versions/search?filter=${filter}&order_by=version_number%20ASC` });
    expect(asc.json().model_versions.map((v: { version: string }) => v.version)).toEqual(['1', '2', '3']);
    const every = await app.inject({ url: `${MLFLOW}/model-versions/search` });
    expect(every.json().model_versions.map((v: { name: string; version: string }) => `${v.name}/${v.version}`)).toEqual([
      'anomaly-detector/3',
      'anomaly-detector/2',
      'anomaly-detector/1',
      'payments-memory/1',
    ]);
    const badOrder = await app.inject({ url: `${MLFLOW}/model-versions/search?order_by=stage` });
    expect(badOrder.json().message).toBe(
      'order_by must be one of name, version_number, creation_timestamp, last_updated_timestamp, optionally followed by ASC or DESC (got "stage")',
    );
  });
});

describe('model card and OpenAPI', () => {
  it('GET /api/v1/models/:name/card answers Markdown with the retraining plan', async () => {
    const res = await app.inject({ url: '/api/v1/models/anomaly-detector/card?version=2' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(res.body).toContain('# Model card: anomaly-detector, version 2\n');
    expect(res.body).toContain('Schedule: every 24 h.\n\nTriggers:\n\n- input drift');
    expect(res.body).toContain('| Trained by | cli:train |');
    const missing = await app.inject({ url: '/api/v1/models/anomaly-detector/card?version=9' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('the OpenAPI document lists the registry routes', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    for (const path of [
      '/api/2.0/mlflow/registered-models/get',
      '/api/2.0/mlflow/registered-models/search',
      '/api/2.0/mlflow/registered-models/get-latest-versions',
      '/api/2.0/mlflow/model-versions/get',
      '/api/2.0/mlflow/model-versions/search',
      '/api/2.0/mlflow/registered-models/alias',
      '/api/v1/models/{name}/card',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.paths['/api/2.0/mlflow/registered-models/alias']).sort()).toEqual(['delete', 'get', 'post']);
    expect(doc.paths['/api/2.0/mlflow/registered-models/alias'].post.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe('parseNameFilter', () => {
  it('LIKE is case-sensitive with % and _; ILIKE is not; other characters are literal', () => {
    const like = parseNameFilter("name LIKE 'a_c%'");
    expect([like('abcd'), like('aXc'), like('Abc'), like('ac')]).toEqual([true, true, false, false]);
    const ilike = parseNameFilter('name ILIKE "%DETECT%"');
    expect(ilike('anomaly-detector')).toBe(true);
    expect(parseNameFilter("name LIKE 'a.c'")('abc')).toBe(false);
    expect(parseNameFilter("name != 'x'")('x')).toBe(false);
  });
});
