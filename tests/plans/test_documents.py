"""Documents of read and watch items: uploads checked and kept by kind and size, a .docx turned into
sanitised HTML (a crafted one rendered inert), PDF pages drawn as images, a video served in ranges,
and every file only to those an item showing it is for."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from studyhall import db
from studyhall.accounts.models import AuditEvent, Branch
from studyhall.errors import DomainError
from studyhall.plans import document_formats, documents
from studyhall.plans import service as plans
from studyhall.plans.documents import Document, DocumentKind
from studyhall.plans.models import ItemKind
from studyhall.plans.service import ItemSpec, PlanSpec
from tests.conftest import PASSWORD, START, Auth
from tests.plans import files
from tests.plans.test_service import DUE, MONDAY, PlanPeriod, user


def upload(client, name: str, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
    """Post the file as a browser does. The body is built here, in memory: the test client's own
    encoding spills a large body to a temporary file that nothing closes."""
    boundary, body = encode_multipart({**fields, "file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(
        "/plans/documents", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def get(client, address: str, **kwargs):  # type: ignore[no-untyped-def]
    """A GET whose body is read and whose file (a send_file response) is closed."""
    response = client.get(address, **kwargs)
    response.get_data()
    response.close()
    return response


def only_document(session) -> Document:  # type: ignore[no-untyped-def]
    return session.scalars(select(Document)).one()


def stored_files(app) -> list[str]:  # type: ignore[no-untyped-def]
    root = Path(app.config["DOCUMENTS_PATH"])
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def publish_item(app, document_id: int, kind: ItemKind = ItemKind.READ, **audience) -> int:  # type: ignore[no-untyped-def]
    """A published plan with one item showing the document; the item's id."""
    with app.app_context(), db.new_session() as session:
        admin = user(session, "admin1")
        item = ItemSpec(kind, "学习材料", DUE, document_id=document_id, min_seconds=60, **audience)
        plan = plans.save_plan(
            session, admin, PlanSpec(PlanPeriod.WEEK, MONDAY, "学习", items=[item]), now=START
        )
        plans.schedule(session, admin, plan.id, None, now=START)
        session.commit()
        return plan.items[0].id


def branch_id(session, name: str) -> int:  # type: ignore[no-untyped-def]
    return session.scalars(select(Branch.id).where(Branch.name == name)).one()


@pytest.fixture
def signed_in_admin(org, auth: Auth) -> Auth:
    auth.login("admin1")
    return auth


# ---- .docx ---------------------------------------------------------------------------------------


def test_a_docx_is_shown_as_its_text_structure_with_its_picture_served_by_the_app(
    app, client, session, signed_in_admin
):
    response = upload(client, "学习材料.docx", files.study_docx())
    assert response.status_code == 302
    document = only_document(session)
    assert document.kind is DocumentKind.DOCX and document.filename == "学习材料.docx"
    html = document.html
    assert "<h1>学习贯彻习近平新时代中国特色社会主义思想</h1>" in html
    assert "<strong>党的自我革命永远在路上</strong>" in html
    assert "<ul><li>坚持党的全面领导</li>" in html and "<ol><li>学习要求</li></ol>" in html
    assert "<td><p>原文通读</p></td>" in html
    [source] = re.findall(r'<img src="([^"]+)"', html)
    assert source == f"/documents/{document.id}/images/1.png"
    picture = get(client, source)
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data.startswith(b"\x89PNG")
    shown = client.get(f"/plans/documents/{document.id}").get_data(as_text=True)
    assert "<h1>学习贯彻习近平新时代中国特色社会主义思想</h1>" in shown


def test_a_crafted_docx_renders_inert(app, client, session, signed_in_admin):
    """Script typed as text stays text; a javascript: link loses its address; a picture linked from
    outside is never fetched nor shown; an SVG with script dressed as a PNG is left out; a style map
    inside the file that would turn paragraphs into <script> is not applied."""
    assert upload(client, "crafted.docx", files.crafted_docx()).status_code == 302
    html = only_document(session).html
    assert '可见的正文 &lt;script&gt;alert("typed")&lt;/script&gt;' in html
    assert "链接：<a" in html and "点我</a>" in html
    assert "<script" not in html.lower() and "javascript:" not in html
    assert "onerror=" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "<img" not in html and "evil.example" not in html and "svg" not in html.lower()
    assert "style=" not in html
    page = client.get(f"/plans/documents/{only_document(session).id}").get_data(as_text=True)
    assert "<script>alert" not in page and "javascript:" not in page


def test_the_sanitiser_keeps_text_structure_and_only_the_documents_own_pictures():
    dirty = (
        '<h2 style="color:red" onclick="x()">标题</h2><p class="c">段落<b>粗</b><em>斜</em></p>'
        '<table><tr><td colspan="2" onmouseover="x()">格</td></tr></table>'
        '<img src="/documents/7/images/1.png" onerror="x()"><img src="/documents/8/images/1.png">'
        '<img src="http://evil.example/a.png"><img src="data:image/png;base64,AAAA">'
        '<a href="#doc-footnote-1" id="doc-footnote-ref-1">[1]</a><a href="https://evil.example" id="main">外链</a>'
        "<iframe src=/x></iframe><form><input></form><style>p{}</style><script>x()</script>"
    )
    clean = document_formats.sanitise(dirty, "/documents/7/images/")
    assert clean == (
        "<h2>标题</h2><p>段落<b>粗</b><em>斜</em></p>"
        '<table><tbody><tr><td colspan="2">格</td></tr></tbody></table>'
        '<img src="/documents/7/images/1.png"><img><img><img>'
        '<a href="#doc-footnote-1" id="doc-footnote-ref-1" rel="noopener noreferrer">[1]</a>'
        '<a rel="noopener noreferrer">外链</a>'
    )


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_kept(
    app, client, session, signed_in_admin
):
    cases = [
        ("notes.txt", b"hello", "请上传 .docx、.pdf、.mp4 或 .webm 文件"),
        ("fake.docx", b"%PDF-1.4 not a word file", "不是 Word 文档"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "不是有效的 docx 文件"),
        ("fake.mp4", files.pdf(), "不是 MP4 视频"),
        ("empty.pdf", b"", "文件是空的"),
    ]
    for name, data, message in cases:
        page = upload(client, name, data).get_data(as_text=True)
        assert message in page, name
    assert session.scalars(select(Document)).all() == []
    assert stored_files(app) == []


# ---- PDF -----------------------------------------------------------------------------------------


def test_a_pdf_is_read_as_page_images_drawn_once_and_kept(app, client, session, signed_in_admin):
    assert upload(client, "通知.pdf", files.pdf(pages=2)).status_code == 302
    document = only_document(session)
    assert document.kind is DocumentKind.PDF and document.page_sizes == [[595.0, 842.0], [595.0, 842.0]]
    shown = client.get(f"/plans/documents/{document.id}").get_data(as_text=True)
    assert shown.count(f'src="/documents/{document.id}/pages/') == 2
    assert (
        f'href="/documents/{document.id}/pages/1.png" class="document-page"' in shown
    )  # opens alone to zoom
    first = get(client, f"/documents/{document.id}/pages/1.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    with Image.open(io.BytesIO(first.data)) as picture:
        assert picture.width == document_formats.PAGE_WIDTH_PX
        red, green, blue = picture.getpixel((10, 10))[:3]  # the band at the top (JPEG inside the PDF)
        assert red > 150 and green < 30 and blue < 30
    kept = Path(app.config["DOCUMENTS_PATH"]) / f"{document.path}.parts" / "pages" / "1.png"
    assert kept.read_bytes() == first.data
    assert get(client, f"/documents/{document.id}/pages/3.png").status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        files.encrypted_pdf(opens_without_password=False),
        files.encrypted_pdf(opens_without_password=True),
    ],
    ids=["password", "owner-restricted"],
)
def test_a_protected_pdf_is_refused_saying_why(app, client, session, signed_in_admin, data):
    page = upload(client, "加密.pdf", data).get_data(as_text=True)
    assert "该 PDF 受密码或权限保护" in page
    assert session.scalars(select(Document)).all() == []


def test_a_broken_pdf_is_refused_saying_so(app, client, session, signed_in_admin):
    page = upload(client, "坏.pdf", b"%PDF-1.7\n1 0 obj <<<< garbage").get_data(as_text=True)
    assert "PDF 文件已损坏或不是 PDF" in page
    assert session.scalars(select(Document)).all() == []


# ---- video and limits ----------------------------------------------------------------------------


def test_a_video_is_served_in_ranges_so_a_phone_can_seek(app, client, session, signed_in_admin):
    data = files.mp4(10_000)
    assert upload(client, "党课.mp4", data).status_code == 302
    document = only_document(session)
    assert (document.kind, document.content_type, document.size) == (DocumentKind.VIDEO, "video/mp4", 10_000)
    whole = get(client, f"/documents/{document.id}/file")
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "private" in whole.headers["Cache-Control"] and "public" not in whole.headers["Cache-Control"]
    part = get(client, f"/documents/{document.id}/file", headers={"Range": "bytes=5000-5099"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == "bytes 5000-5099/10000"
    assert part.data == data[5000:5100]


def test_a_video_larger_than_other_uploads_may_be_is_accepted_with_csrf_on(app, client, session, org, auth):
    """The app's upload limit is 1 MB here and a video's 3 MB: a planner's form (its CSRF token
    included) is read with the video's limit, and a file past that is refused before it is read."""
    app.config.update(
        WTF_CSRF_ENABLED=True,
        MAX_CONTENT_LENGTH=1024 * 1024,
        DOCUMENT_MAX_BYTES=512 * 1024,
        VIDEO_MAX_BYTES=3 * 1024 * 1024,
    )
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": token})
    page = client.get("/plans/documents").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    big = files.mp4(2 * 1024 * 1024)
    assert upload(client, "大会.mp4", big, csrf_token=token).status_code == 302
    assert only_document(session).size == len(big)
    too_big = upload(client, "太大.mp4", files.mp4(3 * 1024 * 1024), csrf_token=token)
    assert too_big.status_code == 413
    assert "上限为 3 MB" in too_big.get_data(as_text=True)
    # Signed out, the usual limit holds: a large body is refused before anything reads it.
    client.post("/logout", data={"csrf_token": token})
    assert upload(client, "大会.mp4", big, csrf_token=token).status_code == 413


def test_a_document_is_held_to_its_kinds_own_limit(app, client, session, signed_in_admin):
    app.config.update(DOCUMENT_MAX_BYTES=64 * 1024, VIDEO_MAX_BYTES=1024 * 1024)
    page = upload(client, "厚.pdf", files.pdf(pages=1) + b"\n%" + b"x" * 70 * 1024).get_data(as_text=True)
    assert "上限为 0.0625 MB" in page
    assert session.scalars(select(Document)).all() == [] and stored_files(app) == []


class ChunkedOnly(io.RawIOBase):
    """An upload stream that refuses to be read whole: each read must ask for a bounded chunk."""

    def __init__(self, data: bytes) -> None:
        self.source = io.BytesIO(data)
        self.largest = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert 0 < size <= documents.CHUNK, "read whole"
        self.largest = max(self.largest, size)
        return self.source.read(size)


def test_an_upload_is_copied_to_disk_a_chunk_at_a_time(app, org, tmp_path):
    data = files.mp4(3 * documents.CHUNK + 17)
    stream = ChunkedOnly(data)
    with app.app_context(), db.new_session() as session:
        document = documents.store(
            session,
            user(session, "admin1"),
            "长视频.mp4",
            stream,
            root=tmp_path,
            limits={kind: 10 * documents.CHUNK for kind in DocumentKind},
            image_url=lambda document_id, name: name,
            now=START,
        )
        assert (tmp_path / document.path).read_bytes() == data
        assert document.sha256 == hashlib.sha256(data).hexdigest()
        assert stream.largest == documents.CHUNK


def test_the_same_file_uploaded_twice_is_stored_once(app, client, session, signed_in_admin):
    data = files.pdf(pages=1)
    upload(client, "一.pdf", data)
    upload(client, "二.pdf", data)
    rows = session.scalars(select(Document).order_by(Document.id)).all()
    assert [row.filename for row in rows] == ["一.pdf", "二.pdf"] and rows[0].path == rows[1].path
    assert stored_files(app) == [rows[0].path]
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "document.upload")).all()
    assert [event.target for event in audit] == ["一.pdf", "二.pdf"]


# ---- who may see a document ----------------------------------------------------------------------


def test_a_document_reaches_only_those_an_item_showing_it_is_for(
    app, client, session, signed_in_admin, frozen_now
):
    upload(client, "党课.mp4", files.mp4())
    upload(client, "通知.pdf", files.pdf(pages=1))
    upload(client, "材料.docx", files.study_docx())
    video, notice, text = session.scalars(select(Document).order_by(Document.id)).all()
    publish_item(app, video.id, ItemKind.WATCH, branch_ids=[branch_id(session, "第一党支部")])
    publish_item(app, notice.id, branch_ids=[branch_id(session, "第一党支部")])
    publish_item(app, text.id, branch_ids=[branch_id(session, "第一党支部")])
    addresses = [
        f"/documents/{video.id}/file",
        f"/documents/{notice.id}/pages/1.png",
        f"/documents/{text.id}/images/1.png",
    ]
    signed_in_admin.logout()
    for username, expected in [("10002", 200), ("20001", 404), ("sec1", 200)]:  # in a 党小组 below; elsewhere
        signed_in_admin.login(username)
        assert [get(client, address).status_code for address in addresses] == [expected] * 3, username
        signed_in_admin.logout()


def test_a_document_of_a_plan_not_yet_published_is_not_found(app, client, session, signed_in_admin):
    upload(client, "党课.mp4", files.mp4())
    video = only_document(session)
    with app.app_context(), db.new_session() as writing:
        admin = user(writing, "admin1")
        item = ItemSpec(ItemKind.WATCH, "党课", DUE, document_id=video.id)
        plan = plans.save_plan(
            writing, admin, PlanSpec(PlanPeriod.WEEK, MONDAY, "学习", items=[item]), now=START
        )
        plans.schedule(writing, admin, plan.id, START + timedelta(days=1), now=START)
        writing.commit()
    signed_in_admin.logout()
    signed_in_admin.login("10001")
    assert get(client, f"/documents/{video.id}/file").status_code == 404


def test_only_planners_list_and_upload_documents(app, client, session, org, auth):
    auth.login("10001")
    assert client.get("/plans/documents").status_code == 403
    assert upload(client, "x.pdf", files.pdf()).status_code == 403
    auth.logout()
    auth.login("sec1")
    assert upload(client, "支部.pdf", files.pdf()).status_code == 302
    assert only_document(session).uploaded_by_id == user(session, "sec1").id


def test_a_reading_item_takes_a_text_and_a_watching_item_a_video(app, client, session, signed_in_admin):
    upload(client, "党课.mp4", files.mp4())
    upload(client, "通知.pdf", files.pdf(pages=1))
    upload(client, "材料.docx", files.study_docx())
    video, notice, text = session.scalars(select(Document).order_by(Document.id)).all()
    assert [row.id for row in documents.attachable(session, ItemKind.READ)] == [text.id, notice.id]
    assert [row.id for row in documents.attachable(session, ItemKind.WATCH)] == [video.id]
    assert documents.attachable(session, ItemKind.MEETING) == []
    documents.check_attachable(session, text.id, ItemKind.READ)
    documents.check_attachable(session, video.id, ItemKind.WATCH)
    for document_id, kind in [(video.id, ItemKind.READ), (notice.id, ItemKind.WATCH), (999, ItemKind.READ)]:
        with app.test_request_context(), pytest.raises(DomainError, match="请选择该任务能显示的文档"):
            documents.check_attachable(session, document_id, kind)
