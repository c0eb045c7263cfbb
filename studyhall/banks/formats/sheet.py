"""The Chinese Excel template (.xlsx) and the same layout as CSV.

Columns are found by header name (with the synonyms people use), and the header may sit under a
填写须知 notes row. Each row is one question; problems are reported by row and column.
"""

from __future__ import annotations

from flask_babel import gettext as _

from studyhall.banks.formats import fields
from studyhall.banks.formats.base import Glimpse, Issue, ParsedQuestion, ParseResult
from studyhall.questions import types
from studyhall.questions.answers import LETTERS, Answer
from studyhall.tabular import FileProblem, Limits, Row, Sheet, csv_bytes, find_header, read_rows, xlsx_bytes

OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)
HEADER = ("题型", "题干", *OPTION_COLUMNS, "答案", "解析", "分值", "难度", "知识点", "出处", "编号")
COLUMNS: dict[str, tuple[str, ...]] = {
    "题型": ("题型", "试题类型", "题目类型", "类型"),
    "题干": ("题干", "题目", "题目内容", "试题内容", "问题"),
    **{column: (column, column[-1], f"{column[-1]}选项") for column in OPTION_COLUMNS},
    "答案": ("答案", "正确答案", "标准答案", "参考答案"),
    "解析": ("解析", "答案解析", "试题解析"),
    "分值": ("分值", "分数", "得分"),
    "难度": ("难度", "难易程度", "难易度"),
    "知识点": ("知识点", "分类", "章节", "标签", "试题分类"),
    "出处": ("出处", "来源", "依据", "法条依据"),
    "编号": ("编号", "试题编号", "题号", "ID", "id"),
}
REQUIRED = ("题型", "题干", "答案")
# The template's example rows carry 编号 示例-1, 示例-2: left in a filled-in template they must not
# become questions. A 编号 is the one cell an administrator has no reason to start with 示例.
EXAMPLE_MARK = "示例"
# 10,000 questions import in about 6 s (benchmarks/bank_import.py); a bigger bank is split.
LIMITS = Limits(rows=12_000, cells=12_000 * 20)


def parse_xlsx(data: bytes) -> ParseResult:
    return _parse("xlsx", "questions.xlsx", data)


def parse_csv(data: bytes) -> ParseResult:
    return _parse("csv", "questions.csv", data)


def _parse(format_name: str, filename: str, data: bytes) -> ParseResult:
    result = ParseResult(format=format_name)
    try:
        rows = read_rows(filename, data, LIMITS)
        header_index, columns = find_header(rows, COLUMNS, REQUIRED)
    except FileProblem as problem:
        result.errors.append(Issue(str(problem), row=None, line=None))
        return result
    examples = 0
    for row in rows[header_index + 1 :]:
        if row.get(columns.get("编号")).strip().startswith(EXAMPLE_MARK):
            result.warnings.append(
                Issue(
                    _("An example row of the template (编号 starts with 示例): not imported."), row=row.number
                )
            )
            examples += 1
            continue
        question = _question(row, columns, result)
        if question is not None:
            result.questions.append(question)
    if not result.questions and not result.errors:
        result.errors.append(
            Issue(
                _("The file holds only the template's example rows: add your questions below them.")
                if examples
                else _("The file has a header but no questions.")
            )
        )
    return result


def _question(row: Row, columns: dict[str, int], result: ParseResult) -> ParsedQuestion | None:
    def cell(name: str) -> str:
        return row.get(columns.get(name)).strip()

    def error(column: str, message: str) -> None:
        result.errors.append(
            Issue(_("Column %(column)s: %(message)s", column=column, message=message), row=row.number)
        )

    errors_before = len(result.errors)
    type_text = cell("题型")
    kind = types.by_name(type_text)
    if kind is None:
        error(
            "题型",
            _("unknown question type “%(type)s” (use 单选, 多选, 判断 or 填空).", type=type_text)
            if type_text
            else _("empty."),
        )
    stem = cell("题干")
    if not stem:
        error("题干", _("empty."))
    options = [cell(column) for column in OPTION_COLUMNS]
    while options and not options[-1]:
        options.pop()
    answer_text = cell("答案")
    answer: Answer | None = None
    if not answer_text:
        error("答案", _("empty."))
    elif kind is not None:
        answer = kind.parse_answer(answer_text)
        if answer is None:
            error("答案", kind.unreadable_answer(answer_text))
    difficulty = None
    if cell("难度"):
        difficulty = fields.difficulty(cell("难度"))
        if difficulty is None:
            error("难度", _("“%(value)s” is not 1–5 or 易/中/难.", value=cell("难度")))
    score = None
    if cell("分值"):
        score = fields.score(cell("分值"))
        if score is None:
            error("分值", _("“%(value)s” is not a positive number.", value=cell("分值")))
    if len(result.errors) > errors_before or kind is None or answer is None:
        result.glimpses[row.number] = Glimpse(kind.key if kind else type_text, stem)
        return None
    return ParsedQuestion(
        type=kind.key,
        stem=stem,
        options=options if kind.has_options else [],
        answer=answer,
        explanation=cell("解析"),
        categories=fields.categories(cell("知识点")),
        difficulty=difficulty,
        score=score,
        source=cell("出处"),
        external_id=cell("编号"),
        line=row.number,
    )


def _cells(question: ParsedQuestion) -> list[object]:
    options = question.options + [""] * (len(LETTERS) - len(question.options))
    kind = types.get(question.type)
    answer = kind.answer_text(question.answer)
    type_name = kind.aliases[0]
    score = "" if question.score is None else f"{question.score:g}"
    return [
        type_name,
        question.stem,
        *options,
        answer,
        question.explanation,
        score,
        question.difficulty or "",
        ";".join(question.categories),
        question.source,
        question.external_id,
    ]


def export_csv(questions: list[ParsedQuestion]) -> bytes:
    return csv_bytes([HEADER, *(_cells(question) for question in questions)])


def export_xlsx(questions: list[ParsedQuestion]) -> bytes:
    return xlsx_bytes(
        Sheet("试题", [HEADER, *(_cells(question) for question in questions)]),
        Sheet("填写须知", [("列名", "是否必填", "说明", "示例"), *NOTES]),
    )


NOTES = (
    ("题型", "必填", "单选、多选、判断、填空（也可写 单选题、单项选择题 等）。", "单选"),
    ("题干", "必填", "题目内容。填空题中每个空写作 ____（四个下划线）。", "每年____为全民国家安全教育日。"),
    ("选项A～选项H", "单选、多选必填", "2～8 个选项，从选项A起连续填写；判断题、填空题留空。", "4月15日"),
    (
        "答案",
        "必填",
        "单选填一个字母；多选填多个字母，如 ACD、A,C,D、A、C、D；判断填 对/错（或 正确/错误、√/×）；"
        "填空题各空之间用分号“;”分隔，同一空的多个可接受答案用“|”分隔。",
        "4月15日|四月十五日",
    ),
    ("解析", "选填", "答案解析，交卷并按规则公布后显示。", "《国家安全法》第十四条……"),
    ("分值", "选填", "本题默认分值，正数。", "1"),
    ("难度", "选填", "1～5，或 易/中/难、简单/中等/困难。", "易"),
    ("知识点", "选填", "一个或多个，用分号分隔。", "国家安全法;国家安全教育日"),
    (
        "出处",
        "选填（内置题库必填）",
        "法律法规及条款，或文件及章节。",
        "《中华人民共和国国家安全法》第十四条",
    ),
    (
        "编号",
        "选填",
        "试题编号；再次导入时编号相同的题目视为同一题（内容变化则生成新版本）。"
        f"编号以“{EXAMPLE_MARK}”开头的行是模板自带的示例，导入时跳过，可以留着参考，也可以删除。",
        "NS-001",
    ),
)


def template_xlsx() -> bytes:
    """The downloadable template: the header, two example rows (skipped on import) and the notes sheet."""
    examples = [
        ParsedQuestion(
            type="single",
            stem="每年（　）为全民国家安全教育日。",
            options=["3月15日", "4月15日", "10月1日", "12月4日"],
            answer=["B"],
            explanation="国家安全法第十四条规定每年4月15日为全民国家安全教育日。",
            categories=["国家安全法"],
            difficulty=2,
            score=1,
            source="《中华人民共和国国家安全法》第十四条",
            external_id=f"{EXAMPLE_MARK}-1",
        ),
        ParsedQuestion(
            type="blank",
            stem="每年____为全民国家安全教育日。",
            answer=[["4月15日", "四月十五日"]],
            source="《中华人民共和国国家安全法》第十四条",
            external_id=f"{EXAMPLE_MARK}-2",
        ),
    ]
    return export_xlsx(examples)
