"""Readers of structured formats on real reports: each table row must come out as one TAB line, in order.

Expected rows were read by eye: from the HTML markup (010, 011) and from the rendered PDF pages (pdftoppm) for
003/004/005.
"""

from __future__ import annotations

import ctypes
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest

from giar import extract
from giar.read import read
from giar.read.detect import detect
from giar.read.docx import read_docx
from giar.read.html import read_html
from giar.read.ideographs import COMPATIBILITY, KANGXI, SUPPLEMENT, map_ideographs
from giar.read.pdf import read_pdf

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
G3 = "三、本年度办理结果"


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def assert_rows_in_order(text: str, rows: list[str]) -> None:
    """Every row is a whole line of the text, and they come in the given order."""
    lines = lines_of(text)
    at = -1
    for row in rows:
        assert row in lines, f"missing row {row!r}"
        assert row in lines[at + 1 :], f"row out of order: {row!r}"
        at = lines.index(row, at + 1)


def table_block(text: str, first: str, last: str) -> list[str]:
    """The lines from the one starting with ``first`` to the one starting with ``last``: they must be one
    table, no blank line (no block break) inside."""
    lines = lines_of(text)
    i = next(n for n, line in enumerate(lines) if line.startswith(first))
    j = next(n for n, line in enumerate(lines) if line.startswith(last) and n > i)
    block = lines[i : j + 1]
    assert all(block), "a blank line breaks the table"
    return block


@pytest.fixture(scope="module")
def pdfs() -> dict[str, object]:
    return {
        name: read_pdf((CORPUS / f"{name}.pdf").read_bytes(), name)
        for name in ("003_huaian-gov-2024", "004_hongze-district-2023", "005_hongze-district-2024")
    }


# --- HTML -------------------------------------------------------------------------------------------------


def test_html_010_rowspan_repeated_colspan_once():
    doc = read_html((CORPUS / "010_hangzhou-style-city-2025-fixture.html").read_bytes(), "010")
    assert doc.format == "html"
    assert lines_of(doc.text)[0] == "测试市2025年政府信息公开工作年度报告"  # <title>, not in the body
    assert_rows_in_order(
        doc.text,
        [
            "规章\t3\t5\t74",
            "行政许可\t11398889",  # colspan=3: once, no placeholder cells
            "行政事业性收费\t316441",
            "一、本年新收政府信息公开申请数量\t13612\t252\t0\t45\t128\t32\t14069",
            "二、上年结转政府信息公开申请数量\t535\t6\t0\t1\t18\t0\t560",
            f"{G3}\t（一）予以公开\t5345\t129\t0\t41\t19\t14\t5548",
            f"{G3}\t（三）不予公开\t1.属于国家秘密\t13\t0\t0\t0\t0\t0\t13",
            f"{G3}\t（三）不予公开\t8.属于行政查询事项\t147\t0\t0\t0\t1\t2\t150",
            f"{G3}\t（四）无法提供\t1.本机关不掌握相关政府信息\t3075\t50\t0\t0\t89\t8\t3222",
            f"{G3}\t（六）其他处理\t3.其他\t941\t17\t0\t1\t3\t3\t965",
            f"{G3}\t（七）总计\t13364\t252\t0\t44\t121\t29\t13810",
            "四、结转下年度继续办理\t783\t6\t0\t2\t25\t3\t819",
            "376\t97\t196\t121\t790\t16\t1\t12\t27\t56\t74\t1\t30\t51\t156",
        ],
    )
    assert len(table_block(doc.text, "一、本年新收", "四、结转下年度")) == 25
    assert "三、收到和处理政府信息公开申请情况" in lines_of(doc.text)


def test_html_011_blank_cells_keep_their_positions():
    doc = read_html((CORPUS / "011_shanghai-gov-office-2019.html").read_bytes(), "011")
    assert_rows_in_order(
        doc.text,
        [
            "规章\t13\t13\t524",
            "政府集中采购\t6\t251000元",
            "一、本年新收政府信息公开申请数量\t821\t35\t\t\t2\t1\t859",
            "二、上年结转政府信息公开申请数量\t18\t\t\t\t\t\t18",
            f"{G3}\t（一）予以公开\t258\t12\t\t\t1\t1\t",
            f"{G3}\t（三）不予公开\t6.属于四类过程性信息\t3\t1\t\t\t\t\t",
            f"{G3}\t（五）不予处理\t2.重复申请\t5\t4\t\t\t\t\t",
            f"{G3}\t（六）其他处理\t\t\t\t\t\t\t",
            f"{G3}\t（七）总计\t767\t35\t\t\t2\t1\t805",
            "四、结转下年度继续办理\t72\t\t\t\t\t\t72",
            "5\t\t\t2\t7\t8\t\t\t1\t9\t\t\t\t\t",
        ],
    )
    assert "\xa0" not in doc.text and "&nbsp;" not in doc.text


def test_html_gbk_page_declared_gb2312():
    page = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
    <title>某县2023年报告</title><script>document.write("不要这个")</script><style>td{}</style></head><body>
    <p>三、收到和处理政府信息公开申请情况</p>
    <table border="1"><tr><td colspan="3" rowspan="2">（本列数据）</td><td colspan="2">申请人情况</td></tr>
    <tr><td>自然人</td><td>总计</td></tr>
    <tr><td colspan="3">一、本年新收政府信息公开申请数量</td><td>12</td><td>&nbsp;</td></tr>
    <tr><td rowspan="2">三、本年度<br>办理结果</td><td colspan="2">（一）予以公开</td><td>5</td><td>5</td></tr>
    <tr><td>（三）不予公开</td><td>1.属于国家秘密</td><td>0</td><td>0</td></tr>
    </table><p>五、存在的主要问题</p></body></html>"""
    data = page.encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc = read_html(data, "gbk.html")
    assert doc.findings == []
    assert "不要这个" not in doc.text
    assert_rows_in_order(
        doc.text,
        [
            "某县2023年报告",
            "三、收到和处理政府信息公开申请情况",
            "（本列数据）\t申请人情况",
            "（本列数据）\t自然人\t总计",
            "一、本年新收政府信息公开申请数量\t12\t",
            f"{G3}\t（一）予以公开\t5\t5",
            f"{G3}\t（三）不予公开\t1.属于国家秘密\t0\t0",
            "五、存在的主要问题",
        ],
    )
    assert doc.encoding == "gb18030"  # GB2312/GBK read as their superset
    # undeclared GBK is found by detection
    undeclared = read_html(data.replace(b"charset=gb2312", b""), "x.html")
    assert "一、本年新收政府信息公开申请数量\t12\t" in undeclared.text
    assert undeclared.encoding == "gb18030"
    # a page that declares UTF-8 but is GBK: read right, and said so
    wrong = read_html(data.replace(b"charset=gb2312", b"charset=utf-8"), "x.html")
    assert "一、本年新收政府信息公开申请数量\t12\t" in wrong.text
    assert [f.kind for f in wrong.findings] == ["encoding"]


def html_cells(body: str, style: str = "") -> list[str]:
    page = f"<html><head><style>{style}</style></head><body><table>{body}</table></body></html>"
    return [line for line in read_html(page.encode(), "t.html").text.split("\n") if line]


def test_html_stylesheet_cascade_decides_what_is_hidden():
    """Only what the page's own stylesheet hides on screen is left out: the more specific (or later) rule wins,
    print-only rules do not hide, and descendant selectors are not followed (their text is read)."""
    style = """
    .tab { display: none } .tab.active { display: table-row }
    @media print { .noprint { display: none } }
    .old { display: none } .old { display: block }
    .wrap .inner { display: none }
    /* .commented { display: none } */
    tr.stale, #gone { display : none !important }
    """
    rows = html_cells(
        '<tr class="tab"><td>规章</td><td>1</td></tr>'
        '<tr class="tab active"><td>规章</td><td>2</td></tr>'
        '<tr class="stale"><td>规章</td><td>3</td></tr>'
        '<tr id="gone"><td>规章</td><td>4</td></tr>'
        '<tr><td class="noprint">规章</td><td><span class="old">5</span></td><td class="wrap">'
        '<span class="inner">6</span></td><td class="commented">7</td></tr>',
        style,
    )
    assert rows == ["规章\t2", "规章\t5\t6\t7"]


def test_html_hidden_cell_keeps_its_column_only_when_merely_invisible():
    rows = html_cells(
        '<tr><td>行政许可</td><td style="visibility: hidden">9</td><td>11</td></tr>'
        '<tr><td>行政处罚</td><td style="display:none">9</td><td>12</td></tr>'
        '<tr><td>行政强制</td><td hidden>9</td><td>13</td></tr>'
    )
    assert rows == ["行政许可\t\t11", "行政处罚\t12", "行政强制\t13"]


def test_html_paragraphs_skip_struck_and_hidden_text_too():
    page = (
        "<html><head><title>x</title></head><body><h1>某县<del>2022</del>2023年政府信息公开工作年度报告</h1>"
        '<p>全年收到申请<s>12</s><ins>15</ins>件<span style="display:none">（草稿）</span>。</p></body></html>'
    )
    doc = read_html(page.encode(), "t.html")
    assert doc.text.split("\n\n")[1:] == ["某县2023年政府信息公开工作年度报告", "全年收到申请15件。\n"]
    marks = {(doc.text[m.start : m.end], m.repair) for m in doc.marks}
    assert ("全年收到申请15件。", "keep_tracked_insertion") in marks
    assert ("全年收到申请15件。", "skip_hidden_text") in marks


# --- DOCX -------------------------------------------------------------------------------------------------


def make_docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("某市2024年政府信息公开工作年度报告")
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t = d.add_table(rows=5, cols=5)
    cells = [
        ["（本列数据）", "", "申请人情况", "", ""],
        ["一、本年新收政府信息公开申请数量", "", "7", "2", "9"],
        [G3, "（一）予以公开", "3", "1", "4"],
        ["", "（二）部分公开", "1", "0", "1"],
        ["", "（七）总计", "4", "1", "5"],
    ]
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            t.cell(r, c).text = value
    t.cell(0, 0).merge(t.cell(0, 1)).text = "（本列数据）"  # horizontal
    t.cell(0, 2).merge(t.cell(0, 4)).text = "申请人情况"  # horizontal, 3 columns
    t.cell(1, 0).merge(t.cell(1, 1)).text = "一、本年新收政府信息公开申请数量"
    t.cell(2, 0).merge(t.cell(4, 0)).text = G3  # vertical, 3 rows
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def test_docx_order_and_merged_cells():
    doc = read_docx(make_docx(), "t.docx")
    assert doc.format == "docx"
    assert doc.text.split("\n\n") == [
        "某市2024年政府信息公开工作年度报告",
        "三、收到和处理政府信息公开申请情况",
        "\n".join(
            [
                "（本列数据）\t申请人情况",
                "一、本年新收政府信息公开申请数量\t7\t2\t9",
                f"{G3}\t（一）予以公开\t3\t1\t4",
                f"{G3}\t（二）部分公开\t1\t0\t1",
                f"{G3}\t（七）总计\t4\t1\t5",
            ]
        ),
        "四、政府信息公开行政复议、行政诉讼情况\n",
    ]


def _docx_with(paragraph_xml: list[str], rows: list[str] = ()) -> bytes:
    """A document whose body holds the given paragraphs (w:p inner markup) and a 1-column table of rows."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    body = d.element.body
    for inner in paragraph_xml:
        body.insert(len(body) - 1, parse_xml(f"<w:p {nsdecls('w')}>{inner}</w:p>"))
    if rows:
        table = d.add_table(rows=0, cols=1)
        for tr in rows:
            table._tbl.append(parse_xml(tr.replace("<w:tr>", f"<w:tr {nsdecls('w')}>", 1)))
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _r(text: str, props: str = "") -> str:
    return f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'


def test_docx_paragraphs_read_with_tracked_changes_accepted():
    change = 'w:id="1" w:author="a" w:date="2024-01-01T00:00:00Z"'
    doc = read_docx(
        _docx_with(
            [
                _r("某县")
                + f"<w:del {change}><w:r><w:delText>2022</w:delText></w:r></w:del>"
                + f"<w:ins {change}>{_r('2023')}</w:ins>"
                + _r("年政府信息公开工作年度报告"),
                _r("（草稿，请勿引用）", "<w:vanish/>"),
                _r("三、收到和处理政府信息公开申请情况") + _r("（旧稿）", '<w:strike w:val="true"/>')
                + _r("", "<w:dstrike/>") + _r("", '<w:strike w:val="0"/>'),
                _r("正文 ", '<w:strike w:val="false"/>') + _r("1", '<w:vertAlign w:val="superscript"/>'),
            ]
        ),
        "t.docx",
    )
    assert doc.text.split("\n\n") == [
        "某县2023年政府信息公开工作年度报告",
        "三、收到和处理政府信息公开申请情况",
        "正文 1\n",  # outside a table a superscript is text; strike w:val="false" is off
    ]
    assert {m.repair for m in doc.marks} == {"keep_tracked_insertion", "skip_tracked_deletion", "skip_struck_text"}


def test_docx_row_whose_deletion_is_tracked_is_not_read():
    change = 'w:id="1" w:author="a" w:date="2024-01-01T00:00:00Z"'
    rows = [
        f"<w:tr><w:tc><w:p>{_r('行政许可 11')}</w:p></w:tc></w:tr>",
        f"<w:tr><w:trPr><w:del {change}/></w:trPr><w:tc><w:p>{_r('行政处罚 9')}</w:p></w:tc></w:tr>",
        f"<w:tr><w:tc><w:p>{_r('行政强制 13')}</w:p></w:tc></w:tr>",
    ]
    doc = read_docx(_docx_with([], rows), "t.docx")
    assert doc.text == "行政许可 11\n行政强制 13\n"


# --- PDF --------------------------------------------------------------------------------------------------


def test_pdf_003_table_three(pdfs):
    doc = pdfs["003_huaian-gov-2024"]
    assert doc.format == "pdf" and doc.findings == []
    rows = [
        "一、本年新收政府信息公开申请数量\t3001\t53\t0\t0\t61\t4\t3119",
        "二、上年结转政府信息公开申请数量\t34\t0\t0\t0\t0\t0\t34",
        f"{G3}\t（一）予以公开\t1288\t21\t0\t0\t50\t3\t1362",
        f"{G3}\t（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t447\t7\t0\t0\t0\t0\t454",
        f"{G3}\t（三）不予公开\t1.属于国家秘密\t2\t0\t0\t0\t0\t0\t2",
        f"{G3}\t（三）不予公开\t8.属于行政查询事项\t105\t0\t0\t0\t0\t0\t105",
        # （四）无法提供 is cut by the page break after its first row: "（四）无" / "法提供"
        f"{G3}\t（四）无法提供\t1.本机关不掌握相关政府信息\t746\t12\t0\t0\t10\t1\t769",
        f"{G3}\t（四）无法提供\t2.没有现成信息需要另行制作\t11\t0\t0\t0\t0\t0\t11",
        f"{G3}\t（五）不予处理\t5.要求行政机关确认或重新出具已获取信息\t1\t0\t0\t0\t0\t0\t1",
        f"{G3}\t（六）其他处理\t1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t67\t3\t0\t0\t1\t0\t71",
        f"{G3}\t（六）其他处理\t3、其他\t108\t2\t0\t0\t0\t0\t110",
        f"{G3}\t（七）总计\t2932\t53\t0\t0\t61\t4\t3050",
        "四、结转下年度继续办理\t103\t0\t0\t0\t0\t0\t103",
    ]
    assert_rows_in_order(doc.text, rows)
    assert len(table_block(doc.text, "一、本年新收", "四、结转下年度")) == 25  # over two pages, one table


def test_pdf_003_sections_two_and_four_and_furniture(pdfs):
    doc = pdfs["003_huaian-gov-2024"]
    assert_rows_in_order(
        doc.text,
        [
            "二、主动公开政府信息情况",
            "行政规范性文件\t8\t26\t66",
            "行政许可\t447228",
            "行政处罚\t3985758",
            "行政事业性收费\t96171.6",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "72\t64\t178\t37\t351\t13\t4\t8\t1\t26\t12\t1\t1\t6\t20",
            "五、存在的主要问题及改进情况",
        ],
    )
    # page numbers "- 4 -" are gone; a paragraph cut by the page break 5/6 is one line again
    assert not [line for line in lines_of(doc.text) if re.fullmatch(r"[-—\s]*\d+[-—\s]*", line)]
    assert any(line.startswith("对照上级新要求和公众新期待") and "改进的地方。主要表现在" in line for line in lines_of(doc.text))


def test_pdf_003_runs_point_at_page_and_box(pdfs):
    doc = pdfs["003_huaian-gov-2024"]
    row = "一、本年新收政府信息公开申请数量\t3001\t53\t0\t0\t61\t4\t3119"
    at = doc.text.index(row) + len(row) - len("3119")
    run = doc.page_box(at)
    assert run is not None and doc.text[run.start : run.end] == "3119"
    assert run.page == 4  # printed page "- 4 -"
    x0, top, x1, bottom = run.bbox
    assert 450 < x0 < x1 < 595 and 400 < top < bottom < 600  # the 总计 column, upper half of the page
    starts = [r.start for r in doc.runs]
    assert starts == sorted(starts)


def test_pdf_004(pdfs):
    doc = pdfs["004_hongze-district-2023"]
    assert_rows_in_order(
        doc.text,
        [
            "行政规范性文件\t0\t5\t5",
            "行政许可\t550",
            "信息内容\t本年处理决定数量",  # top of page 3: the cell whose top rule the page break removed
            "行政处罚\t4119",
            "行政事业性收费\t7730.28",
            "一、本年新收政府信息公开申请数量\t21\t0\t0\t0\t0\t0\t21",
            f"{G3}\t（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t4\t0\t0\t0\t0\t0\t4",
            f"{G3}\t（三）不予公开\t6.属于四类过程性信息\t1\t0\t0\t0\t0\t0\t1",
            f"{G3}\t（四）无法提供\t1.本机关不掌握相关政府信息\t10\t0\t0\t0\t0\t0\t10",
            f"{G3}\t（四）无法提供\t2.没有现成信息需要另行制作\t3\t0\t0\t0\t0\t0\t3",  # last row of page 3
            f"{G3}\t（四）无法提供\t3.补正后申请内容仍不明确\t0\t0\t0\t0\t0\t0\t0",  # first row of page 4
            f"{G3}\t（五）不予处理\t1.信访举报投诉类申请\t1\t0\t0\t0\t0\t0\t1",
            f"{G3}\t（六）其他处理\t0\t0\t0\t0\t0\t0\t0",
            f"{G3}\t（七）总计\t21\t0\t0\t0\t0\t0\t21",
            "四、结转下年度继续办理\t0\t0\t0\t0\t0\t0\t0",
            "10\t1\t0\t0\t0\t0\t0\t0\t0\t0\t5\t0\t0\t0\t0",  # as printed (its totals do not add up)
        ],
    )
    assert len(table_block(doc.text, "一、本年新收", "四、结转下年度")) == 23


def test_pdf_005(pdfs):
    doc = pdfs["005_hongze-district-2024"]
    assert_rows_in_order(
        doc.text,
        [
            "行政规范性文件\t3\t0\t8",
            "行政许可\t9487",
            "行政强制\t84",
            "一、本年新收政府信息公开申请数量\t95\t0\t0\t0\t0\t0\t95",
            f"{G3}\t（一）予以公开\t50\t0\t0\t0\t0\t0\t50",
            f"{G3}\t（三）不予公开\t3.危及“三安全一稳定”\t1\t0\t0\t0\t0\t0\t1",
            f"{G3}\t（四）无法提供\t1.本机关不掌握相关政府信息\t31\t0\t0\t0\t0\t0\t31",
            f"{G3}\t（四）无法提供\t2.没有现成信息需要另行制作\t1\t0\t0\t0\t0\t0\t1",
            # 005 draws an empty cell between these labels and the numbers: it is kept as a cell
            f"{G3}\t（六）其他处理\t\t0\t0\t0\t0\t0\t0\t0",
            f"{G3}\t（七）总计\t\t95\t0\t0\t0\t0\t0\t95",
            "四、结转下年度继续办理\t0\t0\t0\t0\t0\t0\t0",
            "1\t1\t0\t0\t2\t1\t0\t0\t0\t1\t2\t0\t1\t0\t3",
        ],
    )


def _pdf(pages: list[list[tuple]]) -> bytes:
    """A PDF drawn item by item, y from the top: ``(x, y, text)`` in Helvetica 10, ``(x0, y0, x1, y1)`` a rule.

    Only Latin text (a standard font), but the layout problems are the same as in the Chinese reports.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    height = 842
    pdf = pdfium.PdfDocument.new()
    for items in pages:
        page = pdf.new_page(595, height)
        for item in items:
            if len(item) == 3:
                x, y, text = item
                obj = raw.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(10))
                buf = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
                raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
                raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, height - y)
            else:
                x0, y0, x1, y1 = item
                obj = raw.FPDFPageObj_CreateNewPath(ctypes.c_float(x0), ctypes.c_float(height - y0))
                raw.FPDFPath_LineTo(obj, ctypes.c_float(x1), ctypes.c_float(height - y1))
                raw.FPDFPath_SetDrawMode(obj, 0, 1)
                raw.FPDFPageObj_SetStrokeColor(obj, 0, 0, 0, 255)
                raw.FPDFPageObj_SetStrokeWidth(obj, ctypes.c_float(0.5))
            raw.FPDFPage_InsertObject(page.raw, obj)
        raw.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _ruled_page(group: str, rows: list[tuple[str, str, str]], closed: bool, number: int) -> list[tuple]:
    """One page of a ruled table: a repeated header row "Item | A | B" (Item over two columns), then rows under
    a group-label cell spanning them. ``closed=False`` leaves the bottom rule out, as Word does at a page break."""
    items: list[tuple] = [(76, 114, "Item"), (254, 114, "A"), (334, 114, "B"), (280, 800, f"- {number} -")]
    items += [(72, 100, 410, 100), (72, 120, 410, 120)] + [(x, 100, x, 120) for x in (72, 250, 330, 410)]
    items += [(72, 120, 72, 160), (76, 134, group)]
    y = 120
    for label, a, b in rows:
        items += [(x, y, x, y + 20) for x in (150, 250, 330, 410)]
        items += [(154, y + 14, label), (254, y + 14, a), (334, y + 14, b)]
        y += 20
        if y < 160:
            items.append((150, y, 410, y))
    if closed:
        items.append((72, 160, 410, 160))
    return items


def test_pdf_unruled_rows_split_by_gaps_and_continue_over_pages():
    data = _pdf(
        [
            [(72, 60, "Running header"), (72, 100, "Requests received"), (300, 100, "12"), (360, 100, "3"),
             (420, 100, "15"), (72, 115, "Carried over"), (300, 115, "1"), (360, 115, "0"), (420, 115, "1"),
             (280, 800, "- 1 -")],
            [(72, 60, "Running header"), (72, 100, "Total"), (300, 100, "13"), (360, 100, "3"), (420, 100, "16"),
             (280, 800, "- 2 -")],
        ]
    )  # fmt: skip
    doc = read_pdf(data, "unruled.pdf")
    assert doc.text == "Requests received\t12\t3\t15\nCarried over\t1\t0\t1\nTotal\t13\t3\t16\n"
    run = doc.page_box(doc.text.index("16"))
    assert run is not None and run.page == 2


def test_pdf_table_across_a_page_break():
    """Page 1 ends the table without a bottom rule and cuts the group label "(3) Not | shared"; page 2 repeats
    the header row. One table comes out: header once, the label whole on every row, the page numbers gone."""
    page1 = [(72, 80, "Section three")] + _ruled_page("(3) Not", [("1. secret", "2", "3"), ("2. law", "4", "5")],
                                                      closed=False, number=1)
    page2 = _ruled_page("shared", [("3. third", "6", "7"), ("4. fourth", "8", "9")], closed=True, number=2)
    doc = read_pdf(_pdf([page1, page2]), "ruled.pdf")
    assert doc.text == (
        "Section three\n\n"
        "Item\tA\tB\n"
        "(3) Not shared\t1. secret\t2\t3\n"
        "(3) Not shared\t2. law\t4\t5\n"
        "(3) Not shared\t3. third\t6\t7\n"
        "(3) Not shared\t4. fourth\t8\t9\n"
    )
    assert doc.page_box(doc.text.index("9\n")).page == 2


def test_pdf_without_text_layer_says_scanned():
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    doc = read_pdf(out.getvalue(), "scan.pdf")
    assert doc.text.strip() == ""
    assert [(f.kind, f.message, f.stage) for f in doc.findings] == [
        ("format", "no text layer: scanned PDF; OCR it first", "read")
    ]


def test_pdf_damaged_is_a_finding_not_a_crash():
    doc = read_pdf(b"%PDF-1.4\nnot really", "bad.pdf")
    assert doc.text == "" and doc.findings[0].kind == "format"


# --- detect -----------------------------------------------------------------------------------------------


def test_detect_by_content():
    assert detect((CORPUS / "003_huaian-gov-2024.pdf").read_bytes()) == "pdf"
    assert detect((CORPUS / "003_huaian-gov-2024.pdf").read_bytes(), "report.html") == "pdf"  # name lies
    assert detect(make_docx()) == "docx"
    assert detect(make_docx(), "report.pdf") == "docx"
    assert detect((CORPUS / "010_hangzhou-style-city-2025-fixture.html").read_bytes()) == "html"
    assert detect((CORPUS / "011_shanghai-gov-office-2019.html").read_bytes(), "report.txt") == "html"
    assert detect("<meta charset=gbk><p>三、收到</p>".encode("gbk")) == "html"
    assert detect("<table><tr><td>规章</td><td>1</td></tr></table>".encode()) == "html"  # a fragment
    assert detect((CORPUS / "008_shanghai-stcsm-kewei-2024.md").read_bytes()) == "markdown"
    assert detect("# 报告\n\n## 一、总体情况\n正文".encode()) == "markdown"
    assert detect((CORPUS / "007_huaian-gov-2024-sec3-fragment.txt").read_bytes()) == "text"
    assert detect("一、总体情况\n正文".encode("gbk")) == "text"
    assert detect("一、总体情况\n正文".encode(), "notes.md") == "markdown"  # tie: the name decides


def test_detect_zip_that_is_not_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert detect(out.getvalue()) == "text"



# --- characters from PDF producers (issue 10) ------------------------------------------------------------


def test_radicals_map_to_ideographs_one_for_one():
    printed = "⾏政许可 ⼀、本年新收 河⻄街道 ⼈⺠政府 ⻗雪 ⻔户 ⼾籍 \uf900"
    mapped = map_ideographs(printed)
    assert mapped == "行政许可 一、本年新收 河西街道 人民政府 雨雪 门户 户籍 \u8c48"
    assert len(mapped) == len(printed)
    assert map_ideographs("行政许可 12") == "行政许可 12"


def test_radical_tables_are_what_unicode_says():
    assert sorted(KANGXI) == list(range(0x2F00, 0x2FD6))  # all 214 Kangxi radicals
    for cp, ideograph in KANGXI.items():
        if cp != 0x2F3E:  # ⼾: the simplified 户 the Chinese fonts draw, not NFKC's 戶
            assert unicodedata.normalize("NFKC", chr(cp)) == ideograph
    for cp, ideograph in SUPPLEMENT.items():
        assert unicodedata.name(chr(cp)).startswith("CJK RADICAL "), hex(cp)
        assert unicodedata.name(chr(ideograph)).startswith("CJK UNIFIED IDEOGRAPH-"), hex(cp)
    assert [chr(SUPPLEMENT[cp]) for cp in (0x2EC4, 0x2EA0, 0x2ED7)] == ["西", "民", "雨"]
    assert 0x2E80 not in SUPPLEMENT and 0x2E8C not in SUPPLEMENT  # REPEAT, SMALL ONE: no ideograph of their own
    assert COMPATIBILITY[0xF900] == "\u8c48" and 0xFA0E not in COMPATIBILITY  # 﨎 is a unified ideograph itself
    assert all(0xF900 <= cp <= 0xFAFF for cp in COMPATIBILITY)


def test_radicals_mapped_for_every_format():
    """The mapping is applied to every reader's text: a text report and an HTML page printed with radicals read
    like their clean originals (tables, organization)."""
    hard = Path(__file__).parent / "fixtures" / "hard"
    clean = (hard / "tabs_2021.txt").read_text(encoding="utf-8")
    radicals = str.maketrans({"一": "⼀", "二": "⼆", "人": "⼈", "民": "⺠", "行": "⾏", "西": "⻄", "门": "⻔"})
    printed = clean.translate(radicals)
    assert printed != clean
    want = extract(clean)
    for got in (extract(printed), extract(printed.encode("utf-8"), name="r.txt")):
        assert got.meta.organization == want.meta.organization
        for table in ("active_disclosure", "requests", "review_litigation"):
            assert getattr(got, table) == getattr(want, table)
    page = f"<html><body><p>{'⼈⺠政府'}</p><table><tr><td>⾏政许可</td><td>12</td></tr></table></body></html>"
    assert read(page.encode("utf-8"), "p.html").text == "人民政府\n\n行政许可\t12\n"
