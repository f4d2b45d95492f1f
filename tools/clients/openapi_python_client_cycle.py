"""The full cycle through the client openapi-python-client makes of openapi.yaml.

Usage: python openapi_python_client_cycle.py URL PACKAGE

PACKAGE is the generated client's import name (`openapi-python-client generate
--meta none`), on PYTHONPATH. TestPythonClients (cmd/local) runs this against
the local server on an empty table; any step that goes wrong exits non-zero,
saying which.
"""

import importlib
import sys
import uuid


def check(ok, what):
    if not ok:
        sys.exit(f"openapi-python-client cycle: {what}")


def main(url, package):
    mod = lambda name: importlib.import_module(f"{package}.{name}")
    api = lambda name: mod(f"api.clientes.{name}")
    models = mod("models")
    UNSET = mod("types").UNSET
    client = mod("client").Client(base_url=url, raise_on_unexpected_status=True)

    # A create with an email.
    r = api("create_cliente").sync_detailed(client=client, body=models.CreateClienteBody(
        nombres="Pedro", apellidos="Martínez", telefono="+5559876543", email="pedro@example.com"))
    check(r.status_code == 201, f"create: {r.status_code} {r.content!r}")
    pedro = r.parsed.cliente
    check(pedro.email == "pedro@example.com" and pedro.telefono == "+5559876543", f"create: {pedro}")
    check(r.headers["Location"] == f"/api/clientes/{pedro.id}", f"create: Location {r.headers.get('Location')}")
    etag = r.headers["ETag"]

    # A get, then the same get conditional on the tag: 304, nothing parsed.
    r = api("get_cliente").sync_detailed(pedro.id, client=client)
    check(r.status_code == 200 and r.parsed.cliente.to_dict() == pedro.to_dict(), f"get: {r.status_code} {r.content!r}")
    check(r.headers["ETag"] == etag, f"get: ETag {r.headers.get('ETag')}, create gave {etag}")
    r = api("get_cliente").sync_detailed(pedro.id, client=client, if_none_match=etag)
    check(r.status_code == 304 and r.content == b"", f"conditional get: {r.status_code} {r.content!r}")

    # A list, paged to the end, where next_cursor comes back null.
    ids = [pedro.id]
    for i in range(4):
        r = api("create_cliente").sync_detailed(client=client, body=models.CreateClienteBody(nombres=f"N{i}", apellidos="A"))
        check(r.status_code == 201, f"create {i}: {r.status_code} {r.content!r}")
        ids.append(r.parsed.cliente.id)
    seen, cursor, pages = [], UNSET, 0
    while True:
        r = api("list_clientes").sync_detailed(client=client, limit=2, cursor=cursor)
        check(r.status_code == 200, f"list: {r.status_code} {r.content!r}")
        pages += 1
        seen += [c.id for c in r.parsed.clientes]
        if r.parsed.next_cursor is None:
            break
        check(isinstance(r.parsed.next_cursor, str) and pages < 10, f"list: next_cursor {r.parsed.next_cursor!r}")
        cursor = r.parsed.next_cursor
    check(seen == ids and pages == 3, f"list: {seen} in {pages} pages, want {ids} in 3")
    # As declared, not only as parsed: a type checker must see that it can be None.
    hint = models.ListClientesResponse200.__annotations__["next_cursor"]
    check("None" in (hint if isinstance(hint, str) else repr(hint)), f"list: next_cursor typed {hint!r}, which does not admit None")

    # An update with If-Match, then the same stale tag: 412, parsed.
    r = api("update_cliente").sync_detailed(pedro.id, client=client, if_match=etag,
                                            body=models.UpdateClienteBody(nombres="Pablo"))
    check(r.status_code == 200 and r.parsed.cliente.nombres == "Pablo", f"update: {r.status_code} {r.content!r}")
    fresh = r.headers["ETag"]
    check(fresh != etag, "update: the ETag did not change")
    r = api("update_cliente").sync_detailed(pedro.id, client=client, if_match=etag,
                                            body=models.UpdateClienteBody(nombres="Pepe"))
    check(r.status_code == 412 and r.parsed.message.value == "El cliente fue modificado por otra solicitud",
          f"stale update: {r.status_code} {r.content!r}")
    check(r.headers["ETag"] == fresh, f"stale update: ETag {r.headers.get('ETag')}, want the current {fresh}")

    # null clears telefono.
    r = api("update_cliente").sync_detailed(pedro.id, client=client, body=models.UpdateClienteBody(telefono=None))
    check(r.status_code == 200 and r.parsed.cliente.telefono is None and r.parsed.cliente.email == "pedro@example.com",
          f"clear telefono: {r.status_code} {r.content!r}")

    # A keyed create, replayed: the first answer again, marked.
    key = f"cycle-{uuid.uuid4()}"
    body = models.CreateClienteBody(nombres="Ana", apellidos="Ruiz", email="ana@example.com")
    first = api("create_cliente").sync_detailed(client=client, body=body, idempotency_key=key)
    again = api("create_cliente").sync_detailed(client=client, body=body, idempotency_key=key)
    check(first.status_code == 201 and "Idempotent-Replayed" not in first.headers, f"keyed create: {first.status_code} {first.headers}")
    check(again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true" and again.content == first.content,
          f"replay: {again.status_code} {again.headers} {again.content!r}")

    # A delete; then the cliente is gone.
    r = api("delete_cliente").sync_detailed(pedro.id, client=client, if_match=fresh)
    check(r.status_code == 412, f"delete with a stale tag: {r.status_code} {r.content!r}")
    r = api("delete_cliente").sync_detailed(pedro.id, client=client)
    check(r.status_code == 200 and r.parsed.cliente.id == pedro.id, f"delete: {r.status_code} {r.content!r}")
    r = api("get_cliente").sync_detailed(pedro.id, client=client)
    check(r.status_code == 404 and r.parsed.message.value == "Cliente no encontrado", f"get after delete: {r.status_code} {r.content!r}")
    print("openapi-python-client cycle: ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
