"""The OpenAPI document describes exactly the routes the app has, and real responses match it."""

import re

import jsonschema
import pytest
import webtest

from conftest import add_photo, issue_token
from hambot.web.openapi import openapi_document

SPEC = openapi_document()


def spec_path(rule):
    return re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", rule)


def test_every_route_is_described_and_every_description_is_a_route(web):
    app = web.app.bottle
    routes = {(spec_path(r.rule), r.method.lower()) for r in app.routes}
    described = {(path, method) for path, item in SPEC["paths"].items() for method in item if method != "parameters"}
    assert routes == described


def test_the_document_is_served_and_is_openapi_3_1(web):
    served = web.get("/api/v1/openapi.json").json
    assert served == SPEC and served["openapi"] == "3.1.0"
    jsonschema.Draft202012Validator.check_schema({"$defs": SPEC["components"]["schemas"]})


def check(path, method, answer):
    """The response's status is documented for this call, and its body has the documented shape."""
    documented = SPEC["paths"][path][method]["responses"]
    status = str(answer.status_int)
    assert status in documented, f"{method.upper()} {path} answered {status}, which is not documented"
    content = documented[status].get("content", {})
    if answer.content_type == "application/json":
        schema = content["application/json"]["schema"]
        jsonschema.validate(answer.json, {**schema, "components": SPEC["components"]},
                            cls=jsonschema.Draft202012Validator)
    elif answer.body:
        assert answer.content_type in content, f"{answer.content_type} is not documented for {path}"
    for header, about in documented[status].get("headers", {}).items():
        assert header in answer.headers or not about["required"], f"{header} missing from {method.upper()} {path}"


@pytest.fixture
def api(make_app):
    app = make_app(dead_time=60)
    return webtest.TestApp(app), app


def test_every_documented_api_response_matches_a_real_one(api, w1):
    web, app = api
    token = issue_token(app)
    good = {"Authorization": f"Enigma {token}"}
    check("/api/v1/snapshots", "post", web.post("/api/v1/snapshots", headers=good, status=201))
    photo = app.store.latest()
    calls = [
        ("/api/v1/photos", "get", lambda: web.get("/api/v1/photos?limit=1")),
        ("/api/v1/photos", "get", lambda: web.get("/api/v1/photos?limit=x", status=400)),
        ("/api/v1/photos/{photo_id}", "get", lambda: web.get(f"/api/v1/photos/{photo.id}")),
        ("/api/v1/photos/{photo_id}", "get", lambda: web.get("/api/v1/photos/AAAAAAAAAAAA", status=404)),
        ("/api/v1/photos/{photo_id}", "get", lambda: web.get(f"/api/v1/photos/{photo.id}?x=1", status=400)),
        ("/api/v1/snapshots", "post", lambda: web.post("/api/v1/snapshots", headers=good, status=200)),
        ("/api/v1/snapshots", "post", lambda: web.post("/api/v1/snapshots?x=1", headers=good, status=400)),
        ("/api/v1/snapshots", "post", lambda: web.post("/api/v1/snapshots", params=b"x" * 70000, headers=good,
                                                       content_type="text/plain", status=413)),
        ("/api/v1/temperature", "get", lambda: web.get("/api/v1/temperature")),
        ("/api/v1/temperature", "get", lambda: web.get("/api/v1/temperature?unit=K", status=400)),
        ("/api/v1/temperature/history", "get", lambda: web.get("/api/v1/temperature/history")),
        ("/api/v1/temperature/history", "get", lambda: web.get("/api/v1/temperature/history?since=x", status=400)),
        ("/api/v1/openapi.json", "get", lambda: web.get("/api/v1/openapi.json")),
        ("/api/v1/photos/{photo_id}", "delete", lambda: web.delete(f"/api/v1/photos/{photo.id}", headers=good,
                                                                   status=204)),
        ("/api/v1/photos/{photo_id}", "delete", lambda: web.delete(f"/api/v1/photos/{photo.id}", headers=good,
                                                                   status=404)),
        ("/api/v1/photos/{photo_id}", "delete", lambda: web.delete(f"/api/v1/photos/{photo.id}", status=401)),
    ]
    keep = "/api/v1/photos/{photo_id}/keep"
    other = add_photo(app.store)
    calls += [
        (keep, "post", lambda: web.post(f"/api/v1/photos/{other.id}/keep", headers=good)),
        (keep, "delete", lambda: web.delete(f"/api/v1/photos/{other.id}/keep", headers=good)),
        (keep, "post", lambda: web.post("/api/v1/photos/AAAAAAAAAAAA/keep", headers=good, status=404)),
        (keep, "delete", lambda: web.delete(f"/api/v1/photos/{other.id}/keep?x=1", headers=good, status=400)),
        (keep, "post", lambda: web.post(f"/api/v1/photos/{other.id}/keep", status=401)),
        ("/healthz", "get", lambda: web.get("/healthz")),
    ]
    calls += [("/api/v1/snapshots", "post", lambda: web.post("/api/v1/snapshots", headers={"Authorization":
                                                             "Enigma " + "B" * 118}, status=[401, 429]))] * 11
    for path, method, call in calls:
        check(path, method, call())
    w1.remove_sensor()
    app.thermometer = type(app.thermometer)("auto", w1.root, 0, 1)  # no cached reading
    check("/api/v1/temperature", "get", web.get("/api/v1/temperature", status=503))


def test_api_reads_behind_a_viewer_password_match_their_documented_401(make_app):
    app = make_app()
    app.password.set("a viewer password")
    web = webtest.TestApp(app)
    for path, item in SPEC["paths"].items():
        if path.startswith("/api/") and "get" in item:
            address = path.replace("{photo_id}", "AAAAAAAAAAAA")
            check(path, "get", web.get(address, status=401))


def test_the_camera_failing_matches_its_documented_503(make_app):
    app = make_app("fails.sh")
    answer = webtest.TestApp(app).post("/api/v1/snapshots", headers={"Authorization": f"Enigma {issue_token(app)}"},
                                       status=503)
    check("/api/v1/snapshots", "post", answer)


def test_documented_pages_answer_with_documented_statuses(web):
    photo_page = web.post("/snapshot").follow()
    photo_id = photo_page.request.path.rsplit("/", 1)[1]
    for path, address in [("/", "/"), ("/index", "/index"), ("/photos", "/photos"),
                          ("/photos/{name}", f"/photos/{photo_id}"), ("/photos/{name}", f"/photos/{photo_id}.jpg"),
                          ("/photos/{photo_id}/thumb.jpg", f"/photos/{photo_id}/thumb.jpg"),
                          ("/temperature", "/temperature"), ("/static/{filename}", "/static/style.css"),
                          ("/favicon.ico", "/favicon.ico")]:
        answer = web.get(address)
        assert str(answer.status_int) in SPEC["paths"][path]["get"]["responses"], address
