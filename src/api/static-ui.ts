/**
 * @module api/static-ui
 * Serves the built dashboard: `index.html` at `/`, other files at `/ui/<file>` (flat folder, no
 * sub-paths, so no path traversal). Files are read on each request so a rebuild needs no restart.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const FILE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Homeostat — dashboard not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#1f2933">
<h1>The dashboard is not built</h1>
<p>The API is running, but the dashboard files were not found. Run <code>npm run build</code>, then reload this page.</p>
<p>The API itself is at <a href="/api/v1/status">/api/v1/status</a>; its description at <a href="/openapi.json">/openapi.json</a>.</p>
</body></html>`;

/** Content type for a file name, by extension; `application/octet-stream` when unknown. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Registers `/` and `/ui/:file`. With no `uiDir` (or no index.html in it) `/` answers 503 saying to build. */
export function registerStaticUi(app: FastifyInstance, uiDir: string | undefined): void {
  const built = async (): Promise<boolean> => {
    if (uiDir === undefined) return false;
    try {
      return (await stat(join(uiDir, 'index.html'))).isFile();
    } catch {
      return false;
    }
  };

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    if (!(await built())) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    const html = await readFile(join(uiDir as string, 'index.html'));
    return reply
      .type(CONTENT_TYPES['.html'] as string)
      .header('Cache-Control', 'no-cache')
      .send(html);
  });

  app.get<{ Params: { file: string } }>(
    '/ui/:file',
    { schema: { hide: true, params: { type: 'object', properties: { file: { type: 'string' } }, required: ['file'] } } },
    async (request, reply) => {
      const { file } = request.params;
      if (!(await built())) return reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT);
      if (!FILE_NAME.test(file))
        return reply.status(404).send({ error: { code: 'not_found', message: `no UI file ${JSON.stringify(file)}` } });
      let body: Buffer;
      try {
        body = await readFile(join(uiDir as string, file));
      } catch {
        return reply.status(404).send({ error: { code: 'not_found', message: `no UI file ${JSON.stringify(file)}` } });
      }
      return reply.type(contentTypeOf(file)).header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff').send(body);
    },
  );
}
