"""Upload → preview → confirm, the same for every admin import (targets, self-evaluation, monitoring).

The preview is a dry run of the importer on the saved file; the confirmation runs it again for real, with the
department checked both times. The file waits in var/uploads between the two steps, named by a random token that
the user's session must hold; a previewed file never confirmed is deleted after UPLOADS_KEPT_HOURS.
"""

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from budget import security
from budget.importing.problems import ImportFailed, Problem

PROBLEMS_SHOWN = 100  # the preview lists the first problems and says how many there are


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


def preview(request, upload, prefix: str, run, about, options: dict) -> dict:
    """Save the validated `upload` and dry-run `run(path, filename=, dry_run=True, **options)` on it. `about(result)`
    gives (department, year). Returns the page's context: the problems and their count, or the result and the
    token that confirms it."""
    forget_stale_uploads()
    token = secrets.token_hex(16)
    saved = pending_dir() / token
    with saved.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    name = Path(upload.name).name
    try:
        with security.unbounded_statements():
            result = run(saved, filename=name, dry_run=True, **options)
        check_department(request.user, about(result)[0], name)
    except ImportFailed as failed:
        saved.unlink()
        return {"problems": failed.problems[:PROBLEMS_SHOWN], "problem_count": failed.total}
    request.session[f"{prefix}-{token}"] = {"name": name, **options}
    return {"preview": result, "token": token}


def confirm(request, prefix: str, run, about, *, back: str, done: str, event: str = "import"):
    """Run the previewed import for real; back to the upload page (`back`) on a problem, else to `done`."""
    token = request.POST["token"]
    options = request.session.pop(f"{prefix}-{token}", None)
    saved = pending_dir() / token
    if options is None or not token.isalnum() or not saved.exists():
        messages.error(request, _("预览已过期,请重新上传"))
        return redirect(back)
    name = options.pop("name")
    try:
        with security.unbounded_statements():
            checked = run(saved, filename=name, dry_run=True, **options)
            check_department(request.user, about(checked)[0], name)
            result = run(saved, filename=name, user=request.user, **options)
    except ImportFailed as failed:
        security.event("import-refused", request, file=name, problems=failed.total)
        messages.error(request, "\n".join(str(p) for p in failed.problems[:20]))
        return redirect(back)
    finally:
        saved.unlink(missing_ok=True)
    department, year = about(checked)
    security.event(event, request, file=name, department=department, year=year)
    messages.success(request, _("导入完成: ") + result.summary())
    return redirect(done)
