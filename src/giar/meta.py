"""Title, organization, year and template: what the report says about itself."""

from __future__ import annotations

import re
from typing import Optional

from .errors import NotAnAnnualReport, UnsupportedTemplate, short
from .model import Finding, Meta, Region
from .sections import title_lines
from .status import FindingKind
from .template import (
    ANNUAL_REPORT,
    ARCHIVE_HEADER,
    DATE,
    FIRST_TEMPLATE_YEAR,
    OLD_TEMPLATE_MARKERS,
    OLD_TEMPLATE_MIN_MARKERS,
    REPORT_TITLE_WORDS,
    STATISTICS_PERIOD,
    TABLE_CONTENT,
    TEMPLATE_MARKERS,
    TITLE_PREFIX,
    TITLE_TAIL,
    WORK_REPORT,
    YEAR,
    YEAR_OF_REPORT,
    TemplateName,
)

_YEAR = re.compile(YEAR)
_TITLE_TAIL = re.compile(TITLE_TAIL)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff\d])\s+(?=[\u4e00-\u9fff\d])")
_PERIOD = re.compile(STATISTICS_PERIOD)
_YEAR_OF_REPORT = re.compile(YEAR_OF_REPORT)
_HEADER = re.compile(
    r"^[ \t]*(" + "|".join(map(re.escape, ARCHIVE_HEADER.values())) + r")[ \t]*[:：][ \t]*(.*?)[ \t]*$", re.M
)
_FIELD = {label: field for field, label in ARCHIVE_HEADER.items()}
_DATE = re.compile(DATE)


def archive_header(text: str) -> dict[str, str]:
    """The header block a web archiver writes on top of a saved page (标题:, 发布时间:, 发布机构:, 原文链接: …):
    field -> value, empty values left out. Only the first lines are looked at: the body never starts so."""
    head = text[:2000]
    found = {_FIELD[m.group(1)]: m.group(2) for m in _HEADER.finditer(head) if m.group(2)}
    return found if len(found) >= 2 else {}  # one such line alone is prose, not an archive's header


def iso_date(s: str) -> Optional[str]:
    m = _DATE.search(s)
    if m is None:
        return None
    y, mo, d = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _clean(s: str) -> str:
    s = re.sub(r"^[#\s*>|]+|[|*\s]+$", "", s)
    return _CJK_GAP.sub("", s).strip()


def find_title(text: str) -> Optional[str]:
    """The first line that names the report; a title wrapped over two lines is joined."""
    tl = title_lines(text)
    for i, line in enumerate(tl[:15]):
        sq = _clean(line.text)
        if ANNUAL_REPORT in sq or WORK_REPORT in sq:
            prev = _clean(tl[i - 1].text) if i > 0 else ""
            if len(sq) <= 8 and prev:  # "年度报告" alone: the first half is on the line before
                sq = prev + sq
            elif _YEAR.match(sq) and prev and len(prev) <= 30 and not re.search(r"[。，；：,;:]", prev):
                sq = prev + sq  # the body's name on its own line above "2024年…年度报告"
            if len(sq) <= 60:
                return sq
    return None


def organization(title: str) -> Optional[str]:
    """The body's name as the title prints it, before or after the year (年度 and the title's fixed tail
    dropped; a body whose own name says 政府信息公开 keeps it, since only the tail is dropped)."""
    rest = _YEAR_OF_REPORT.sub("", title, count=1)
    rest = _TITLE_TAIL.sub("", rest).strip(" 　：:")
    rest = rest.removeprefix(TITLE_PREFIX).removesuffix(TITLE_PREFIX)
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


def decide_template(text: str, regions: list[Region], year: Optional[int]) -> tuple[Optional[TemplateName], Optional[Finding]]:
    """From the tables' own labels first, the year second (SCHEMA: 'Which template'). The finding is made only
    when the tables did not decide (decided from them is the normal case)."""
    tabled = [r for r in regions if r.name in ("active_disclosure", "requests")]
    body = re.sub(r"\s", "", "".join(text[r.start : r.end] for r in tabled))
    counts = {name: sum(1 for w in words if w in body) for name, words in TEMPLATE_MARKERS.items()}
    if counts["2019"] != counts["2021"]:
        return ("2019" if counts["2019"] > counts["2021"] else "2021"), None
    if year is not None:
        choice: TemplateName = "2019" if year <= 2020 else "2021"
        message = f"template {choice}, decided from the year {year} (the table labels do not tell)"
        return choice, Finding(kind=FindingKind.TEMPLATE, message=message, key="meta.template")
    message = "template undetermined: no table labels and no year"
    return None, Finding(kind=FindingKind.TEMPLATE, message=message, key="meta.template")


def read_meta(text: str, regions: list[Region]) -> tuple[Meta, list[Finding]]:
    header = archive_header(text)
    title = _clean(header["title"]) if "title" in header else find_title(text)
    findings = []
    if title is None:
        findings.append(Finding(kind=FindingKind.MISSING, message="no title line found", key="meta.title"))
    year = find_year(text, title)
    if year is None:
        findings.append(Finding(kind=FindingKind.MISSING, message="year reported on not found", key="meta.year"))
    template, why = decide_template(text, regions, year)
    if why is not None:
        findings.append(why)
    org = organization(title) if title else None
    published = iso_date(header["published"]) if "published" in header else None
    return (
        Meta(
            title=title,
            organization=org,
            year=year,
            template=template,
            publisher=header.get("publisher"),
            published=published,
            source_url=header.get("source_url"),
        ),
        findings,
    )


_TABLE_CONTENT = [re.compile(p) for p in TABLE_CONTENT.values()]
_SPACE = re.compile(r"\s+")


def check_report(text: str, regions: list[Region], meta: Meta, name: str) -> None:
    """Refuse what is no report giar reads, before the tables are parsed into a Report of nulls:

    * :class:`UnsupportedTemplate`: none of the tables' content of the 2019/2021 templates, and the old
      statistics table's rows (three of ``OLD_TEMPLATE_MARKERS``) or a year reported on before 2019;
    * :class:`NotAnAnnualReport`: no table (by content or heading) and no title naming a disclosure report
      (a news article, a budget report, an error page, text decoded from junk).
    """
    if any(p.search(text) for p in _TABLE_CONTENT):
        return
    squashed = _SPACE.sub("", text)
    old = [w for w in OLD_TEMPLATE_MARKERS if w in squashed]
    titled = meta.title is not None and any(w in meta.title for w in REPORT_TITLE_WORDS)
    tabled = any(r.name in ("active_disclosure", "requests", "review_litigation") for r in regions)
    if len(old) >= OLD_TEMPLATE_MIN_MARKERS or ((titled or tabled) and meta.year and meta.year < FIRST_TEMPLATE_YEAR):
        why = f"rows of the pre-2019 statistics table ({', '.join(old[:3])})" if len(old) >= OLD_TEMPLATE_MIN_MARKERS else f"a report on {meta.year}"
        raise UnsupportedTemplate(
            f"{short(name)}: an annual report in the template before 2019 ({why}); giar reads the 2019 and 2021 "
            "templates (reports on 2019 and later)"
        )
    if not (titled or tabled):
        raise NotAnAnnualReport(
            f"{short(name)}: not a government information-disclosure annual report (none of its tables, table "
            "headings or title)"
        )
