"""Upload → preview → confirm, the same for every admin import (targets, self-evaluation, monitoring).

An upload is read once. The upload step parses the file into its records (a ParsedTable, a self-evaluation's
rows, a monitoring table's blocks) and previews them with a dry run of the write; the file itself is then
deleted. The records wait in var/uploads, sealed with the site's secret, under a random token that the user's
session must hold, together with the user and the file's hash. The confirmation writes those records — the file
is never parsed again — and re-checks, in the same transaction as the write, what may have changed since the
preview: the approval lock (the writers check it under their lock) and the user's departments. Records
previewed and never confirmed are deleted after UPLOADS_KEPT_HOURS.

The pages themselves are ModelAdmin methods (UploadPages), in the shape of Django's
UserAdmin.user_change_password: wired through get_urls(), permissions asked of the ModelAdmin.
"""

import hashlib
import pickle
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from budget import security
from budget.importing.importer import cyclic_gc_paused
from budget.importing.problems import ImportFailed, Problem

PROBLEMS_SHOWN = 100  # the preview lists the first problems and says how many there are
TOKEN = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16): nothing else names a file in the pending folder
SEAL_SALT = "budget.uploads.records"
SEAL_BYTES = 32  # an HMAC-SHA256


@dataclass(frozen=True)
class Upload:
    """One kind of upload: how its file is read into records, how records are written, what a result is about."""

    prefix: str  # of its session keys
    read: Callable  # (path, filename=, **options) → records; raises ImportFailed with every problem
    write: Callable  # (records, user=, dry_run=) → result; raises ImportFailed
    about: Callable  # result → (department name, year)
    event: str = "import"  # in the security log


class UploadForm(forms.Form):
    """The file field and the size cap every upload shares; subclasses add their options."""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件过大({size} MB),上限 {limit} MB").format(
                size=round(upload.size / 2**20, 1), limit=settings.IMPORT_MAX_UPLOAD_BYTES // 2**20))
        return upload

    def options(self) -> dict:
        """The importer's options: every field but the file, an empty one as not given."""
        return {k: (None if v == "" else v) for k, v in self.cleaned_data.items() if k != "file"}


def pending_dir() -> Path:
    folder = Path(settings.BASE_DIR) / "var" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def forget_stale_uploads() -> None:
    cutoff = time.time() - settings.UPLOADS_KEPT_HOURS * 3600
    for path in pending_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def check_department(user, department: str, filename: str):
    from budget.admin import sees_all

    if not sees_all(user) and not user.edited_departments.filter(name=department).exists():
        raise ImportFailed([Problem(filename, None, None, department, "不是您负责的部门,您只能导入本部门的数据")])


def preview(request, upload, kind: Upload, options: dict) -> dict:
    """Parse `upload` once and dry-run the write of its records. Returns the page's context: the problems and
    their count, or the result and the token that confirms it."""
    forget_stale_uploads()
    token = secrets.token_hex(16)
    saved = pending_dir() / token
    sha256 = _save(upload, saved)
    name = Path(upload.name).name
    try:
        with security.unbounded_statements():
            records = kind.read(saved, filename=name, **options)
            result = kind.write(records, user=request.user, dry_run=True)
        check_department(request.user, kind.about(result)[0], name)
    except ImportFailed as failed:
        return {"problems": failed.problems[:PROBLEMS_SHOWN], "problem_count": failed.total}
    finally:
        saved.unlink(missing_ok=True)  # what the confirmation writes is the records, not the file
    _keep(token, request.user, sha256, records)
    request.session[f"{kind.prefix}-{token}"] = {"name": name, "sha256": sha256}
    return {"preview": result, "token": token}


def confirm(request, kind: Upload, *, back: str, done: str):
    """Write the previewed records; back to the upload page (`back`) on a problem, else to `done`."""
    token = request.POST.get("token", "")
    held = request.session.pop(f"{kind.prefix}-{token}", None) if TOKEN.fullmatch(token) else None
    records = _take(token, request.user, held["sha256"]) if held else None
    if records is None:
        messages.error(request, _("预览已过期,请重新上传"))
        return redirect(back)
    name = held["name"]
    try:
        with security.unbounded_statements(), transaction.atomic():
            result = kind.write(records, user=request.user)
            # In the write's transaction: departments taken from the user since the preview undo it.
            department, year = kind.about(result)
            check_department(request.user, department, name)
    except ImportFailed as failed:
        security.event("import-refused", request, file=name, problems=failed.total)
        messages.error(request, "\n".join(str(p) for p in failed.problems[:20]))
        return redirect(back)
    security.event(kind.event, request, file=name, department=department, year=year)
    messages.success(request, _("导入完成: ") + result.summary())
    return redirect(done)


def _save(upload, path: Path) -> str:
    """The upload written to `path`; its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _seal(data: bytes) -> bytes:
    return salted_hmac(SEAL_SALT, data, algorithm="sha256").digest()


def _keep(token: str, user, sha256: str, records) -> None:
    """Pickled, and sealed: only bytes this site wrote are ever unpickled."""
    data = pickle.dumps((user.pk, sha256, records), protocol=pickle.HIGHEST_PROTOCOL)
    (pending_dir() / f"{token}.records").write_bytes(_seal(data) + data)


def _take(token: str, user, sha256: str):
    """The records kept under `token` for this user and file, once; None when missing, altered or not theirs."""
    path = pending_dir() / f"{token}.records"
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    finally:
        path.unlink(missing_ok=True)  # one confirmation per preview
    seal, data = blob[:SEAL_BYTES], blob[SEAL_BYTES:]
    if not constant_time_compare(seal, _seal(data)):
        return None
    with cyclic_gc_paused():  # a national table's records are a million objects
        owner, digest, records = pickle.loads(data)
    return records if owner == user.pk and digest == sha256 else None


class UploadPages:
    """ModelAdmin methods behind an upload page; the caller has asked the ModelAdmin's permission first."""

    def upload_page(self, request, kind: Upload, form_class, *, title, template, url_name, done, extra=None):
        """The upload form, its preview (with `extra(result)` added to the context), and the confirmation."""
        site = self.admin_site
        if request.method == "POST" and "token" in request.POST:
            return confirm(request, kind, back=reverse(f"{site.name}:{url_name}"),
                           done=reverse(f"{site.name}:{done}"))
        form = form_class(request.POST or None, request.FILES or None)
        context = {**site.each_context(request), "title": title, "form": form, "opts": self.opts,
                   "has_view_permission": self.has_view_permission(request)}
        if request.method == "POST" and form.is_valid():
            context.update(preview(request, form.cleaned_data["file"], kind, form.options()))
            if extra and "preview" in context:
                context.update(extra(context["preview"]))
        request.current_app = site.name
        return TemplateResponse(request, template, context)
