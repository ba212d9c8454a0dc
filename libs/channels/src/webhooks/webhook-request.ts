/**
 * A provider's HTTP callback as the engine received it. `url` is the public URL the provider was
 * given, query string included (Twilio signs it): rebuilt from configuration, never from the Host
 * header a proxy may have rewritten. `rawBody` is the bytes received: signatures are over them, and
 * a body re-serialised from parsed JSON would not match.
 */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly rawBody: Buffer | string;
}

export function headerOf(request: WebhookRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

export function bodyText(request: WebhookRequest): string {
  return typeof request.rawBody === 'string' ? request.rawBody : request.rawBody.toString('utf8');
}

/** A form body as name → values, each name once with its values in order (how Twilio's validator reads it). */
export function formParams(body: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const existing = params[name];
    if (existing === undefined) params[name] = value;
    else params[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

export function single(params: Record<string, string | string[]>, name: string): string | null {
  const value = params[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
