/**
 * @module ui/api
 * Fetches JSON from the Homeostat API (same origin). Errors carry the API's message.
 */

/** GETs `/api/v1<path>` and parses the JSON; throws with the API's error message on failure. */
export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`/api/v1${path}`, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }
  return (await res.json()) as T;
}

/** Encodes a path segment (entity ids contain ':'). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
