"""The two national templates as data: every table, row and column, their keys and printed labels.

This is the one place the template's wording lives (SCHEMA.md). Sections, the grid parser, matching, the
validator, the LLM prompts and the scorer all read it; no other module spells a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

TemplateName = Literal["2019", "2021"]
TABLES = ("active_disclosure", "requests", "review_litigation")


# eq=False: each spec is a singleton of this module, so identity is its equality, and hashing it (caches key
# on it) costs nothing instead of walking its nested tuples.
@dataclass(frozen=True, eq=False)
class Column:
    key: str
    label: str
    kind: Literal["count", "signed", "amount"] = "count"
    unit: str = ""  # the unit the contract keeps an amount in (万元); counts have none
    said: tuple[str, ...] = ()  # verbs the narrative uses when it states this column's number (制发…62件)
    aliases: tuple[str, ...] = ()  # other wording of its header cell seen in real reports


@dataclass(frozen=True, eq=False)
class ColumnGroup:
    """A header cell printed over several columns (法人或其他组织 over five applicant columns, 行政诉讼 over its two
    groups). A table's header is a tuple of columns and groups; its columns, depth first, are the template's
    columns in template order."""

    label: str
    children: tuple[Column | ColumnGroup, ...]
    aliases: tuple[str, ...] = ()


HeaderLayout = tuple[Column | ColumnGroup, ...]


def layout_columns(layout: HeaderLayout) -> tuple[Column, ...]:
    """The layout's columns, depth first: the template's order of the values a data row prints."""
    out: list[Column] = []
    for node in layout:
        out.extend(layout_columns(node.children) if isinstance(node, ColumnGroup) else (node,))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class RowSpec:
    key: str
    label: str
    group: str = ""  # printed group label (（三）不予公开 …) or article (第二十条第（一）项)
    columns: tuple[Column, ...] = ()
    aliases: tuple[str, ...] = ()  # older or alternative wording seen in real reports


@dataclass(frozen=True, eq=False)
class TableSpec:
    name: str
    ordinal: str  # the section's printed ordinal (二, 三, 四): how findings name the table to people
    heading: str  # the section heading that introduces it
    heading_aliases: tuple[str, ...]
    rows: tuple[RowSpec, ...]

    def row(self, key: str) -> RowSpec:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    def keys(self) -> tuple[str, ...]:
        return _table_keys(self)


@dataclass(frozen=True)
class Template:
    name: TemplateName
    tables: dict[str, TableSpec] = field(default_factory=dict)

    def keys(self) -> tuple[str, ...]:
        return tuple(k for t in self.tables.values() for k in t.keys())


@cache
def _table_keys(spec: TableSpec) -> tuple[str, ...]:
    """'table.row.column' for every cell, in template order (asked for on every report: computed once)."""
    return tuple(f"{spec.name}.{r.key}.{c.key}" for r in spec.rows for c in r.columns)


# --- section 二 ----------------------------------------------------------------------------------------

_C2019_ART1 = (
    Column("new_made", "本年新制作数量", said=("新制作", "制作", "制发", "印发")),
    Column("new_published", "本年新公开数量", said=("新公开",)),
    Column("total_published", "对外公开总数量", said=("对外公开总", "累计公开")),
)
_C2019_ITEMS = (
    Column("previous_count", "上一年项目数量"),
    Column("change", "本年增/减", "signed"),
    Column("decisions", "处理决定数量"),
)
_C2019_FEES = _C2019_ITEMS[:2]
_C2019_PROC = (
    Column("projects", "采购项目数量", said=("采购项目",)),
    Column("amount_wan", "采购总金额（单位：万元，保留4位小数）", "amount", "万元"),
)
ART = {n: f"第二十条第（{n}）项" for n in ("一", "五", "六", "八", "九")}

ACTIVE_2019 = (
    RowSpec("regulations", "规章", ART["一"], _C2019_ART1),
    RowSpec("normative_documents", "规范性文件", ART["一"], _C2019_ART1, ("行政规范性文件",)),
    RowSpec("administrative_licensing", "行政许可", ART["五"], _C2019_ITEMS),
    RowSpec("other_external_services", "其他对外管理服务事项", ART["五"], _C2019_ITEMS),
    RowSpec("administrative_penalty", "行政处罚", ART["六"], _C2019_ITEMS),
    RowSpec("administrative_coercion", "行政强制", ART["六"], _C2019_ITEMS),
    RowSpec("administrative_fees", "行政事业性收费", ART["八"], _C2019_FEES),
    RowSpec("centralized_procurement", "政府集中采购", ART["九"], _C2019_PROC),
)

_C2021_ART1 = (
    Column("issued", "本年制发件数", said=("制发", "印发", "出台")),
    Column("repealed", "本年废止件数", said=("废止",)),
    Column("in_force", "现行有效件数", said=("现行有效",)),
)
_C2021_DEC = (Column("decisions", "本年处理决定数量"),)
ACTIVE_2021 = (
    RowSpec("regulations", "规章", ART["一"], _C2021_ART1),
    RowSpec("normative_documents", "行政规范性文件", ART["一"], _C2021_ART1, ("规范性文件",)),
    RowSpec("administrative_licensing", "行政许可", ART["五"], _C2021_DEC),
    RowSpec("administrative_penalty", "行政处罚", ART["六"], _C2021_DEC),
    RowSpec("administrative_coercion", "行政强制", ART["六"], _C2021_DEC),
    RowSpec(
        "administrative_fees",
        "行政事业性收费",
        ART["八"],
        (Column("amount_wan", "本年收费金额（单位：万元）", "amount", "万元"),),
    ),
)

# --- section 三 ----------------------------------------------------------------------------------------

APPLICANTS = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("social_welfare", "社会公益组织"),
    Column("legal_services", "法律服务机构"),
    Column("other", "其他"),
)
TOTAL = "总计"
SUBTOTAL = "合计"
REQUEST_COLUMNS = APPLICANTS + (Column("total", TOTAL, aliases=(SUBTOTAL,)),)
APPLICANT_HEAD = "申请人情况"  # printed over the applicant columns
LEGAL_PERSONS = "法人或其他组织"  # printed over the five columns after 自然人
REQUESTS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"  # over the row labels
REQUEST_HEADER: HeaderLayout = (
    ColumnGroup(APPLICANT_HEAD, (APPLICANTS[0], ColumnGroup(LEGAL_PERSONS, APPLICANTS[1:]), REQUEST_COLUMNS[-1])),
)

_RESULT = "三、本年度办理结果"
_DENIED = "（三）不予公开"
_UNABLE = "（四）无法提供"
_DECLINED = "（五）不予处理"
_OTHER = "（六）其他处理"


def _r(key: str, label: str, group: str = "", aliases: tuple[str, ...] = ()) -> RowSpec:
    return RowSpec(key, label, group, REQUEST_COLUMNS, aliases)


_REQ_HEAD = (
    _r("new_received", "一、本年新收政府信息公开申请数量"),
    _r("carried_over", "二、上年结转政府信息公开申请数量"),
    _r("granted", "（一）予以公开", _RESULT),
    _r("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", _RESULT),
    _r("denied_state_secret", "1.属于国家秘密", _DENIED),
    _r("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", _DENIED, ("2.其他法律法规禁止公开",)),
    _r("denied_security_stability", "3.危及“三安全一稳定”", _DENIED),
    _r("denied_third_party_rights", "4.保护第三方合法权益", _DENIED),
    _r("denied_internal_affairs", "5.属于三类内部事务信息", _DENIED),
    _r("denied_process_info", "6.属于四类过程性信息", _DENIED),
    _r("denied_enforcement_files", "7.属于行政执法案卷", _DENIED),
    _r("denied_administrative_query", "8.属于行政查询事项", _DENIED),
    _r("unable_not_held", "1.本机关不掌握相关政府信息", _UNABLE),
    _r("unable_needs_creation", "2.没有现成信息需要另行制作", _UNABLE),
    _r("unable_unclear", "3.补正后申请内容仍不明确", _UNABLE),
    _r("declined_petition", "1.信访举报投诉类申请", _DECLINED),
    _r("declined_repeated", "2.重复申请", _DECLINED),
    _r("declined_publication", "3.要求提供公开出版物", _DECLINED),
    _r("declined_excessive", "4.无正当理由大量反复申请", _DECLINED),
    _r("declined_confirmation", "5.要求行政机关确认或重新出具已获取信息", _DECLINED),
)
_REQ_TAIL = (
    _r("total_processed", "（七）总计", _RESULT),
    _r("carried_forward", "四、结转下年度继续办理"),
)
REQUESTS_2019 = _REQ_HEAD + (_r("other_processing", "（六）其他处理", _RESULT),) + _REQ_TAIL
REQUESTS_2021 = (
    _REQ_HEAD
    + (
        _r("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", _OTHER),
        _r("other_unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", _OTHER),
        _r("other_other", "3.其他", _OTHER),
    )
    + _REQ_TAIL
)
OUTCOME_ROWS_2019 = tuple(r.key for r in REQUESTS_2019[2:-2])
OUTCOME_ROWS_2021 = tuple(r.key for r in REQUESTS_2021[2:-2])

# --- section 四 ----------------------------------------------------------------------------------------

REVIEW_COLUMNS = (
    Column("upheld", "结果维持", aliases=("维持",)),
    Column("corrected", "结果纠正", aliases=("纠正",)),
    Column("other", "其他结果"),
    Column("pending", "尚未审结", aliases=("未审结",)),
    Column("total", TOTAL, aliases=(SUBTOTAL,)),
)
REVIEW_GROUPS = (
    RowSpec("review", "行政复议", "", REVIEW_COLUMNS),
    RowSpec("litigation_direct", "未经复议直接起诉", "行政诉讼", REVIEW_COLUMNS),
    RowSpec("litigation_after_review", "复议后起诉", "行政诉讼", REVIEW_COLUMNS),
)
# 行政复议 | 行政诉讼 (未经复议直接起诉 | 复议后起诉), five columns under each group: fifteen in template order
REVIEW_HEADER: HeaderLayout = (
    ColumnGroup(REVIEW_GROUPS[0].label, REVIEW_COLUMNS),
    ColumnGroup(REVIEW_GROUPS[1].group, tuple(ColumnGroup(g.label, REVIEW_COLUMNS) for g in REVIEW_GROUPS[1:])),
)

# Header words printed above the rows and columns (the review page lays the tables out as printed).
CONTENT_HEADER = "信息内容"  # 二: the label column of each article's block
APPLICANT_HEADER = "申请人情况"  # 三: over the seven applicant columns
ORGANIZATIONS_HEADER = "法人或其他组织"  # 三: over the five columns after 自然人

# --- the tables ----------------------------------------------------------------------------------------

_ACTIVE_HEADING = ("主动公开政府信息情况", ("主动公开政府信息", "主动公开"))
_REQUESTS_HEADING = (
    "收到和处理政府信息公开申请情况",
    ("收到和处理政府信息公开申请", "政府信息公开申请情况", "依申请公开"),
)
_REVIEW_HEADING = (
    "政府信息公开行政复议、行政诉讼情况",
    ("政府信息公开行政复议和行政诉讼情况", "行政复议、行政诉讼", "行政复议和行政诉讼", "行政复议"),
)


def _tables(active: tuple[RowSpec, ...], requests: tuple[RowSpec, ...]) -> dict[str, TableSpec]:
    return {
        "active_disclosure": TableSpec("active_disclosure", "二", *_ACTIVE_HEADING, active),
        "requests": TableSpec("requests", "三", *_REQUESTS_HEADING, requests),
        "review_litigation": TableSpec("review_litigation", "四", *_REVIEW_HEADING, REVIEW_GROUPS),
    }


TEMPLATES: dict[str, Template] = {
    "2019": Template("2019", _tables(ACTIVE_2019, REQUESTS_2019)),
    "2021": Template("2021", _tables(ACTIVE_2021, REQUESTS_2021)),
}

# Words that tell the templates apart in the tables themselves (SCHEMA "Which template").
TEMPLATE_MARKERS: dict[str, tuple[str, ...]] = {
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "第二十条第（九）项", "政府集中采购"),
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额", "逾期不补正", "缴纳费用"),
}

# --- the other sections ------------------------------------------------------------------------------

TEXT_SECTIONS = {
    "overview": ("总体情况",),
    "problems": ("存在的主要问题及改进情况", "存在的主要问题", "主要问题及改进"),
    "other": ("其他需要报告的事项", "其他需要报告"),
}
# a section heading printed inside a long line (a page dumped without its line breaks): its ordinal, then
# the heading's words
INLINE_HEADING_ORDINAL = r"[一二三四五六][、.．]\s*"
SECTION_ORDER = ("overview", "active_disclosure", "requests", "review_litigation", "problems", "other")
SECTION_ORDINALS = ("一", "二", "三", "四", "五", "六")

# --- arithmetic ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """lhs cells sum to rhs cells, each given as 'table.row.column'."""

    name: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]

    @property
    def cells(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


@cache
def rules(template: TemplateName) -> tuple[Rule, ...]:
    """The four arithmetic rules of SCHEMA.md, expanded to one equation per row, column or group."""
    req = "requests"
    outcome = OUTCOME_ROWS_2019 if template == "2019" else OUTCOME_ROWS_2021
    out: list[Rule] = []
    for c in REQUEST_COLUMNS:
        k = c.key
        out.append(
            Rule(
                f"rule1:{k}",
                (f"{req}.new_received.{k}", f"{req}.carried_over.{k}"),
                (f"{req}.total_processed.{k}", f"{req}.carried_forward.{k}"),
            )
        )
    for r in TEMPLATES[template].tables[req].rows:
        out.append(
            Rule(f"rule2:{r.key}", tuple(f"{req}.{r.key}.{c.key}" for c in APPLICANTS), (f"{req}.{r.key}.total",))
        )
    for c in REQUEST_COLUMNS:
        out.append(
            Rule(f"rule3:{c.key}", tuple(f"{req}.{r}.{c.key}" for r in outcome), (f"{req}.total_processed.{c.key}",))
        )
    for g in REVIEW_GROUPS:
        parts = tuple(f"review_litigation.{g.key}.{c.key}" for c in REVIEW_COLUMNS[:4])
        out.append(Rule(f"rule4:{g.key}", parts, (f"review_litigation.{g.key}.total",)))
    return tuple(out)



# --- wording outside the tables: units, marks, titles, page furniture ---------------------------------
# Every stage takes these from here, so a variant seen in a new report is added once.

YUAN = "元"  # an amount printed in 元 is converted to the contract's 万元
WAN_YUAN = "万元"
# units printed after a number in a cell ("251000元", "62件"): dropped from the number, 元 converted
VALUE_UNITS = (WAN_YUAN, YUAN, "件", "个", "条", "项", "次")
# a cell that says "nothing": read as 0 with a finding (SCHEMA "Values")
DASHES = frozenset({"—", "-", "/", "无", "——", "－", "–", "―", "—/—", "\\", "－－", "--"})
# a footnote mark printed after a number: 55*, 12①, 3（注1）, 7(2)
FOOTNOTE_MARK = r"[*＊※]+|[①-⑳]|[（(]?注\d*[)）]?|[（(]\d{1,2}[)）]"
# page numbers and running footers inside a table's text (- 3 -, 第3页 共9页, 3/9, page 3)
PAGE_FURNITURE = (
    r"^\s*(?:[-—–－]+\s*\d{1,3}\s*[-—–－]+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3}|page\s*\d+)\s*$"
)
# the same, as a PDF page's header or footer line
PDF_PAGE_NUMBER = r"^[-—–－_~·•\s]*(第\s*)?\d{1,4}(\s*页)?([/／]\s*(共\s*)?\d{1,4}\s*页?)?[-—–－_~·•\s]*$"
PDF_VALUE = r"^([+\-−—–]?\d[\d,，.]*%?|[-—–/／]+|无)$"  # what a table cell of numbers looks like in a PDF
LABEL_ORDINAL = r"^[（(]?[一二三四五六七八九十\d]+[)）、.．]"  # 一、 （三） 1. opening a row label

# What a table's body prints, whatever its heading says (spaces allowed between characters).
TABLE_CONTENT = {
    "active_disclosure": r"第二十条[ \t]*第[ \t]*[（(][ \t]*[一五六八九][ \t]*[)）][ \t]*项",
    "requests": r"本[ \t]*年[ \t]*新[ \t]*收|上[ \t]*年[ \t]*结[ \t]*转[ \t]*政[ \t]*府",
    "review_litigation": r"结[ \t]*果[ \t]*维[ \t]*持|尚[ \t]*未[ \t]*审[ \t]*结|复议后起诉|未经复议",
}

# numbers the narrative states: a count and its measure word (62件, 135个, 3项)
NARRATIVE_COUNT = r"(\d+)\s*(?:件|个|项|份|部)"
SENTENCE_END = "。；;！!？?\n"

# Figures the narrative states for sections 三 and 四 ("共新收政府信息公开申请1225件", "办结69件", "行政复议案件2件,
# 行政诉讼案件7件"): the words that introduce each; the readings it may have, each a set of cells whose sum it
# states (受理 and 收到 count the applications carried over from last year in some reports, 新收 never); and a
# word that must stand between the cue and the number, or right after the number ("共收到70件申请"), if any.
_NEW, _OVER = "requests.new_received.total", "requests.carried_over.total"
NARRATIVE_FIGURES: tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...], str], ...] = (
    (("新收",), ((_NEW,),), "申请"),
    (("收到", "受理"), ((_NEW,), (_NEW, _OVER)), "申请"),
    (("上年结转",), ((_OVER,),), ""),
    (("办结",), (("requests.total_processed.total",),), ""),
    (("行政复议",), (("review_litigation.review.total",),), ""),
    (
        ("行政诉讼",),
        (("review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total"),),
        "",
    ),
)
NARRATIVE_GAP = r"[^，,。；;、：:\d\n]{0,16}?"  # words between a figure's cue and its number
NARRATIVE_UNIT = "件"
# a sentence comparing with another year states other years' figures too: not checked
NARRATIVE_COMPARISON = ("同比", "去年", "较上年", "上一年度", "比上年")

# --- the title -----------------------------------------------------------------------------------------

YEAR = r"(20\d\d)\s*年"
YEAR_CHAR = "年"
ANNUAL_REPORT = "年度报告"
WORK_REPORT = "工作报告"
REPORT_TITLE = r"(?:政府信息公开|政务公开).{0,8}年度报告$"  # a line that opens a report
# the title's fixed tail, after the body's name and the year
TITLE_TAIL = r"(?:政府)?信息公开(?:工作)?(?:年度)?报告$|政务公开(?:工作)?(?:年度)?报告$|年度报告$"
TITLE_PREFIX = "关于"
YEAR_OF_REPORT = r"(20\d\d)\s*年度?"  # the year in a title, with 年度 ("2024年度…年度报告")
# the header block a web archiver writes on top of a saved page: field -> the label it prints
ARCHIVE_HEADER = {
    "title": "标题",
    "published": "发布时间",
    "number": "文号",
    "publisher": "发布机构",
    "column": "栏目",
    "source_url": "原文链接",
}
DATE = r"(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"  # 2020-01-20, 2020年1月20日  # "关于…的报告": not part of the body's name
# the statistics period the narrative states ("统计期限自2021年1月1日起"): the year reported on
STATISTICS_PERIOD = r"(?:统计(?:时限|期限|周期|时间)|数据统计)[^。\n]{0,12}?(20\d\d)\s*年\s*1\s*月\s*1\s*日"

# --- section 三's （六） rows across the two templates -----------------------------------------------

# words every （六） sub-row label of the 2021 template prints one of: a cheap pre-filter before similarity
OTHER_SUBROW_WORDS = ("其他", "申请人", "逾期")
OTHER_WORD = "其他"  # the old single （六）其他处理 row says it

# --- table headers: cells that are neither a column nor a group ------------------------------------------------

# words of header cells over the row labels or beside the columns (notes, units, the label column's title)
HEADER_NOISE = ("勾稽关系", CONTENT_HEADER, "栏次", "行次", "序号", "项目", "类别", "单位", "指标", "名称")

# --- rows that number the columns (栏次) ----------------------------------------------------------------------
# a row under the header that numbers the columns (1 2 3 …, 1–5 again for each group of 四) or the label
# columns (甲 乙 丙): not data, in any table
NUMBERING_WORDS = ("栏次", "行次")
NUMBERING_LETTERS = "甲乙丙丁戊己庚辛壬癸"

# --- which printed table is this year's ------------------------------------------------------------------------
# A short line before a table that says it is another year's (a comparison table) or another body's (an appended
# subordinate body's): such a table is never read as this report's. A year the line names counts too (one that
# is not the report's year makes the table another year's); a date (2022年1月) is not a year named.
OTHER_TABLE_WORDS = (
    "对照", "同比", "上年度", "上一年度", "去年", "上年同期", "上年数据", "上年情况", "上年统计",
    "附：", "附:", "附表", "下属单位", "所属单位",
)  # fmt: skip
CAPTION_YEAR = r"(20\d\d)\s*年(?!\s*\d{1,2}\s*月)"
NOTE_PREFIXES = ("注", "说明", "备注")  # a note under or over a table is not its caption

# --- what is not a report giar reads (issue 15) -------------------------------------------------------------

# words a report's title says: a document with none of its tables, none of their headings and no title saying
# one of these is not a disclosure annual report (NotAnAnnualReport)
REPORT_TITLE_WORDS = ("信息公开", "政务公开")
# The template before 2019 (the statistics table of reports on 2018 and earlier: 政府信息公开情况统计表): rows a
# new-template table never prints. Three of them, and none of TABLE_CONTENT, make a report UnsupportedTemplate.
OLD_TEMPLATE_MARKERS = (
    "当面申请数",
    "传真申请数",
    "网络申请数",
    "信函申请数",
    "申请办结数",
    "按时办结数",
    "延期办结数",
    "申请答复数",
    "同意公开答复数",
    "不同意公开答复数",
    "维持具体行政行为数",
    "被依法纠错数",
    "举报投诉数量",
    "主动公开政府信息数",
    "回应解读情况",
)
OLD_TEMPLATE_MIN_MARKERS = 3
FIRST_TEMPLATE_YEAR = 2019  # the first year reported on in the national template giar reads
