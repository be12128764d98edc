/** HTTP status of an error from @kubernetes/client-node (ApiException.code), if any. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => statusCodeOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusCodeOf(error) === 409;
export const isAlreadyExists = (error: unknown): boolean => statusCodeOf(error) === 409;

/**
 * The namespace is being deleted: the API server refuses to create anything in it (403, cause
 * NamespaceTerminating). Nothing is to be done there any more; retrying only repeats the refusal.
 */
export function isNamespaceTerminating(error: unknown): boolean {
  if (statusCodeOf(error) !== 403) return false;
  const body = (error as { body?: unknown }).body;
  const text = typeof body === "string" ? body : JSON.stringify(body ?? "");
  return text.includes("NamespaceTerminating") || text.includes("because it is being terminated");
}
