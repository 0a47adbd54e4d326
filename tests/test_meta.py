"""What a report says about itself: title, organization, year; and an archiver's header block."""

from __future__ import annotations

import pytest

from giar import extract
from giar.meta import archive_header, iso_date, organization


@pytest.mark.parametrize(
    "title, org",
    [
        ("平潭综合实验区2024年度政府信息公开工作年度报告", "平潭综合实验区"),
        ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "上海市人民政府办公厅"),
        ("江源市政府信息公开办公室2020年政府信息公开工作年度报告", "江源市政府信息公开办公室"),  # its own name keeps it
        ("东湖区人民政府2023年度政务公开工作年度报告", "东湖区人民政府"),
        ("关于东湖区人民政府2023年政府信息公开工作年度报告", "关于东湖区人民政府"[2:]),
    ],
)
def test_organization_without_year_tail_or_prefix(title, org):
    assert organization(title) == org


def test_radicals_in_a_title_do_not_stay_in_the_organization():
    # ⼈ U+2F08, ⺠ U+2EA0, ⼯ U+2F2F as a browser-printed PDF maps them
    text = "东湖区\u2f08\u2ea0政府2021年政府信息公开\u2f2f作年度报告\n一、总体情况\n正文。\n"
    report = extract(text)
    assert report.meta.organization == "东湖区人民政府"


def test_archive_header_block():
    text = "标题: 某区2021年度政府信息公开工作年度报告\n发布时间: 2022-02-08 16:34\n文号: \n发布机构: 某区办公室\n原文链接: https://x.gov.cn/a.htm\n正文"
    head = archive_header(text)
    assert head == {
        "title": "某区2021年度政府信息公开工作年度报告",
        "published": "2022-02-08 16:34",
        "publisher": "某区办公室",
        "source_url": "https://x.gov.cn/a.htm",
    }
    assert archive_header("标题: 只有一行\n正文") == {}  # one such line alone is prose
    assert iso_date("2020年1月5日") == "2020-01-05" and iso_date("2020-13-01") is None
