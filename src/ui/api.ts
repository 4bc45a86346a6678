/**
 * @module ui/api
 * Fetches from the Homeostat API (same origin): JSON of `/api/v1`, JSON of the MLflow-shaped
 * registry under `/api/2.0/mlflow`, and text (Markdown). Errors carry the API's message.
 */

async function fetchOk(url: string, accept: string): Promise<Response> {
  const res = await fetch(url, { headers: { accept } });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      // Homeostat's `{ error: { message } }` or MLflow's `{ error_code, message }`.
      const body = (await res.json()) as { error?: { message?: string }; message?: string };
      const said = body.error?.message ?? body.message;
      if (said) message = said;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }
  return res;
}

/** GETs `/api/v1<path>` and parses the JSON; throws with the API's error message on failure. */
export async function getJson<T>(path: string): Promise<T> {
  return (await (await fetchOk(`/api/v1${path}`, 'application/json')).json()) as T;
}

/** GETs `/api/2.0/mlflow<path>` (the model registry) and parses the JSON; throws with the API's message on failure. */
export async function getMlflow<T>(path: string): Promise<T> {
  return (await (await fetchOk(`/api/2.0/mlflow${path}`, 'application/json')).json()) as T;
}

/** GETs `/api/v1<path>` as text (e.g. a model card's Markdown); throws with the API's message on failure. */
export async function getText(path: string, accept = 'text/markdown'): Promise<string> {
  return (await fetchOk(`/api/v1${path}`, accept)).text();
}

/** Encodes a path segment (entity ids contain ':'). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
