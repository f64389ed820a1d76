"""Issue 15: the work one request can cause is bounded, logins are throttled, sessions end, headers are strict,
and spreadsheets hold numbers without running formulas."""

import io
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from budget import export_rows
from budget.importing.importer import import_table
from tests.conftest import REFERENCE

ROOT = Path(__file__).resolve().parent.parent
EXPLORER = reverse("budget:explorer")


def test_a_search_of_too_many_words_is_refused_with_a_message_and_finds_nothing(
    client, reference_table, django_assert_max_num_queries
):
    words = " ".join(f"词{n}" for n in range(300))
    with django_assert_max_num_queries(12):
        response = client.get(EXPLORER, {"q": words})
    text = response.content.decode()
    assert response.status_code == 200
    assert "搜索内容最多 100 个字符。" in text or "搜索词最多 8 个,请减少搜索词。" in text
    assert "共 0 个指标" in text


def test_nine_short_words_are_refused_and_eight_are_searched(client, reference_table):
    assert (
        "搜索词最多 8 个,请减少搜索词。"
        in client.get(EXPLORER, {"q": " ".join("满意度" for _ in range(9))}).content.decode()
    )
    text = client.get(EXPLORER, {"q": " ".join("满意度" for _ in range(8))}).content.decode()
    assert "搜索词最多" not in text and "共 12 个指标" in text


def test_a_search_over_a_hundred_characters_is_refused(client, reference_table):
    text = client.get(EXPLORER, {"q": "满" * 101}).content.decode()
    assert "搜索内容最多 100 个字符。" in text


@pytest.mark.parametrize("asked, rows", [("20000", 63), ("0", 1), ("-5", 1), ("7", 7)])
def test_per_page_is_held_to_a_hundred_rows(client, reference_table, asked, rows):
    response = client.get(EXPLORER, {"per_page": asked})
    assert len(response.context["indicator_table"].page.object_list) == rows


def test_a_department_page_asked_for_twenty_thousand_rows_shows_a_hundred(client, db, write_file):
    from budget.models import BudgetTable
    from budget.views import MAX_PER_PAGE

    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    header_end = next(n for n, line in enumerate(lines) if line.startswith("办证大厅窗口服务经费"))
    project = lines[header_end]
    extra = [project.replace("办证大厅窗口服务经费", f"复制项目{n}") for n in range(150)]
    # keep the table reconciling: lenient import records the differences as flags
    import_table(
        write_file("big.txt", "\n".join(lines[:header_end] + extra + lines[header_end:])),
        filename="big.txt",
        year=2021,
        lenient=True,
    )
    table = BudgetTable.objects.get()
    response = client.get(reverse("budget:department", args=[table.department_id, 2021]), {"per_page": "20000"})
    assert len(response.context["project_table"].page.object_list) == MAX_PER_PAGE == 100


def test_a_body_declared_over_the_cap_is_refused_before_it_is_read(client, db, settings, caplog):
    with caplog.at_level("WARNING", logger="budget.security"):
        response = client.generic("POST", "/admin/login/", b"", CONTENT_LENGTH=str(2 * 1024**3))
    assert response.status_code == 413
    assert "上传内容过大,上限 50 MB。" in response.content.decode()
    assert any(r.getMessage().startswith("request-too-large") for r in caplog.records)


def test_a_body_within_the_cap_goes_through(client, db):
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_connection_opened_for_a_web_request_has_a_statement_timeout_and_no_jit(client, settings):
    from django.db import connection

    connection.close()
    client.get("/")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    connection.close()
    with connection.cursor() as cursor:  # outside a request (commands, imports): no limit
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


def test_a_cancelled_statement_becomes_a_page_that_says_what_to_do(rf):
    from django.db import OperationalError
    from psycopg import errors

    from budget.middleware import RequestLimitsMiddleware

    try:
        try:
            raise errors.QueryCanceled("canceling statement due to statement timeout")
        except errors.QueryCanceled as cancelled:
            raise OperationalError("wrapped") from cancelled
    except OperationalError as exc:
        response = RequestLimitsMiddleware(lambda r: None).process_exception(rf.get("/indicators/?q=x"), exc)
    assert response.status_code == 503
    assert "这次查询耗时过长,已停止。" in response.content.decode()


# -- logins ---------------------------------------------------------------------------------


def test_after_ten_wrong_passwords_the_right_one_does_not_sign_in(client, django_user_model, caplog):
    django_user_model.objects.create_superuser("boss", "", "correct-horse-battery")
    with caplog.at_level("WARNING", logger="budget.security"):
        for _ in range(20):
            client.post("/admin/login/", {"username": "boss", "password": "wrong-password"})
        response = client.post("/admin/login/", {"username": "boss", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    messages = [r.getMessage() for r in caplog.records]
    assert sum(m.startswith("login-failed ") for m in messages) >= 10
    assert any(m.startswith("login-locked-out ") and "username='boss'" in m for m in messages)


def test_a_few_wrong_passwords_do_not_lock_anyone_out(client, django_user_model):
    django_user_model.objects.create_superuser("boss", "", "correct-horse-battery")
    for _ in range(3):
        client.post("/admin/login/", {"username": "boss", "password": "wrong-password"})
    response = client.post("/admin/login/", {"username": "boss", "password": "correct-horse-battery"})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_session_idle_for_over_an_hour_is_signed_out(admin_client):
    assert admin_client.get("/admin/").status_code == 200
    session = admin_client.session
    session["seen"] = int(time.time()) - 3601
    session.save()
    response = admin_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_sessions_last_eight_hours_and_passwords_twelve_characters(settings, django_user_model):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600 and settings.SESSION_IDLE_SECONDS == 3600
    with pytest.raises(ValidationError) as short:
        validate_password("Tr0ub4dor&3")
    assert "12" in " ".join(short.value.messages)
    with pytest.raises(ValidationError):
        validate_password("password12345")  # common
    user = django_user_model(username="zhangsan-finance")
    with pytest.raises(ValidationError):
        validate_password("zhangsan-finance1", user)  # too like the user name
    validate_password("correct-horse-battery")


# -- headers --------------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy_and_a_permissions_policy(client, reference_table):
    response = client.get("/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("name", ["overview.html", "department.html", "project.html", "explorer.html", "base.html"])
def test_templates_hold_no_inline_script_or_style(name):
    text = (ROOT / "templates" / "budget" / name if name != "base.html" else ROOT / "templates" / name).read_text()
    assert "style=" not in text and "<style" not in text
    assert "<script>" not in text and " on" + "click=" not in text


def test_every_chart_colour_has_a_swatch_class():
    from budget import charts

    css = (ROOT / "static" / "css" / "site.css").read_text()
    for colour in [
        *charts.SOURCE_COLOURS.values(),
        *charts.LEVEL1_COLOURS.values(),
        *charts.SPARE_COLOURS,
        charts.TOTAL_COLOUR,
        charts.REST_COLOUR,
        charts.PEER_COLOUR,
        charts.OWN_COLOUR,
    ]:
        assert f".sw-{colour[1:]} {{ background: {colour}; }}" in css


# -- uploads --------------------------------------------------------------------------------


def test_an_upload_previewed_and_never_confirmed_is_deleted_after_a_day(admin_client, db, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from budget.uploads import pending_dir

    stale, fresh = pending_dir() / "stale-upload", pending_dir() / "fresh-upload"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 25 * 3600,) * 2)
    fresh.write_bytes(b"x")
    upload = SimpleUploadedFile(REFERENCE.name, REFERENCE.read_bytes())
    admin_client.post(reverse("admin:budget_import"), {"file": upload, "year": "2021"})
    assert not stale.exists() and fresh.exists()
    fresh.unlink()


def test_the_import_preview_lists_the_first_problems_and_counts_them_all(admin_client, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("办证大厅窗口服务经费"))
    bad = [lines[at].replace("199.00", "很多", 1).replace("办证大厅窗口服务经费", f"坏项目{n}") for n in range(1500)]
    text = "\n".join(lines[:at] + bad + lines[at:])
    response = admin_client.post(
        reverse("admin:budget_import"), {"file": SimpleUploadedFile("bad.txt", text.encode()), "year": "2021"}
    )
    body = response.content.decode()
    listed = body.split('<ul class="errorlist import-problems">')[1].split("</ul>")[0]
    assert listed.count("<li>") == 100 and "不是有效的金额" in listed
    assert "以上是前 100 处;请先改正这些,再重新上传。" in body
    assert response.context["problem_count"] >= 1500


# -- spreadsheets ---------------------------------------------------------------------------


def test_spreadsheet_exports_hold_numbers_as_numbers_and_no_text_formula(db, write_file, tmp_path):
    from openpyxl import load_workbook

    text = REFERENCE.read_text(encoding="utf-8").replace("办证大厅窗口服务经费", "-1+1").replace("工作天数", "=SUM(A1)")
    import_table(write_file("evil.txt", text), filename="evil.txt", year=2021)
    path = tmp_path / "out.xlsx"
    export_rows.write_xlsx(export_rows.indicator_rows(), path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    header = rows[0]
    first = dict(zip(header, rows[1]))
    assert first["项目名称"] == "'-1+1" and first["三级指标"] == "'=SUM(A1)"
    assert first["项目总计(万元)"] == 199 and isinstance(first["目标值"], (int, float)) and first["目标值"] == 22
    assert first["比较符"] == "＝"
    comparators = {dict(zip(header, r))["比较符"] for r in rows[1:]}
    assert comparators <= {"≥", "≤", "＝", ">", "<", None, ""} and "≥" in comparators
    out = io.StringIO()
    export_rows.write_csv(export_rows.indicator_rows(), out)
    line = next(row for row in out.getvalue().splitlines() if "=SUM" in row)
    assert "'-1+1" in line and ",199.00," in line and ",＝,22," in line


# -- the production server ------------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(db):
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_HSTS_SECONDS": "0",
    }
    # As `make serve` does: production pages name the collected, content-hashed static files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "budget.wsgi",
            "-c",
            "budget/gunicorn_conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(10)


def _raw(port, request: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        return s.recv(65536).decode("utf-8", "replace")


def test_the_production_server_names_no_software_and_refuses_a_huge_body_at_once(gunicorn):
    head = _raw(gunicorn, b"GET /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert head.startswith("HTTP/1.1 200") and "\r\nserver:" not in head.lower()
    started = time.monotonic()
    answer = _raw(
        gunicorn,
        b"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream"
        b"\r\nContent-Length: 2147483648\r\n\r\n" + b"x" * 1024,
    )
    assert answer.startswith("HTTP/1.1 413") and time.monotonic() - started < 5
