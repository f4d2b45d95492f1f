// What a TypeScript client gets from openapi.yaml: make test generates
// generated/clientes.ts with openapi-typescript and type-checks this file
// against it. Each @ts-expect-error line must fail to type-check, so the
// types are as strict as the spec, not `any`.
import type { components, operations, paths } from "./generated/clientes";

type Cliente = components["schemas"]["Cliente"];
type Update = NonNullable<operations["updateCliente"]["requestBody"]>["content"]["application/json"];
type Create = NonNullable<operations["createCliente"]["requestBody"]>["content"]["application/json"];
type Created = operations["createCliente"]["responses"][201]["content"]["application/json"];
type Page = paths["/api/clientes"]["get"]["responses"][200]["content"]["application/json"];
type Unauthorized = operations["getCliente"]["responses"][401]["content"]["application/json"];

export const create: Create = { nombres: "Pedro", apellidos: "Martínez", telefono: "+5559876543" };
// @ts-expect-error apellidos is required on create
export const createWithoutApellidos: Create = { nombres: "Pedro" };

export const clearTelefono: Update = { telefono: null };
export const setEmail: Update = { email: "pedro@example.com" };
// @ts-expect-error nombres cannot be null
export const clearNombres: Update = { nombres: null };
// @ts-expect-error no such field
export const typo: Update = { nombre: "Pedro" };

export function describe(c: Cliente): string {
  const telefono: string = c.telefono ?? "sin teléfono";
  // @ts-expect-error email may be null
  const email: string = c.email;
  return `${c.id} ${c.nombres} ${c.apellidos} ${telefono} ${email} ${c.created_at}`;
}

export function created(body: Created): number {
  const message: "Cliente creado" = body.message;
  return message.length + body.cliente.id;
}

export function nextCursor(page: Page): string | null {
  // @ts-expect-error next_cursor is null on the last page
  const always: string = page.next_cursor;
  return always && page.next_cursor;
}

export const unauthorized: Unauthorized = { message: "Unauthorized" };
// @ts-expect-error API Gateway's 401 says only Unauthorized
export const otherMessage: Unauthorized = { message: "Forbidden" };

// Location is relative to the request's URL (RFC 9110): resolve it there.
export function clienteURL(res: { url: string; headers: { get(name: string): string | null } }): URL {
  return new URL(res.headers.get("Location") ?? "", res.url);
}

// A 412 on the collection is never about a cliente; on GET one, a failed
// If-None-Match is a 304, so its 412 is only a stale If-Match.
type CollectionFailed = operations["listClientes"]["responses"][412]["content"]["application/json"];
type GetFailed = operations["getCliente"]["responses"][412]["content"]["application/json"];
type UpdateFailed = operations["updateCliente"]["responses"][412]["content"]["application/json"];
export const collectionFailed: CollectionFailed = { message: "Precondición no cumplida" };
// @ts-expect-error the collection has no entity tag, so no cliente was changed
export const collectionStale: CollectionFailed = { message: "El cliente fue modificado por otra solicitud" };
export const getStale: GetFailed = { message: "El cliente fue modificado por otra solicitud" };
// @ts-expect-error GET answers a failed If-None-Match with a 304
export const getNoneMatch: GetFailed = { message: "Precondición no cumplida" };
export const updateNoneMatch: UpdateFailed = { message: "Precondición no cumplida" };
