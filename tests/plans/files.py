"""Documents made for the tests: a Word file with the structure a study text has, one crafted to
carry script and outside pictures, PDFs plain, password-protected, restricted and broken, and the
first bytes of a video."""

from __future__ import annotations

import hashlib
import io

import docx
import mammoth
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches
from PIL import Image

EVIL_PICTURE = "http://evil.example/track.png"
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def _png(width: int = 40, height: int = 20, colour: tuple[int, int, int] = (200, 0, 0)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    out.seek(0)
    return out


def study_docx() -> bytes:
    """A heading, paragraphs, both kinds of list, a table, emphasis and a picture."""
    document = docx.Document()
    document.add_heading("学习贯彻习近平新时代中国特色社会主义思想", 1)
    paragraph = document.add_paragraph("全面从严治党永远在路上，")
    paragraph.add_run("党的自我革命永远在路上").bold = True
    paragraph.add_run("。")
    for line in ["坚持党的全面领导", "坚持以人民为中心", "坚持全面依法治国", "坚持新发展理念"]:
        document.add_paragraph(line, style="List Bullet")
    document.add_paragraph("学习要求", style="List Number")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "时间"
    table.cell(0, 1).text = "内容"
    table.cell(1, 0).text = "周一"
    table.cell(1, 1).text = "原文通读"
    document.add_picture(_png(), width=Inches(1))
    for number in range(1, 9):
        document.add_paragraph(
            f"第{number}部分：深刻领会党的创新理论的科学体系、精髓要义和实践要求，"
            "把学习成果转化为做好检察工作的实际成效。"
        )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def crafted_docx() -> bytes:
    """A Word file trying every way in: markup typed as text, a javascript: link, a picture linked
    from outside, a picture embedding an outside address, an SVG with script
    passed off as a PNG, and a style map inside the file that turns every paragraph into a
    <script>."""
    document = docx.Document()
    document.add_paragraph('可见的正文 <script>alert("typed")</script> <img src=x onerror=alert(1)>')
    link = document.add_paragraph("链接：")
    rid = document.part.relate_to("javascript:alert(document.cookie)", RT.HYPERLINK, is_external=True)
    link._p.append(
        parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{rid}"><w:r><w:t>点我</w:t></w:r></w:hyperlink>')
    )
    document.add_picture(_png(colour=(0, 0, 200)), width=Inches(1))  # linked from outside, below
    document.add_picture(_png(colour=(0, 200, 0)), width=Inches(1))  # becomes the SVG, below
    document.add_picture(_png(colour=(200, 200, 0)), width=Inches(1))  # embeds an outside address
    blips = document.element.body.findall(".//" + qn("a:blip"))
    outside = document.part.relate_to(EVIL_PICTURE, RT.IMAGE, is_external=True)
    del blips[0].attrib[qn("r:embed")]
    blips[0].set(qn("r:link"), outside)
    blips[2].set(qn("r:embed"), document.part.relate_to(EVIL_PICTURE, RT.IMAGE, is_external=True))
    svg_part = document.part.related_parts[blips[1].get(qn("r:embed"))]
    svg_part._blob = SVG_WITH_SCRIPT
    out = io.BytesIO()
    document.save(out)
    mammoth.embed_style_map(out, "p => script")
    return out.getvalue()


def pdf(pages: int = 2) -> bytes:
    """A PDF of A4 pages, each a picture with a red band at the top."""
    images = []
    for _number in range(pages):
        page = Image.new("RGB", (595, 842), "white")
        page.paste((190, 0, 0), (0, 0, 595, 80))
        images.append(page)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def encrypted_pdf(*, opens_without_password: bool) -> bytes:
    """A one-page PDF under the standard security handler (revision 2, RC4 40-bit). Either its owner
    only restricted it (the empty user password opens it), or it takes a password to open."""
    file_id = hashlib.md5(b"studyhall").digest()
    permissions = -44  # printing and copying not allowed
    owner = _rc4(hashlib.md5(_PAD).digest()[:5], _PAD)
    if opens_without_password:
        key = hashlib.md5(_PAD + owner + permissions.to_bytes(4, "little", signed=True) + file_id).digest()[
            :5
        ]
        user = _rc4(key, _PAD)
    else:
        user = hashlib.sha256(b"not the empty password").digest()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner.hex().encode(), user.hex().encode(), permissions),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\n" % (
        len(objects) + 1,
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def mp4(size: int = 4096) -> bytes:
    """An MP4's opening box followed by filler: what the server checks and serves, not a film."""
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return head + bytes(index % 251 for index in range(size - len(head)))
