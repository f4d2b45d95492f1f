"""The full cycle through the client openapi-generator (python) makes of openapi.yaml.

`make test` does not run this one (it needs Java); it was run by hand, from the
repository root, with Java 17:

    mvn -q dependency:copy -Dartifact=org.openapitools:openapi-generator-cli:7.17.0 -DoutputDirectory=/tmp/og
    java -jar /tmp/og/openapi-generator-cli-7.17.0.jar generate -g python -i openapi.yaml \
        -o /tmp/og/out --package-name clientes_ogen
    python3 -m venv /tmp/og/venv && /tmp/og/venv/bin/pip install -r /tmp/og/out/requirements.txt
    go build -o /tmp/og/local ./cmd/local && /tmp/og/local -port 3001 &
    PYTHONPATH=/tmp/og/out /tmp/og/venv/bin/python tools/clients/openapi_generator_cycle.py http://127.0.0.1:3001

on an empty table (a fresh server). Any step that goes wrong exits non-zero,
saying which. This client raises ApiException on any answer outside 2xx, 304
included: the steps that expect one check its status and parsed body.
"""

import sys
import uuid

import clientes_ogen as c
from clientes_ogen.exceptions import ApiException


def check(ok, what):
    if not ok:
        sys.exit(f"openapi-generator cycle: {what}")


def header(headers, name):
    """The value of header name (any case) in headers, or None."""
    return {k.lower(): v for k, v in dict(headers or {}).items()}.get(name.lower())


def refused(call, status):
    """Runs call, which must raise ApiException with status; returns it."""
    try:
        r = call()
    except ApiException as e:
        check(e.status == status, f"raised {e.status} {e.body!r}, want {status}")
        return e
    check(False, f"answered {r!r}, want ApiException {status}")


def main(url):
    api = c.ClientesApi(c.ApiClient(c.Configuration(host=url)))

    # A create with an email.
    r = api.create_cliente_with_http_info(c.CreateClienteRequest(
        nombres="Pedro", apellidos="Martínez", telefono="+5559876543", email="pedro@example.com"))
    check(r.status_code == 201, f"create: {r.status_code}")
    pedro = r.data.cliente
    check(pedro.email == "pedro@example.com" and pedro.telefono == "+5559876543", f"create: {pedro}")
    check(header(r.headers, "Location") == f"/api/clientes/{pedro.id}", f"create: headers {r.headers}")
    etag = header(r.headers, "ETag")

    # A get; the same get conditional on the tag raises with 304 and no body.
    r = api.get_cliente_with_http_info(pedro.id)
    check(r.status_code == 200 and r.data.cliente == pedro and header(r.headers, "ETag") == etag, f"get: {r.status_code} {r.data}")
    e = refused(lambda: api.get_cliente(pedro.id, if_none_match=etag), 304)
    check(not e.body, f"conditional get: body {e.body!r}")

    # A list, paged to the end, where next_cursor comes back null.
    ids = [pedro.id]
    for i in range(4):
        ids.append(api.create_cliente(c.CreateClienteRequest(nombres=f"N{i}", apellidos="A")).cliente.id)
    seen, cursor, pages = [], None, 0
    while True:
        page = api.list_clientes(limit=2, cursor=cursor)
        pages += 1
        seen += [x.id for x in page.clientes]
        if page.next_cursor is None:
            break
        check(isinstance(page.next_cursor, str) and pages < 10, f"list: next_cursor {page.next_cursor!r}")
        cursor = page.next_cursor
    check(seen == ids and pages == 3, f"list: {seen} in {pages} pages, want {ids} in 3")

    # An update with If-Match, then the same stale tag: 412, raised with its body parsed.
    r = api.update_cliente_with_http_info(pedro.id, c.UpdateClienteRequest(nombres="Pablo"), if_match=etag)
    check(r.data.cliente.nombres == "Pablo", f"update: {r.data}")
    fresh = header(r.headers, "ETag")
    check(fresh and fresh != etag, "update: the ETag did not change")
    e = refused(lambda: api.update_cliente(pedro.id, c.UpdateClienteRequest(nombres="Pepe"), if_match=etag), 412)
    check(e.data is not None and e.data.message == "El cliente fue modificado por otra solicitud", f"stale update: data {e.data!r}")
    check(header(e.headers, "ETag") == fresh, f"stale update: headers {e.headers}")

    # null clears telefono.
    r = api.update_cliente(pedro.id, c.UpdateClienteRequest(telefono=None))
    check(r.cliente.telefono is None and r.cliente.email == "pedro@example.com", f"clear telefono: {r}")

    # A keyed create, replayed: the first answer again, marked.
    key = f"cycle-{uuid.uuid4()}"
    body = c.CreateClienteRequest(nombres="Ana", apellidos="Ruiz", email="ana@example.com")
    first = api.create_cliente_with_http_info(body, idempotency_key=key)
    again = api.create_cliente_with_http_info(body, idempotency_key=key)
    check(header(first.headers, "Idempotent-Replayed") is None, f"keyed create: {first.headers}")
    check(header(again.headers, "Idempotent-Replayed") == "true" and again.raw_data == first.raw_data,
          f"replay: {again.headers} {again.raw_data!r}")

    # A delete; then the cliente is gone.
    r = api.delete_cliente(pedro.id)
    check(r.cliente.id == pedro.id, f"delete: {r}")
    e = refused(lambda: api.get_cliente(pedro.id), 404)
    check(e.data is not None and e.data.message == "Cliente no encontrado", f"get after delete: data {e.data!r}")
    print("openapi-generator cycle: ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
