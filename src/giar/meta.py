"""Title, organization, year and template: what the report says about itself."""

from __future__ import annotations

import re
from typing import Optional

from .model import Finding, Meta, Region
from .sections import title_lines
from .template import TEMPLATE_MARKERS, TemplateName

_YEAR = re.compile(r"(20\d\d)\s*年")
_TITLE_TAIL = re.compile(r"(?:政府)?信息公开(?:工作)?(?:年度)?报告$|政务公开(?:工作)?(?:年度)?报告$|年度报告$")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff\d])\s+(?=[\u4e00-\u9fff\d])")
_PERIOD = re.compile(r"(?:统计(?:时限|期限|周期|时间)|数据统计)[^。\n]{0,12}?(20\d\d)\s*年\s*1\s*月\s*1\s*日")


def _clean(s: str) -> str:
    s = re.sub(r"^[#\s*>|]+|[|*\s]+$", "", s)
    return _CJK_GAP.sub("", s).strip()


def find_title(text: str) -> Optional[str]:
    """The first line that names the report; a title wrapped over two lines is joined."""
    tl = title_lines(text)
    for i, line in enumerate(tl[:15]):
        sq = _clean(line.text)
        if "年度报告" in sq or "工作报告" in sq:
            prev = _clean(tl[i - 1].text) if i > 0 else ""
            if len(sq) <= 8 and prev:  # "年度报告" alone: the first half is on the line before
                sq = prev + sq
            elif _YEAR.match(sq) and prev and len(prev) <= 30 and not re.search(r"[。，；：,;:]", prev):
                sq = prev + sq  # the body's name on its own line above "2024年…年度报告"
            if len(sq) <= 60:
                return sq
    return None


def organization(title: str) -> Optional[str]:
    """The body's name as the title prints it, before or after the year."""
    rest = _YEAR.sub("", title, count=1)
    rest = _TITLE_TAIL.sub("", rest).strip(" 　：:")
    rest = re.sub(r"(?:关于)?$", "", rest)
    return rest or None


def find_year(text: str, title: Optional[str]) -> Optional[int]:
    for src in (title or "", ):
        m = _YEAR.search(src)
        if m:
            return int(m.group(1))
    m = _PERIOD.search(text[:5000])
    if m:
        return int(m.group(1))
    return None


def decide_template(text: str, regions: list[Region], year: Optional[int]) -> tuple[Optional[TemplateName], Finding]:
    """From the tables' own labels first, the year second (SCHEMA: 'Which template')."""
    tabled = [r for r in regions if r.name in ("active_disclosure", "requests")]
    body = re.sub(r"\s", "", "".join(text[r.start : r.end] for r in tabled))
    counts = {name: sum(1 for w in words if w in body) for name, words in TEMPLATE_MARKERS.items()}
    if counts["2019"] != counts["2021"]:
        choice: TemplateName = "2019" if counts["2019"] > counts["2021"] else "2021"
        why = f"table labels ({counts['2019']} of the 2019 template's marks, {counts['2021']} of 2021's)"
    elif year is not None:
        choice = "2019" if year <= 2020 else "2021"
        why = f"the year {year} (the table labels do not tell)"
    else:
        return None, Finding(kind="template", message="template undetermined: no table labels and no year", key="meta.template")
    return choice, Finding(kind="template", message=f"template {choice}, decided from {why}", key="meta.template")


def read_meta(text: str, regions: list[Region]) -> tuple[Meta, list[Finding]]:
    title = find_title(text)
    findings = []
    if title is None:
        findings.append(Finding(kind="missing", message="no title line found", key="meta.title"))
    year = find_year(text, title)
    if year is None:
        findings.append(Finding(kind="missing", message="year reported on not found", key="meta.year"))
    template, why = decide_template(text, regions, year)
    if template is None or "year" in why.message:
        findings.append(why)  # decided from the tables is the normal case, not a finding
    org = organization(title) if title else None
    return Meta(title=title, organization=org, year=year, template=template), findings
